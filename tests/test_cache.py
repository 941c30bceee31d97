"""The pose cache: a round trip keeps the tracks and the camera path; other schemas are recomputed."""

from __future__ import annotations

import numpy as np

from foleystudio import cache
from foleystudio.cache import load_poses, save_poses, video_key
from foleystudio.vision.pose import PoseConfig, Poses, PoseTrack


def _poses(camera: bool) -> Poses:
    rng = np.random.default_rng(0)
    n = 5
    frames, t = np.arange(n), np.arange(n) / 30
    track = PoseTrack(person=0, frames=frames, t_s=t, image=rng.normal(size=(n, 33, 3)).astype(np.float32),
                      world=rng.normal(size=(n, 33, 3)).astype(np.float32),
                      visibility=rng.uniform(size=(n, 33)).astype(np.float32))
    path = np.tile([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], (n, 1, 1))
    path[:, 0, 2] = np.arange(n) * 3.0
    return Poses(640, 360, frames, t, (track,), camera=path if camera else None)


def test_round_trip_keeps_tracks_and_camera_path(tmp_path):
    for with_camera in (True, False):
        poses = _poses(with_camera)
        save_poses(tmp_path, f"k{with_camera}", poses)
        back = load_poses(tmp_path, f"k{with_camera}")
        assert back is not None and (back.width, back.height) == (640, 360)
        assert np.array_equal(back.tracks[0].image, poses.tracks[0].image)
        if with_camera:
            assert np.array_equal(back.camera, poses.camera)
        else:
            assert back.camera is None


def test_an_entry_of_another_schema_is_not_trusted(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "SCHEMA", "foleystudio.poses.1")
    save_poses(tmp_path, "old", _poses(True))
    monkeypatch.undo()
    assert load_poses(tmp_path, "old") is None


def test_the_key_follows_the_content_and_the_settings(tmp_path):
    video = tmp_path / "v.bin"
    video.write_bytes(b"x" * 1000)
    key = video_key(video, PoseConfig())
    assert key == video_key(video, PoseConfig())
    assert key != video_key(video, PoseConfig(max_people=2))
    video.write_bytes(b"y" * 1000)
    assert key != video_key(video, PoseConfig())
