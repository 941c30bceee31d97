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


# ------------------------------------------------------------------------------ block by block, as a whole

def _whole_limiter(audio, sr, ceiling_db, config):
    """The limiter as one array computation over the whole signal: the reference the blockwise one must meet."""
    from scipy.ndimage import minimum_filter1d

    from foleystudio.sound.mix import sample_peaks

    peaks = sample_peaks(audio)
    need = np.minimum(1.0, 10 ** (ceiling_db / 20) / np.maximum(peaks.astype(np.float64), 1e-12))
    ahead, hold = int(config.limiter_lookahead_s * sr), int(config.limiter_hold_s * sr)
    padded = np.concatenate([np.ones(hold), need, np.ones(ahead)])
    lowest = minimum_filter1d(padded, ahead + hold + 1, origin=-((ahead + hold + 1) // 2))[:len(need)]
    ramp = np.concatenate([np.ones(ahead - 1), lowest])
    return np.convolve(ramp, np.ones(ahead) / ahead, mode="valid")


@pytest.fixture
def small_blocks(monkeypatch):
    """Every scratch array on disk and every pass in blocks of an odd size: edges fall inside every sound."""
    monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 0)
    monkeypatch.setattr("foleystudio.sound.scratch.BLOCK_SAMPLES", 5003)
    monkeypatch.setattr("foleystudio.sound.scratch.RESIDENT_BYTES", 1 << 16)


def test_the_limiter_acts_the_same_at_a_block_edge(small_blocks, monkeypatch):
    audio = _bed(2.0, 0.05)
    for hit in (5003 - 200, 3 * 5003 - 1, 7 * 5003 + 1):  # a peak across an edge, just before one, just after
        audio[hit:hit + 480] += (np.hanning(480) * 0.9)[:, None]
    config = MixConfig()
    whole = _whole_limiter(audio, SR, -6.0, config)
    assert whole.min() < 0.7
    np.testing.assert_allclose(limiter_gain(audio, SR, -6.0, config), whole, atol=1e-6)
    monkeypatch.setattr("foleystudio.sound.mix.LIMITER_RUN", 1000)  # a long stretch made in pieces
    np.testing.assert_allclose(limiter_gain(audio, SR, -6.0, config), whole, atol=1e-6)
    assert true_peak_db(audio * limiter_gain(audio, SR, -6.0, config)[:, None]) <= -6.0 + 0.05


@given(st.integers(0, 2**32 - 1), st.sampled_from([-12.0, -6.0, -3.0, -1.1, 0.0]))
@settings(max_examples=20, deadline=None)
def test_peaks_oversampled_where_asked_limit_exactly_as_all_of_them(seed, ceiling_db):
    """The master's tries read SamplePeaks.over(their ceiling): blocks that cannot reach it keep their stand-in,
    and the limiter's gain is the one it makes from every block oversampled, bit for bit."""
    from foleystudio.sound.mix import SamplePeaks, sample_peaks

    rng = np.random.default_rng(seed)
    audio = _bed(1.5, float(rng.uniform(0.001, 0.05)), seed=seed % 1000)
    for _ in range(int(rng.integers(1, 6))):  # steps at uneven levels: some blocks near the ceiling, some far
        hit = int(rng.integers(0, len(audio) - 2400))
        audio[hit:hit + 2400] += (rng.standard_normal((2400, 2)) * np.exp(-np.arange(2400) / 300)[:, None]
                                  * rng.uniform(0.01, 1.2)).astype(np.float32)
    config = MixConfig()
    whole = limiter_gain(audio, SR, ceiling_db, config, peaks=sample_peaks(audio))
    peaks = SamplePeaks(audio)
    asked = peaks.over(float(np.float32(10.0 ** (ceiling_db / 20.0))))
    np.testing.assert_array_equal(limiter_gain(audio, SR, ceiling_db, config, peaks=asked), whole)
    np.testing.assert_array_equal(peaks.over(0.0), sample_peaks(audio))  # and asked for all: all of them


def test_a_quiet_mix_is_not_oversampled_for_a_ceiling_it_cannot_reach():
    from foleystudio.sound.mix import SamplePeaks

    peaks = SamplePeaks(_clicks(level=0.05))
    blocks = len(peaks.pending)
    assert blocks > 0
    peaks.over(10.0 ** (-1.0 / 20.0))  # 0.05 times 2.24 (+7 dB, the oversampler's most) cannot reach -1 dBFS
    assert len(peaks.pending) == blocks
    peaks.over(0.05)
    assert len(peaks.pending) < blocks


@given(st.integers(1, 3000), st.integers(1, 3), st.integers(0, 2**32 - 1))
@settings(max_examples=30, deadline=None)
def test_the_loudest_channel_and_a_curve_per_channel_are_numpys_own(n, channels, seed):
    from foleystudio.sound.mix import loudest, times_curve

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, channels)).astype(np.float32)
    curve = rng.uniform(0.0, 2.0, n).astype(np.float32)
    np.testing.assert_array_equal(loudest(x), np.abs(x).max(axis=1))
    np.testing.assert_array_equal(times_curve(x.copy(), curve), x * curve[:, None])
    np.testing.assert_array_equal(times_curve(x[:, 0].copy(), curve), x[:, 0] * curve)


def test_the_ducking_is_one_curve_drawn_in_any_pieces():
    from foleystudio.sound.mix import duck_curve, expand

    key = _clicks(level=0.5)
    whole = duck_gain(key, SR)
    coarse, hop = duck_curve(key, SR)
    n = len(key)
    for lo, hi in [(0, n), (1, 47), (47, 49), (5003, 10006), (n - 100, n)]:  # edges inside and on a hop
        np.testing.assert_array_equal(expand(coarse, hop, lo, hi), whole[lo:hi])
    assert whole.min() < 0.5  # it ducks across those edges


def test_the_master_on_disk_in_small_blocks_is_the_master_in_memory(small_blocks):
    from foleystudio.sound.scratch import ScratchAudio, zeros

    stems = [_bed(level=0.01), _clicks(level=0.6)]
    mix = stems[0] + stems[1]
    reference = [s.copy() for s in stems], mix.copy()
    reached = master(*reference, SR, MixConfig(loudness_lufs=-23.0))
    on_disk = [zeros(s.shape) for s in stems]
    for target, source in zip(on_disk, stems):
        target[:] = source
    disk_mix = zeros(mix.shape)
    disk_mix[:] = mix
    assert all(isinstance(a, ScratchAudio) for a in (*on_disk, disk_mix))
    assert master(on_disk, disk_mix, SR, MixConfig(loudness_lufs=-23.0), on_disk=True) == reached
    np.testing.assert_array_equal(disk_mix, reference[1])
    for got, want in zip(on_disk, reference[0]):
        np.testing.assert_array_equal(got, want)
