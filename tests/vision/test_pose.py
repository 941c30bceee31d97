"""Multi-person pose on real clips: who is found, and whether each keeps one id.

Each clip is run once per module (a few seconds each on a laptop CPU). The identity
checks use what the ground truth and the clip notes say about where each person is,
never the tracker's own numbering.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from foleystudio.media.frames import Frame, iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.vision.landmarks import N_LANDMARKS
from foleystudio.vision.pose import PoseConfig, Poses, estimate_poses

_CACHE: dict[str, Poses] = {}


def run(shared, clip: str, config: PoseConfig = PoseConfig()) -> Poses:
    if clip not in _CACHE:
        info = probe_video(shared / "media" / clip)
        width, height = info.display_size
        _CACHE[clip] = estimate_poses(iter_frames(info), width=width, height=height, config=config)
    return _CACHE[clip]


def hips(track) -> np.ndarray:
    """(n, 2) hip centre in display px, NaN where absent."""
    return track.image[:, [23, 24], :2].mean(axis=1)


def lowest_foot_y(track) -> np.ndarray:
    return track.image[:, 29:33, 1].max(axis=1)


def scored_events(gt: dict, person: int) -> list[dict]:
    return [e for e in gt["events"] if e["person"] == person and not any(a <= e["t"] <= b for a, b in gt["ignore"])]


def assert_contract(poses: Poses, n_frames: int) -> None:
    assert len(poses.frames) == len(poses.t_s) == n_frames
    assert [tr.person for tr in poses.tracks] == list(range(len(poses.tracks)))
    firsts = [int(np.argmax(tr.present)) for tr in poses.tracks]
    assert firsts == sorted(firsts)  # ids in order of first appearance
    for tr in poses.tracks:
        assert np.array_equal(tr.frames, poses.frames) and np.array_equal(tr.t_s, poses.t_s)
        assert tr.image.shape == tr.world.shape == (n_frames, N_LANDMARKS, 3)
        assert tr.visibility.shape == (n_frames, N_LANDMARKS)
        assert tr.image.dtype == tr.world.dtype == tr.visibility.dtype == np.float32
        absent = ~tr.present
        assert np.isnan(tr.image[absent]).all() and (tr.visibility[absent] == 0).all()
        assert not np.isnan(tr.image[tr.present]).any()


@pytest.mark.clips
def test_sports2d_walker_and_jumper_each_keep_one_id(shared):
    """Woman (gt person 0) walks right to left on the grass in front; man (gt person 1)
    jumps on the roof of a box behind, flips off it at ~162 and lands on the grass at 190.
    Both must be followed, each by one track, and neither track may jump to the other."""
    poses = run(shared, "sports2d_demo.mp4")
    gt = json.loads((shared / "gt" / "sports2d_demo.json").read_text())
    assert_contract(poses, 230)
    assert len(poses.tracks) == 2
    w, h = poses.width, poses.height
    man, woman = sorted(poses.tracks, key=lambda tr: np.nanmedian(hips(tr)[:, 1]))
    assert man.person == 0 and woman.person == 1  # he is on screen from the first frame, she from ~36

    # The woman: always on the grass, walking steadily leftwards, there for her steps.
    wh = hips(woman)
    seen = woman.present
    assert (wh[seen, 1] > 0.55 * h).all()
    assert wh[seen][0, 0] > 0.8 * w and wh[seen][-1, 0] < 0.15 * w
    x = wh[:, 0]
    assert np.nanmax(x[10:] - x[:-10]) < 0.03 * w  # never moves right by more than a little
    hits = [woman.present[e["frame"]] and lowest_foot_y(woman)[e["frame"]] > 0.6 * h for e in scored_events(gt, 0)]
    assert np.mean(hits) >= 0.8, hits

    # The man: on the roof for his jumps, the same id after the flip, on the grass right of her.
    mh = hips(man)
    on_roof = [e for e in scored_events(gt, 1) if e["frame"] < 162]
    assert np.mean([man.present[e["frame"]] and mh[e["frame"], 1] < 0.4 * h for e in on_roof]) >= 0.8
    after = [e for e in scored_events(gt, 1) if e["frame"] >= 185]
    assert after and all(man.present[e["frame"]] and mh[e["frame"], 0] > 0.4 * w for e in after)
    assert man.present[:160].mean() > 0.95 and man.present[190:225].mean() > 0.9
    late = man.present & (np.arange(230) > 185)
    assert (mh[late, 0] > 0.4 * w).all()  # never took over the woman, who is leaving on the left


@pytest.mark.clips
def test_hato_pair_two_sprinters_one_per_half(shared):
    """Two sprinters stacked vertically (1280x1440): one track per half, never swapping."""
    poses = run(shared, "hato_pair_b4_a7.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 2
    half = poses.height / 2
    tops = [np.all(hips(tr)[tr.present, 1] < half) for tr in poses.tracks]
    bottoms = [np.all(hips(tr)[tr.present, 1] > half) for tr in poses.tracks]
    assert sorted(tops) == [False, True] and sorted(bottoms) == [False, True]
    for tr in poses.tracks:
        assert tr.present.mean() > 0.7  # both are in the blocks from the first frame


@pytest.mark.clips
def test_single_person_clip_gives_one_track(shared):
    poses = run(shared, "tfjs_jump.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1
    assert poses.tracks[0].present.mean() > 0.95


@pytest.mark.clips
def test_frames_with_nobody_are_nan(shared):
    """intel_walk_a opens on an empty room; the walker comes in after about a second."""
    poses = run(shared, "intel_walk_a.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1
    track = poses.tracks[0]
    assert not track.present[0] and np.isnan(track.image[0]).all() and (track.visibility[0] == 0).all()
    assert track.present.mean() > 0.6


def test_no_people_no_tracks():
    rng = np.random.default_rng(0)
    frames = [
        Frame(index=i, t_s=i / 25, rgb=rng.integers(90, 110, (240, 320, 3), dtype=np.uint8), scale=0.5)
        for i in range(12)
    ]
    events = []
    poses = estimate_poses(iter(frames), width=640, height=480, callback=events.append)
    assert poses.tracks == ()
    assert list(poses.frames) == list(range(12)) and poses.t_s[-1] == pytest.approx(11 / 25)
    assert events == [{"stage": "pose", "frame": i} for i in range(12)]


@pytest.mark.clips
def test_same_people_at_360p_and_25_fps(shared):
    """The mirrored, 640x360, 25 fps variant of sports2d: still the same two people."""
    poses = run(shared, "sports2d_mirror_360p25.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 2
    man, woman = sorted(poses.tracks, key=lambda tr: np.nanmedian(hips(tr)[:, 1]))
    assert man.present.mean() > 0.8 and woman.present.mean() > 0.6
    seen = woman.present
    assert hips(woman)[seen][0, 0] < hips(woman)[seen][-1, 0]  # mirrored: she walks left to right


@pytest.mark.clips
def test_no_track_crosses_a_cut(shared):
    """cut_walk_sprint: grass walk, hard cut at 7.68 s (frame 230), then a sprinter."""
    poses = run(shared, "cut_walk_sprint.mp4")
    assert_contract(poses, len(poses.frames))
    cut = int(np.argmin(np.abs(poses.t_s - 7.68)))  # first frame of the second shot (230)
    assert all(not (tr.present[:cut].any() and tr.present[cut:].any()) for tr in poses.tracks)
    assert any(tr.present[cut:].mean() > 0.8 for tr in poses.tracks)  # the sprinter is found at once


@pytest.mark.clips
def test_low_frame_rate_portrait(shared):
    """tfjs_squats: 5 fps, 720x1280 portrait, one person squatting."""
    poses = run(shared, "tfjs_squats.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1 and poses.tracks[0].present.mean() > 0.9
