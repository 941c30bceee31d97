"""Multi-person pose on real clips: who is found, and whether each keeps one id.

Each clip is run once per module (a few seconds each on a laptop CPU). The identity
checks use what the ground truth and the clip notes say about where each person is,
never the tracker's own numbering.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from foleystudio.media.frames import Frame, iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.timebase import frame_rate
from foleystudio.vision.actions import detect_actions
from foleystudio.vision.contacts import detect_contacts
from foleystudio.vision.landmarks import N_LANDMARKS
from foleystudio.vision.pose import Followed, PoseConfig, Poses, PoseTrack, Span, estimate_poses, finish_poses
from tests.vision import synth

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


def whole(poses: Poses, track: PoseTrack) -> PoseTrack:
    """`track` over every frame of `poses` (NaN, visibility 0, outside its own frames): tests index by frame."""
    n, rows = len(poses.frames), slice(track.first, track.first + len(track))
    image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    world, vis = image.copy(), np.zeros((n, N_LANDMARKS), np.float32)
    image[rows], world[rows], vis[rows] = track.image, track.world, track.visibility
    return PoseTrack(track.person, poses.frames, poses.t_s, image, world, vis)


def assert_contract(poses: Poses, n_frames: int) -> None:
    assert len(poses.frames) == len(poses.t_s) == n_frames
    assert [tr.person for tr in poses.tracks] == list(range(len(poses.tracks)))
    firsts = [tr.first for tr in poses.tracks]
    assert firsts == sorted(firsts)  # ids in order of first appearance
    for tr in poses.tracks:
        n, rows = len(tr), slice(tr.first, tr.first + len(tr))
        assert 0 <= tr.first and tr.first + n <= n_frames
        assert np.array_equal(tr.frames, poses.frames[rows]) and np.array_equal(tr.t_s, poses.t_s[rows])
        assert tr.image.shape == tr.world.shape == (n, N_LANDMARKS, 3)
        assert tr.visibility.shape == (n, N_LANDMARKS)
        assert tr.image.dtype == tr.world.dtype == tr.visibility.dtype == np.float32
        # from the frame before the person is first seen to the one after the last, where the video has them
        first_seen, last_seen = tr.first + np.flatnonzero(tr.present)[[0, -1]]
        assert tr.first == max(0, first_seen - 1) and tr.first + n == min(n_frames, last_seen + 2)
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
    man, woman = sorted((whole(poses, tr) for tr in poses.tracks), key=lambda tr: np.nanmedian(hips(tr)[:, 1]))
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
        assert whole(poses, tr).present.mean() > 0.7  # both are in the blocks from the first frame


@pytest.mark.clips
def test_single_person_clip_gives_one_track(shared):
    poses = run(shared, "tfjs_jump.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1
    assert whole(poses, poses.tracks[0]).present.mean() > 0.95


@pytest.mark.clips
def test_frames_with_nobody_are_nan(shared):
    """intel_walk_a opens on an empty room; the walker comes in after about a second."""
    poses = run(shared, "intel_walk_a.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1
    track = whole(poses, poses.tracks[0])
    assert not track.present[0] and np.isnan(track.image[0]).all() and (track.visibility[0] == 0).all()
    assert track.present.mean() > 0.6
    assert poses.tracks[0].first == int(np.argmax(track.present)) - 1 > 10  # the track starts as the walker comes in


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
    man, woman = sorted((whole(poses, tr) for tr in poses.tracks), key=lambda tr: np.nanmedian(hips(tr)[:, 1]))
    assert man.present.mean() > 0.8 and woman.present.mean() > 0.6
    seen = woman.present
    assert hips(woman)[seen][0, 0] < hips(woman)[seen][-1, 0]  # mirrored: she walks left to right


@pytest.mark.clips
def test_no_track_crosses_a_cut(shared):
    """cut_walk_sprint: grass walk, hard cut at 7.68 s (frame 230), then a sprinter."""
    poses = run(shared, "cut_walk_sprint.mp4")
    assert_contract(poses, len(poses.frames))
    cut = int(np.argmin(np.abs(poses.t_s - 7.68)))  # first frame of the second shot (230)
    tracks = [whole(poses, tr) for tr in poses.tracks]
    assert all(not (tr.present[:cut].any() and tr.present[cut:].any()) for tr in tracks)
    assert any(tr.present[cut:].mean() > 0.8 for tr in tracks)  # the sprinter is found at once


@pytest.mark.clips
def test_low_frame_rate_portrait(shared):
    """tfjs_squats: 5 fps, 720x1280 portrait, one person squatting."""
    poses = run(shared, "tfjs_squats.mp4")
    assert_contract(poses, len(poses.frames))
    assert len(poses.tracks) == 1 and whole(poses, poses.tracks[0]).present.mean() > 0.9


# -- a track over its own frames -------------------------------------------------------------------


def test_a_span_keeps_the_rows_seen_numbered_from_where_it_is_cut():
    image = np.full((10, N_LANDMARKS, 3), np.nan, np.float32)
    image[[3, 4, 6]] = 1.0  # seen at rows 3, 4 and 6 of 10
    vis = np.where(np.isnan(image[:, :, 0]), 0.0, 0.9).astype(np.float32)
    span = Span(5, image, image.copy(), vis)  # rows 5..15 of the whole: seen at 8, 9 and 11
    assert span.end == 15
    seen = span.within(0, 20)
    assert (seen.first, seen.end) == (8, 12) and not np.isnan(seen.image[[0, 1, 3]]).any()
    assert np.isnan(seen.image[2]).all() and seen.visibility[2].max() == 0
    assert (span.within(9, 12).first, span.within(9, 12).end) == (0, 3)  # rows 9..11, numbered from 9
    assert span.within(10, 11) is None and span.within(0, 8) is None and span.within(20, 30) is None
    over = span.over(6, 13).image
    assert over.shape == (7, N_LANDMARKS, 3)
    assert [bool(np.isfinite(r).all()) for r in over] == [False, False, True, True, False, True, False]
    joined = Span.of_rows([(8, image[3:5], image[3:5], vis[3:5]), (11, image[6:7], image[6:7], vis[6:7])])
    assert (joined.first, joined.end) == (8, 12)
    np.testing.assert_array_equal(joined.image, seen.image)
    np.testing.assert_array_equal(joined.visibility, seen.visibility)


def test_held_rows_leave_the_tracks_and_a_camera_restart_moves_to_the_next_row():
    n = 10
    image = np.arange(n, dtype=np.float32)[:, None, None] * np.ones((1, N_LANDMARKS, 3), np.float32)
    vis = np.ones((n, N_LANDMARKS), np.float32)
    held = np.zeros(n, bool)
    held[[2, 7]] = True
    starts = np.zeros(n, bool)
    starts[[0, 7]] = True  # a restart on a held row
    followed = Followed(frames=np.arange(n) + 100, t_s=np.arange(n) / 30, tracks=(Span(1, image[1:9], image[1:9],
                        vis[1:9]), Span(7, image[7:8], image[7:8], vis[7:8])),
                        camera=np.tile(np.eye(3)[:2], (n, 1, 1)), camera_starts=starts, held=held)
    kept = followed.rows(~held)
    assert list(kept.frames) == [100, 101, 103, 104, 105, 106, 108, 109] and len(kept.t_s) == len(kept.camera) == 8
    (span,) = kept.tracks  # the one seen only on a held row is gone
    assert span.first == 1 and list(span.image[:, 0, 0]) == [1, 3, 4, 5, 6, 8]
    assert list(np.flatnonzero(kept.camera_starts)) == [0, 6]  # row 7's restart is on row 8, now the 7th row
    assert not kept.held.any()
    poses = finish_poses(replace(followed, tracks=followed.tracks[:1]), 640, 480, PoseConfig(min_track_s=0.0))
    assert list(poses.frames) == list(kept.frames) and list(poses.tracks[0].frames) == [100, 101, 103, 104, 105,
                                                                                        106, 108, 109]


def test_held_frames_are_followed_through_and_left_out():
    rng = np.random.default_rng(0)
    frames = [Frame(index=i, t_s=i / 25, rgb=rng.integers(90, 110, (240, 320, 3), dtype=np.uint8), scale=0.5,
                    held=i % 5 == 4) for i in range(12)]
    events = []
    poses = estimate_poses(iter(frames), width=640, height=480, callback=events.append)
    assert list(poses.frames) == [0, 1, 2, 3, 5, 6, 7, 8, 10, 11]
    assert len(events) == 12  # every frame was looked at


def _cut_out(clip, seen_s: tuple[float, float]) -> tuple[Poses, Poses]:
    """The clip's one walker seen only in `seen_s`: as a track over the whole video (as tracks were), and over
    its own frames the way `finish_poses` cuts them."""
    p = clip.poses
    (track,) = p.tracks
    hidden = (p.t_s < seen_s[0]) | (p.t_s > seen_s[1])
    image, world, vis = track.image.copy(), track.world.copy(), track.visibility.copy()
    image[hidden], world[hidden], vis[hidden] = np.nan, np.nan, 0.0
    whole = replace(p, tracks=(PoseTrack(0, p.frames, p.t_s, image, world, vis),))
    followed = Followed(frames=p.frames, t_s=p.t_s, tracks=(Span(0, image, world, vis),),
                        camera=np.tile(np.eye(3)[:2], (len(p.t_s), 1, 1)), camera_starts=p.t_s == p.t_s[0])
    own = finish_poses(followed, p.width, p.height)
    return whole, replace(own, camera=p.camera)


@pytest.mark.parametrize("fps", [25.0, 29.97, 30.0, 60.0])
def test_a_track_over_its_own_frames_finds_what_it_found_over_the_whole_video(fps):
    """Someone who walks in and out: the events, to the last digit, are those of a track as long as the video
    (the rate read from a stretch of 25 fps times once rounded 2.5 frames both ways, and lost a step)."""
    whole, own = _cut_out(synth.walking(fps=fps, duration_s=6.0, seed=3), (1.3, 4.7))
    (track,) = own.tracks
    assert track.first > 0 and track.first + len(track) < len(own.frames)  # cut at both ends
    assert len(track) < 0.65 * len(whole.frames)
    found = detect_contacts(own)
    assert len(found) >= 4 and found.events == detect_contacts(whole).events
    assert detect_actions(own, None).events == detect_actions(whole, None).events


def test_every_stretch_of_a_constant_rate_reads_the_same_rate():
    for fps in (25.0, 29.97, 30000 / 1001, 50.0, 60.0):
        t = np.arange(600) / fps
        rates = {frame_rate(t[a:b]) for a in range(0, 40, 3) for b in range(200, 600, 37)}
        assert rates == {round(fps, 6)}, (fps, rates)
    assert frame_rate(np.array([0.0])) == 30.0 and frame_rate(np.array([]), default=25.0) == 25.0
