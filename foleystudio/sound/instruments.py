"""The score's instruments: each note made once as a small mono array (sound/music.py places them).

Wavetable subtractive voices (pads, bass, stabs: a band-limited saw per table, read by a 32-bit phase
accumulator), additive modal voices (piano, mallet, bell, from `dsp.modal_ir`), an FM pluck and noise drums.
A long note can be made a block at a time (`pad(..., lo, hi)`): a drone as long as the video costs a block.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from foleystudio.sound.procedural import dsp


def hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69.0) / 12.0)


# --------------------------------------------------------------------------------------------------- the voices


TABLE_SIZE = 2048  # samples per cycle of a wavetable: read without interpolation, its error is about -50 dB


@lru_cache(maxsize=512)
def table(f0_hz: float, cutoff_hz: float, sr: int, size: int = TABLE_SIZE) -> np.ndarray:
    """One cycle of a band-limited sawtooth through a two-pole low-pass at `cutoff_hz` (subtractive, baked in)."""
    k = np.arange(1, min(64, max(1, int(0.45 * sr / f0_hz))) + 1)
    amps = (1.0 / k) / np.sqrt(1.0 + (k * f0_hz / cutoff_hz) ** 4)
    x = np.arange(size) / size
    cycle = (amps[:, None] * np.sin(2.0 * np.pi * k[:, None] * x[None, :])).sum(axis=0)
    cycle = (cycle / np.abs(cycle).max()).astype(np.float32)
    cycle.setflags(write=False)
    return cycle


def cycle_index(f_hz: float, n: int, sr: int, size: int = TABLE_SIZE, lo: int = 0) -> np.ndarray:
    """Where in a table of `size` each of samples lo..n of a cycle at `f_hz` reads: a 32-bit phase accumulator
    (the multiply wraps modulo one cycle by itself), its top bits the index."""
    step = np.uint32(round(f_hz / sr * 2.0**32) % 2**32)
    phase = np.arange(lo, n, dtype=np.uint32)
    phase *= step
    phase >>= np.uint32(32 - int(math.log2(size)))
    return phase


def osc(f_hz: float, cutoff_hz: float, n: int, sr: int) -> np.ndarray:
    return table(round(f_hz, 2), round(cutoff_hz, -1), sr)[cycle_index(f_hz, n, sr)]


def envelope(n: int, attack_n: int, release_n: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
    """Raised-cosine attack from 0 and release to 0 (the last sample is 0): no click at either end. Samples lo..hi
    of it (default: all)."""
    hi = n if hi is None else hi
    env = np.ones(hi - lo, np.float32)
    a, r = min(attack_n, n), min(release_n, n)
    if a > lo:
        rise = _ramp(a, 0)[lo:min(a, hi)]
        env[:len(rise)] = rise
    if r > 0 and hi > n - r:
        fall = _ramp(r, 1)[max(lo, n - r) - (n - r):hi - (n - r)]
        env[len(env) - len(fall):] *= fall
    return env


@lru_cache(maxsize=8)
def _breath(lo: int, hi: int, sr: int) -> np.ndarray:
    """Samples lo..hi of a pad's filter sweep (0 to 1 and back every 3.1 s; float32, read-only): a chord's notes
    share it, so it is made once per note length."""
    t = np.arange(lo, hi, dtype=np.float32) / np.float32(sr)
    morph = np.float32(0.5) - np.float32(0.5) * np.cos(t * np.float32(2.0 * np.pi / 3.1))
    morph.setflags(write=False)
    return morph


@lru_cache(maxsize=16)
def _ramp(m: int, falling: int) -> np.ndarray:
    """A raised-cosine ramp of m samples (float64, read-only), made once per length: rising from 0,
    0.5 - 0.5 cos(pi i / m), or falling to 0 on its last sample, 0.5 + 0.5 cos(pi (i + 1) / m)."""
    i = np.arange(m)
    ramp = 0.5 + 0.5 * np.cos(np.pi * (i + 1) / m) if falling else 0.5 - 0.5 * np.cos(np.pi * i / m)
    ramp.setflags(write=False)
    return ramp


def pad(midi: int, hold_n: int, attack_n: int, release_n: int, sr: int, bright: float, lo: int = 0,
         hi: int | None = None) -> np.ndarray:
    """A saw whose filter opens and closes slowly (a dark and a brighter table crossfaded, in phase): a pad that
    breathes. Not two detuned saws: their beating would be a pulse of its own, off the beat. Samples lo..hi of
    the note (default: all of it), so a note as long as the video is made a block at a time."""
    n = hold_n + release_n
    hi = n if hi is None else hi
    f = hz(midi)
    cutoff = 250.0 * 2.0 ** (4.5 * bright)
    where = cycle_index(f, hi, sr, lo=lo)
    dark = table(round(f, 2), round(cutoff, -1), sr)[where]
    light = table(round(f, 2), round(2.5 * cutoff, -1), sr)[where]
    light -= dark
    light *= _breath(lo, hi, sr)
    light += dark
    light *= envelope(n, attack_n, release_n, lo, hi)
    return light


def modal(ratios, amps, decays_s, midi: float, n: int, sr: int, hold_n: int | None = None) -> np.ndarray:
    """Damped partials (additive) with a 1.5 ms attack; a key released at `hold_n` is damped over 80 ms."""
    f = hz(midi) * np.asarray(ratios, np.float64)
    x = dsp.modal_ir(f, np.asarray(decays_s, np.float64), np.asarray(amps, np.float64), n, sr)
    x *= envelope(n, int(0.0015 * sr), 0)
    if hold_n is not None and hold_n < n:
        damp = int(0.08 * sr)
        x[hold_n:hold_n + damp] *= (0.5 + 0.5 * np.cos(np.pi * np.arange(min(damp, n - hold_n)) / damp))
        x[hold_n + damp:] = 0.0
    x[-1] = 0.0
    return x


def piano(midi: int, hold_n: int, sr: int, bright: float) -> np.ndarray:
    """Stiff-string partials (slightly sharp upper ones), two detuned strings, decays shorter up the keyboard."""
    k = np.arange(1, 11, dtype=np.float64)
    k = k[k * hz(midi) < 0.4 * sr]
    stretch = k * np.sqrt(1.0 + 0.0004 * k**2)
    tau = float(np.clip(3.0 * 2.0 ** (-(midi - 48) / 18.0), 0.5, 4.0)) / (1.0 + 0.6 * (k - 1))
    amps = k ** -(2.4 - 1.4 * bright) * np.abs(np.sin(np.pi * k / 7.3))  # hammer struck at 1/7 of the string
    ratios = np.concatenate([stretch * 2 ** (-0.7 / 1200), stretch * 2 ** (0.7 / 1200)])
    n = min(hold_n + int(0.08 * sr), int(7.0 * tau[0] * sr))
    return modal(ratios, np.tile(amps, 2) / 2, np.tile(tau, 2), midi, n, sr, hold_n)


def mallet(midi: int, sr: int, bright: float, decay_s: float) -> np.ndarray:
    return modal((1.0, 2.0, 4.0), (1.0, 0.1 + 0.3 * bright, 0.05 + 0.2 * bright),
                  (decay_s, 0.45 * decay_s, 0.2 * decay_s), midi, int(2.0 * decay_s * sr), sr)


def bell(midi: int, sr: int, bright: float) -> np.ndarray:
    return modal((1.0, 2.002, 3.004, 4.01), (1.0, 0.2 + 0.4 * bright, 0.1 + 0.3 * bright, 0.2 * bright),
                  (2.2, 1.1, 0.5, 0.25), midi, int(3.0 * sr), sr)


def pluck(midi: int, sr: int, bright: float) -> np.ndarray:
    """FM (1:1): the index decays faster than the note, so the attack is bright and the tail round."""
    n = int(0.45 * sr)
    t = dsp.time_axis(n, sr)
    w = np.float32(2.0 * np.pi * hz(midi))
    index = np.float32(0.2 + 5.0 * bright) * np.exp(-t / np.float32(0.07))
    x = np.sin(w * t + index * np.sin(w * t)) * np.exp(-t / np.float32(0.16))
    return (x * envelope(n, int(0.002 * sr), int(0.02 * sr))).astype(np.float32)


def bass(midi: int, n: int, sr: int, bright: float) -> np.ndarray:
    """A saw whose filter closes over the note (two tables crossfaded): the subtractive bass pluck."""
    f = hz(midi)
    opened, closed = osc(f, 200.0 + 700.0 * bright, n, sr), osc(f, 120.0 + 120.0 * bright, n, sr)
    fall = np.exp(-dsp.time_axis(n, sr) / np.float32(0.06))
    return (closed + fall * (opened - closed)) * envelope(n, int(0.003 * sr), int(0.03 * sr))


def stab(chord: tuple[int, ...], n: int, sr: int, bright: float) -> np.ndarray:
    """The chord's saws through one bright filter, short."""
    x = sum(osc(hz(m), 500.0 + 7000.0 * bright, n, sr) for m in chord) / len(chord)
    return x * np.exp(-dsp.time_axis(n, sr) / np.float32(0.12)) * envelope(n, int(0.002 * sr), int(0.03 * sr))


def kick(sr: int, soft: bool, low_hz: float = 45.0) -> np.ndarray:
    """A sine swept down to `low_hz` (the tonic, so the drum kit sits in the key)."""
    n = int(0.45 * sr)
    t = dsp.time_axis(n, sr)
    f = low_hz + (50.0 if soft else 90.0) * np.exp(-t / 0.035)
    x = np.sin(2.0 * np.pi * np.cumsum(f) / sr) * np.exp(-t / (0.28 if soft else 0.22))
    return (x * envelope(n, int(0.001 * sr), int(0.02 * sr))).astype(np.float32)


def noise_hit(rng: np.random.Generator, lo_hz: float, hi_hz: float, decay_s: float, n_s: float, sr: int):
    n = int(n_s * sr)
    x = dsp.band_noise(rng, n, lo_hz, hi_hz, sr) * np.exp(-dsp.time_axis(n, sr) / np.float32(decay_s))
    return x * envelope(n, int(0.0005 * sr), int(0.01 * sr))


# ---------------------------------------------------------------------------------------------------- the parts
