"""Heel strikes from the gait cycle, on synthetic figures whose touchdowns are known."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from foleystudio.vision.gait import _running_sum, gait_strikes, heel_split_m
from tests.vision import synth
from tests.vision.synth import Faults, Jumps, Stand

STRIKE_S = 0.07  # within about two frames of the touchdown at 30 fps


def _strikes_vs_truth(c: synth.Clip):
    strikes = gait_strikes(c.poses.tracks[0])
    return strikes, synth.match(
        [_as_event(s) for s in strikes], [t for t in c.contacts if t.person == 0], STRIKE_S
    )


def _as_event(strike):
    return SimpleNamespace(t_s=strike.t_s, foot=strike.foot, person=0, kind="step", confidence=1.0)


@pytest.mark.parametrize("direction", ["right", "left", "toward", "away"])
def test_every_walking_step_is_a_strike_of_the_right_foot(direction):
    c = synth.walking(direction)
    strikes, m = _strikes_vs_truth(c)
    assert not m.missed and not m.extra, (direction, m.errors_s, m.missed, m.extra)
    for event, truth in m.pairs:
        assert event.foot == truth.foot


def test_sprinting_strikes_come_just_before_the_touchdowns():
    """A sprinter pulls the foot back before it lands (swing-leg retraction): the foot is
    farthest ahead 0-100 ms before touchdown, which is why contacts averages the strike with
    the picture's stop rather than taking it alone."""
    c = synth.running()
    strikes = gait_strikes(c.poses.tracks[0])
    seen = [t for t in c.contacts if t.seen]
    assert len(strikes) >= len(seen) - 1
    for s in strikes:
        lead = min((t.t_s - s.t_s for t in c.contacts if t.foot == s.foot and t.t_s >= s.t_s), default=np.inf)
        assert 0.0 <= lead <= 0.1, (s, lead)


@pytest.mark.parametrize("motion", [Stand(), Jumps()], ids=["standing", "jumping"])
def test_no_strikes_without_a_forward_swing(motion):
    assert gait_strikes(synth.facing(motion).poses.tracks[0]) == []


def test_split_alternates_sign_with_the_leading_foot():
    c = synth.walking("right")
    split = heel_split_m(c.poses.tracks[0])
    t = c.poses.tracks[0].t_s
    for truth in c.contacts:
        k = int(np.argmin(np.abs(t - truth.t_s)))
        assert np.sign(split[k]) == (1 if truth.foot == "left" else -1)


def test_no_strike_invented_where_the_track_starts_or_ends():
    c = synth.walking("right", duration_s=6.0, faults=Faults(seen_s=(0.8, 4.5)))
    strikes = gait_strikes(c.poses.tracks[0])
    assert strikes
    assert all(0.8 + 0.05 < s.t_s < 4.5 - 0.05 for s in strikes)


@pytest.mark.parametrize("rows", [5, 12, 22])
def test_a_track_shorter_than_the_facing_window_is_measured(rows):
    """Tracks run over the person's own frames: one seen for 0.2-0.7 s is shorter than the facing window (an
    0.8 s running sum, longer than the track, once made the sum longer than the track)."""
    clip = synth.walking(duration_s=3.0)
    (track,) = clip.poses.tracks
    part = replace(track, frames=track.frames[40:40 + rows], t_s=track.t_s[40:40 + rows],
                   image=track.image[40:40 + rows], world=track.world[40:40 + rows],
                   visibility=track.visibility[40:40 + rows])
    split = heel_split_m(part)
    assert split.shape == (rows,) and np.isfinite(split).all()
    np.testing.assert_allclose(split, heel_split_m(track)[40:40 + rows], atol=0.02)  # the same walker, facing known
    assert isinstance(gait_strikes(part), list)


@pytest.mark.parametrize("window", [3, 5, 25])
def test_running_sum_is_centred_and_as_long_as_its_input(window):
    rng = np.random.default_rng(window)
    for n in (1, 2, window - 1, window, 3 * window):
        x = rng.normal(size=n)
        want = [x[max(0, k - window // 2) : k + window // 2 + 1].sum() for k in range(n)]
        np.testing.assert_allclose(_running_sum(x, window), want)
