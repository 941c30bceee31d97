"""Loudness and true-peak targets of the stem normaliser."""

from __future__ import annotations

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from foleystudio.media.meter import ebur128
from foleystudio.sound.mix import (MixConfig, duck_gain, integrated_lufs, limiter_gain, master, normalise,
                                   true_peak_db)

SR = 48_000


def _clicks(n_s=4.0, level=0.05, seed=0):
    rng = np.random.default_rng(seed)
    out = np.zeros((int(n_s * SR), 2), np.float32)
    for k in range(int(n_s * 2)):
        start = int((0.25 + 0.5 * k) * SR)
        burst = rng.standard_normal(2400) * np.exp(-np.arange(2400) / 300) * level
        out[start : start + 2400] += burst[:, None]
    return out


def test_full_scale_sine_true_peak_is_0_db():
    t = np.arange(SR) / SR
    assert true_peak_db(np.sin(2 * np.pi * 997 * t)) == pytest.approx(0.0, abs=0.05)


def test_inter_sample_peak_is_found():
    # fs/4 sine sampled at 45 degrees: sample peaks are 0.707, the true peak is 1.0
    n = np.arange(4800)
    x = np.sin(np.pi / 2 * n + np.pi / 4)
    assert 20 * np.log10(np.max(np.abs(x))) == pytest.approx(-3.01, abs=0.01)
    assert true_peak_db(x) == pytest.approx(0.0, abs=0.2)  # BS.1770 4x meters read within ~0.5 dB


def test_quiet_stem_reaches_loudness_target_under_ceiling():
    audio = _clicks(level=0.01)
    out = normalise(audio, SR, MixConfig(target_lufs=-30.0))
    assert integrated_lufs(out, SR) == pytest.approx(-30.0, abs=0.1)
    assert true_peak_db(out) <= -1.0 + 1e-6


def test_peak_ceiling_wins_over_loudness():
    audio = _clicks(level=0.01)
    out = normalise(audio, SR, MixConfig(target_lufs=0.0, true_peak_db=-1.0))
    assert true_peak_db(out) == pytest.approx(-1.0, abs=0.01)
    assert integrated_lufs(out, SR) < 0.0


def test_gain_is_a_pure_scale():
    audio = _clicks()
    out = normalise(audio, SR)
    ratio = out[audio != 0] / audio[audio != 0]
    assert np.allclose(ratio, ratio[0], rtol=1e-5)


def test_silence_stays_silent():
    out = normalise(np.zeros((SR, 2), np.float32), SR)
    assert not out.any()


def _bed(n_s=4.0, level=0.01, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((int(n_s * SR), 2)) * level).astype(np.float32)


def test_the_limiter_holds_a_peak_under_the_ceiling_and_leaves_the_rest():
    audio = _bed(2.0, 0.05)
    hit = SR
    audio[hit:hit + 480] += (np.hanning(480) * 0.9)[:, None]
    config = MixConfig()
    gain = limiter_gain(audio, SR, -6.0, config)
    assert true_peak_db(audio * gain[:, None]) <= -6.0 + 0.05
    ahead, hold = int(config.limiter_lookahead_s * SR), int(config.limiter_hold_s * SR)
    assert np.all(gain[: hit - 2 * ahead] == 1.0) and np.all(gain[hit + 480 + hold + 2 * ahead:] == 1.0)
    assert np.abs(np.diff(gain)).max() <= 1.0 / ahead + 1e-6  # a ramp over the look-ahead, never a step
    assert np.all(limiter_gain(audio * 0.01, SR, -6.0, config) == 1.0)  # nothing over: nothing done


def test_ducking_follows_the_foley():
    key = _clicks(level=0.5)
    gain = duck_gain(key, SR)
    config = MixConfig()
    assert gain.min() == pytest.approx(10 ** (-config.duck_db / 20), rel=1e-3)  # the whole depth at a click
    first = int(0.25 * SR)  # the first click
    before = first - int((config.duck_release_s + config.duck_attack_s) / 2 * SR) - 1  # its smoothing's reach
    assert np.all(gain[:before] == 1.0) and gain[first + 1200] < 0.5
    assert np.all(duck_gain(np.zeros_like(key), SR) == 1.0)


@settings(max_examples=25, deadline=None)
@given(bed_db=st.floats(-60, -20), steps=st.floats(0.0, 0.9), target=st.sampled_from([-23.0, -24.0, -16.0]))
def test_the_master_meets_the_loudness_target_under_the_true_peak_ceiling(bed_db, steps, target):
    """Sharp steps over a bed, any balance: the mix lands on the target, its true peak at most -1 dBTP, and the
    stems still add up to it."""
    stems = [_bed(level=10 ** (bed_db / 20)), _clicks(level=steps)]
    mix = stems[0] + stems[1]
    reached = master(stems, mix, SR, MixConfig(loudness_lufs=target))
    assert reached == pytest.approx(target, abs=0.5) and integrated_lufs(mix, SR) == pytest.approx(reached)
    assert true_peak_db(mix) <= -1.0
    np.testing.assert_allclose(stems[0] + stems[1], mix, atol=1e-6)


def test_ffmpeg_reads_the_master_as_pyloudnorm_does():
    stems = [_bed(level=0.003), _clicks(level=0.6)]
    mix = stems[0] + stems[1]
    master(stems, mix, SR, MixConfig(loudness_lufs=-23.0))
    ffmpeg = ebur128(mix, SR)
    assert ffmpeg.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert ffmpeg.integrated_lufs == pytest.approx(integrated_lufs(mix, SR), abs=0.3)
    assert ffmpeg.true_peak_db <= -1.0 + 0.1  # its 4x true-peak meter, to its printed precision
    assert ebur128(np.zeros((SR, 2), np.float32), SR).true_peak_db == float("-inf")


def test_silence_and_no_target_are_left_alone():
    silent = np.zeros((SR, 2), np.float32)
    assert master([silent.copy()], silent, SR) == float("-inf") and not silent.any()
    stems = [_clicks(level=0.3)]
    mix = stems[0].copy()
    master(stems, mix, SR, MixConfig(loudness_lufs=None))
    np.testing.assert_array_equal(mix, _clicks(level=0.3))
