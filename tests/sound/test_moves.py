"""The moves layer: clothes that rustle as fast as the limbs move, silent when nobody moves, without clicks."""

from __future__ import annotations

import functools
import itertools
import time
from dataclasses import replace

import numpy as np
import pytest
from scipy import signal

from foleystudio.errors import InputError
from foleystudio.materials import FABRICS
from foleystudio.sound.moves import MovesOptions, motion_energy, render_moves, render_moves_by_person
from foleystudio.sound.spatial import SpatialConfig, pan_gains
from foleystudio.vision.pose import Poses
from tests.vision import synth
from tests.vision import synth_actions as A
from tests.vision.synth_motion import Body, Stand

SR = 48_000
START_S, STOP_S, LENGTH_S = 1.0, 3.0, 4.0  # the arms swing between these times
SILENCE = 10 ** (-90 / 20)


@functools.cache
def swinging(amplitude_rad: float, origin_x: float = 0.0, seed: int = 0) -> Poses:
    """A person standing 5 m away who swings both arms (`amplitude_rad`, 1.2 Hz) from START_S to STOP_S.

    The swing starts at full speed (a sine from 0): the sound must still fade in.
    """
    t = A.times(LENGTH_S)
    body = Body()
    kin = Stand(origin=(origin_x, 5.0), body=body).kinematics(t)
    on = (t >= START_S) & (t < STOP_S)
    kin.arm_swing = np.where(on, amplitude_rad * np.sin(2 * np.pi * 1.2 * (t - START_S)), 0.0)
    return A.film(synth.skeleton(kin, body), kin.pelvis, t, body=body, seed=seed)


def moves(poses: Poses, **options) -> np.ndarray:
    seed = options.pop("seed", 0)
    return render_moves(poses, n_samples=int(LENGTH_S * SR), sr=SR, seed=seed, options=MovesOptions(**options)).audio


def _rms(x) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


def steady(audio: np.ndarray) -> np.ndarray:
    return audio[int((START_S + 0.5) * SR): int((STOP_S - 0.5) * SR)]


@pytest.mark.parametrize("name, poses", [
    ("standing still", lambda: synth.facing(Stand()).poses),
    ("arms at rest", lambda: swinging(0.0)),
])
def test_nobody_moving_is_silence(name, poses):
    audio = moves(poses())
    assert np.abs(audio).max() < SILENCE


def test_level_rises_with_limb_speed():
    levels = [_rms(steady(moves(swinging(a)))) for a in (0.25, 0.5, 1.0)]
    assert 0 < levels[0] < levels[1] < levels[2]
    assert levels[2] > 2 * levels[0]


def test_motion_energy_is_in_body_heights_per_second():
    """A 1 rad swing at 1.2 Hz moves the wrists ~0.6 m along an arc: ~2.2 m/s peak, ~1.3 body heights/s."""
    energy = motion_energy(swinging(1.0).tracks[0])
    t = A.times(LENGTH_S)
    assert 0.8 < np.percentile(energy[(t > START_S + 0.2) & (t < STOP_S - 0.2)], 90) < 2.5
    assert np.max(energy[t < START_S - 0.3]) < MovesOptions().jitter_speed  # still: only jitter


def test_no_click_when_a_movement_starts_or_stops():
    audio = moves(swinging(1.0))[:, 0]
    level = _rms(steady(audio))
    heard = np.flatnonzero(np.abs(audio) > SILENCE)
    first, last = heard[0], heard[-1]
    ten_ms = int(0.01 * SR)
    assert first > int((START_S - 0.3) * SR) and last < int((STOP_S + 0.3) * SR)  # it follows the swing
    assert _rms(audio[first: first + ten_ms]) < 0.1 * level  # fades in, however abruptly the arms start
    assert _rms(audio[last - ten_ms: last + 1]) < 0.1 * level  # ... and out


def test_fabrics_have_their_own_spectra():
    centroids = {}
    for fabric in FABRICS:
        f, p = signal.welch(moves(swinging(0.8), fabric=fabric)[:, 0], SR, nperseg=4096)
        centroids[fabric] = float((f * p).sum() / p.sum())
    for a, b in itertools.combinations(FABRICS, 2):
        assert abs(np.log(centroids[a] / centroids[b])) > np.log(1.1), centroids
    assert centroids["nylon"] > centroids["cotton"] > centroids["leather"]
    with pytest.raises(InputError, match="cotton"):
        moves(swinging(0.8), fabric="silk")


def test_faster_motion_is_brighter():
    def centroid(amplitude):
        f, p = signal.welch(steady(moves(swinging(amplitude))[:, 0]), SR, nperseg=4096)
        return float((f * p).sum() / p.sum())
    assert centroid(1.0) > 1.1 * centroid(0.25)


def test_deterministic_for_a_seed():
    a, b = moves(swinging(0.5), seed=3), moves(swinging(0.5), seed=3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, moves(swinging(0.5), seed=4))


@pytest.mark.parametrize("origin_x", [-1.5, 1.5])
def test_panned_with_the_person(origin_x):
    """The channels' ratio is the constant-power pan of where the hips are in the picture."""
    poses = swinging(0.8, origin_x=origin_x)
    audio = moves(poses)
    x = float(np.nanmedian(poses.tracks[0].image[:, [23, 24], 0])) / poses.width
    gain_l, gain_r = pan_gains(x, SpatialConfig().pan_width)
    assert (x < 0.3) if origin_x < 0 else (x > 0.7)
    assert _rms(audio[:, 0]) / _rms(audio[:, 1]) == pytest.approx(gain_l / gain_r, rel=0.02)


def test_people_add_up_and_each_has_their_own_stem():
    one, two = swinging(0.8, -1.0).tracks[0], swinging(0.5, 1.0, seed=1).tracks[0]
    base = swinging(0.8, -1.0)
    poses = Poses(base.width, base.height, base.frames, base.t_s, (one, replace(two, person=1)))
    stems = render_moves_by_person(poses, n_samples=int(LENGTH_S * SR), sr=SR, seed=0)
    total = render_moves(poses, n_samples=int(LENGTH_S * SR), sr=SR, seed=0)
    assert sorted(stems) == [0, 1] and total.name == "moves"
    assert np.allclose(stems[0].audio + stems[1].audio, total.audio, atol=1e-7)


def test_a_minute_of_running_renders_in_under_0_3_s():
    """Vectorised: the best of three renders of one running person (the machine is shared)."""
    poses = synth.running(duration_s=60.0).poses
    render_moves(poses, n_samples=60 * SR, sr=SR)  # the grain bank is built once
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        audio = render_moves(poses, n_samples=60 * SR, sr=SR).audio
        best = min(best, time.perf_counter() - t0)
    assert _rms(audio) > 0
    assert best < 0.3, f"{best:.3f} s"
