"""The synthetic pose generator itself: its touchdowns are where the feet stop, its
kinematics are those of people, and its faults are the ones asked for."""

from __future__ import annotations

import numpy as np
import pytest

from tests.vision import synth
from tests.vision.synth import FEET, SPRINT, Faults, Gait, Jumps, Occlusion, OneFoot, Stand

MOTIONS = {
    "walk": Gait(),
    "slow walk": Gait(speed_mps=0.9, cadence_hz=1.6, seed=3),
    "sprint": Gait(shape=SPRINT, speed_mps=7.0, cadence_hz=4.5),
    "jumps": Jumps(),
    "jacks": Jumps(jacks=True, height_m=0.06, ground_s=0.25),
}
MS = np.arange(0.0, 4.0, 0.001)  # a 1 kHz look at the motion


def feet(motion, t: np.ndarray):
    """Heel and toe points of both feet at times t."""
    if isinstance(motion, Gait):
        return motion.feet(t)  # without the pelvis, which takes longer
    kin = motion.kinematics(t)
    return kin.heel, kin.toe


def lowest(kin: synth.Kinematics, foot: str) -> np.ndarray:
    return np.minimum(kin.heel[foot][:, 1], kin.toe[foot][:, 1])


@pytest.mark.parametrize("name", MOTIONS)
def test_touchdown_is_when_the_landing_part_meets_the_floor_and_stops(name):
    motion = MOTIONS[name]
    touchdowns = [c for c in motion.kinematics(MS).contacts if 0.1 < c[0] < 3.8]
    assert touchdowns
    offsets = np.array([-0.01, -0.002, 0.0, 0.002, 0.01, 0.04])
    probe = np.concatenate([tc + offsets for tc, *_ in touchdowns])
    heel, toe = feet(motion, probe)
    for i, (tc, foot, _, point) in enumerate(touchdowns):
        rows = slice(6 * i, 6 * i + 6)
        part = heel[foot][rows] if heel[foot][rows][2, 1] <= toe[foot][rows][2, 1] else toe[foot][rows]
        assert part[2, 1] == pytest.approx(0.0, abs=1e-9)  # on the floor at the touchdown
        assert np.all(part[:2, 1] > 1e-5)  # in the air just before it
        assert np.allclose(part[2:], part[2], atol=1e-9)  # and still for the next 40 ms
        assert np.allclose(part[2], point, atol=1e-9)  # where the truth says
        assert np.linalg.norm(part[1] - part[0]) / 0.008 > 0.2  # it was moving (m/s)


@pytest.mark.parametrize("name", MOTIONS)
def test_feet_never_go_through_the_floor(name):
    kin = MOTIONS[name].kinematics(MS)
    for foot in FEET:
        assert lowest(kin, foot).min() > -1e-9


@pytest.mark.parametrize("name", MOTIONS)
def test_thigh_and_shank_keep_their_length(name):
    motion = MOTIONS[name]
    pts = synth.skeleton(motion.kinematics(MS), motion.body)
    for hip, knee, ankle in ((23, 25, 27), (24, 26, 28)):
        thigh = np.linalg.norm(pts[:, knee] - pts[:, hip], axis=1)
        shank = np.linalg.norm(pts[:, ankle] - pts[:, knee], axis=1)
        assert np.allclose(thigh, motion.body.thigh_m, rtol=1e-6)
        assert np.allclose(shank, motion.body.shank_m, rtol=0.02)  # a walking leg may stretch 1.5 % at heel strike


def test_walking_has_double_support_and_never_flies():
    kin = MOTIONS["walk"].kinematics(MS)
    down = {foot: lowest(kin, foot) < 1e-9 for foot in FEET}
    both = np.mean(down["left"] & down["right"])
    assert 0.18 < both < 0.3  # two double supports of ~12 % of the cycle each (Perry)
    assert not np.any(~down["left"] & ~down["right"])


def test_walking_heel_comes_in_gently():
    """Heel at ~20 deg, 0.56 m/s at touchdown, within 3 cm of the floor for its last ~60 ms."""
    motion = MOTIONS["walk"]
    kin = motion.kinematics(MS)
    steps = [c for c in kin.contacts if 0.5 < c[0] < 3.5]
    for tc, foot, _, _ in steps:
        k = motion.kinematics(tc + np.array([-0.1, -0.06, -0.001, 0.0]))
        assert np.degrees(k.pitch[foot][3]) == pytest.approx(20, abs=1)
        assert 0.03 < k.heel[foot][0, 1] < 0.08 and k.heel[foot][1, 1] < 0.035
    clip = synth.walking("right")
    assert [c.approach_mps for c in clip.contacts] == pytest.approx([0.56] * len(clip.contacts), abs=0.01)
    heel_speed = np.linalg.norm(np.gradient(kin.heel["left"], MS, axis=0), axis=1)
    assert 4.0 < heel_speed.max() < 6.5  # mid-swing foot ~3.5-4.5 x walking speed
    assert 0.2 < kin.heel["left"][:, 1].max() < 0.3


def test_sprint_has_short_contacts_and_flight():
    kin = MOTIONS["sprint"].kinematics(MS)
    touchdowns = sorted(c[0] for c in kin.contacts if 0.0 < c[0] < 4.0)
    assert 4.0 <= 1 / np.median(np.diff(touchdowns)) <= 5.0  # steps per second
    down = {foot: lowest(kin, foot) < 1e-9 for foot in FEET}
    assert not np.any(down["left"] & down["right"])
    for foot in FEET:
        edges = np.diff(down[foot].astype(int))
        on, off = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        off = off[off > on[0]][: len(on)]
        contact_s = (off - on[: len(off)]) / 1000
        assert np.all((contact_s > 0.08) & (contact_s < 0.12))
    assert 11 < np.linalg.norm(np.gradient(kin.toe["left"], MS, axis=0), axis=1).max() < 16  # ~2 x 7 m/s


def test_jumps_are_ballistic_and_two_footed():
    motion = MOTIONS["jumps"]
    kin = motion.kinematics(MS)
    flight_s = 2 * np.sqrt(2 * motion.height_m / synth.G)
    landings = {foot: sorted(c[0] for c in kin.contacts if c[1] == foot) for foot in FEET}
    for left, right in zip(landings["left"], landings["right"]):
        assert 0 <= right - left <= 0.02
        apex = motion.kinematics(np.array([left - flight_s / 2]))
        assert apex.toe["left"][0, 1] == pytest.approx(motion.height_m, abs=1e-6)
    assert {c[2] for c in kin.contacts} == {"landing"}


@pytest.mark.parametrize("motion", [Stand(), Stand(squat_period_s=2.0), OneFoot(), OneFoot(swing_m=0.2)])
def test_standing_still_squatting_and_balancing_have_no_touchdowns(motion):
    kin = motion.kinematics(MS)
    assert kin.contacts == []
    assert lowest(kin, "left").max() < 1e-9  # the standing foot never leaves the floor
    if isinstance(motion, OneFoot):
        assert lowest(kin, "right").min() > 0.1  # the raised one never comes down


def test_frame_times():
    assert np.array_equal(synth.frame_times(25, 2.0), np.arange(50) / 25)
    t = synth.frame_times(30, 10.0, jitter=0.3, drop=0.05)
    step = np.diff(t)
    assert np.all(step >= 0.7 / 30 - 1e-12) and np.all(step <= 2 * 1.3 / 30 + 1e-12)
    assert 0.02 < np.mean(step > 1.5 / 30) < 0.09  # dropped frames


def test_noise_is_the_requested_share_of_the_leg():
    clean = synth.walking("right", faults=Faults(noise=0.0, world_noise_m=0.0)).poses.tracks[0]
    noisy = synth.walking("right", faults=Faults(noise=0.01)).poses.tracks[0]
    leg_px = np.nanmedian(np.linalg.norm(np.diff(clean.image[:, [23, 25, 27], :2], axis=1), axis=2).sum(axis=1))
    sigma = np.nanstd(noisy.image[..., :2] - clean.image[..., :2])
    assert sigma / leg_px == pytest.approx(0.01, rel=0.1)


def test_presence_window_and_entering_the_picture():
    track = synth.walking("right", faults=Faults(seen_s=(1.0, 4.0))).poses.tracks[0]
    inside = (track.t_s >= 1.0) & (track.t_s <= 4.0)
    assert np.array_equal(track.present, inside)
    assert np.all(track.visibility[~inside] == 0)
    entering = synth.side_view(lambda half: Gait(origin=(-half - 0.5, 6.0)), duration_s=5.0, faults=Faults(margin=0.05))
    seen = entering.poses.tracks[0].present
    assert not seen[0] and seen[-1] and seen.sum() < len(seen) - 10
    assert not any(c.seen for c in entering.contacts if c.x < 0.05)


def test_leg_swaps_exchange_the_labels_for_a_frame_or_two():
    plain = synth.walking("right").poses.tracks[0]
    swapped = synth.walking("right", faults=Faults(swaps=4)).poses.tracks[0]
    changed = np.flatnonzero(np.any(plain.image[:, 29] != swapped.image[:, 29], axis=1))
    assert 2 <= len(changed) <= 8  # episodes may overlap
    for k in changed:  # the noise is drawn first, so a swapped frame is the plain one with left and right exchanged
        assert np.allclose(swapped.image[k, 29], plain.image[k, 30])
        assert np.allclose(swapped.world[k, 25], plain.world[k, 26])
        assert np.array_equal(swapped.image[k, :23], plain.image[k, :23])


@pytest.mark.parametrize("mode", ["nan", "guess", "mirror"])
def test_occlusion_hides_one_foot(mode):
    clip = synth.walking("right", faults=Faults(occlusions=(Occlusion("left", 1.5, 3.5, mode),)))
    track = clip.poses.tracks[0]
    hidden = (track.t_s >= 1.5) & (track.t_s < 3.5)
    assert np.all(track.visibility[hidden][:, [25, 27, 29, 31]] < 0.3)
    assert np.all(track.visibility[~hidden][:, [25, 27, 29, 31]] > 0.5)
    assert np.all(np.isnan(track.image[hidden][:, 29])) == (mode == "nan")
    if mode == "mirror":
        assert np.nanmax(np.abs(track.image[hidden][:, 29] - track.image[hidden][:, 30])) < 20
    assert all(not c.seen for c in clip.contacts if c.foot == "left" and 1.3 < c.t_s < 3.6)
    assert all(c.seen for c in clip.contacts if c.foot == "right" and 0.3 < c.t_s < 4.8)


def test_picture_size_changes_nothing_but_the_scale():
    small, large = (synth.walking("right", size=s).poses for s in ((640, 360), (3840, 2160)))
    a, b = small.tracks[0].image[..., :2] / 360, large.tracks[0].image[..., :2] / 2160
    assert np.allclose(a, b, atol=1e-5, equal_nan=True)
    assert [c.x for c in synth.walking("right", size=(640, 360)).contacts] == pytest.approx(
        [c.x for c in synth.walking("right", size=(3840, 2160)).contacts])


def test_walking_toward_the_camera_grows_and_moves_the_feet_up_and_down():
    clip = synth.walking("toward")
    track = clip.poses.tracks[0]
    body = np.nanmax(track.image[:, :, 1], axis=1) - np.nanmin(track.image[:, :, 1], axis=1)
    assert body[-1] > 1.8 * body[0]
    spots = np.array([(c.x * clip.poses.width, c.y * clip.poses.height) for c in clip.contacts if c.foot == "left"])
    travel = np.abs(np.diff(spots, axis=0))
    assert np.all(travel[:, 1] > 2 * travel[:, 0])  # successive footprints: mostly down the picture


def test_truth_position_is_the_landing_landmark():
    clip = synth.walking("right", faults=Faults(noise=0.0, world_noise_m=0.0))
    track = clip.poses.tracks[0]
    for c in clip.expected():
        k = int(np.searchsorted(track.t_s, c.t_s)) + 1  # a frame into the stance: the heel is down and still
        heel = track.image[k, 29 if c.foot == "left" else 30, :2]
        assert (heel[0] / clip.poses.width, heel[1] / clip.poses.height) == pytest.approx((c.x, c.y), abs=1e-6)


def test_world_landmarks_are_hip_centred_metres_y_down():
    track = synth.walking("right", faults=Faults(noise=0.0, world_noise_m=0.0)).poses.tracks[0]
    assert np.allclose(track.world[:, [23, 24]].mean(axis=1), 0.0, atol=1e-6)
    assert np.all(track.world[:, 29:33, 1] > 0.5)  # feet 0.6-0.9 m below the hips
    assert np.all(track.world[:, 0, 1] < -0.6)  # the nose ~0.7 m above them


def test_far_side_is_less_visible_in_a_side_view():
    track = synth.walking("right").poses.tracks[0]  # walking right: the left side faces away
    assert track.visibility[:, 29].mean() < track.visibility[:, 30].mean() - 0.1


def test_match_is_one_to_one_and_ignores_unseen_contacts():
    def contact(t, seen=True):
        return synth.Contact(t, 0, "left", "step", 0.5, 0.5, 1.0, 100.0, seen)

    class Event:
        def __init__(self, t_s, foot="left"):
            self.t_s, self.person, self.foot = t_s, 0, foot

    truth = [contact(1.0), contact(1.5), contact(3.0, seen=False)]
    m = synth.match([Event(1.01), Event(1.02), Event(3.0), Event(1.5, "right")], truth, 0.05)
    assert [(c.t_s, e.t_s) for c, e in m.pairs] == [(1.0, 1.01)]
    assert [c.t_s for c in m.missed] == [1.5]
    assert sorted(e.t_s for e in m.extra) == [1.02, 1.5]
    assert [e.t_s for e in m.ignored] == [3.0]
