"""The music layer: a procedural temp score whose tempo follows the video's pace and whose key, mode and timbre
follow the picture.

`plan_music` reads the video (how often it cuts, how much moves, how light, colourful and warm it is) into a
`MusicPlan`; `render_music` plays the plan for exactly `n_samples`:

- pace -> tempo: tempo_bpm = 70 + 45 * min(cuts per minute / 30, 1) + 35 * motion_energy, so a still single shot
  is 70 bpm, a cut every 2 s (or faster) adds 45 and people running flat out add 35: 150 bpm for both;
- luma -> mode: under `MINOR_BELOW_LUMA` (a dim picture) minor, else major;
- luma and saturation -> brightness = 0.1 + 0.55 luma + 0.35 saturation (filter cutoffs, upper partials);
- pace and saturation -> energy = 0.2 + 0.5 pace + 0.3 saturation (how many parts play, how densely);
- warmth (-1 cold/blue .. +1 warm/red-yellow) -> key: a step round the circle of fifths per third of warmth,
  flat keys for cold, sharp keys for warm: Eb, Bb, F, C (neutral), G, D, A.

The score is planned in bars of four beats: four-bar progressions per mode (varied by seed), the bar before the
end on the dominant, and a final tonic chord on an even beat at least max(2 beats, 1.5 s) before the end that rings
and fades to exactly zero on the last sample. The first bar swells in from silence. Every style puts an onset on each beat
(louder than anything between beats), so the tempo reads back: `measure_tempo` finds it by autocorrelating the
spectral flux (`foleystudio.sound.tempo`). A cut gets a cymbal swell into an impact whose attack is on the cut's
sample.

Synthesis is by note: each distinct note (sound/instruments.py: wavetable pads, bass and stabs; additive piano,
bells and mallets; an FM pluck; noise drums) is made once as a small array and added into the output at its
sample, so a minute of score costs a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from foleystudio.errors import InputError
from foleystudio.sound.footsteps import Stem
from foleystudio.sound.loudness import oversampling_gain
from foleystudio.sound.mix import TRUE_PEAK_OVERSAMPLING, MixConfig, integrated_lufs, loudest, runs, scale, true_peak_db
from foleystudio.sound.instruments import (bass, bell, envelope, hz, kick, mallet, modal, noise_hit, pad, piano,
                                           pluck, stab)
from foleystudio.sound.procedural import dsp
from foleystudio.sound.scratch import BLOCK_SAMPLES, any_nonzero, blocks, release
from foleystudio.sound.spatial import pan_gains
from foleystudio.sound.tempo import measure_tempo, onset_strength  # noqa: F401  (the tempo it plays reads back)
from foleystudio.timebase import SAMPLE_RATE, seconds_to_sample

STYLES: tuple[str, ...] = ("ambient", "pulse", "piano", "drive")
MODES: tuple[str, ...] = ("major", "minor")
TEMPO_RANGE_BPM = (50.0, 170.0)
MINOR_BELOW_LUMA = 0.42  # mean luminance under which the picture reads as dark (night, interiors, low key)
FAST_CUTS_PER_MIN = 30.0  # a cut every 2 s: trailer and action cutting, the fastest pace the tempo follows
MIN_PACE_WINDOW_S = 10.0  # cuts per minute are counted over at least this long: one cut in 3 s is not 20 a minute
ACCENT_AFTER_S = 0.25  # a cut sooner than this after the start gets no accent: the score's own swell is the start
ACCENT_LEVEL = {"ambient": 0.6, "pulse": 0.8, "piano": 0.8, "drive": 1.2}  # a hit stands out of a busy style too
SHORT_S = 4.0  # a video shorter than this (or than one bar and its tail) gets one chord's swell
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}  # natural minor: no leading tone
# four-bar progressions as scale degrees from 0 (the tonic); each starts and leans on the tonic
PROGRESSIONS = {
    "major": ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 5, 4), (0, 3, 0, 4)),  # I-V-vi-IV, I-vi-IV-V, I-IV-vi-V, I-IV-I-V
    "minor": ((0, 5, 2, 6), (0, 3, 4, 0), (0, 5, 3, 4), (0, 4, 5, 3)),  # i-VI-III-VII, i-iv-v-i, i-VI-iv-v, i-v-VI-iv
}
CADENCE = {"major": 4, "minor": 4}  # the chord before the final tonic: V, or the natural minor's v
WARM_KEYS = (3, 10, 5, 0, 7, 2, 9)  # warmth -1 .. +1 in thirds: Eb Bb F C G D A
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


@dataclass(frozen=True)
class MusicPlan:
    tempo_bpm: float  # 50..170
    key: int  # tonic pitch class, 0 = C ... 11 = B
    mode: str  # "major" | "minor"
    brightness: float  # 0..1: timbre (filter cutoff, upper partials)
    energy: float  # 0..1: density and level of the parts
    style: str  # one of STYLES
    accents_s: tuple[float, ...] = ()  # times (s) of cuts: a cymbal swell into an impact on each

    def __post_init__(self):
        if self.style not in STYLES:
            raise InputError(f"unknown music style {self.style!r}: use one of {', '.join(STYLES)}")
        if self.mode not in MODES:
            raise InputError(f"unknown mode {self.mode!r}: use 'major' or 'minor'")
        lo, hi = TEMPO_RANGE_BPM
        if not (np.isfinite(self.tempo_bpm) and lo <= self.tempo_bpm <= hi):
            raise InputError(f"tempo {self.tempo_bpm} bpm is out of range: use {lo:g} to {hi:g} bpm")
        if isinstance(self.key, bool) or not isinstance(self.key, (int, np.integer)) or not 0 <= self.key <= 11:
            raise InputError(f"key {self.key!r} is not a pitch class: use 0 (C) to 11 (B)")
        for name in ("brightness", "energy"):
            value = getattr(self, name)
            if not (np.isfinite(value) and 0.0 <= value <= 1.0):
                raise InputError(f"music {name} {value} is out of range: use 0 to 1")
        accents = tuple(float(t) for t in self.accents_s)
        if not all(np.isfinite(t) for t in accents):
            raise InputError(f"accent times must be finite seconds, got {self.accents_s}")
        object.__setattr__(self, "accents_s", accents)

    @property
    def beat_s(self) -> float:
        return 60.0 / self.tempo_bpm

    @property
    def key_name(self) -> str:
        return f"{NOTE_NAMES[int(self.key)]} {self.mode}"


def plan_music(*, duration_s: float, cut_times_s: Sequence[float] = (), motion_energy: float = 0.0,
               luma: float = 0.5, saturation: float = 0.3, warmth: float = 0.0, style: str = "ambient",
               accents: bool = True) -> MusicPlan:
    """The score a video of `duration_s` gets from its pace (cuts, motion 0..1) and picture (mean luma 0..1,
    saturation 0..1, warmth -1..1); the mappings are in the module docstring."""
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise InputError(f"duration {duration_s} s: the music needs a positive length")
    for name, value, lo, hi in (("motion_energy", motion_energy, 0, 1), ("luma", luma, 0, 1),
                                ("saturation", saturation, 0, 1), ("warmth", warmth, -1, 1)):
        if not (np.isfinite(value) and lo <= value <= hi):
            raise InputError(f"{name} {value} is out of range: use {lo} to {hi}")
    if style not in STYLES:
        raise InputError(f"unknown music style {style!r}: use one of {', '.join(STYLES)}")
    cuts = sorted(float(t) for t in cut_times_s if 0.0 < t < duration_s)
    per_min = 60.0 * len(cuts) / max(duration_s, MIN_PACE_WINDOW_S)
    tempo = 70.0 + 45.0 * min(per_min / FAST_CUTS_PER_MIN, 1.0) + 35.0 * motion_energy
    pace = (tempo - 70.0) / 80.0
    return MusicPlan(
        tempo_bpm=round(tempo, 2),
        key=WARM_KEYS[int(round(3.0 * warmth)) + 3],
        mode="minor" if luma < MINOR_BELOW_LUMA else "major",
        brightness=float(np.clip(0.1 + 0.55 * luma + 0.35 * saturation, 0.0, 1.0)),
        energy=float(np.clip(0.2 + 0.5 * pace + 0.3 * saturation, 0.0, 1.0)),
        style=style,
        accents_s=tuple(cuts) if accents else (),
    )


# ---------------------------------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class _Bar:
    beat: int  # its first beat, from 0
    beats: int  # 4, or 2 for a shortened last bar
    chord: tuple[int, int, int]  # pitch classes: root, third, fifth
    index: int


@dataclass(frozen=True)
class _Form:
    beat_s: float
    bars: tuple[_Bar, ...]
    final_beat: int  # where the final tonic chord lands
    tonic: tuple[int, int, int]
    key: int
    scale: tuple[int, ...]

    def t(self, beat: float) -> float:
        return beat * self.beat_s


def _chord(key: int, scale: tuple[int, ...], degree: int) -> tuple[int, int, int]:
    return tuple((key + scale[(degree + step) % 7]) % 12 for step in (0, 2, 4))  # type: ignore[return-value]


def _form(plan: MusicPlan, duration_s: float, rng: np.random.Generator) -> _Form | None:
    """Bars up to a final tonic chord at least max(2 beats, 1.5 s) before the end, on an even beat; None when not
    even one bar fits (the caller swells one chord instead)."""
    beat_s = plan.beat_s
    tail_s = max(2.0 * beat_s, 1.5)
    final_beat = 2 * int((duration_s - tail_s) / (2.0 * beat_s) + 1e-9)
    if duration_s < SHORT_S or final_beat < 4:
        return None
    scale = SCALES[plan.mode]
    choices = PROGRESSIONS[plan.mode]
    a, b = rng.choice(len(choices), size=2, replace=False)
    bars = []
    for i, beat in enumerate(range(0, final_beat, 4)):
        phrase = (choices[a], choices[a], choices[b], choices[a])[(i // 4) % 4]  # A A B A
        degree = phrase[i % 4]
        if beat + 4 >= final_beat and i > 0:
            degree = CADENCE[plan.mode]
        bars.append(_Bar(beat, min(4, final_beat - beat), _chord(plan.key, scale, degree), i))
    return _Form(beat_s, tuple(bars), final_beat, _chord(plan.key, scale, 0), plan.key, scale)


def _near(pc: int, centre: float) -> int:
    """The MIDI note of pitch class `pc` nearest `centre`."""
    return int(pc + 12 * round((centre - pc) / 12.0))


class _Bus:
    """(n, 2) float32 that the notes are added into (the stem itself: no copy at the end); each distinct note is
    made once (`make`). A player's touch: each note's level varies by up to `touch` (from `rng`, so the seed
    decides), its time never does."""

    def __init__(self, n: int, sr: int, rng: np.random.Generator | None = None, touch: float = 0.08,
                 out: np.ndarray | None = None):
        self.x = np.zeros((n, 2), np.float32) if out is None else out
        self.n, self.sr = n, sr
        self.rng, self.touch = rng, touch
        self._notes: dict = {}

    def add_blocks(self, t_s: float, n: int, part: Callable[[int, int], np.ndarray], gain: float,
                   pan: float = 0.0, block: int = 1 << 18) -> None:
        """A note `n` samples long whose samples lo..hi `part(lo, hi)` makes, added block by block with one touch."""
        if self.rng is not None:
            gain *= 1.0 + self.touch * float(self.rng.uniform(-1.0, 1.0))
        start = seconds_to_sample(t_s, self.sr)
        left, right = pan_gains(0.5 + 0.5 * pan)
        for lo in range(max(0, -start), min(n, self.n - start), block):
            hi = min(lo + block, n, self.n - start)
            note = part(lo, hi)
            self.x[start + lo:start + hi, 0] += np.float32(gain * left) * note
            self.x[start + lo:start + hi, 1] += np.float32(gain * right) * note

    def forget(self) -> None:
        self._notes.clear()

    def make(self, fn: Callable[..., np.ndarray], *args) -> np.ndarray:
        key = (fn.__name__, args)
        if key not in self._notes:
            self._notes[key] = fn(*args)
        return self._notes[key]

    def add(self, t_s: float, note: np.ndarray, gain: float, pan: float = 0.0,
            echo_s: float = 0.0, echoes: int = 0, feedback: float = 0.4) -> None:
        """`note` from the sample nearest `t_s`, panned (-1 left .. +1 right); echoes ping-pong across."""
        if self.rng is not None:
            gain *= 1.0 + self.touch * float(self.rng.uniform(-1.0, 1.0))
        for i in range(echoes + 1):
            start = seconds_to_sample(t_s + i * echo_s, self.sr)
            lo, hi = max(0, -start), min(note.size, self.n - start)
            if hi <= lo:
                continue
            left, right = pan_gains(0.5 + 0.5 * (pan if i % 2 == 0 else -pan))
            g = gain * feedback**i
            self.x[start + lo:start + hi, 0] += np.float32(g * left) * note[lo:hi]
            self.x[start + lo:start + hi, 1] += np.float32(g * right) * note[lo:hi]


def _pad_chords(bus: _Bus, form: _Form, bright: float, gain: float, centre: float = 60.0) -> None:
    """The chord of each bar on a pad, voiced round `centre` with the root an octave down; bars overlap."""
    sr = bus.sr
    for bar in form.bars:
        hold = int(bar.beats * form.beat_s * sr)
        attack, release = int(0.35 * hold), int(min(0.6 * hold, 1.5 * sr))
        notes = [_near(pc, centre) for pc in bar.chord] + [_near(bar.chord[0], centre - 12)]
        for m, pan in zip(notes, (-0.5, 0.5, 0.0, 0.0)):
            bus.add(form.t(bar.beat), bus.make(pad, m, hold, attack, release, sr, bright), gain, pan)


def _final_chord(bus: _Bus, form: _Form, bright: float, gain: float, tail_n: int, centre: float = 60.0) -> None:
    notes = [_near(pc, centre) for pc in form.tonic] + [_near(form.tonic[0], centre - 12)]
    for m, pan in zip(notes, (-0.5, 0.5, 0.0, 0.0)):
        bus.add(form.t(form.final_beat), pad(m, tail_n, int(0.05 * bus.sr), 0, bus.sr, bright), gain, pan)


def _melody(form: _Form, rng: np.random.Generator, energy: float, lo: int = 67, hi: int = 86):
    """(beat, midi, on a beat?) of a stepwise tune, on chord tones at the bar's strong beats."""
    notes = [m for m in range(lo, hi + 1) if (m - form.key) % 12 in form.scale]
    rhythms = [(0.0,), (0.0, 1.5, 3.0), (0.0, 1.0, 1.5, 2.0, 3.0, 3.5)]  # accents on one, not on one and three
    where = len(notes) // 2
    out = []
    for bar in form.bars:
        rhythm = rhythms[min(2, int(energy * 2.999 + rng.uniform(-0.3, 0.3)))]
        for beat in rhythm:
            if beat >= bar.beats:
                continue
            if beat == 0.0:
                tones = [i for i, m in enumerate(notes) if m % 12 in bar.chord]
                where = min(tones, key=lambda i: abs(i - where) + rng.uniform(0, 1.5))
            else:
                where = int(np.clip(where + rng.choice((-2, -1, -1, 1, 1, 2)), 0, len(notes) - 1))
            out.append((bar.beat + beat, notes[where], beat % 1.0 == 0.0))
    return out


def _offbeat_gain(plan: MusicPlan) -> float:
    """Notes between the beats are this much softer: the slower the tempo, the softer, or a listener (and
    `measure_tempo`) would take the eighths of a slow piece for its beat."""
    return float(np.clip(plan.tempo_bpm / 110.0, 0.5, 1.0))


def _ambient(bus: _Bus, form: _Form, plan: MusicPlan, rng: np.random.Generator, tail_n: int) -> None:
    sr, b, e = bus.sr, plan.brightness, plan.energy
    _pad_chords(bus, form, b, 0.16)
    drone_n = int(form.t(form.final_beat) * sr)  # a note as long as the video: made and added a block at a time
    bus.add_blocks(0.0, drone_n + int(2 * sr), lambda lo, hi: pad(_near(form.key, 40), drone_n, int(2 * sr),
                                                                   int(2 * sr), sr, 0.3 * b, lo, hi), 0.12)
    decay_s = min(0.55, 0.6 * form.beat_s)  # each beat's note has died away before the next: a clear re-attack
    for bar in form.bars:  # the soft pulse: a mallet on each beat, the chord up and down above the pad
        tones = sorted(_near(pc, 74) for pc in bar.chord)
        tones.append(tones[0] + 12)  # four different notes: no two beats of the bar sound alike
        for k in range(bar.beats):
            m = tones[k]
            gain = 0.5 if k == 0 else 0.4
            bus.add(form.t(bar.beat + k), bus.make(mallet, m, sr, b, decay_s), gain, 0.3 - 0.2 * k)
    for beat, m, on in _melody(form, rng, 0.0, 72, 88):
        if on and rng.uniform() < 0.15 + 0.35 * e:
            bus.add(form.t(beat), bus.make(bell, m, sr, b), 0.08, rng.uniform(-0.6, 0.6), 2 * form.beat_s, 2)
    _final_chord(bus, form, b, 0.2, tail_n)
    bus.add(form.t(form.final_beat), bell(_near(form.key, 76), sr, b), 0.1, 0.2)


def _pulse(bus: _Bus, form: _Form, plan: MusicPlan, rng: np.random.Generator, tail_n: int) -> None:
    sr, b, e = bus.sr, plan.brightness, plan.energy
    off = _offbeat_gain(plan)
    _pad_chords(bus, form, b, 0.1)
    shape = rng.choice(3)
    for bar in form.bars:
        tones = [_near(pc, 60) for pc in bar.chord]
        tones = sorted(tones) + [min(tones) + 12]
        order = ((0, 1, 2, 3, 2, 1, 2, 1), (0, 2, 1, 3, 0, 2, 1, 2), (0, 1, 2, 1, 3, 2, 1, 2))[shape]
        for k in range(2 * bar.beats):
            on = k % 2 == 0
            gain = (0.3 if k == 0 else 0.22) if on else (0.08 + 0.06 * e) * off
            bus.add(form.t(bar.beat + k / 2), bus.make(pluck, tones[order[k]] + 12, sr, b), gain,
                    0.35 if k % 4 < 2 else -0.35)
        for k in range(bar.beats):
            bus.add(form.t(bar.beat + k), bus.make(kick, sr, True, hz(_near(form.key, 31))), 0.25 + 0.25 * e)
        root = _near(bar.chord[0], 38)
        bus.add(form.t(bar.beat), bus.make(bass, root, int(bar.beats * form.beat_s * sr), sr, 0.3 * b), 0.2)
    _final_chord(bus, form, b, 0.18, tail_n)
    bus.add(form.t(form.final_beat), bus.make(kick, sr, True, hz(_near(form.key, 31))), 0.4)


def _piano_style(bus: _Bus, form: _Form, plan: MusicPlan, rng: np.random.Generator, tail_n: int) -> None:
    sr, b, e = bus.sr, plan.brightness, plan.energy
    off = _offbeat_gain(plan)
    beat_n = int(form.beat_s * sr)
    for bar in form.bars:  # a bass note held through the bar; the chord struck on every beat, lifted before the next
        bus.add(form.t(bar.beat), bus.make(piano, _near(bar.chord[0], 43), bar.beats * beat_n, sr, b), 0.3, -0.3)
        tones = sorted(_near(pc, 60) for pc in bar.chord)
        for k in range(bar.beats):
            for m in tones:
                bus.add(form.t(bar.beat + k), bus.make(piano, m, int(0.7 * beat_n), sr, b), 0.16, -0.1)
            if e > 0.55 and k % 2 == 1:
                fill = bus.make(piano, tones[2] + 12, beat_n // 3, sr, b)
                bus.add(form.t(bar.beat + k + 0.5), fill, 0.06 * off, 0.1)
    tune = _melody(form, rng, e)
    for (beat, m, on), nxt in zip(tune, [t[0] for t in tune[1:]] + [form.final_beat]):
        hold = int(min(nxt - beat, 2.0) * beat_n)
        bus.add(form.t(beat), bus.make(piano, m, hold, sr, b), 0.2 if on else 0.1, 0.25)
    t_end = form.t(form.final_beat)
    for m in [_near(form.tonic[0], 36), _near(form.tonic[0], 48)] + [_near(pc, 62) for pc in form.tonic] + \
             [_near(form.tonic[0], 72)]:
        bus.add(t_end, piano(m, tail_n, sr, b), 0.2, 0.0)


def _drive(bus: _Bus, form: _Form, plan: MusicPlan, rng: np.random.Generator, tail_n: int) -> None:
    sr, b, e = bus.sr, plan.brightness, plan.energy
    off = _offbeat_gain(plan)
    thump, snare = kick(sr, False, hz(_near(form.key, 31))), noise_hit(rng, 1500, 6000 + 6000 * b, 0.1, 0.35, sr)
    snare = snare + 0.6 * modal((1.0,), (1.0,), (0.06,), _near(form.key + 7, 55), snare.size, sr)  # on the fifth
    hats = [noise_hit(rng, 6000 + 3000 * b, 16000, 0.03, 0.15, sr) for _ in range(3)]
    crash = [noise_hit(rng, 3000 + 2000 * b, 16000, 1.0, 2.5, sr) for _ in range(2)]
    eighth_n = int(form.beat_s * sr / 2)
    per_beat = 4 if e > 0.7 else 2
    for bar in form.bars:
        if bar.index > 0 and bar.index % 4 == 0:
            bus.add(form.t(bar.beat), crash[0], 0.12, -0.5)
            bus.add(form.t(bar.beat), crash[1], 0.12, 0.5)
        root = _near(bar.chord[0], 38)
        for k in range(bar.beats):
            bus.add(form.t(bar.beat + k), thump, 0.55)
            if k % 2 == 1:
                bus.add(form.t(bar.beat + k), snare, 0.12, -0.1)
            for h in range(per_beat):
                gain = (0.1 * off if h else 0.14) * (0.4 + 1.2 * b)
                bus.add(form.t(bar.beat + k + h / per_beat), hats[(k + h) % 3], gain, 0.4)
            for h in range(2):
                m = root + (12 if (k == 3 and h == 1) else 0)
                gain = 0.2 * off if h else 0.3
                bus.add(form.t(bar.beat + k + h / 2), bus.make(bass, m, eighth_n, sr, b), gain)
        chord_stab = bus.make(stab, tuple(_near(pc, 64) for pc in bar.chord), eighth_n, sr, b)
        hits = ((0, 0.22), (2, 0.22), (2.5, 0.08 * off)) if e > 0.45 else ((0, 0.22), (2, 0.22))
        for k, gain in hits:  # stabs on one and three balance the snare on two and four: every beat as strong
            if k < bar.beats:
                bus.add(form.t(bar.beat + k), chord_stab, gain, -0.6)
                bus.add(form.t(bar.beat + k) + 0.011, chord_stab, 0.75 * gain, 0.6)
    t_end = form.t(form.final_beat)
    bus.add(t_end, thump, 0.6)
    bus.add(t_end, crash[0], 0.16, -0.5)
    bus.add(t_end, crash[1], 0.16, 0.5)
    bus.add(t_end, bass(_near(form.key, 38), tail_n, sr, b), 0.3)
    _final_chord(bus, form, b, 0.18, tail_n, 64)


STYLE_PARTS = {"ambient": _ambient, "pulse": _pulse, "piano": _piano_style, "drive": _drive}


def _accents(bus: _Bus, plan: MusicPlan, rng: np.random.Generator) -> None:
    """At each cut: a reversed-cymbal swell rising into it, then an impact (a crash, a low boom and a burst of
    body between them) whose attack is on the cut's sample."""
    sr = bus.sr
    boom_n = int(1.2 * sr)
    t = dsp.time_axis(boom_n, sr)
    boom = np.sin(2.0 * np.pi * np.cumsum(38.0 + 40.0 * np.exp(-t / 0.08)) / sr) * np.exp(-t / 0.45)
    boom = (boom * envelope(boom_n, int(0.001 * sr), int(0.05 * sr))).astype(np.float32)
    cuts = [cut for cut in plan.accents_s if ACCENT_AFTER_S <= cut < bus.n / sr]
    level = ACCENT_LEVEL[plan.style]
    crashes, bodies = {}, {}  # three of each, taken in turn: cuts do not all sound alike, nor cost a crash each
    for i, cut in enumerate(cuts):
        if i < 3:
            crashes[i] = [noise_hit(rng, 2500 + 3000 * plan.brightness, 16000, 0.4, 1.5, sr) for _ in range(2)]
            bodies[i] = noise_hit(rng, 150, 2500, 0.08, 0.4, sr)
        bus.add(cut, crashes[i % 3][0], 0.2 * level, -0.6)
        bus.add(cut, crashes[i % 3][1], 0.2 * level, 0.6)
        bus.add(cut, boom, 0.5 * level)
        bus.add(cut, bodies[i % 3], 0.25 * level)  # the body of the impact, between the boom and the crash
        m = int(min(plan.beat_s, 1.2, cut) * sr)
        if m > 1:
            swell = dsp.band_noise(rng, m, 3000, 14000, sr) * (np.arange(m, dtype=np.float32) / m) ** 3
            bus.add(cut - m / sr, swell, 0.04, 0.3)


# ---------------------------------------------------------------------------------------------------- rendering


def render_music(plan: MusicPlan, *, n_samples: int, sr: int = SAMPLE_RATE, seed: int = 0,
                 out: np.ndarray | None = None) -> Stem:
    """The score of `plan`, `n_samples` long, at about -20 LUFS with its true peak under -1 dBTP: it swells in
    from silence and its last sample is 0. The same plan and seed give the same samples. With `out` (an
    (n_samples, 2) float32 buffer of zeros, e.g. a scratch array) the score is made in it."""
    if n_samples < 0 or sr <= 0:
        raise InputError(f"cannot render {n_samples} samples at {sr} Hz")
    bus = _Bus(n_samples, sr, np.random.default_rng([seed, 4]), out=out)
    duration_s = n_samples / sr
    if n_samples == 0:
        return Stem(name="music", audio=np.zeros((0, 2), np.float32), sr=sr)
    form = _form(plan, duration_s, np.random.default_rng([seed, 1]))
    if form is None:
        _swell(bus, plan)
    else:
        tail_n = n_samples - seconds_to_sample(form.t(form.final_beat), sr)
        STYLE_PARTS[plan.style](bus, form, plan, np.random.default_rng([seed, 2]), tail_n)
        _fade_in(bus.x, min(int(4 * plan.beat_s * sr), n_samples // 4))
    _accents(bus, plan, np.random.default_rng([seed, 3]))
    if form is None:  # the chord has swelled out; an accent near the end must too
        _fade_out(bus.x, min(int(0.3 * sr), n_samples // 4))
    else:  # the final chord rings, then fades over the rest of the tail
        start = seconds_to_sample(form.t(form.final_beat) + 0.3 * (duration_s - form.t(form.final_beat)), sr)
        _fade_out(bus.x, n_samples - start)
    bus.x[-1] = 0.0
    bus.forget()  # the notes made once are played: their memory goes before the loudness is read
    scale(bus.x, _loudness_gain(bus.x, sr))
    return Stem(name="music", audio=bus.x, sr=sr)


def _swell(bus: _Bus, plan: MusicPlan) -> None:
    """A video too short for a bar: the tonic chord swells in and out over its whole length."""
    n, sr = bus.n, bus.sr
    tonic = _chord(plan.key, SCALES[plan.mode], 0)
    for m, pan in zip([_near(pc, 60) for pc in tonic] + [_near(tonic[0], 48)], (-0.5, 0.5, 0.0, 0.0)):
        bus.add(0.0, pad(m, n, 0, 0, sr, plan.brightness), 0.2, pan)
    bus.x *= (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / max(n - 1, 1))).astype(np.float32)[:, None]


def _fade_in(x: np.ndarray, m: int) -> None:
    if m > 0:
        x[:m] *= (0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)).astype(np.float32)[:, None]


def _fade_out(x: np.ndarray, m: int) -> None:
    if m > 0:
        x[-m:] *= (0.5 + 0.5 * np.cos(np.pi * np.arange(1, m + 1) / m)).astype(np.float32)[:, None]


def _loudness_gain(x: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> np.float32:
    """The gain that puts (n, 2) `x` at the stem loudness target, or lower, at the true-peak ceiling."""
    if not any_nonzero(x):
        return np.float32(1.0)
    lufs = integrated_lufs(x, sr)
    if not np.isfinite(lufs):  # shorter than one 400 ms block: the mean square stands in
        lufs = 10.0 * np.log10(float(np.sum(np.mean(np.square(x, dtype=np.float64), axis=0)))) - 0.691
    ceiling = config.true_peak_db - 0.05
    gain_db = config.target_lufs - lufs
    # the peak sets the gain only where it passes the ceiling under the loudness's gain: nothing under that is read
    return np.float32(10.0 ** (min(gain_db, ceiling - _true_peak_db(x, over_db=ceiling - gain_db)) / 20.0))


def _true_peak_db(x: np.ndarray, within_db: float = 6.0, over_db: float = float("-inf")) -> float:
    """`mix.true_peak_db` of (n, 2) `x`, read only around the samples within `within_db` of the sample peak (an
    intersample over of band-limited notes is a fraction of a dB, never 6): the same number, a fraction of the
    work. The stretches around them are measured a batch at a time, with silence between them. Where only a
    peak over `over_db` matters, stretches that cannot reach it (under it by the oversampler's most) are not
    read either: -inf when none is left (the true peak is then at or under `over_db`)."""
    n, top = len(x), 0.0
    for lo, hi in blocks(n):
        top = max(top, float(np.abs(x[lo:hi]).max()))
        release(x[lo:hi])
    reach = 10.0 ** (over_db / 20.0) / oversampling_gain(TRUE_PEAK_OVERSAMPLING)
    loud = np.float32(max(top * 10.0 ** (-within_db / 20.0), reach))
    margin = 256  # samples either side: far more than the oversampling filter reaches
    gap = np.zeros((margin, 2), x.dtype)
    batch, size, peak = [], 0, float("-inf")
    for first, last in runs(x, lambda block: loudest(block) >= loud, 2 * margin):
        span = np.array(x[max(0, first - margin):last + margin + 1])
        release(x[max(0, first - margin):last + margin + 1])
        batch += [span, gap]
        size += len(span) + margin
        if size >= BLOCK_SAMPLES:
            peak, batch, size = max(peak, true_peak_db(np.concatenate(batch))), [], 0
    return max(peak, true_peak_db(np.concatenate(batch))) if batch else peak
