"""The block-wise meters read as pyloudnorm (to 1e-9 LU) and resample_poly (exactly), without a copy of the signal."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from foleystudio.sound.loudness import LoudnessUnderGain, integrated_loudness, true_peak
from foleystudio.sound.mix import loudness_gain

SR = 48000


def steps(seconds: float, seed: int = 0, channels: int = 2) -> np.ndarray:
    """Bursts of noise at uneven levels on silence: quiet blocks for the gates to drop."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR) + 17
    x = np.zeros((n, channels), np.float32)
    for k in range(0, n - 4000, 12000):
        x[k : k + 3000] += (rng.standard_normal((3000, channels)) * rng.uniform(0.0005, 0.6)).astype(np.float32)
    return x


@pytest.mark.parametrize("seconds, block", [(0.45, 4096), (3.0, 1000), (12.0, 1 << 14), (12.0, 1 << 22)])
def test_integrated_loudness_is_pyloudnorms_whatever_the_blocks(seconds, block):
    x = steps(seconds, seed=int(seconds * 10))
    expected = pyloudnorm.Meter(SR).integrated_loudness(x.astype(np.float64))
    got = integrated_loudness(x, SR, block_samples=block)
    assert got == pytest.approx(expected, abs=1e-9)  # one cascade of its filters, not a call per stage
    assert got == integrated_loudness(x, SR, block_samples=1 << 23)  # the blocks change nothing, bit for bit
    mono = x[:, 0].copy()
    expected = pyloudnorm.Meter(SR).integrated_loudness(mono.astype(np.float64))
    assert integrated_loudness(mono, SR, block_samples=block) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("block", [500, 1 << 14, 1 << 22])
def test_true_peak_is_the_whole_signal_oversamplers(block):
    x = steps(6.0, seed=3)
    x[SR * 2 + 5, 0] = 0.9  # an isolated sample: its inter-sample overshoot is what the 4x meter catches
    a = x.astype(np.float64)
    up = resample_poly(a, 4, 1, axis=0)
    assert true_peak(x, 4, block_samples=block) == max(float(np.max(np.abs(up))), float(np.max(np.abs(a))))


def test_too_short_is_pyloudnorms_own_error():
    with pytest.raises(ValueError, match="block size"):
        integrated_loudness(np.zeros((1000, 2), np.float32), SR)


def test_measuring_a_long_stem_allocates_a_small_part_of_it():
    stem = steps(60.0, seed=5)  # 23 MB; whole-signal meters made nine float64 copies (over 400 MB)
    tracemalloc.start()
    try:
        loudness_gain(stem, SR)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * stem.nbytes


@pytest.mark.parametrize("seconds", [0.4, 0.77, 1.0, 7.001, 7.7])
def test_the_loudness_under_a_gain_curve_reads_as_the_meter_does(seconds):
    """LoudnessUnderGain: the loudness of audio times a slow gain curve without filtering again, to 0.05 LU."""
    rng = np.random.default_rng(3)
    n = int(seconds * SR)
    audio = (rng.standard_normal((n, 2)) * np.linspace(0.01, 0.3, n)[:, None]).astype(np.float32)
    meter = LoudnessUnderGain(audio, SR)
    assert meter.lufs() == pytest.approx(integrated_loudness(audio, SR), abs=1e-6)
    curve = (0.5 + 0.5 * np.cos(np.linspace(0, 6 * np.pi, n)) ** 2).astype(np.float32)
    assert meter.lufs(curve) == pytest.approx(integrated_loudness(audio * curve[:, None], SR), abs=0.05)


@pytest.mark.parametrize("block", [1000, 4800, 1 << 16])
def test_the_loudness_under_a_curve_is_the_same_whatever_the_blocks_and_on_disk(block, monkeypatch):
    """Read a run of whole 100 ms segments at a time (on disk, a stretch at a time), the meter sums each segment
    as the whole-signal reading does."""
    monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 0)
    audio = steps(7.3, seed=9)
    n = len(audio)
    curve = (0.5 + 0.5 * np.cos(np.linspace(0, 6 * np.pi, n)) ** 2).astype(np.float32)
    whole = LoudnessUnderGain(audio, SR, block_samples=1 << 22)
    pieces = LoudnessUnderGain(audio, SR, block_samples=block, on_disk=True)
    np.testing.assert_array_equal(pieces.power, whole.power)
    assert pieces.lufs() == pytest.approx(whole.lufs(), abs=1e-9)
    assert pieces.lufs(curve) == pytest.approx(whole.lufs(curve), abs=1e-9)
