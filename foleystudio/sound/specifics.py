"""The specifics layer: one rendered sound per action event (claps, hits, falls, ...), placed to the sample.

Every sound is made the way the footsteps' impacts are (sound.procedural.dsp): contact
force pulses through a bank of damped modes, plus the short noise of the contact itself.

- clap: two palms: a noise burst with its body in a 1-2.5 kHz band (the air pushed
  out between the hands; cupped hands sit low, flat ones high: Repp 1987), decaying in
  ~5-15 ms, a little broadband crack on top and a second, smaller contact a millisecond
  later (fingers, then palms).
- hit, impact: the struck material's modes (`HIT_MATERIALS`: metal rings for a second,
  wood for ~50 ms, plastic and stone clack), excited by a contact that is shorter for
  harder materials and harder blows.
- fall: a body thud (flesh and the floor's low modes, 60-200 Hz) in several
  sub-impacts over ~150 ms (hips, back, an arm), and the clothes' burst.
- sit: one soft, wide thud and a puff of cloth. kneel: the two knees, ~0.1 s apart.
- slap: skin on cloth: a short bright noise burst over a small low thump.

Strength sets level (-20 dB at 0, 0 dB at 1) and brightness (shorter contacts,
brighter bands). Each event is panned from its x and set back by its apparent size
(sound.spatial), as a footstep is; its first sample is the event's sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foleystudio.errors import InputError
from foleystudio.materials import HIT_MATERIALS, normalise_hit_material
from foleystudio.sound.footsteps import Stem, place
from foleystudio.sound.procedural import dsp
from foleystudio.sound.room import SpaceOptions, through_air
from foleystudio.sound.spatial import SpatialConfig, distance_gain, pan_gains, reference_size
from foleystudio.timebase import SAMPLE_RATE, seconds_to_sample
from foleystudio.vision.actions import KINDS, ActionEvent


@dataclass(frozen=True)
class Modes:
    """What a struck material sounds like (first-pass physical estimates, like sound.procedural.models)."""

    modes: tuple[tuple[float, float, float], ...]  # (freq_hz, decay_s, amp): the main, lowest modes
    dense: tuple[int, float, float, float, float]  # (count, lo_hz, hi_hz, min decay_s, max decay_s): the rest
    pulse_ms: float  # contact time of a medium blow (Hertz: harder material, shorter)
    click: float  # level of the contact noise against the modes
    length_s: float  # rendered length (metal rings longest)


# Loss factors: metal ~0.002 (decay 1/(pi f eta): ~0.4 s at 400 Hz), glass ~0.002, stone ~0.01, wood ~0.02-0.05,
# plastic ~0.03; the lowest modes of a free bar go 1 : 2.76 : 5.40 : 8.93 (metal and glass ring inharmonic).
MATERIALS: dict[str, Modes] = {
    "wood": Modes(((210.0, 0.03, 1.0), (540.0, 0.022, 0.7), (980.0, 0.015, 0.5), (1650.0, 0.01, 0.35)),
                  (12, 600.0, 5000.0, 0.005, 0.02), 1.2, 0.25, 0.4),
    "metal": Modes(((420.0, 0.45, 1.0), (1160.0, 0.35, 0.6), (2270.0, 0.25, 0.45), (3750.0, 0.15, 0.3)),
                   (16, 1000.0, 9000.0, 0.05, 0.3), 0.3, 0.2, 2.0),
    "glass": Modes(((1800.0, 0.35, 1.0), (4300.0, 0.22, 0.6), (7100.0, 0.12, 0.4)),
                   (10, 2000.0, 11000.0, 0.03, 0.15), 0.25, 0.15, 1.2),
    "plastic": Modes(((350.0, 0.02, 1.0), (900.0, 0.012, 0.6), (2100.0, 0.008, 0.4)),
                     (8, 500.0, 4000.0, 0.003, 0.01), 0.8, 0.35, 0.3),
    "stone": Modes(((700.0, 0.015, 0.6), (1900.0, 0.012, 0.5)), (14, 1000.0, 9000.0, 0.002, 0.01), 0.4, 0.5, 0.3),
    "soft": Modes(((90.0, 0.04, 1.0), (180.0, 0.03, 0.6)), (4, 200.0, 800.0, 0.005, 0.015), 12.0, 0.15, 0.4),
    "neutral": Modes(((180.0, 0.03, 1.0), (450.0, 0.02, 0.6), (1100.0, 0.012, 0.4)),
                     (8, 400.0, 3000.0, 0.004, 0.015), 1.5, 0.3, 0.35),
}
BODY_MODES = ((70.0, 0.06, 1.0), (110.0, 0.05, 0.8), (160.0, 0.04, 0.6), (210.0, 0.03, 0.4))  # flesh and torso
LEVELS_DB = {"clap": -1.0, "hit": -1.0, "impact": -2.0, "fall": 0.0, "sit": -7.0, "kneel": -5.0, "slap": -3.0}


@dataclass(frozen=True)
class SpecificsOptions:
    material: str = "neutral"  # what hits and impacts strike, unless `materials` names one per event
    floor: str = "wood"  # what falls, sits and kneels land on (materials.FLOOR_MATERIAL maps a ground to it)
    level_db: float = -1.0  # peak of the loudest sound (a full-strength fall)
    min_strength_db: float = -20.0  # level at strength 0 relative to strength 1
    spatial: SpatialConfig = SpatialConfig()


def render_specifics(
    events: Sequence[ActionEvent],
    *,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    options: SpecificsOptions = SpecificsOptions(),
    materials: Sequence[str] | None = None,
    air: SpaceOptions | None = None,
    out: np.ndarray | None = None,
) -> Stem:
    """Render `events` into a stereo stem `n_samples` long (with `air`, a far person's sounds lose their highs);
    into `out` (an (n_samples, 2) float32 buffer of zeros, e.g. a scratch array) when given.

    `materials[i]`, when given, is what event i strikes (a hit or impact; for a fall,
    sit or kneel the floor). Each event's randomness comes from (seed, its index), so a
    change to one event never changes the others.
    """
    events = list(events)
    if materials is not None and len(materials) != len(events):
        raise ValueError(f"{len(materials)} materials for {len(events)} events")
    default_hit, floor = normalise_hit_material(options.material), normalise_hit_material(options.floor)
    ref_px = reference_size(np.array([e.body_px for e in events if e.person >= 0]),
                            options.spatial.reference_percentile)
    out = np.zeros((n_samples, 2), dtype=np.float32) if out is None else out
    for i, e in enumerate(events):
        if e.kind not in KINDS:
            raise InputError(f"unknown action kind {e.kind!r}; use one of: {', '.join(KINDS)}")
        struck = normalise_hit_material(materials[i]) if materials is not None else (
            floor if e.kind in ("fall", "sit", "kneel") else default_hit)
        mono = render_event(e.kind, e.strength, struck, np.random.default_rng([seed, i]), sr)
        level = 10.0 ** ((options.level_db + LEVELS_DB[e.kind]
                          + (1.0 - float(np.clip(e.strength, 0, 1))) * options.min_strength_db) / 20.0)
        gain = level * (distance_gain(e.body_px, ref_px, options.spatial.min_gain_db) if e.person >= 0 else 1.0)
        left, right = pan_gains(e.x, options.spatial.pan_width)
        if air is not None and e.person >= 0 and e.body_px > 0:
            mono = through_air(mono, ref_px / e.body_px, sr, air)
        place(out, mono, seconds_to_sample(e.t_s, sr), (gain * left, gain * right))
    return Stem(name="specifics", audio=out, sr=sr)


def render_event(kind: str, strength: float, material: str, rng: np.random.Generator,
                 sr: int = SAMPLE_RATE) -> np.ndarray:
    """One event's sound, mono float32 with peak 1: its attack is sample 0 (nothing comes before it)."""
    if material not in HIT_MATERIALS:
        raise InputError(f"unknown material {material!r}; use one of: {', '.join(HIT_MATERIALS)}")
    s = float(np.clip(strength, 0.0, 1.0))
    if kind == "clap":
        y = _clap(s, rng, sr)
    elif kind in ("hit", "impact"):
        y = _hit(MATERIALS[material], s, rng, sr)
    elif kind == "fall":
        y = _body(MATERIALS[material], s, rng, sr, impacts=((0.0, 1.0, 22.0), (rng.uniform(0.03, 0.07), 0.6, 14.0),
                                                        (rng.uniform(0.09, 0.15), 0.35, 7.0)), cloth=0.35)
    elif kind == "sit":
        y = _body(MATERIALS["soft"], s, rng, sr, impacts=((0.0, 1.0, 35.0),), cloth=0.25, floor_share=0.3)
    elif kind == "kneel":
        y = _body(MATERIALS[material], s, rng, sr, impacts=((0.0, 1.0, 10.0), (rng.uniform(0.08, 0.14), 0.7, 10.0)),
                  cloth=0.2, body_modes=((150.0, 0.03, 1.0), (260.0, 0.02, 0.6), (400.0, 0.012, 0.4)))
    elif kind == "slap":
        y = _slap(s, rng, sr)
    else:
        raise InputError(f"unknown action kind {kind!r}; use one of: {', '.join(KINDS)}")
    y = dsp.fade_out(y, int(0.01 * sr))
    return _peak(y)


# ---------------------------------------------------------------------------------------------- sounds


def _clap(s: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    n = int(0.08 * sr)
    t = dsp.time_axis(n, sr)
    centre = rng.uniform(1000.0, 2500.0) * (0.85 + 0.3 * s)  # harder claps are flatter and brighter
    tau = rng.uniform(0.003, 0.005)
    body = dsp.biquad(rng.standard_normal(n).astype(np.float32), "bandpass", centre, rng.uniform(1.5, 3.0), sr)
    crack = dsp.biquad(rng.standard_normal(n).astype(np.float32), "highpass", 2500.0, 0.7, sr)
    y = (body / _rms(body) + (0.3 + 0.3 * s) * crack / _rms(crack)) * np.exp(-t / np.float32(tau))
    second = int(rng.uniform(0.0007, 0.0015) * sr)  # fingers first, then the palms
    y[second:] += 0.6 * y[: n - second]
    thump = dsp.modal_ir(np.array([rng.uniform(180.0, 300.0)]), np.array([0.008]), np.array([1.0]), n, sr,
                         np.array([0.5 * np.pi]))
    return _start(y + 0.3 * _peak(thump) * float(np.abs(y).max()), rng)


def _hit(m: Modes, s: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    n = int(m.length_s * sr)
    ir = _modal_ir(m.modes, m.dense, rng, n, sr)
    pulse_s = m.pulse_ms * 1e-3 * (1.6 - s)  # Hertz: a harder blow is a shorter contact
    y = dsp.convolve(dsp.force_pulses([0.0], [1.0], [pulse_s], n, sr), ir, n)
    y = _peak(y)
    click = _burst(rng, rng.uniform(0.0004, 0.0008), sr, n)
    click = dsp.biquad(click, "highpass", 1500.0 + 3000.0 * s, 0.7, sr)
    y = y + m.click * (0.5 + 0.5 * s) * _peak(click)
    return _start(dsp.biquad(y, "lowpass", 4000.0 + 14000.0 * s, 0.707, sr), rng)


def _body(m: Modes, s: float, rng: np.random.Generator, sr: int, *, impacts, cloth: float,
          floor_share: float = 0.6, body_modes=BODY_MODES) -> np.ndarray:
    """Body parts landing: flesh modes and the floor's, struck by wide force pulses (start, amp, width ms)."""
    n = int((0.45 + max(t for t, _, _ in impacts)) * sr)
    ir_body = _modal_ir(body_modes, (0, 0.0, 0.0, 0.0, 0.0), rng, n, sr)
    ir_floor = _modal_ir(m.modes, m.dense, rng, n, sr)
    times, amps, widths = zip(*((t, a, w * 1e-3 * (1.2 - 0.4 * s)) for t, a, w in impacts))
    force = dsp.force_pulses(times, amps, widths, n, sr, max_rise_s=0.004)
    y = ((1 - floor_share) * _peak(dsp.convolve(force, ir_body, n))
         + floor_share * _peak(dsp.convolve(force, ir_floor, n)))
    t = dsp.time_axis(n, sr)
    env = np.zeros(n, np.float32)
    for t0, a, _ in impacts:
        env += a * dsp.alpha_env(t - np.float32(t0), 0.006).astype(np.float32) * np.exp(
            -np.maximum(t - np.float32(t0), 0) / np.float32(0.06))
    rustle = dsp.band_noise(rng, n, 400.0, 2500.0 + 3000.0 * s, sr) * env
    y = _peak(y) + cloth * _peak(rustle)
    contact = _burst(rng, 0.002, sr, n)
    return _start(dsp.biquad(y + 0.15 * _peak(contact), "lowpass", 2500.0 + 6000.0 * s, 0.707, sr), rng)


def _slap(s: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    n = int(0.1 * sr)
    t = dsp.time_axis(n, sr)
    skin = dsp.band_noise(rng, n, 300.0, 3000.0 + 4000.0 * s, sr) * np.exp(-t / np.float32(rng.uniform(0.006, 0.01)))
    thump = dsp.modal_ir(np.array([rng.uniform(110.0, 220.0)]), np.array([0.02]), np.array([1.0]), n, sr,
                         np.array([0.5 * np.pi]))
    return _start(_peak(skin) + 0.5 * _peak(thump) * (1.0 - 0.4 * s), rng)


# ---------------------------------------------------------------------------------------------- helpers


def _modal_ir(modes, dense, rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    base = np.asarray(modes, np.float64).reshape(-1, 3)
    k = len(base)
    f = base[:, 0] * rng.uniform(0.96, 1.04, k)
    d = base[:, 1] * rng.uniform(0.85, 1.15, k)
    a = base[:, 2] * rng.uniform(0.8, 1.2, k)
    count, lo, hi, d_lo, d_hi = dense
    if count:
        fd = np.exp(rng.uniform(np.log(lo), np.log(hi), count))
        f = np.concatenate([f, fd])
        d = np.concatenate([d, np.exp(rng.uniform(np.log(d_lo), np.log(d_hi), count))])
        a = np.concatenate([a, 0.4 * rng.uniform(0.2, 1.0, count) * (fd / lo) ** -0.3])
    phases = np.where(f < 500.0, 0.5 * np.pi, rng.uniform(0.0, 2.0 * np.pi, f.size))  # low modes move at once
    return dsp.modal_ir(f, d, a, n, sr, phases)


def _burst(rng: np.random.Generator, decay_s: float, sr: int, n: int) -> np.ndarray:
    """A noise tick from sample 0, decaying exponentially."""
    out = np.zeros(n, np.float32)
    m = min(n, max(8, int(6 * decay_s * sr)))
    out[:m] = rng.standard_normal(m).astype(np.float32) * np.exp(-dsp.time_axis(m, sr) / np.float32(decay_s))
    return out


def _start(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nothing before sample 0 can be heard (the filters are causal); make sample 0 itself the attack."""
    y = y.astype(np.float32)
    if y[0] == 0.0:
        y[0] = np.float32(1e-3 * float(np.abs(y).max()) * (1 if rng.uniform() < 0.5 else -1))
    return y


def _rms(x: np.ndarray) -> np.float32:
    return np.float32(max(float(np.sqrt(np.mean(x * x))), 1e-12))


def _peak(x: np.ndarray) -> np.ndarray:
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return (x / np.float32(m)).astype(np.float32) if m > 0 else x.astype(np.float32)

