"""The procedural footstep backend: physically informed layers, varied per step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.errors import InputError
from foleystudio.sound.features import attack_onset, energy_envelope
from foleystudio.sound.procedural import dsp, layers
from foleystudio.sound.procedural.models import FOOTWEAR_MODELS, SURFACE_MODELS
from foleystudio.sound.procedural.plan import plan_step, with_rattle
from foleystudio.sound.types import StepRequest, StepSound, normalise_request


@dataclass(frozen=True)
class ProceduralOptions:
    pitch_range_st: float = 1.5  # per-step pitch-equivalent variation, +- semitones (issue 4: 1-2)
    gain_range_db: float = 2.0  # per-step level variation, +- dB (issue 4)
    min_change_st: float = 0.3  # consecutive steps differ by at least this pitch ...
    min_change_db: float = 0.6  # ... or this level (else the variation is re-drawn)
    pre_roll_s: float = 0.002  # silence before the attack, so an onset detector sees the rise
    fade_s: float = 0.02  # fade at the end of each step
    headroom_db: float = -1.0  # peak of the loudest step (full strength, loudest surface)
    min_strength_db: float = -12.0  # level at strength 0 relative to strength 1
    attack_floor_db: float = -2.0  # contact transient energy vs the step's peak (clear attack); at -6, once the
    #                                heel's low thump was cut to match real steps, a walk's toe slap 70-140 ms
    #                                later could outweigh the heel, and the next step's onset drowned in it


@dataclass(frozen=True)
class Variation:
    pitch_st: float
    gain_db: float


class ProceduralBackend:
    """Footsteps synthesised from the surface and shoe tables; needs nothing but numpy/scipy.

    Stateful only in one way: it remembers the last variation per (surface, footwear)
    so two consecutive steps never share one. Deterministic for a given sequence of
    requests and generator states.
    """

    name = "procedural"

    def __init__(self, sr: int = 48000, options: ProceduralOptions = ProceduralOptions()):
        if int(sr) < 16000:
            raise InputError(f"sample rate {sr} is too low for footsteps; use 16000 or more")
        self.sr = int(sr)
        self.options = options
        self._last: dict[tuple[str, str], Variation] = {}

    def reset(self) -> None:
        """Forget the previous variations (a new, independent render)."""
        self._last.clear()

    def _variation(self, key: tuple[str, str], rng: np.random.Generator) -> Variation:
        opt = self.options
        last = self._last.get(key)
        for _ in range(16):
            var = Variation(
                pitch_st=float(rng.uniform(-opt.pitch_range_st, opt.pitch_range_st)),
                gain_db=float(rng.uniform(-opt.gain_range_db, opt.gain_range_db)),
            )
            if last is None or (
                abs(var.pitch_st - last.pitch_st) >= opt.min_change_st
                or abs(var.gain_db - last.gain_db) >= opt.min_change_db
            ):
                break
        self._last[key] = var
        return var

    def _attack_gain(self, contact: np.ndarray, rest: np.ndarray) -> float:
        """Gain on the contact transient so the first ms hold at least attack_floor_db of the
        step's peak energy: a clear attack to sync on (editors cut footsteps on the transient)."""
        sr = self.sr
        head = int(0.002 * sr)
        e_contact = float(energy_envelope(contact[: head * 2], sr, 0.001)[:head].max(initial=0.0))
        # The whole step: without a thump, a squelch or splash can peak after the first 60 ms.
        e_rest = float(energy_envelope(rest, sr, 0.001).max(initial=0.0))
        want = e_rest * 10.0 ** (self.options.attack_floor_db / 10.0)
        if e_contact <= 0.0 or e_contact >= want:
            return 1.0
        return float(np.sqrt(want / e_contact))

    def render_step(self, request: StepRequest, rng: np.random.Generator) -> StepSound:
        req = normalise_request(request)
        sr, opt = self.sr, self.options
        surface = SURFACE_MODELS[req.surface]
        shoe = FOOTWEAR_MODELS[req.footwear]
        var = self._variation((req.surface, req.footwear), rng)
        plan = with_rattle(plan_step(req.gait, req.kind, req.strength, surface, shoe, rng), surface, rng)
        n = int(plan.length_s * sr)
        jitter = lambda: float(10.0 ** (rng.uniform(-1.5, 1.5) / 20.0))  # layer balance, +-1.5 dB

        body = layers.impact_layer(plan, surface, shoe, rng, n, sr) * jitter()
        contact = layers.contact_layer(plan, surface, shoe, rng, n, sr)
        for spec in surface.grains:
            body += layers.grain_layer(spec, plan, shoe, rng, n, sr) * jitter()
        for bed in surface.beds:
            body += layers.bed_layer(bed, plan, shoe, rng, n, sr) * jitter()
        if plan.drag_s > 0.0:
            body += layers.drag_layer(plan, surface, shoe, rng, n, sr)
        squeak_p = shoe.squeak_prob * (2.0 if plan.drag_s > 0.0 else 1.0)
        if surface.smooth and rng.uniform() < squeak_p:
            body += layers.squeak_layer(plan, rng, n, sr)

        # Strength opens the top end: +-1 octave around the surface's own limit.
        cutoff_hz = surface.lowpass_hz * 2.0 ** (2.0 * (req.strength - 0.5))
        if cutoff_hz < 0.4 * sr:
            body = dsp.biquad(body, "lowpass", cutoff_hz, 0.707, sr)
            contact = dsp.biquad(contact, "lowpass", cutoff_hz, 0.707, sr)
        body += contact * self._attack_gain(contact, body)
        body = dsp.time_scale(body, 2.0 ** (var.pitch_st / 12.0))
        body = dsp.fade_out(body, int(opt.fade_s * sr))

        level_db = (
            opt.headroom_db + surface.level_db + shoe.level_db + plan.level_db + var.gain_db
            + opt.min_strength_db * (1.0 - req.strength)
        )
        level_db = min(level_db, opt.headroom_db + 0.5)
        peak = float(np.max(np.abs(body)))
        if peak > 0.0:
            body *= np.float32(10.0 ** (level_db / 20.0) / peak)
        # The contact is at body[0], but soft soles on soft ground take a few ms to become
        # audible: report where the attack is heard, so placement lines that up with the contact.
        attack = attack_onset(body, sr, floor_db=None, search_s=0.05)
        pre = int(round(opt.pre_roll_s * sr))
        audio = np.concatenate([np.zeros(pre, np.float32), body.astype(np.float32)])
        return StepSound(audio=audio, onset=pre + attack)
