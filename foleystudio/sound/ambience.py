"""The ambience layer: a procedural stereo bed under the Foley, one kind of place per span of time.

Each span gets a fresh instance of its kind (a cut to another angle is another take of the same place),
and every boundary is an equal-power crossfade centred on it. A kind is a stateful generator
(procedural/texture.py): shaped stereo noise whose spectra change frame by frame (gusts, passing cars,
waves, talkers' syllables), plus sounds placed at random times (birds, horns, close drops, crickets). It
makes the next samples on demand, so a bed of any length is made a block at a time in bounded memory, is
the same whatever the block, and is never a loop: every random stream goes on for as long as the bed does.

Levels (`KIND_LUFS`, BS.1770 integrated, 30 s at 48 kHz) place each kind under footsteps normalised to
-20 LUFS, as a sound editor sets a bed before the mix: room tone ~28 LU under them (heard in the pauses,
quietest of all), a hall and open air 20-24, park, night and wind 16-18, crowd, city and shore 14-16, rain
13 (a place you notice). `options.level_db` moves every kind together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import signal

from foleystudio.errors import InputError
from foleystudio.materials import AMBIENCES
from foleystudio.sound.footsteps import Stem
from foleystudio.sound.mix import times_curve
from foleystudio.sound.procedural import dsp
from foleystudio.sound.procedural.ambient_events import Birds, Crickets, horn, placed, plink
from foleystudio.sound.procedural.texture import (Events, Field, Wander, band, bump, coherence, db, diffuse, line, pan,
                                                   point, unit)
from foleystudio.timebase import SAMPLE_RATE

__all__ = ["AMBIENCES", "KIND_LUFS", "AmbienceOptions", "BedSpan", "render_ambience", "make_bed"]

# Integrated loudness of each kind at level_db = 0 (see the module docstring for the placement).
KIND_LUFS: dict[str, float] = {
    "room_small": -48.0, "room_large": -44.0, "outdoor_air": -40.0, "wind": -36.0, "city": -34.0,
    "park": -37.0, "rain": -33.0, "crowd": -35.0, "shore": -34.0, "night": -38.0,
}
MIN_SR = 8000  # the kinds' sounds reach 7 kHz: under this they would lose what tells them apart


@dataclass(frozen=True)
class BedSpan:
    start: int  # first sample (inclusive)
    stop: int  # last sample (exclusive)
    kind: str  # one of AMBIENCES


@dataclass(frozen=True)
class AmbienceOptions:
    crossfade_s: float = 0.5  # equal-power crossfade centred on each boundary between spans (a picture cut's
    #                           ambience change is eased over a few frames either side, as editors do)
    block_s: float = 5.0  # rendered in blocks of this length: working memory does not grow with length
    level_db: float = 0.0  # on top of every kind's calibrated level (KIND_LUFS)


def render_ambience(
    spans: Sequence[BedSpan],
    *,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    options: AmbienceOptions = AmbienceOptions(),
    out: np.ndarray | None = None,
) -> Stem:
    """The ambience bed, `n_samples` long: span by span, each a fresh instance of its kind (its randomness from
    (seed, span index, kind)), crossfaded at every boundary. Spans tile [0, n_samples) in order; no spans, silence.

    With `out` (an (n_samples, 2) float32 buffer of zeros) the bed is added into it, and it is the stem's audio.
    """
    check_spans(spans, n_samples, sr)
    if options.block_s <= 0:
        raise InputError(f"ambience block_s must be positive, not {options.block_s}")
    if out is None:
        out = np.zeros((n_samples, 2), np.float32)
    elif out.shape != (n_samples, 2) or out.dtype != np.float32:
        raise ValueError(f"out must be a ({n_samples}, 2) float32 buffer, not {out.shape} {out.dtype}")
    plan = crossfade_plan(spans, round(max(options.crossfade_s, 0.0) * sr))
    block = max(1, round(options.block_s * sr))
    live: dict[int, _Bed] = {}
    for b0 in range(0, n_samples, block):
        b1 = min(b0 + block, n_samples)
        for i, (span, (lo, hi, fade_in, fade_out)) in enumerate(zip(spans, plan)):
            a, b = max(lo, b0), min(hi, b1)
            if a >= b:
                continue
            if i not in live:
                live[i] = make_bed(span.kind, sr=sr, seed=seed, index=i, level_db=options.level_db)
            gain = fade_gains(a, b, fade_in, fade_out)
            out[a:b] += times_curve(live[i].next(b - a), gain)  # each call's sound is its own: scaled in place
            if b == hi:
                del live[i]
    return Stem(name="ambience", audio=out, sr=sr)


def make_bed(kind: str, *, sr: int = SAMPLE_RATE, seed: int = 0, index: int = 0, level_db: float = 0.0) -> _Bed:
    """The bed `render_ambience` plays for span `index` of `kind`, at its calibrated level plus `level_db`: a
    generator whose `.next(n)` is its next (n, 2) float32 samples. Its randomness is (seed, index, kind)'s."""
    if kind not in _KINDS:
        raise InputError(f"unknown ambience {kind!r}; use one of {', '.join(AMBIENCES)}")
    bed = _KINDS[kind](np.random.SeedSequence([seed, index, AMBIENCES.index(kind)]), sr)
    bed.gain = np.float32(10.0 ** ((bed.trim_db + level_db) / 20.0))
    return bed


def check_spans(spans: Sequence[BedSpan], n_samples: int, sr: int) -> None:
    if sr < MIN_SR:
        raise InputError(f"ambience sample rate {sr} Hz is too low: use at least {MIN_SR} Hz")
    if n_samples < 0:
        raise InputError(f"ambience length {n_samples} samples is negative")
    for i, span in enumerate(spans):
        if span.kind not in AMBIENCES:
            raise InputError(f"ambience span {i} has unknown kind {span.kind!r}; use one of {', '.join(AMBIENCES)}")
        if span.stop <= span.start:
            raise InputError(f"ambience span {i} ({span.kind}) is empty or reversed: {span.start}..{span.stop}")
        expected = spans[i - 1].stop if i else 0
        if span.start != expected:
            what = "overlaps the one before" if span.start < expected else "leaves a gap after the one before"
            raise InputError(f"ambience span {i} ({span.kind}) starts at sample {span.start} and {what} "
                             f"(which ends at {expected}): spans must tile 0..{n_samples} in order")
    if spans and spans[-1].stop != n_samples:
        raise InputError(f"ambience spans end at sample {spans[-1].stop}, not at the bed's length {n_samples}: "
                         "spans must tile 0..n_samples in order")


def crossfade_plan(spans: Sequence[BedSpan], crossfade: int) -> list[tuple]:
    """Per span: the samples it is rendered over (lo, hi) and its fade-in and fade-out (first sample, length) or
    None. A boundary's crossfade is centred on it, no longer than either span: a span's two fades never meet."""
    lengths = [min(crossfade, a.stop - a.start, b.stop - b.start) for a, b in zip(spans, spans[1:])]
    fades = [(b.start - m // 2, m) if m > 0 else None for b, m in zip(spans[1:], lengths)]
    plan = []
    for i, span in enumerate(spans):
        fade_in = fades[i - 1] if i > 0 else None
        fade_out = fades[i] if i < len(fades) else None
        lo = fade_in[0] if fade_in else span.start
        hi = fade_out[0] + fade_out[1] if fade_out else span.stop
        plan.append((lo, hi, fade_in, fade_out))
    return plan


def fade_gains(a: int, b: int, fade_in, fade_out) -> np.ndarray:
    """Gains of samples a..b of a span: sin and cos of the same ramp, so the two sides of a boundary keep the
    power of uncorrelated beds constant (equal-power) and meet at zero and one with no step."""
    gain = np.ones(b - a, np.float32)
    idx = np.arange(a, b)
    for fade, curve in ((fade_in, np.sin), (fade_out, np.cos)):
        if fade is None:
            continue
        x0, m = fade
        inside = (idx >= x0) & (idx < x0 + m)
        if inside.any():
            gain[inside] = curve(0.5 * np.pi * (idx[inside] - x0 + 0.5) / m)
    return gain


# ---- the kinds ----------------------------------------------------------------------------------------------


class _Bed:
    """A kind's generator: its shaped noise (`spectra`) plus its events, scaled by `gain`; `.next(n)` reads on."""

    frame_s = 0.085  # spectra change every 43 ms: gusts, waves and passing cars are far slower

    def __init__(self, seeds: np.random.SeedSequence, sr: int):
        self.seeds, self.sr = seeds, sr
        self.field = Field(self.spectra, self.rng(), sr, self.frame_s)
        self.f, self.df = self.field.freqs, self.field.df
        self.events: list[Events] = []
        self.pos = 0
        self.gain = np.float32(1.0)

    @property
    def trim_db(self) -> float:
        return _TRIMS_DB[self.kind]

    def rng(self) -> np.random.Generator:
        """A random stream of its own for each process (the next child of the bed's seed)."""
        return np.random.default_rng(self.seeds.spawn(1)[0])

    def unit(self, shape: np.ndarray) -> np.ndarray:
        return unit(shape, self.df)

    def next(self, n: int) -> np.ndarray:
        y = self.field.next(n)
        for events in self.events:
            events.add(y, self.pos)
        self.pos += n
        y *= self.gain
        return y

    def spectra(self, t_s: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class _RoomSmall(_Bed):
    """Low HVAC air, the boxy first modes of a small room, a fan's rough hum; steady."""

    kind = "room_small"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f, rng = self.f, self.rng()
        modes = rng.uniform(0.85, 1.15) * np.array([105.0, 185.0, 330.0])  # a 3-4 m room's first modes
        hum = rng.uniform(48.0, 62.0)  # a fan's blade rate or the mains
        width = max(self.df, 3.0)
        air = self.unit(band(f, 25.0, 450.0, -4.0, order=3)) + db(-32.0) * self.unit(band(f, 1000.0, 8000.0))
        air += sum(db(g) * bump(f, m, 0.08) for m, g in zip(modes, (-6.0, -8.0, -12.0)))
        hums = sum(db(g) * line(f, k * hum, width) for k, g in zip((1, 2, 3), (-12.0, -15.0, -21.0)))
        coh = coherence(f, 0.85, 0.3, 150.0)
        self.air, self.hum = diffuse(air, coh), diffuse(hums, coh)
        self.drift, self.whirr = Wander(self.rng(), 5.0, 30.0), Wander(self.rng(), 2.0, 10.0)

    def spectra(self, t_s):
        return (self.air[:, None] * db(0.6 * self.drift.at(t_s))[:, None]
                + self.hum[:, None] * db(1.5 * self.whirr.at(t_s))[:, None])


class _RoomLarge(_Bed):
    """A hall: broad diffuse air down to a sub rumble, soft distant murmur rising and falling, airy reverb."""

    kind = "room_large"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        air = self.unit(band(f, 30.0, 2500.0, -5.0)) + db(-6.0) * bump(f, 45.0, 0.5)
        air += db(-26.0) * self.unit(band(f, 2000.0, 12000.0, -3.0))
        self.air = diffuse(air, coherence(f, 0.7, 0.08, 90.0))
        self.murmur = diffuse(db(-9.0) * self.unit(band(f, 180.0, 1400.0, -3.0)), 0.15)
        self.drift, self.voices = Wander(self.rng(), 6.0, 30.0), Wander(self.rng(), 1.5, 8.0)

    def spectra(self, t_s):
        return (self.air[:, None] * db(1.0 * self.drift.at(t_s))[:, None]
                + self.murmur[:, None] * db(3.0 * self.voices.at(t_s))[:, None])


class _OutdoorAir(_Bed):
    """Open-air hush, distant activity drifting in and out, a breeze in the highs, a far bird now and then."""

    kind = "outdoor_air"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        self.hush = diffuse(self.unit(band(f, 40.0, 10000.0, -5.0)), coherence(f, 0.6, 0.05, 150.0))
        self.far = db(-5.0) * self.unit(band(f, 50.0, 1000.0, -6.0))
        self.far_coh = coherence(f, 0.7, 0.2, 200.0)
        self.breeze = diffuse(db(-12.0) * self.unit(band(f, 1500.0, 9000.0, -2.0)), 0.1)
        self.activity, self.side = Wander(self.rng(), 6.0, 30.0), Wander(self.rng(), 10.0)
        self.gusts = Wander(self.rng(), 2.0, 10.0)
        self.events.append(Events(Birds(self.rng(), sr, count=2, gap_s=(12.0, 35.0), level=(0.08, 0.25),
                                         harmonic=0.0).make, sr))

    def spectra(self, t_s):
        far = db(3.0 * self.activity.at(t_s))[:, None] * self.far
        return (self.hush[:, None] + diffuse(far, self.far_coh, 0.4 * self.side.at(t_s)[:, None])
                + self.breeze[:, None] * db(4.0 * self.gusts.at(t_s))[:, None])


class _Wind(_Bed):
    """Gusts: a band of noise whose level and centre wander together over seconds, flutter on top, buffeting
    lows and a thin whistle in the strong gusts, leaning from side to side."""

    kind = "wind"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f, rng = self.f, self.rng()
        self.centre_hz = rng.uniform(280.0, 450.0)
        self.base = db(-8.0) * self.unit(band(f, 20.0, 3000.0, -6.0))
        self.coh = coherence(f, 0.6, 0.2, 200.0)
        self.gust, self.flutter = Wander(self.rng(), 2.5, 8.0), Wander(self.rng(), 0.6, 3.0)
        self.sway = Wander(self.rng(), 6.0)

    def spectra(self, t_s):
        f = self.f
        g, h = np.tanh(0.8 * self.gust.at(t_s))[:, None], self.flutter.at(t_s)[:, None]  # gusts have a ceiling
        centre = self.centre_hz * 2.0 ** (0.8 * g + 0.25 * h)
        power = db(5.0 * g + 1.5 * h) * (bump(f, centre, 0.7) + self.base)
        power += db(-6.0 + 8.0 * g) * bump(f, 35.0, 0.8)
        power += db(-18.0 + 8.0 * np.maximum(g, 0.0)) * bump(f, 3.3 * centre, 0.06)
        return diffuse(power, self.coh, 0.3 * self.sway.at(t_s)[:, None])


@dataclass(frozen=True)
class _Car:
    t0_s: float  # when it is closest
    distance_m: float  # ... and how close
    speed_mps: float
    sign: int  # +1 passes left to right
    power: float  # at 10 m, against the rumble
    tyre_hz: float
    engine_hz: float


class _City(_Bed):
    """Distant traffic rumble and wash, cars passing (swelling, their spectrum swept by the Doppler shift and
    by how close they are), a far horn now and then."""

    kind = "city"
    REACH_S = 12.0  # a car further than this in time from its closest point is ~30 dB down: left out
    COARSE = 4  # the cars' spectra are worked out every 4th frame (170 ms) and interpolated: a pass takes seconds

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        self.rumble = diffuse(self.unit(band(f, 25.0, 3000.0, -6.0)), coherence(f, 0.9, 0.3, 250.0))
        self.wash = diffuse(db(-10.0) * self.unit(band(f, 300.0, 6000.0, -4.0)), 0.15)
        self.f32, self.log2f = f.astype(np.float32), np.log2(np.maximum(f, 1.0)).astype(np.float32)
        self.level, self.busy = Wander(self.rng(), 5.0, 20.0), Wander(self.rng(), 3.0, 15.0)
        self.car_rng = self.rng()
        self.cars: list[_Car] = []
        self.next_car_s = -self.car_rng.uniform(0.0, self.REACH_S)
        self.horn_rng = self.rng()
        self.events.append(Events(self._horns, sr, epoch_s=4.0))

    def _new_car(self) -> _Car:
        rng = self.car_rng
        truck = rng.random() < 0.15
        car = _Car(self.next_car_s, rng.uniform(4.0, 18.0), rng.uniform(8.0, 17.0), int(rng.choice((-1, 1))),
                   float(db(rng.uniform(0.0, 5.0) + 3.0 * truck)),
                   rng.uniform(400.0, 700.0) if truck else rng.uniform(600.0, 1100.0),
                   rng.uniform(45.0, 70.0) if truck else rng.uniform(70.0, 140.0))
        self.next_car_s += 1.5 + rng.gamma(3.0, 1.2)  # ~5 s apart, more even than at random
        return car

    def spectra(self, t_s):
        out = (self.rumble[:, None] * db(1.5 * self.level.at(t_s))[:, None]
               + self.wash[:, None] * db(3.0 * self.busy.at(t_s))[:, None])
        period = self.field.hop / self.sr
        frames = np.rint(t_s / period).astype(np.int64)
        first = frames[0] // self.COARSE
        coarse = np.arange(first, frames[-1] // self.COARSE + 2)
        cars = self._cars(coarse * self.COARSE * period)
        pos = frames / self.COARSE - first
        i = np.floor(pos).astype(np.int64)
        w = (pos - i).astype(np.float32)[:, None]
        return out + cars[:, i] * (1.0 - w) + cars[:, i + 1] * w

    def _cars(self, t_s: np.ndarray) -> np.ndarray:
        while self.next_car_s < t_s[-1] + self.REACH_S:
            self.cars.append(self._new_car())
        self.cars = [c for c in self.cars if c.t0_s > t_s[0] - self.REACH_S]
        out = np.zeros((3, len(t_s), len(self.f)), np.float32)
        for car in self.cars:
            near = np.abs(t_s - car.t0_s) < self.REACH_S
            if not near.any():
                continue
            dt = t_s[near, None] - car.t0_s
            x = car.sign * car.speed_mps * dt
            r = np.hypot(car.distance_m, x)
            doppler = 343.0 / (343.0 + car.speed_mps**2 * dt / r)
            cutoff = 1500.0 + 7500.0 * (car.distance_m / r) ** 2  # nearer is brighter (air, the tyres' aim)
            shape = (self._bump(car.tyre_hz * doppler, 1.0) + 0.6 * self._bump(car.engine_hz * doppler, 0.25)
                     + 0.3 * self._bump(2.0 * car.engine_hz * doppler, 0.25))
            shape /= 1.0 + (self.f32 / cutoff.astype(np.float32)) ** 4
            fade = np.clip((self.REACH_S - np.abs(dt)) / 2.0, 0.0, 1.0) ** 2  # in and out of reach smoothly
            out[:, near] += point((car.power * fade * (10.0 / r) ** 2).astype(np.float32) * shape, 0.85 * x / r)
        return out

    def _bump(self, centre_hz: np.ndarray, octaves: float) -> np.ndarray:
        """texture.bump in float32 from the bins' log frequencies, worked out once: a car's spectrum is redone
        every few frames."""
        x = (self.log2f - np.log2(centre_hz).astype(np.float32)) / np.float32(octaves)
        return np.exp(-0.5 * x * x) * (bump(np.ones(1), 1.0, octaves)[0] / centre_hz).astype(np.float32)

    def _horns(self, lo: int, hi: int) -> list:
        rng, sr = self.horn_rng, self.sr
        starts = np.sort(rng.integers(lo, hi, rng.poisson((hi - lo) / sr / 40.0)))  # one every ~40 s
        return [(int(s), placed(horn(rng, sr) * rng.uniform(0.3, 0.8), rng.uniform(-0.9, 0.9), rng, sr))
                for s in starts]


class _Park(_Bed):
    """Soft air and leaves in a breeze, birds singing from around: chirps, trills, whistles and warbles."""

    kind = "park"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        air = self.unit(band(f, 40.0, 10000.0, -4.5)) + db(-6.0) * self.unit(band(f, 40.0, 500.0, -3.0))
        self.air = diffuse(air, coherence(f, 0.6, 0.05, 150.0))
        self.leaves = diffuse(db(-9.0) * self.unit(band(f, 1500.0, 9000.0, -2.0)), 0.1)
        self.breeze = Wander(self.rng(), 1.5, 8.0)
        self.events.append(Events(Birds(self.rng(), sr, count=5, gap_s=(2.0, 8.0), level=(1.5, 5.0)).make, sr))

    def spectra(self, t_s):
        return self.air[:, None] + self.leaves[:, None] * db(4.0 * self.breeze.at(t_s))[:, None]


class _Rain(_Bed):
    """Broadband hiss and a low thrum, a dense crackle of droplets, and closer drops that plink."""

    kind = "rain"
    DROPS = ((2500.0, 3000.0, 11000.0, 0.0), (500.0, 1000.0, 4000.0, -4.0))  # per s, band, power re hiss

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        hiss = self.unit(band(f, 300.0, 12000.0, -2.0)) + db(-12.0) * self.unit(band(f, 80.0, 600.0, -3.0))
        self.hiss = diffuse(hiss, coherence(f, 0.6, 0.05, 300.0))
        self.intensity = Wander(self.rng(), 5.0, 20.0)
        self.drop_rng, self.plink_rng = self.rng(), self.rng()
        self.drops = []
        for rate, lo, hi, level_db in self.DROPS:
            sos = dsp.band_sos(lo, hi, sr)
            impulse = signal.sosfilt(sos, np.r_[1.0, np.zeros(sr // 10 - 1)])
            scale = np.sqrt(db(level_db) / (rate * 2.0 * np.sum(impulse**2)))  # an Exp(1) amplitude: E a^2 = 2
            self.drops.append((rate, sos, scale, [np.zeros((sos.shape[0], 2)) for _ in range(2)]))
        self.events.append(Events(self._crackle, sr))
        self.events.append(Events(self._plinks, sr))

    def spectra(self, t_s):
        return self.hiss[:, None] * db(1.0 * self.intensity.at(t_s))[:, None]

    def _crackle(self, lo: int, hi: int) -> list:
        rng, m = self.drop_rng, hi - lo
        out = np.zeros((m, 2), np.float32)
        for rate, sos, scale, states in self.drops:
            k = rng.poisson(rate * m / self.sr)
            at = rng.integers(0, m, k)
            amp = scale * rng.exponential(1.0, k) * rng.choice((-1.0, 1.0), k)
            gains = pan(rng.uniform(-1.0, 1.0, k))
            for ch in range(2):
                impulses = np.bincount(at, weights=amp * gains[ch], minlength=m)
                y, states[ch] = signal.sosfilt(sos, impulses, zi=states[ch])
                out[:, ch] += y
        return [(lo, out)]

    def _plinks(self, lo: int, hi: int) -> list:
        rng, sr = self.plink_rng, self.sr
        starts = np.sort(rng.integers(lo, hi, rng.poisson(5.0 * (hi - lo) / sr)))
        return [(int(s), placed(plink(rng, sr) * rng.uniform(1.0, 4.0), rng.uniform(-1.0, 1.0), rng, sr))
                for s in starts]


class _Talker:
    """One voice in a crowd: syllables at 3-6 per second in spurts of talk, each a vowel's formants."""

    def __init__(self, rng: np.random.Generator, vowels: int):
        self.rng, self.vowels = rng, vowels
        self.rate = rng.uniform(3.0, 6.0)
        self.t = -rng.uniform(0.0, 3.0)
        self.spurt_end = self.t + rng.uniform(1.0, 4.0)
        self.onsets, self.lengths, self.amps, self.which = [], [], [], []

    def at(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(power envelope, vowel) at each time."""
        rng = self.rng
        while self.t <= t_s[-1]:
            if self.t >= self.spurt_end:  # a pause, then the next spurt
                self.t += rng.uniform(0.3, 2.0)
                self.spurt_end = self.t + rng.uniform(1.2, 5.0)
            gap = rng.uniform(0.8, 1.2) / self.rate
            self.onsets.append(self.t)
            self.lengths.append(0.9 * gap)
            self.amps.append(rng.uniform(0.35, 1.0))
            self.which.append(int(rng.integers(self.vowels)))
            self.t += gap
        keep = int(np.searchsorted(self.onsets, t_s[0] - 1.0))
        for seq in (self.onsets, self.lengths, self.amps, self.which):
            del seq[:keep]
        j = np.maximum(np.searchsorted(self.onsets, t_s, side="right") - 1, 0)
        u = (t_s - np.asarray(self.onsets)[j]) / np.asarray(self.lengths)[j]
        envelope = np.where((u >= 0) & (u < 1), np.asarray(self.amps)[j] * np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)
        return envelope**2, np.asarray(self.which)[j]


class _Crowd(_Bed):
    """A babble of far voices and several nearer talkers, each panned, their syllables coming and going."""

    kind = "crowd"
    frame_s = 0.021  # frames every 11 ms: a syllable's rise and fall
    # F1, F2 of ten vowels (Hz, adult averages in the Peterson & Barney tradition); a talker scales them
    VOWELS = ((270, 2290), (390, 1990), (530, 1840), (660, 1720), (730, 1090), (570, 840), (440, 1020),
              (300, 870), (640, 1190), (490, 1350))

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f, rng = self.f, self.rng()
        voice = band(f, 120.0, 4000.0, -6.0, order=3)  # voices a few metres off: the highs soon go
        self.babble = diffuse(self.unit(voice * (1.0 + 3.0 * _peak(f, 500.0, 1.0))), coherence(f, 0.5, 0.1, 200.0))
        self.level = Wander(self.rng(), 4.0, 20.0)
        self.talkers, self.banks, self.gains = [], [], []
        for _ in range(7):
            scale = rng.uniform(0.9, 1.25)  # a man's to a child's formants
            bank = [self.unit(voice * (0.3 + 3.0 * _peak(f, f1 * scale, 0.25) + 1.5 * _peak(f, f2 * scale, 0.2)))
                    for f1, f2 in self.VOWELS]
            bank.append(db(-15.0) * self.unit(band(f, 2500.0, 7000.0, order=4)))  # a fricative, under a vowel
            self.banks.append(np.array(bank, np.float32))
            self.gains.append((db(rng.uniform(-6.0, 2.0)), rng.uniform(-0.9, 0.9)))
            self.talkers.append(_Talker(self.rng(), len(bank)))

    def spectra(self, t_s):
        out = self.babble[:, None] * db(1.5 * self.level.at(t_s))[:, None]
        for talker, bank, (power, where) in zip(self.talkers, self.banks, self.gains):
            envelope, which = talker.at(t_s)
            out += point((power * envelope)[:, None] * bank[which], where)
        return out


@dataclass(frozen=True)
class _Wave:
    start_s: float
    period_s: float
    power: float
    brightness: float
    lean: float  # where along the shore it breaks, -1..1


class _Shore(_Bed):
    """Waves, one after another every 6-12 s: a swell of low noise, the crash, a hissing wash that retreats;
    under them the surf's far roar."""

    kind = "shore"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        roar = db(-4.0) * self.unit(band(f, 30.0, 700.0, -4.0)) + db(-18.0) * self.unit(band(f, 500.0, 10000.0, -3.0))
        self.roar = diffuse(roar, coherence(f, 0.8, 0.3, 200.0))
        self.swell = self.unit(band(f, 60.0, 1200.0, -3.0))
        self.crash = self.unit(band(f, 100.0, 9000.0, -2.0))
        self.fizz = self.unit(band(f, 1500.0, 14000.0, 0.0))
        self.coh = coherence(f, 0.6, 0.25, 200.0)
        self.wave_rng = self.rng()
        self.next_s = -self.wave_rng.uniform(0.0, 12.0)
        self.waves: list[_Wave] = []

    def spectra(self, t_s):
        rng = self.wave_rng
        while self.next_s <= t_s[-1]:
            wave = _Wave(self.next_s, rng.uniform(6.0, 12.0), float(db(rng.uniform(-2.5, 1.5))),
                         rng.uniform(0.7, 1.3), rng.uniform(-0.4, 0.4))
            self.waves.append(wave)
            self.next_s += wave.period_s
        self.waves = [w for w in self.waves if w.start_s + 2.5 * w.period_s > t_s[0]]  # its wash is -50 dB by then
        out = np.broadcast_to(self.roar[:, None], (3, len(t_s), len(self.f))).copy()
        for w in self.waves:
            u = (t_s - w.start_s) / w.period_s
            if u.max() < 0:
                continue
            swell, crash, fizz = _wave_envelopes(u)
            power = w.power * (swell[:, None] * self.swell + 2.0 * w.brightness * crash[:, None] * self.crash
                               + 0.5 * fizz[:, None] * self.fizz)
            out += diffuse(power, self.coh, w.lean)
        return out


def _wave_envelopes(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power of a wave's swell, crash and wash at phase u (0 at its start, 1 at the next wave's start)."""
    peak = 0.45
    before = (u >= 0) & (u < peak)
    after = np.maximum(u - peak, 0.0)
    swell = np.where(before, (np.clip(u, 0, peak) / peak) ** 2, np.exp(-after / 0.12) * (u >= peak))
    crash = np.where(before, (np.clip(u, 0, peak) / peak) ** 8, np.exp(-after / 0.1) * (u >= peak))
    fizz = np.where(u >= peak + 0.02, (1.0 - np.exp(-(u - peak - 0.02) / 0.04)) * np.exp(-after / 0.35), 0.0)
    return swell, crash, fizz


class _Night(_Bed):
    """Crickets, each chirping its pulses at its own carrier (3-7 kHz) and pace, one trilling in bouts, over
    very quiet air."""

    kind = "night"

    def __init__(self, seeds, sr):
        super().__init__(seeds, sr)
        f = self.f
        self.air = diffuse(db(-26.0) * self.unit(band(f, 30.0, 6000.0, -4.0)), coherence(f, 0.5, 0.1, 200.0))
        self.quiet = Wander(self.rng(), 8.0, 30.0)
        self.crickets = Crickets(self.rng(), self.rng(), sr)
        self.events.append(Events(self.crickets.make, sr))

    def spectra(self, t_s):
        return self.air[:, None] * db(1.0 * self.quiet.at(t_s))[:, None]


def _peak(f: np.ndarray, centre_hz: float, octaves: float) -> np.ndarray:
    """A formant: a Gaussian bump in log frequency, 1 at its centre."""
    return np.exp(-0.5 * (np.log2(np.maximum(f, 1.0) / centre_hz) / octaves) ** 2)


_KINDS: dict[str, type[_Bed]] = {cls.kind: cls for cls in (_RoomSmall, _RoomLarge, _OutdoorAir, _Wind, _City,
                                                            _Park, _Rain, _Crowd, _Shore, _Night)}
# Gain (dB) from each kind's raw level to KIND_LUFS: the mean over seeds 0-7 of 30 s at 48 kHz
# (scripts/ambience_sheets.py --calibrate measures them again after a change to a kind)
_TRIMS_DB: dict[str, float] = {
    "room_small": -50.64, "room_large": -46.07, "outdoor_air": -43.05, "wind": -40.53, "city": -39.33,
    "park": -43.21, "rain": -38.87, "crowd": -38.58, "shore": -37.70, "night": -42.08,
}
