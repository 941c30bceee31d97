"""Loudness and true-peak targets of the stem normaliser."""

from __future__ import annotations

import numpy as np
import pytest

from foleystudio.sound.mix import MixConfig, integrated_lufs, mix_under, normalise, true_peak_db

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


def test_mix_under_lowers_original_and_stays_peak_safe():
    foley = _clicks(level=0.5)
    original = np.full_like(foley, 0.9)
    mixed = mix_under(foley, original, SR, MixConfig(original_gain_db=-6.0))
    assert true_peak_db(mixed) <= -1.0 + 1e-6
    quiet = mix_under(np.zeros_like(foley), original * 0.1, SR, MixConfig(original_gain_db=-6.0))
    assert np.allclose(quiet, original * 0.1 * 10 ** (-6 / 20), atol=1e-6)
