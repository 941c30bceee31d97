"""Reading a tempo back from audio: onset strength, then its autocorrelation.

`onset_strength` is the spectral flux of a loudness-like spectrum: every 5 ms, the energy in 21 bands (one below
150 Hz, then log-spaced to 16 kHz), raised to the power 0.3 (Stevens' law: a loud onset counts more than a soft
one, and a bass note as much as a cymbal's many bins), less 1 dB of what the band held the frame before (the ripple
of a steady tone is not an onset), summed over the bands. A long Blackman-Harris window (85 ms at 48 kHz) keeps
the harmonics of a low note apart, so a sustained chord gives no flux.

`measure_tempo` autocorrelates that envelope (less its moving average) and takes the best peak between `lo_bpm`
and `hi_bpm`, weighted by a one-octave log-normal around 120 bpm as beat trackers do; when the level twice as
fast is nearly as periodic (a click track's every multiple is) it is the beat. The period is then refined from
the peaks at its multiples (k periods measure it k times finer). The music layer's tests and benchmark use it to
check that a score plays at the tempo it was asked for.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal
from scipy.ndimage import uniform_filter1d

ONSET_HOP_S = 0.005  # the onset envelope's frame step: 200 frames per second
TEMPO_PRIOR_BPM = 120.0  # of two metrical levels equally periodic, the one nearer this wins (one octave wide)
FASTER_IF = 0.9  # ... but a level twice as fast whose periodicity is at least this share of it is the beat
LOUDNESS_EXPONENT = 0.3  # band energy to loudness (Stevens' power law)
RISE_GATE = 10.0 ** (LOUDNESS_EXPONENT / 10.0)  # rises under 1 dB are a steady tone's ripple, not an onset


def onset_strength(audio: np.ndarray, sr: int, *, hop_s: float = ONSET_HOP_S) -> np.ndarray:
    """(frames,) spectral flux of (n,) or (n, channels) `audio` (channels summed), one frame every `hop_s`
    (rounded to whole samples), frame j centred on sample j * hop; in absolute units (louder audio, more flux)."""
    x = np.asarray(audio, np.float32)
    x = x.mean(axis=1) if x.ndim == 2 else x
    hop = _hop(hop_s, sr)
    n_fft = 1 << int(math.ceil(math.log2(0.08 * sr)))
    x = np.pad(x, (n_fft // 2, n_fft // 2))
    n_frames = 1 + max(0, (x.size - n_fft) // hop)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    edges = np.unique(np.searchsorted(freqs, np.r_[30.0, np.geomspace(150.0, min(16000.0, 0.45 * sr), 21)]))
    window = signal.get_window("blackmanharris", n_fft).astype(np.float32)
    bands = np.empty((n_frames, edges.size - 1), np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n_frames]
    for lo in range(0, n_frames, 1024):  # a block of frames at a time: no (frames, bins) array of a long file
        power = np.abs(np.fft.rfft(frames[lo:lo + 1024] * window, axis=1)) ** 2
        bands[lo:lo + 1024] = np.add.reduceat(power, edges, axis=1)[:, :-1]
    loud = (bands / float(np.sum(window**2))) ** LOUDNESS_EXPONENT
    rise = loud - RISE_GATE * np.concatenate([loud[:1], loud[:-1]])
    return np.maximum(rise, 0.0).sum(axis=1).astype(np.float32)


def measure_tempo(audio: np.ndarray, sr: int, *, lo_bpm: float = 50, hi_bpm: float = 180) -> float:
    """The tempo (bpm) of `audio` between `lo_bpm` and `hi_bpm` (see the module docstring); NaN when it has no
    onsets."""
    fps = sr / _hop(ONSET_HOP_S, sr)
    env = onset_strength(audio, sr).astype(np.float64)
    env -= uniform_filter1d(env, int(fps), mode="nearest")  # only what rises above the last second's flux
    n = env.size
    ac = np.fft.irfft(np.abs(np.fft.rfft(env, 2 * n)) ** 2)[:n]
    if n < 4 or ac[0] <= 0.0:
        return float("nan")
    ac /= ac[0]
    lags = np.arange(max(2, int(60.0 * fps / hi_bpm)), min(n - 2, int(math.ceil(60.0 * fps / lo_bpm))) + 1)
    if lags.size < 3:
        return float("nan")
    peaks = lags[(ac[lags] >= ac[lags - 1]) & (ac[lags] >= ac[lags + 1])]
    if peaks.size == 0:
        return float("nan")
    prior = np.exp(-0.5 * np.log2(60.0 * fps / peaks / TEMPO_PRIOR_BPM) ** 2)
    best = int(peaks[np.argmax(ac[peaks] * prior)])
    while True:
        half = _peak_near(ac, best / 2.0, 2)
        if half is None or 60.0 * fps / half > hi_bpm or ac[half] < FASTER_IF * ac[best]:
            break
        best = half
    return 60.0 * fps / _refine(ac, best)


def _hop(hop_s: float, sr: int) -> int:
    return max(1, int(round(hop_s * sr)))


def _peak_near(ac: np.ndarray, lag: float, radius: float) -> int | None:
    lo, hi = max(1, int(math.floor(lag - radius))), min(ac.size - 2, int(math.ceil(lag + radius)))
    if hi < lo:
        return None
    return lo + int(np.argmax(ac[lo:hi + 1]))


def _interpolated(ac: np.ndarray, i: int) -> float:
    """The lag of the parabola through the peak at `i` and its neighbours."""
    a, b, c = ac[i - 1], ac[i], ac[i + 1]
    den = a - 2.0 * b + c
    return i + (0.5 * (a - c) / den if den < 0 else 0.0)


def _refine(ac: np.ndarray, lag: int) -> float:
    """The period from the farthest clear peak at a multiple of `lag`."""
    period = _interpolated(ac, lag)
    k = 2
    while (k + 1) * period < ac.size / 2:
        near = _peak_near(ac, k * period, max(2.0, 0.02 * k * period))
        if near is None or ac[near] < 0.5 * ac[lag]:
            break
        period = _interpolated(ac, near) / k
        k += 1
    return period
