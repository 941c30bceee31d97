"""Textures for beds: stereo noise shaped frame by frame, sounds placed on a fixed grid, slow random curves.

A bed is mostly Gaussian noise, and the sum of any number of independent Gaussian sources is again Gaussian
noise: what the ear can tell apart is its power spectrum in each channel, the cross-spectrum between them,
and how they change. So a texture does not mix sources; it says, frame by frame, what the sum of its sources'
spectra is (`Field`): one draw of two complex noise spectra per frame makes all of them, however many.
Sounds that are not noise are waveforms placed on the bed's samples (`Events`); slow changes (gusts, a
level's drift) follow `Wander` curves.

Everything is read on demand and is the same, sample for sample, however it is read: frames, event epochs and
curve knots lie on grids fixed in the texture's own time, each random stream serves one process, and filters
carry their state.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.fft
from scipy import signal


class Field:
    """Stereo Gaussian noise whose left, right and cross power spectra (per Hz) are given frame by frame by
    `spectra(t_s) -> (3, frames, bins)`. Frames lie every `hop` samples from t = 0 (each centred there), sine
    windowed and half-overlapped: the two frames at any sample have powers summing to one, so the noise is
    stationary between frames and its power interpolates across them."""

    BATCH = 2**15  # samples of frames made at once (fixed: the frames' grid and their random draws never move)
    LEVELS = (256**2 - 1) / 12.0  # variance of a uniform int8 (+0.5): each spectral coefficient's real or imag

    def __init__(self, spectra: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator, sr: int,
                 frame_s: float):
        self.spectra, self.rng, self.sr = spectra, rng, sr
        self.n_fft = int(2 ** round(np.log2(frame_s * sr)))
        self.hop = self.n_fft // 2
        self.freqs = np.fft.rfftfreq(self.n_fft, 1.0 / sr)
        self.df = sr / self.n_fft
        # Re X of each bin carries its power spread over the bin: x has variance sum(P df) (see irfft's 1/N)
        self.window = (np.sin(np.pi * (np.arange(self.n_fft) + 0.5) / self.n_fft)
                       * np.sqrt(self.df) * self.n_fft / (2.0 * np.sqrt(self.LEVELS))).astype(np.float32)
        self.frames_per_batch = max(1, self.BATCH // self.hop)
        self.frame = 0  # index of the next frame to make
        self.tail = np.zeros((2, self.hop), np.float32)  # second half of the last frame made
        self.ready = np.zeros((0, 2), np.float32)

    def next(self, n: int) -> np.ndarray:
        parts, have = [self.ready], len(self.ready)
        while have < n:
            parts.append(self._batch())
            have += len(parts[-1])
        audio = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self.ready = audio[n:].copy()
        return np.ascontiguousarray(audio[:n])

    def _batch(self) -> np.ndarray:
        f = self.frames_per_batch
        t = (self.frame + np.arange(f)) * (self.hop / self.sr)
        left, right, cross = np.asarray(self.spectra(t), np.float32)
        a = np.sqrt(left)
        b = np.divide(cross, a, out=np.zeros_like(a), where=a > 0)
        d = np.sqrt(np.maximum(right - b * b, 0.0))
        bins = len(self.freqs)
        z = self.rng.integers(-128, 128, (2, f, bins, 2), dtype=np.int8)
        z = np.add(z, np.float32(0.5), dtype=np.float32).view(np.complex64)[..., 0]
        spec = np.empty((2, f, bins), np.complex64)
        spec[0] = a * z[0]
        spec[1] = b * z[0] + d * z[1]
        frames = scipy.fft.irfft(spec, n=self.n_fft, axis=-1) * self.window
        halves = frames[..., : self.hop].copy()
        halves[:, 0] += self.tail
        halves[:, 1:] += frames[:, :-1, self.hop:]
        self.tail = frames[:, -1, self.hop:].copy()
        first = self.frame == 0  # frame 0 is centred on t = 0: what lies before it is not the bed's
        self.frame += f
        audio = halves.reshape(2, -1).T
        return audio[self.hop:] if first else audio


class Events:
    """Sounds placed on the bed's samples, made an epoch (a fixed stretch of the bed's time) at a time by
    `make(lo, hi) -> [(start sample, (m, 2) float32)]` for the sounds that begin in [lo, hi)."""

    def __init__(self, make: Callable[[int, int], list], sr: int, epoch_s: float = 2.0):
        self.make, self.epoch = make, max(1, round(epoch_s * sr))
        self.made = 0
        self.pending: list[tuple[int, np.ndarray]] = []

    def add(self, y: np.ndarray, start: int) -> None:
        stop = start + len(y)
        while self.made < stop:
            self.pending += self.make(self.made, self.made + self.epoch)
            self.made += self.epoch
        keep = []
        for s, sound in self.pending:
            a, b = max(s, start), min(s + len(sound), stop)
            if a < b:
                y[a - start: b - start] += sound[a - s: b - s]
            if s + len(sound) > stop:
                keep.append((s, sound))
        self.pending = keep


class Wander:
    """A smooth random curve of unit variance that changes over about `tau_s` (low-passed noise at knots every
    tau/8, read by linear interpolation) at non-decreasing times; it starts already wandering. With
    `slowest_s`, what would change more slowly than that is taken out (band-passed): over a long stretch the
    curve's mean stays near zero, so a level that follows it keeps its average."""

    CHUNK = 64  # knots made at once: eight time constants

    def __init__(self, rng: np.random.Generator, tau_s: float, slowest_s: float | None = None):
        self.rng, self.step = rng, tau_s / 8.0
        fast = 1.0 / (2.0 * np.pi * tau_s)
        if slowest_s:
            self.sos = signal.butter(1, [1.0 / (2.0 * np.pi * slowest_s), fast], "bandpass", fs=1.0 / self.step,
                                     output="sos")
        else:
            self.sos = signal.butter(2, fast, fs=1.0 / self.step, output="sos")
        impulse = signal.sosfilt(self.sos, np.r_[1.0, np.zeros(8191)])
        self.scale = 1.0 / np.sqrt(np.sum(impulse**2))
        warm = max(self.CHUNK, int(4.0 * (slowest_s or tau_s) / self.step))  # thrown away: it starts settled
        _, self.state = signal.sosfilt(self.sos, rng.standard_normal(warm), zi=np.zeros((self.sos.shape[0], 2)))
        self.first, self.knots = 0, np.zeros(0)

    def at(self, t_s: np.ndarray) -> np.ndarray:
        pos = np.asarray(t_s, np.float64) / self.step
        i = np.floor(pos).astype(np.int64)
        while self.first + len(self.knots) < int(i.max()) + 2:
            y, self.state = signal.sosfilt(self.sos, self.rng.standard_normal(self.CHUNK), zi=self.state)
            self.knots = np.concatenate([self.knots, y * self.scale])
        drop = max(0, int(i.min()) - self.first)
        self.knots, self.first = self.knots[drop:], self.first + drop
        frac = pos - i
        return self.knots[i - self.first] * (1.0 - frac) + self.knots[i + 1 - self.first] * frac


def band(f: np.ndarray, lo_hz: float, hi_hz: float, slope_db: float = 0.0, order: int = 2) -> np.ndarray:
    """A power density sloping `slope_db` per octave (re 1 kHz) between Butterworth-like edges."""
    f = np.maximum(f, 1.0)
    return (f / 1000.0) ** (slope_db / 3.0103) / (1.0 + (lo_hz / f) ** (2 * order)) / (1.0 + (f / hi_hz) ** (2 * order))


def bump(f: np.ndarray, centre_hz, octaves: float) -> np.ndarray:
    """A Gaussian in log frequency (`octaves` its standard deviation) of unit total power (for any centre)."""
    centre = np.asarray(centre_hz, np.float64)
    x = np.log2(np.maximum(f, 1.0) / centre)
    area = centre * np.log(2.0) * octaves * np.sqrt(2.0 * np.pi) * np.exp(0.5 * (octaves * np.log(2.0)) ** 2)
    return np.exp(-0.5 * (x / octaves) ** 2) / area


def line(f: np.ndarray, centre_hz: float, width_hz: float) -> np.ndarray:
    """A narrow Gaussian line of unit total power (a hum: as narrow as the frames allow)."""
    return np.exp(-0.5 * ((f - centre_hz) / width_hz) ** 2) / (width_hz * np.sqrt(2.0 * np.pi))


def unit(shape: np.ndarray, df: float) -> np.ndarray:
    """`shape` scaled to unit total power."""
    return shape / max(float(shape.sum()) * df, 1e-30)


def db(x) -> np.ndarray:
    return 10.0 ** (np.asarray(x, np.float64) / 10.0)


def pan(p) -> tuple[np.ndarray, np.ndarray]:
    """Constant-power (left, right) gains for p in [-1, 1]."""
    theta = (np.clip(p, -1.0, 1.0) + 1.0) * np.pi / 4.0
    return np.cos(theta), np.sin(theta)


def diffuse(power: np.ndarray, agree: np.ndarray | float, lean=0.0) -> np.ndarray:
    """(3, ...) left, right, cross spectra of a wide source whose channels agree by `agree` (their coherence),
    leaning to `lean` in [-1, 1] (its total power kept)."""
    gl, gr = pan(lean)
    gl, gr = np.sqrt(2.0) * gl, np.sqrt(2.0) * gr
    return np.stack([gl * gl * power, gr * gr * power, gl * gr * agree * power])


def point(power: np.ndarray, where) -> np.ndarray:
    """(3, ...) spectra of one source panned to `where` in [-1, 1]: both channels carry the same noise."""
    gl, gr = pan(where)
    return np.stack([gl * gl * power, gr * gr * power, gl * gr * power])


def coherence(f: np.ndarray, low: float, high: float, corner_hz: float) -> np.ndarray:
    """Interchannel coherence falling from `low` (rumbles reach both ears alike) to `high` above the corner."""
    return high + (low - high) / (1.0 + (f / corner_hz) ** 2)
