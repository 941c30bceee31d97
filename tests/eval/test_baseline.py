import numpy as np
import pytest

from foleystudio.eval.baseline import BaselineConfig, alternate, baseline_contacts, normalise, sample_indices
from foleystudio.vision.landmarks import FOOT, LEFT_HEEL, N_LANDMARKS, NOSE, RIGHT_HEEL
from foleystudio.vision.pose import Poses, PoseTrack

FPS = 30.0
HIP_PX = np.array([500.0, 300.0])


def walker(duration_s=6.0, *, period_s=1.0, left_peak_s=0.5, person=0, fps=FPS, t_s=None):
    """A side-on walker whose hip-heel distance peaks (heel strikes) at known times.

    The heel hangs straight below the hip at 200 +- 40 px, cosine in time; the right foot
    is half a period after the left, so strikes alternate L, R, L, ...
    """
    t = np.arange(round(duration_s * fps)) / fps if t_s is None else np.asarray(t_s)
    n = len(t)
    image = np.tile(np.array([*HIP_PX, 0.0], np.float32), (n, N_LANDMARKS, 1))
    image[:, NOSE, 1] = HIP_PX[1] - 250.0
    for foot, phase_s in (("left", left_peak_s), ("right", left_peak_s + period_s / 2)):
        d = 200.0 + 40.0 * np.cos(2 * np.pi * (t - phase_s) / period_s)
        image[:, FOOT[foot]["heel"], 1] = HIP_PX[1] + d
    track = PoseTrack(
        person=person,
        frames=np.arange(n),
        t_s=t,
        image=image,
        world=np.zeros((n, N_LANDMARKS, 3), np.float32),
        visibility=np.ones((n, N_LANDMARKS), np.float32),
    )
    return track


def poses_of(*tracks, width=1000, height=800):
    first = tracks[0] if tracks else None
    frames = first.frames if first is not None else np.zeros(0, np.int64)
    t_s = first.t_s if first is not None else np.zeros(0)
    return Poses(width=width, height=height, frames=frames, t_s=t_s, tracks=tuple(tracks))


def test_walker_strikes_at_known_times():
    events = baseline_contacts(poses_of(walker()))
    expected = np.arange(0.5, 5.6, 0.5)  # L 0.5, R 1.0, L 1.5, ... L 5.5
    np.testing.assert_allclose([e.t_s for e in events], expected, atol=1e-9)
    assert [e.foot for e in events] == ["left", "right"] * 5 + ["left"]
    assert [e.frame for e in events] == [round(t * FPS) for t in expected]
    first = events.events[0]
    assert first.kind == "step" and first.person == 0
    assert first.x == pytest.approx(0.5) and first.y == pytest.approx((300 + 240) / 800)
    assert first.confidence == pytest.approx(1.0)  # normalised peak height
    assert first.body_px == pytest.approx(250 + 240)


def test_vertical_distance_gives_the_same_peaks_for_a_hanging_heel():
    euclid = baseline_contacts(poses_of(walker()))
    vertical = baseline_contacts(poses_of(walker()), config=BaselineConfig(distance="vertical"))
    assert [e.t_s for e in euclid] == [e.t_s for e in vertical]


def test_peaks_off_the_10_fps_grid_land_on_the_nearest_sample():
    events = baseline_contacts(poses_of(walker(left_peak_s=0.533)))  # frame 16, between samples 15 and 18
    assert events.events[0].t_s == pytest.approx(0.5)
    assert all(round(e.frame) % 3 == 0 for e in events)  # only every third frame is looked at


def test_peak_distance_is_in_samples():
    # 0.4 s stride per foot = 4 samples at 10 fps: closer than `distance 5`, so every other peak is lost.
    fast = baseline_contacts(poses_of(walker(period_s=0.4, left_peak_s=0.4)), config=BaselineConfig(alternate=False))
    left = [e.t_s for e in fast if e.foot == "left"]
    assert np.all(np.diff(left) >= 0.5 - 1e-9)


def test_sample_indices_at_10_fps():
    t = np.arange(90) / 30.0
    np.testing.assert_array_equal(sample_indices(t, 10.0), np.arange(0, 90, 3))
    vfr = np.array([0.0, 1 / 60, 0.05, 0.1, 0.2, 0.21, 0.3])
    np.testing.assert_array_equal(sample_indices(vfr, 10.0), [0, 3, 4, 6])
    assert len(sample_indices(np.zeros(0), 10.0)) == 0


def test_alternation_keeps_the_highest_of_a_same_foot_run():
    peaks = [
        (0, "left", 0.4, 0.1),
        (6, "left", 0.9, 0.2),
        (12, "right", 0.5, 0.1),
        (18, "right", 0.3, 0.1),
        (24, "left", 0.7, 0.1),
    ]
    assert alternate(peaks) == [(6, "left", 0.9, 0.2), (12, "right", 0.5, 0.1), (24, "left", 0.7, 0.1)]
    assert alternate([]) == []


def test_alternation_removes_a_double_left():
    track = walker()
    # Flatten the right foot between 1.6 and 2.8 s: its strike at 2.0 disappears, so the left
    # strikes at 1.5 and 2.5 are adjacent and only the higher one survives.
    flat = (track.t_s > 1.6) & (track.t_s < 2.8)
    track.image[flat, RIGHT_HEEL, 1] = HIP_PX[1] + 170.0
    track.image[np.isclose(track.t_s, 1.5), LEFT_HEEL, 1] += 10.0  # 1.5 higher than 2.5
    with_filter = [(round(e.t_s, 3), e.foot) for e in baseline_contacts(poses_of(track))]
    unfiltered = baseline_contacts(poses_of(track), config=BaselineConfig(alternate=False))
    without = [(round(e.t_s, 3), e.foot) for e in unfiltered]
    assert (1.5, "left") in without and (2.5, "left") in without and (2.0, "right") not in without
    assert (1.5, "left") in with_filter and (2.5, "left") not in with_filter


def test_gaps_are_bridged_and_short_tracks_give_nothing():
    track = walker()
    track.image[40:50] = np.nan  # person lost for a third of a second
    events = baseline_contacts(poses_of(track))
    assert all(np.isfinite(e.t_s) for e in events)
    assert 0.5 in [round(e.t_s, 3) for e in events] and 5.5 in [round(e.t_s, 3) for e in events]
    assert normalise(np.array([1.0, np.nan, np.nan])) is None
    assert normalise(np.full(10, 3.0)) is None
    assert len(baseline_contacts(poses_of(walker(duration_s=0.2)))) == 0
    assert len(baseline_contacts(poses_of())) == 0


def test_every_person_is_picked_separately():
    a = walker(person=0)
    b = walker(person=3, left_peak_s=0.7)
    events = baseline_contacts(poses_of(a, b))
    assert {e.person for e in events} == {0, 3}
    assert [e.t_s for e in events] == sorted(e.t_s for e in events)
    feet = [e.foot for e in events if e.person == 3]
    assert feet[:2] == ["right", "left"] and all(a != b for a, b in zip(feet, feet[1:]))


def test_bad_distance_name():
    with pytest.raises(ValueError, match="distance"):
        baseline_contacts(poses_of(walker()), config=BaselineConfig(distance="manhattan"))
