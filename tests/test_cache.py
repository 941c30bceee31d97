"""The analysis cache: poses and whole analyses round-trip; other schemas, damage and other code are recomputed."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

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


def test_a_whole_analysis_comes_back_without_decoding(tmp_path, monkeypatch):
    """The second analyse() of the same video reads everything from the cache: no frame is decoded."""
    from dataclasses import replace

    from foleystudio import analysis as analysis_module
    from foleystudio.analysis import AnalysisOptions, analyse
    from foleystudio.vision.contacts import ContactConfig
    from tests.conftest import make_video

    video = make_video(tmp_path / "v.mp4", n_frames=20)
    options = AnalysisOptions(cache_dir=str(tmp_path / "cache"))
    first = analyse(video, options)
    events = []

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(analysis_module, "iter_frames", no_decoding)
    again = analyse(video, options, callback=events.append)
    assert events == [{"stage": "analysis", "cached": True}]
    assert again.contacts == first.contacts and again.shots == first.shots
    assert again.info.path == str(video)
    with pytest.raises(AssertionError, match="decoded again"):  # other settings: a new analysis
        analyse(video, replace(options, contacts=replace(ContactConfig(), min_confidence=0.5)))


def test_a_damaged_or_foreign_analysis_is_recomputed(tmp_path):
    from foleystudio.cache import load_analysis, save_analysis

    save_analysis(tmp_path, "k", {"anything": 1})
    assert load_analysis(tmp_path, "k") == {"anything": 1}
    (tmp_path / "k.analysis.pickle").write_bytes(b"not a pickle")
    assert load_analysis(tmp_path, "k") is None
    (tmp_path / "k.analysis.pickle").write_bytes(pickle.dumps(("foleystudio.analysis.0", {"old": 1})))
    assert load_analysis(tmp_path, "k") is None
    assert load_analysis(tmp_path, "missing") is None


def test_the_analysis_key_follows_the_code(monkeypatch, tmp_path):
    (tmp_path / "vision").mkdir()
    (tmp_path / "vision" / "contacts.py").write_text("A = 1\n")
    (tmp_path / "analysis.py").write_text("")
    before = cache.code_fingerprint(tmp_path)
    (tmp_path / "vision" / "contacts.py").write_text("A = 2\n")
    assert cache.code_fingerprint(tmp_path) != before


def test_the_pose_key_follows_the_pose_code_only(tmp_path):
    """Poses cached by other pose code are never read (a stale cache once hid a change in a tracker), while a
    change to the contact detector keeps them: tuning it does not run pose again."""
    for name in cache.POSE_CODE + ("vision/contacts.py",):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("A = 1\n")
    before = cache.code_fingerprint(tmp_path, names=cache.POSE_CODE)
    (tmp_path / "vision" / "contacts.py").write_text("A = 2\n")
    assert cache.code_fingerprint(tmp_path, names=cache.POSE_CODE) == before
    (tmp_path / "vision" / "tracking.py").write_text("A = 2\n")
    assert cache.code_fingerprint(tmp_path, names=cache.POSE_CODE) != before
    real = Path(cache.__file__).resolve().parent
    assert all((real / name).is_file() for name in cache.POSE_CODE)  # every name is a file the package has
