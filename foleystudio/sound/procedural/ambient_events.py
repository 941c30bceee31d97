"""Sounds in an ambience bed that are not noise: birds, crickets, a far horn, close rain drops.

Each is a short waveform made from a few random choices (so no two are alike) and placed in the stereo
field with a level difference, the ears' time difference and a faint reflection (`_taps`): even a pure tone's
two channels differ, as they do outdoors.
"""

from __future__ import annotations

import numpy as np

from foleystudio.sound.procedural import dsp
from foleystudio.sound.procedural.texture import Wander, db, pan


def _taps(where: float, rng: np.random.Generator, sr: int) -> tuple[tuple[int, int, float], ...]:
    """How a source at `where` (-1..1) reaches the two channels, as (channel, delay in samples, gain): panned
    with constant power, the far side up to 0.65 ms later (the ears' time difference), and a faint reflection
    in each channel 8-30 ms later from the other side. The delays keep even a pure tone's channels apart."""
    gl, gr = pan(where)
    itd = int(round(0.00065 * abs(where) * sr))
    echo = rng.uniform(0.008, 0.03, 2) * sr
    return ((0, itd if where > 0 else 0, float(gl)), (1, itd if where < 0 else 0, float(gr)),
            (0, int(echo[0]), 0.25 * float(gr)), (1, int(echo[1]), 0.25 * float(gl)))


def _add_taps(out: np.ndarray, mono: np.ndarray, taps) -> np.ndarray:
    """`mono` added into the channels of `out` (long enough for the latest tap) as `taps` say; `out` returned."""
    for channel, delay, gain in taps:
        out[delay: delay + len(mono), channel] += np.float32(gain) * mono
    return out


def placed(mono: np.ndarray, where: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    """(m, 2) a sound at `where` (see `_taps`)."""
    taps = _taps(where, rng, sr)
    return _add_taps(np.zeros((len(mono) + max(t[1] for t in taps), 2), np.float32), mono, taps)


def _tone(freq_hz: np.ndarray, envelope: np.ndarray, sr: int, harmonic: float = 0.1) -> np.ndarray:
    """A sine following `freq_hz` sample by sample (and a weak second harmonic), silent where it would alias."""
    phase = 2.0 * np.pi * np.cumsum(freq_hz) / sr
    y = np.sin(phase) * (freq_hz < 0.45 * sr)
    if harmonic:
        y += harmonic * np.sin(2.0 * phase) * (2.0 * freq_hz < 0.45 * sr)
    return (y * envelope).astype(np.float32)


def _note(contour: np.ndarray, sr: int, harmonic: float) -> np.ndarray:
    u = (np.arange(len(contour)) + 0.5) / len(contour)
    return _tone(contour, np.sin(np.pi * u) ** 1.5, sr, harmonic)


BIRD_STYLES = ("chirp", "trill", "whistle", "warble")


def _bird_song(rng: np.random.Generator, style: str, f0: float, sr: int, harmonic: float) -> np.ndarray:
    """One phrase of a bird: a few notes whose pitch contours vary from phrase to phrase."""
    notes, t = [], 0.0

    def add(contour_hz, gap_s):
        nonlocal t
        notes.append((int(t * sr), _note(contour_hz, sr, harmonic)))
        t += len(contour_hz) / sr + gap_s

    if style == "chirp":  # quick down-sweeps
        for _ in range(rng.integers(1, 5)):
            u = np.linspace(0.0, 1.0, int(rng.uniform(0.03, 0.09) * sr))
            top, bottom = f0 * rng.uniform(1.15, 1.5), f0 * rng.uniform(0.7, 0.9)
            add(top + (bottom - top) * u**0.7, rng.uniform(0.05, 0.16))
    elif style == "trill":  # a run of short up-down notes
        count, rate = int(rng.integers(6, 20)), rng.uniform(12.0, 25.0)
        drift = rng.uniform(-0.15, 0.1)
        for k in range(count):
            u = np.linspace(0.0, 1.0, int(0.7 / rate * sr))
            add(f0 * (1.0 + drift * k / count) * (1.0 + 0.15 * np.sin(np.pi * u)), 0.3 / rate)
    elif style == "whistle":  # long notes that glide, with a little vibrato
        for _ in range(rng.integers(2, 4)):
            n = int(rng.uniform(0.15, 0.4) * sr)
            u = np.linspace(0.0, 1.0, n)
            glide = rng.uniform(0.75, 1.35)
            vibrato = 0.02 * np.sin(2.0 * np.pi * rng.uniform(6.0, 10.0) * np.arange(n) / sr)
            add(0.7 * f0 * glide**u * (1.0 + vibrato), rng.uniform(0.08, 0.25))
    else:  # warble: one long note, fast and slow frequency modulation
        n = int(rng.uniform(0.5, 1.4) * sr)
        s = np.arange(n) / sr
        add(f0 * (1.0 + 0.2 * np.sin(2.0 * np.pi * rng.uniform(7.0, 14.0) * s + rng.uniform(0, 6.3))
                  + 0.08 * np.sin(2.0 * np.pi * rng.uniform(1.0, 3.0) * s)), 0.0)
    song = np.zeros(max(start + len(y) for start, y in notes), np.float32)
    for start, y in notes:
        song[start: start + len(y)] += y
    return song


class Birds:
    """A few birds, each with its own style, pitch, place and loudness, singing phrases at random times."""

    def __init__(self, rng: np.random.Generator, sr: int, *, count: int, gap_s: tuple[float, float],
                 level: tuple[float, float], harmonic: float = 0.1):
        self.rng, self.sr, self.harmonic = rng, sr, harmonic
        self.birds = [(BIRD_STYLES[rng.integers(len(BIRD_STYLES))], rng.uniform(2500.0, 6000.0),
                       rng.uniform(-0.9, 0.9), rng.uniform(*level), rng.uniform(*gap_s)) for _ in range(count)]
        self.next = [rng.uniform(0.0, b[4]) * sr for b in self.birds]

    def make(self, lo: int, hi: int) -> list:
        rng, out = self.rng, []
        for i, (style, f0, where, level, gap) in enumerate(self.birds):
            while self.next[i] < hi:
                song = _bird_song(rng, style, f0 * rng.uniform(0.92, 1.08), self.sr, self.harmonic)
                out.append((int(self.next[i]), placed(song * level * rng.uniform(0.6, 1.0), where, rng, self.sr)))
                self.next[i] += rng.gamma(2.0, gap / 2.0) * self.sr + len(song)
        return out


def horn(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A car horn far off: two notes a third apart, one or two beeps, its harmonics dulled by the distance."""
    f1 = rng.uniform(350.0, 520.0)
    beeps = []
    for _ in range(1 + int(rng.random() < 0.4)):
        n = int(rng.uniform(0.2, 0.6) * sr)
        s = np.arange(n) / sr
        y = sum(np.exp(-k * f / 2500.0) / k * np.sin(2.0 * np.pi * k * f * s + rng.uniform(0, 6.3))
                for f in (f1, f1 * 1.26) for k in range(1, 9) if k * f < 0.45 * sr)
        envelope = np.minimum(1.0, np.minimum(s / 0.015, (n / sr - s) / 0.06))
        beeps += [y * envelope, np.zeros(int(0.12 * sr))]
    return np.concatenate(beeps).astype(np.float32)


def plink(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A close rain drop: a tick, then the bubble it traps ringing up in pitch as it shrinks."""
    n = int(rng.uniform(0.02, 0.06) * sr)
    s = np.arange(n) / sr
    f0 = rng.uniform(1200.0, 4000.0)
    y = _tone(f0 * (1.0 + rng.uniform(0.5, 1.5) * s / s[-1]), np.exp(-s / (n / sr / 4.0)), sr, 0.0)
    tick = min(n, max(2, int(0.001 * sr)))
    y[:tick] += 0.5 * rng.uniform(-1.0, 1.0, tick) * np.linspace(1.0, 0.0, tick)
    return y


class Crickets:
    """Three or four crickets: pulses (10-20 ms of a 3-7 kHz tone) in chirps of 2-5 at each one's pace, and one
    that trills in bouts; each at its own place and loudness. An epoch's pulses are made into one buffer."""

    def __init__(self, rng: np.random.Generator, bouts: np.random.Generator, sr: int):
        self.rng, self.sr = rng, sr
        self.chirpers = []
        count = int(rng.integers(3, 5))
        top = min(6800.0, 0.4 * sr)  # under a low sample rate's Nyquist they sing lower
        for carrier in np.sort(rng.uniform(min(3200.0, 0.5 * top), top, count)):
            pulse_hz = rng.uniform(25.0, 45.0)
            pulses = int(rng.integers(2, 6))
            self.chirpers.append(dict(
                pulse=self._pulse(carrier, 0.55 / pulse_hz), pulse_s=1.0 / pulse_hz, pulses=pulses,
                ramp=0.6 + 0.4 * np.arange(pulses) / max(pulses - 1, 1), pace_s=1.0 / rng.uniform(1.2, 3.5),
                taps=_taps(rng.uniform(-0.8, 0.8), rng, sr), level=np.sqrt(db(rng.uniform(-8.0, 0.0)))))
        # the chirpers together at unit mean power, the triller (when on) 3 dB under: every night as loud
        powers = [c["level"] ** 2 * np.sum(c["pulse"] ** 2) * np.sum(c["ramp"] ** 2) * 0.81 / c["pace_s"] / sr
                  for c in self.chirpers]
        for c in self.chirpers:
            c["level"] /= np.sqrt(sum(powers))
        self.next = [rng.uniform(0.0, c["pace_s"]) * sr for c in self.chirpers]
        trill_hz = rng.uniform(40.0, 60.0)
        pulse = self._pulse(rng.uniform(0.75 * top, top), 0.5 / trill_hz)
        self.trill = dict(pulse=pulse, step=sr / trill_hz, taps=_taps(rng.uniform(-0.8, 0.8), rng, sr),
                          level=np.sqrt(db(-3.0) / (np.sum(pulse**2) * trill_hz / sr)))
        self.bouts = Wander(bouts, 2.0)
        self.tail = max(int(6 * c["pulse_s"] * sr) + len(c["pulse"]) for c in self.chirpers) + len(pulse) + sr // 30

    def _pulse(self, carrier_hz: float, length_s: float) -> np.ndarray:
        n = int(length_s * self.sr)
        u = (np.arange(n) + 0.5) / n
        return _tone(np.full(n, carrier_hz) * (1.0 - 0.03 * u), np.sin(np.pi * u) ** 2, self.sr, 0.05)

    def make(self, lo: int, hi: int) -> list:
        rng, sr = self.rng, self.sr
        out = np.zeros((hi - lo + self.tail, 2), np.float32)
        for i, c in enumerate(self.chirpers):
            chirps = []
            while self.next[i] < hi:
                chirps.append(self.next[i])
                self.next[i] += c["pace_s"] * rng.uniform(0.85, 1.15) * sr
            if not chirps:
                continue
            k = np.arange(c["pulses"])
            starts = (np.array(chirps)[:, None] + k * c["pulse_s"] * sr).ravel().astype(np.int64) - lo
            amps = c["level"] * rng.uniform(0.8, 1.0, starts.size) * np.tile(c["ramp"], len(chirps))
            self._scatter(out, c, starts, amps)
        step = self.trill["step"]
        times = np.arange(int(np.ceil(lo / step)), int(np.ceil(hi / step))) * step
        if times.size:
            on = np.clip(2.0 * self.bouts.at(times / sr) - 0.4, 0.0, 1.0)  # bouts of trilling, and silences
            self._scatter(out, self.trill, times.astype(np.int64) - lo, self.trill["level"] * on)
        return [(lo, out)]

    def _scatter(self, out: np.ndarray, c: dict, starts: np.ndarray, amps: np.ndarray) -> None:
        """One insect's pulses at `starts` into `out` (whose last 1/30 s is room for the taps' delays)."""
        mono = dsp.scatter(c["pulse"][None], np.zeros(starts.size, np.int64), starts, amps, len(out) - self.sr // 30)
        _add_taps(out, mono, c["taps"])
