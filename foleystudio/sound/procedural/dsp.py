"""Vectorised building blocks for the procedural synthesizer.

Everything works on float32 arrays at the caller's sample rate and is causal, so
nothing leaks before the contact; no per-sample Python loops.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal


@lru_cache(maxsize=16)
def time_axis(n: int, sr: int) -> np.ndarray:
    """Seconds of each of `n` samples (read-only, cached)."""
    t = (np.arange(n, dtype=np.float32) / np.float32(sr))
    t.setflags(write=False)
    return t


def modal_ir(
    freqs_hz: np.ndarray, decays_s: np.ndarray, amps: np.ndarray, n: int, sr: int, phases: np.ndarray | None = None
) -> np.ndarray:
    """Impulse response of a bank of damped modes, sum_k a_k r_k^t sin(w_k t + phase_k).

    Computed as Im(sum_k a_k p_k^(bB + i)) = Im(heads @ base) with p_k the complex pole:
    one small matrix product instead of K x n transcendental calls.
    """
    keep = (freqs_hz > 20.0) & (freqs_hz < 0.45 * sr)
    f = np.asarray(freqs_hz, np.float64)[keep]
    d = np.asarray(decays_s, np.float64)[keep]
    a = np.asarray(amps, np.float64)[keep]
    if phases is not None:
        a = a * np.exp(1j * np.asarray(phases, np.float64)[keep])
    ir = np.zeros(n, np.float32)
    if f.size == 0:
        return ir
    # Past 7 time constants a mode is below -60 dB: stop computing there.
    n_used = int(min(n, max(8, np.ceil(7.0 * float(d.max()) * sr))))
    block = 256
    n_blocks = -(-n_used // block)
    log_p = -1.0 / (d * sr) + 2j * np.pi * f / sr
    base = np.exp(log_p[:, None] * np.arange(block)[None, :]).astype(np.complex64)
    heads = (a[:, None] * np.exp(log_p[:, None] * (block * np.arange(n_blocks))[None, :])).astype(np.complex64)
    ir[:n_used] = (heads.T @ base).imag.ravel()[:n_used]
    return ir


def force_pulses(times_s, amps, widths_s, n: int, sr: int, max_rise_s: float = 0.0015) -> np.ndarray:
    """Contact-force excitation: per impact a quarter-sine rise (at most `max_rise_s`, the
    first touch is quick) and a half-cosine release over the rest of the contact time."""
    x = np.zeros(n, np.float32)
    for t0, a, w in zip(times_s, amps, widths_s):
        i0 = int(round(t0 * sr))
        m = max(2, int(round(w * sr)))
        if i0 >= n:
            continue
        rise = int(min(max(1, round(0.3 * m)), max(1, round(max_rise_s * sr))))
        k = np.arange(m, dtype=np.float32) + 0.5
        pulse = np.where(
            k < rise,
            np.sin(0.5 * np.pi * k / rise),
            np.cos(0.5 * np.pi * np.clip((k - rise) / max(m - rise, 1), 0.0, 1.0)),
        ) * np.float32(a)
        seg = pulse[: n - i0]
        x[i0 : i0 + seg.size] += seg
    return x


def convolve(x: np.ndarray, h: np.ndarray, n: int) -> np.ndarray:
    """First `n` samples of the linear convolution x * h (trailing zeros of both skipped)."""
    nz = np.flatnonzero(x)
    nh = np.flatnonzero(h)
    out = np.zeros(n, np.float32)
    if nz.size == 0 or nh.size == 0:
        return out
    y = signal.fftconvolve(x[: int(nz[-1]) + 1], h[: min(n, int(nh[-1]) + 1)])
    out[: min(n, y.size)] = y[:n]
    return out


def rbj_biquad(kind: str, f0_hz: float, q: float, sr: int, gain_db: float = 0.0):
    """(b, a) of an RBJ cookbook biquad: lowpass, highpass, bandpass, peak."""
    f0 = min(max(f0_hz, 10.0), 0.45 * sr)
    w0 = 2.0 * np.pi * f0 / sr
    cw, sw = np.cos(w0), np.sin(w0)
    alpha = sw / (2.0 * q)
    if kind == "lowpass":
        b = [(1 - cw) / 2, 1 - cw, (1 - cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "highpass":
        b = [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "bandpass":  # 0 dB peak gain
        b = [alpha, 0.0, -alpha]
        a = [1 + alpha, -2 * cw, 1 - alpha]
    elif kind == "peak":
        g = 10.0 ** (gain_db / 40.0)
        b = [1 + alpha * g, -2 * cw, 1 - alpha * g]
        a = [1 + alpha / g, -2 * cw, 1 - alpha / g]
    else:
        raise ValueError(f"unknown biquad kind {kind!r}")
    b = np.asarray(b) / a[0]
    a = np.asarray(a) / a[0]
    return b, a


def biquad(x: np.ndarray, kind: str, f0_hz: float, q: float, sr: int, gain_db: float = 0.0) -> np.ndarray:
    b, a = rbj_biquad(kind, f0_hz, q, sr, gain_db)
    return signal.lfilter(b, a, x).astype(np.float32)


@lru_cache(maxsize=256)
def band_sos(lo_hz: float, hi_hz: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth band (or high-pass when hi >= 0.45 sr) as second-order sections, cached."""
    hi = min(hi_hz, 0.45 * sr)
    if hi <= lo_hz * 1.05:
        return signal.butter(order, lo_hz, "highpass", fs=sr, output="sos")
    if hi >= 0.44 * sr:
        return signal.butter(order, lo_hz, "highpass", fs=sr, output="sos")
    return signal.butter(order, [lo_hz, hi], "bandpass", fs=sr, output="sos")


def band_noise(rng: np.random.Generator, n: int, lo_hz: float, hi_hz: float, sr: int) -> np.ndarray:
    """White noise through a Butterworth band, unit-ish RMS."""
    x = rng.standard_normal(n, dtype=np.float32)
    y = signal.sosfilt(band_sos(round(lo_hz, -1), round(hi_hz, -1), sr), x).astype(np.float32)
    return y / np.float32(max(np.sqrt(np.mean(y * y)), 1e-9))


def poisson_times(rate_per_s: np.ndarray, ctrl_sr: float, rng: np.random.Generator, cap: int) -> np.ndarray:
    """Event times (s) of an inhomogeneous Poisson process whose rate is sampled at ctrl_sr."""
    rate = np.maximum(rate_per_s, 0.0)
    cum = np.cumsum(rate) / ctrl_sr
    total = float(cum[-1]) if cum.size else 0.0
    if total <= 0.0:
        return np.zeros(0)
    count = min(int(rng.poisson(total)), cap)
    u = np.sort(rng.uniform(0.0, total, count))
    idx = np.searchsorted(cum, u)
    return (idx + rng.uniform(0.0, 1.0, count)) / ctrl_sr


def scatter(bank: np.ndarray, which: np.ndarray, starts: np.ndarray, amps: np.ndarray, n: int) -> np.ndarray:
    """Sum of bank rows `which` placed at sample `starts` with gains `amps`.

    Long grains: one vector add per grain (cheaper than building index arrays);
    short ones: a single weighted bincount over all their samples.
    """
    length = bank.shape[1]
    if which.size == 0:
        return np.zeros(n, np.float32)
    if length >= 200:
        out = np.zeros(n + length, np.float32)
        for w, s, a in zip(which.tolist(), starts.tolist(), amps.tolist()):
            out[s : s + length] += np.float32(a) * bank[w]
        return out[:n]
    pos = (starts[:, None] + np.arange(length)[None, :]).ravel()
    vals = (amps[:, None] * bank[which]).ravel()
    return np.bincount(pos, weights=vals, minlength=n + length)[:n].astype(np.float32)


def resonator_grains(
    starts: np.ndarray, amps: np.ndarray, freqs_hz: np.ndarray, decays_s: np.ndarray,
    which: np.ndarray, n: int, sr: int,
) -> np.ndarray:
    """Impulses at `starts` into two-pole resonators (grain g rings at freqs_hz[which[g]]).

    One IIR pass per resonator over the span its grains cover: PhISEM's filter bank.
    """
    out = np.zeros(n, np.float32)
    for c in np.unique(which):
        sel = which == c
        s = starts[sel]
        lo = int(s.min())
        hi = min(n, int(s.max()) + int(7.0 * decays_s[c] * sr) + 1)
        imp = np.bincount(s - lo, weights=amps[sel], minlength=hi - lo)[: hi - lo].astype(np.float32)
        r = np.exp(-1.0 / (decays_s[c] * sr))
        w = 2.0 * np.pi * freqs_hz[c] / sr
        b = np.array([0.0, r * np.sin(w)], np.float32)
        a = np.array([1.0, -2.0 * r * np.cos(w), r * r], np.float32)
        out[lo:hi] += signal.lfilter(b, a, imp)
    return out


def time_scale(x: np.ndarray, factor: float) -> np.ndarray:
    """y(t) = x(factor * t): pitch up by `factor` keeping t = 0 fixed (linear interpolation)."""
    if abs(factor - 1.0) < 1e-6:
        return x
    n = x.size
    src = np.arange(n, dtype=np.float64) * factor
    y = np.interp(src, np.arange(n), x, right=0.0)
    return y.astype(np.float32)


def fade_out(x: np.ndarray, n_fade: int) -> np.ndarray:
    n_fade = min(n_fade, x.size)
    if n_fade > 1:
        x[-n_fade:] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32) ** 2
    return x


def alpha_env(t_s: np.ndarray, rise_s: float) -> np.ndarray:
    """(t/r) exp(1 - t/r) for t >= 0: a load envelope peaking at `rise_s`, zero before 0."""
    u = np.maximum(t_s, 0.0) / max(rise_s, 1e-4)
    return np.where(t_s >= 0.0, u * np.exp(1.0 - u), 0.0)
