"""Claps, slaps, falls, sit-downs and kneels on synthetic people whose events are known exactly.

Scenes come from `synth_actions` (scripted hands or hips on the synthetic figure, with
MediaPipe-like jitter) and `synth` (walking, running, jumping, squatting). Found: one
event of the right kind within a frame of the truth (a clap between frames within half
a frame). Not found: hands that stop short, drift together or cross; slow squats, walks,
runs, jumps. And the impacts from vision.motion: a footstep's is dropped, a clap's is
merged, a hand's is that person's hit, anyone else's is an impact of nobody.
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest

from foleystudio.vision.actions import KINDS, ActionEvents, detect_actions
from foleystudio.vision.contacts import ContactEvent, ContactEvents, detect_contacts
from foleystudio.vision.motion import MotionEvent, MotionEvents
from foleystudio.vision.pose import Poses
from tests.vision import synth
from tests.vision import synth_actions as A
from tests.vision.synth_motion import Stand

FRAME_S = 1 / A.FPS


def actions(poses: Poses, motion=None, contacts=None) -> ActionEvents:
    return detect_actions(poses, motion, contacts=contacts)


def kinds(found: ActionEvents) -> list[str]:
    return [e.kind for e in found]


# ---------------------------------------------------------------------------------------------- claps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hands_meeting_give_one_clap_per_meeting_at_its_frame(seed):
    scene = A.clapping((1.0, 1.7, 2.4), seed=seed)
    found = actions(scene.poses)
    assert kinds(found) == ["clap"] * 3
    for e, t in zip(found, scene.truth):
        assert abs(e.t_s - t) <= FRAME_S and abs(e.frame - round(t * A.FPS)) <= 1
        assert abs(e.x - 0.5) < 0.05 and e.person == 0 and e.body_px > 0
        assert 0 < e.strength <= 1 and e.confidence > 0.5


def test_a_clap_between_frames_is_timed_between_them():
    scene = A.clapping((1.013, 1.71, 2.42))  # 0.39, 0.3 and 0.6 of a frame after one
    found = actions(scene.poses)
    assert kinds(found) == ["clap"] * 3
    errors = [abs(e.t_s - t) * A.FPS for e, t in zip(found, scene.truth)]
    assert max(errors) <= 0.5, errors


def test_a_harder_clap_is_stronger():
    soft, hard = (actions(A.clapping((1.0,), close_mps=v).poses).events[0] for v in (1.2, 4.0))
    assert hard.strength > soft.strength


@pytest.mark.parametrize("name, scene", [
    ("hands that stop 30 cm apart", lambda: A.clapping((1.0, 1.7), meet_m=0.3)),
    ("hands brought together at 0.7 m/s", lambda: A.clapping((1.0,), close_mps=0.7)),
    ("hands that pass each other (arms crossing)", lambda: A.clapping((1.0,), meet_m=-0.3)),
    ("hands that cover each other 40 cm apart in depth", lambda: A.clapping((1.0,), depth_m=0.4)),
])
def test_no_clap_when_the_hands_do_not_meet(name, scene):
    assert len(actions(scene().poses)) == 0


def test_hands_mediapipe_barely_sees_or_outside_the_picture_are_not_trusted():
    scene = A.clapping((1.0, 1.7))
    track = scene.poses.tracks[0]
    hidden = track.visibility.copy()
    hidden[:, [16, 18, 20, 22]] = 0.4  # the right hand behind the body: MediaPipe guesses it
    outside = track.image.copy()
    outside[:, :, 0] -= float(np.nanmedian(track.image[:, 15:23, 0]))  # the hands on the left edge and beyond
    for changed in (replace(track, visibility=hidden), replace(track, image=outside)):
        assert len(actions(replace(scene.poses, tracks=(changed,)))) == 0


def test_claps_do_not_depend_on_the_picture_size():
    scene = A.clapping((1.0, 1.7))
    track = scene.poses.tracks[0]
    small = replace(track, image=track.image * np.float32(0.25))
    quarter = Poses(scene.poses.width // 4, scene.poses.height // 4, scene.poses.frames, scene.poses.t_s, (small,))
    full, reduced = actions(scene.poses), actions(quarter)
    assert kinds(reduced) == kinds(full) == ["clap", "clap"]
    assert all(abs(a.t_s - b.t_s) < 1e-3 for a, b in zip(full, reduced))


# ---------------------------------------------------------------------------------------------- slaps


@pytest.mark.parametrize("t", [1.2, 1.21, 1.23])
def test_a_hand_stopping_dead_on_the_thigh_is_one_slap(t):
    found = actions(A.slapping((t,), speed_mps=4.0).poses)
    assert kinds(found) == ["slap"]
    assert abs(found.events[0].t_s - t) <= FRAME_S


# ---------------------------------------------------------------------------------------------- hips


@pytest.mark.parametrize("kind, scene", [
    ("fall", lambda: A.dropping(0.75)),  # hip from 0.91 m to 0.16 m at 0.8 g: 3.4 m/s at the floor
    ("sit", lambda: A.dropping(0.4, accel_mps2=4.0, max_mps=1.1)),  # onto a chair at 1.1 m/s
    ("kneel", lambda: A.dropping(0.42, accel_mps2=4.0, max_mps=1.0, knees_down=True)),
])
def test_a_hip_that_drops_fast_and_stops_is_one_event_at_the_end_of_the_drop(kind, scene):
    s = scene()
    found = actions(s.poses)
    assert kinds(found) == [kind]
    e = found.events[0]
    assert abs(e.t_s - s.truth[0]) <= FRAME_S
    assert abs(e.x - 0.5) < 0.05 and e.body_px > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_claps_falls_and_sit_downs_hold_at_twice_the_usual_jitter(seed):
    """Landmarks jittered by 1.2 % of a leg (MediaPipe: 0.5-1 %)."""
    claps = A.clapping((1.0, 1.7, 2.4), noise=0.012, seed=seed)
    assert kinds(actions(claps.poses)) == ["clap"] * 3
    for kind, scene in (("fall", A.dropping(0.75, noise=0.012, seed=seed)),
                        ("sit", A.dropping(0.4, accel_mps2=4.0, max_mps=1.1, noise=0.012, seed=seed))):
        found = actions(scene.poses)
        assert kinds(found) == [kind] and abs(found.events[0].t_s - scene.truth[0]) <= FRAME_S


def test_a_fall_is_stronger_than_a_sit_down():
    fall = actions(A.dropping(0.75).poses).events[0]
    sit = actions(A.dropping(0.4, accel_mps2=4.0, max_mps=1.1).poses).events[0]
    assert fall.strength > sit.strength


def test_a_fall_filmed_by_a_tilting_camera_is_found_in_the_ground_frame():
    """The picture slides up 4 px a frame (the camera tilts down); the camera path takes it off."""
    s = A.dropping(0.75)
    track = s.poses.tracks[0]
    n = len(track)
    shift = -4.0 * np.arange(n)
    image = track.image.copy()
    image[:, :, 1] += shift[:, None].astype(np.float32)
    camera = np.zeros((n, 2, 3))
    camera[:, 0, 0] = camera[:, 1, 1] = 1.0
    camera[:, 1, 2] = -shift  # picture -> the shot's first frame
    poses = replace(s.poses, tracks=(replace(track, image=image),), camera=camera)
    found = actions(poses)
    assert kinds(found) == ["fall"]
    assert abs(found.events[0].t_s - s.truth[0]) <= FRAME_S


def _without_world(poses: Poses) -> Poses:
    return replace(poses, tracks=tuple(replace(t, world=np.full_like(t.world, np.nan)) for t in poses.tracks))


def _slid(poses: Poses) -> Poses:
    """The whole picture of the person moves 0.3 of their height down at ~1 height/s, then stops."""
    track = poses.tracks[0]
    t = track.t_s
    body_px = 0.6 * poses.height
    shift = np.clip((t - 1.0) * body_px, 0.0, 0.3 * body_px).astype(np.float32)
    image = track.image.copy()
    image[:, :, 1] += shift[:, None]
    return replace(poses, tracks=(replace(track, image=image),))


@functools.cache
def _jumps() -> synth.Clip:
    return synth.facing(synth.Jumps(jumps=3))


@pytest.mark.parametrize("name, poses", [
    ("a slow squat held at the bottom", lambda: A.dropping(0.5, ease_s=1.2).poses),
    ("squats, 2 s each", lambda: synth.facing(Stand(squat_period_s=2.0)).poses),
    ("quick squats, 1.2 s each", lambda: synth.facing(Stand(squat_period_s=1.2)).poses),
    ("walking", lambda: synth.walking().poses),
    ("walking towards the camera", lambda: synth.walking("toward").poses),
    ("running", lambda: synth.running().poses),
    ("walking, twice the jitter and leg swaps", lambda: synth.walking(faults=synth.Faults(noise=0.012, swaps=3)).poses),
    ("running, twice the jitter", lambda: synth.running(faults=synth.Faults(noise=0.012)).poses),
    ("standing, three times the jitter", lambda: synth.facing(Stand(), faults=synth.Faults(noise=0.02)).poses),
    ("running, without world landmarks (hands pass in the picture)", lambda: _without_world(synth.running().poses)),
    ("a person sliding down the picture (a tilt the camera path missed)", lambda: _slid(A.clapping(()).poses)),
    ("jumping", lambda: _jumps().poses),
])
def test_nothing_from_squats_walks_runs_or_jumps(name, poses):
    assert len(actions(poses())) == 0


def test_a_jump_landing_is_left_to_the_footsteps():
    clip = _jumps()
    contacts = detect_contacts(clip.poses)
    assert "landing" in {c.kind for c in contacts}
    assert len(actions(clip.poses, contacts=contacts)) == 0


def _landing(t_s: float, person: int = 0) -> ContactEvent:
    return ContactEvent(t_s=t_s, frame=round(t_s * A.FPS), person=person, foot="left", kind="landing",
                        confidence=1.0, strength=0.8, x=0.5, y=0.9, body_px=650.0)


def test_a_landing_contact_at_the_same_moment_takes_the_event():
    s = A.dropping(0.75)
    t = s.truth[0]
    assert kinds(actions(s.poses, contacts=ContactEvents((_landing(t + 0.05),)))) == []
    assert kinds(actions(s.poses, contacts=ContactEvents((_landing(t + 0.3),)))) == ["fall"]
    assert kinds(actions(s.poses, contacts=ContactEvents((_landing(t, person=1),)))) == ["fall"]


# ---------------------------------------------------------------------------------------------- motion


def _impact(t_s: float, x: float, y: float) -> MotionEvent:
    return MotionEvent(t_s=t_s, frame=round(t_s * A.FPS), x=x, y=y, strength=0.6, confidence=0.9, speed=1.5,
                       size=0.05, kind="stop")


def test_motion_impacts_at_footsteps_are_dropped_and_elsewhere_are_impacts_of_nobody():
    clip = synth.walking()
    contacts = detect_contacts(clip.poses)
    assert len(contacts) >= 6
    at_feet = [_impact(c.t_s + 0.02, c.x, c.y) for c in contacts]
    far = _impact(2.0, 0.85, 0.15)  # towards the top corner, nobody there
    leaving = _impact(2.5, 0.03, 0.5)  # at the picture's edge: something leaving it seems to stop
    found = actions(clip.poses, MotionEvents(tuple(sorted([*at_feet, far, leaving], key=lambda m: m.t_s))), contacts)
    assert kinds(found) == ["impact"]
    e = found.events[0]
    assert e.person == -1 and e.body_px == 0.0 and (e.t_s, e.x, e.y) == (far.t_s, far.x, far.y)


def test_a_motion_impact_at_a_hand_is_the_clap_or_that_person_s_hit():
    scene = A.clapping((1.0,))
    track = scene.poses.tracks[0]
    w, h = scene.poses.width, scene.poses.height
    hand = track.image[:, 19, :2].mean(axis=0)
    torso = 0.5 * (track.image[:, 11, :2] + track.image[:, 24, :2]).mean(axis=0)
    motion = MotionEvents((
        _impact(1.01, hand[0] / w, hand[1] / h),  # the clap itself, seen in the motion too
        _impact(2.5, hand[0] / w, hand[1] / h),  # a hand stopping on something later
        _impact(2.7, torso[0] / w, torso[1] / h),  # the body's own movement
    ))
    found = actions(scene.poses, motion)
    assert kinds(found) == ["clap", "hit"]
    assert found.events[1].person == 0 and found.events[1].t_s == 2.5


def test_events_are_sorted_and_of_known_kinds():
    scene = A.clapping((1.0, 1.7))
    motion = MotionEvents((_impact(0.5, 0.9, 0.1), _impact(2.2, 0.1, 0.1)))
    found = actions(scene.poses, motion)
    assert [e.t_s for e in found] == sorted(e.t_s for e in found)
    assert {e.kind for e in found} <= set(KINDS) and len(found) == 4
