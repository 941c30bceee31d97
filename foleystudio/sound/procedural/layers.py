"""The sound layers of one footfall, each a float32 array of `n` samples at `sr`.

impact  : contact-force pulses exciting surface and shoe modes (modal synthesis)
contact : the hard heel click and the flesh/sole slap at each impact
grains  : micro-collisions, ticks and bubbles whose rate follows the load (PhISEM)
bed     : noise textures under the grains (rustle, hiss, splash, squelch)
squeak, drag : rubber stick-slip and a scuff's friction
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
from scipy import signal

from foleystudio.sound.procedural import dsp
from foleystudio.sound.procedural.models import BedSpec, FootwearModel, GrainSpec, SurfaceModel
from foleystudio.sound.procedural.plan import StepPlan

CTRL_SR = 1000.0  # control rate of load envelopes (1 ms)
BANK_SIZE = 64  # distinct bubbles per bubble spec
SOFT_THUMP = 0.5  # minimum contact thump on non-hard ground, relative to the impact peak
RESONATORS = 16  # grain resonators per spec and step (PhISEM); with 8 the per-step draw hid the shoe's tone
MAX_GRAINS = 700  # per layer and step; beyond this the bed noise carries the density


def _peak_normalised(x: np.ndarray, peak: float) -> np.ndarray:
    m = float(np.max(np.abs(x))) if x.size else 0.0
    return x * np.float32(peak / m) if m > 0.0 else x


def impact_layer(
    plan: StepPlan, surface: SurfaceModel, shoe: FootwearModel, rng: np.random.Generator, n: int, sr: int
) -> np.ndarray:
    """Force pulses through the surface's and the shoe's modes; peak 1 before the ground's low cut."""
    base = np.asarray(surface.modes, np.float64).reshape(-1, 3)
    k = base.shape[0]
    f = base[:, 0] * rng.uniform(0.96, 1.04, k)
    d = base[:, 1] * rng.uniform(0.8, 1.2, k)
    a = base[:, 2] * rng.uniform(0.7, 1.3, k) * plan.low_boost
    shoe_modes = np.asarray(shoe.modes, np.float64).reshape(-1, 3)
    ks = shoe_modes.shape[0]
    f = np.concatenate([f, shoe_modes[:, 0] * rng.uniform(0.95, 1.05, ks)])
    d = np.concatenate([d, shoe_modes[:, 1] * rng.uniform(0.8, 1.2, ks)])
    a = np.concatenate([a, shoe_modes[:, 2] * rng.uniform(0.7, 1.3, ks) * max(surface.click_gain, 0.25)])
    if surface.dense is not None and surface.dense.count > 0:
        dm = surface.dense
        fd = np.exp(rng.uniform(np.log(dm.lo_hz), np.log(dm.hi_hz), dm.count))
        dd = np.exp(rng.uniform(np.log(dm.decay_s[0]), np.log(dm.decay_s[1]), dm.count))
        ad = dm.gain * rng.uniform(0.2, 1.0, dm.count) * (fd / dm.lo_hz) ** -0.25
        f, d, a = np.concatenate([f, fd]), np.concatenate([d, dd]), np.concatenate([a, ad])
    # Low modes in cosine phase (a velocity response: moving at once), higher ones random.
    phases = np.where(f < 500.0, 0.5 * np.pi, rng.uniform(0.0, 2.0 * np.pi, f.size))
    ir = dsp.modal_ir(f, d, a * rng.choice([-1.0, 1.0], a.size), n, sr, phases)
    exc = dsp.force_pulses(
        [i.t_s for i in plan.impacts], [i.amp for i in plan.impacts], [i.pulse_s for i in plan.impacts], n, sr
    )
    y = dsp.convolve(exc, ir, n)
    y = _peak_normalised(dsp.biquad(y, "lowpass", shoe.lowpass_hz * 1.5, 0.707, sr), 1.0)
    if surface.impact_highpass_hz > 0.0:
        # After the normalisation: what the ground does not radiate is lost, not made up.
        y = signal.sosfilt(dsp.band_sos(surface.impact_highpass_hz, sr / 2, sr, order=4), y).astype(np.float32)
    return y


def _burst(rng: np.random.Generator, decay_s: float, sr: int) -> np.ndarray:
    """A noise tick with an immediate (0.1 ms) attack and exponential decay."""
    m = max(8, int(6.0 * decay_s * sr))
    t = dsp.time_axis(m, sr)
    env = np.exp(-t / np.float32(decay_s))
    ramp = min(5, m)
    env[:ramp] *= np.linspace(0.2, 1.0, ramp, dtype=np.float32)
    return rng.standard_normal(m, dtype=np.float32) * env


def contact_layer(
    plan: StepPlan, surface: SurfaceModel, shoe: FootwearModel, rng: np.random.Generator, n: int, sr: int
) -> np.ndarray:
    """Heel click (hard shoes on hard floors) and slap (skin, flat soles) at each impact."""
    out = np.zeros(n, np.float32)
    click_gain = shoe.click_gain * surface.click_gain
    slap_gain = shoe.slap_gain * (0.4 + 0.6 * min(surface.click_gain, 1.0))
    if surface.family != "hard":
        # Yielding ground still gives a prompt thump (sole and air pushed out): the audible
        # attack that timing hangs on, which the slow force pulse alone would smear.
        slap_gain = max(slap_gain, SOFT_THUMP)
    for imp in plan.impacts:
        i0 = int(round(imp.t_s * sr))
        if i0 >= n:
            continue
        if click_gain > 0.01:
            tick = _burst(rng, shoe.click_decay_ms * 1e-3 * rng.uniform(0.8, 1.2), sr)
            tick = dsp.biquad(tick, "bandpass", shoe.click_hz * rng.uniform(0.85, 1.15), 1.4, sr)
            tick = _peak_normalised(tick, imp.amp * click_gain)
            m = min(tick.size, n - i0)
            out[i0 : i0 + m] += tick[:m]
        if slap_gain > 0.01:
            slap = _burst(rng, rng.uniform(1.5e-3, 3e-3), sr)
            slap = signal.sosfilt(dsp.band_sos(*shoe.thump_hz, sr), slap).astype(np.float32)
            slap = _peak_normalised(slap, imp.amp * slap_gain)
            m = min(slap.size, n - i0)
            out[i0 : i0 + m] += slap[:m]
    return out


def load_envelope(plan: StepPlan, rise_s: float, phase: str, t_s: np.ndarray) -> np.ndarray:
    """Load on the ground over the step: the driver of grain rates and noise beds."""
    if phase == "lift":
        return 0.8 * dsp.alpha_env(t_s - (plan.lift_s - rise_s), rise_s)
    env = np.zeros_like(t_s)
    for imp in plan.impacts:
        env += imp.amp * dsp.alpha_env(t_s - imp.t_s, rise_s)
    if plan.drag_s > 0.0:
        inside = (t_s >= 0.0) & (t_s < plan.drag_s)
        env += np.where(inside, np.sin(np.pi * np.clip(t_s / plan.drag_s, 0.0, 1.0)) ** 0.7, 0.0)
    return env


@lru_cache(maxsize=64)
def bubble_bank(spec: GrainSpec, sr: int, tone: float = 1.0) -> np.ndarray:
    """BANK_SIZE unit-peak Minnaert bubbles, the same for every run (seeded by the spec).

    Pitch f0 in the spec's band times `tone` (a bigger, heavier foot entrains bigger,
    lower bubbles), damping from van den Doel (0.13 f0 + 0.0072 f0^1.5), pitch rising
    by a tenth of the damping per second as the bubble nears the surface.
    """
    rng = np.random.default_rng(zlib.crc32(repr(spec).encode()))
    f0 = np.exp(rng.uniform(np.log(spec.lo_hz), np.log(spec.hi_hz), BANK_SIZE)) * tone
    damp = 0.13 * f0 + 0.0072 * f0**1.5
    tau = np.clip(1.0 / damp, spec.decay_ms[0] * 1e-3 / 5, spec.decay_ms[1] * 1e-3)
    m = int(np.ceil(5.0 * tau.max() * sr))
    t = dsp.time_axis(m, sr)[None, :].astype(np.float64)
    phase = 2 * np.pi * f0[:, None] * (t + 0.5 * 0.1 * damp[:, None] * t**2)
    bank = np.exp(-t / tau[:, None]) * np.sin(phase) * np.minimum(t / 1e-3, 1.0)
    bank /= np.maximum(np.abs(bank).max(axis=1, keepdims=True), 1e-9)
    bank = bank.astype(np.float32)
    bank.setflags(write=False)
    return bank


@lru_cache(maxsize=128)
def click_bank(spec: GrainSpec, sr: int, tone: float, ring: float = 1.0) -> np.ndarray:
    """BANK_SIZE unit-peak noise ticks (band-passed, exponentially decaying), seeded by the spec."""
    rng = np.random.default_rng(zlib.crc32(repr(spec).encode()))
    f0 = np.exp(rng.uniform(np.log(spec.lo_hz), np.log(spec.hi_hz), BANK_SIZE)) * tone
    tau = np.exp(rng.uniform(np.log(spec.decay_ms[0]), np.log(spec.decay_ms[1]), BANK_SIZE)) * 1e-3 * ring
    m = int(np.ceil(5.0 * tau.max() * sr))
    env = np.exp(-dsp.time_axis(m, sr)[None, :].astype(np.float64) / tau[:, None])
    noise = rng.standard_normal((BANK_SIZE, m)) * env
    bank = np.stack([signal.lfilter(*dsp.rbj_biquad("bandpass", f, 0.9, sr), row) for f, row in zip(f0, noise)])
    bank /= np.maximum(np.abs(bank).max(axis=1, keepdims=True), 1e-9)
    bank = bank.astype(np.float32)
    bank.setflags(write=False)
    return bank


def grain_layer(
    spec: GrainSpec, plan: StepPlan, shoe: FootwearModel, rng: np.random.Generator, n: int, sr: int
) -> np.ndarray:
    """Micro-collisions as an inhomogeneous Poisson process driven by the load; peak spec.gain."""
    t_ctrl = np.arange(int(n / sr * CTRL_SR)) / CTRL_SR
    env = load_envelope(plan, spec.rise_s, spec.phase, t_ctrl)
    times = dsp.poisson_times(spec.rate_per_s * plan.load * shoe.load * env, CTRL_SR, rng, MAX_GRAINS)
    if times.size == 0:
        return np.zeros(n, np.float32)
    starts = np.minimum((times * sr).astype(np.int64), n - 1)
    # Heavy-tailed sizes: a few big stones among many small ones; louder where the load is.
    size = np.minimum(rng.pareto(2.5, times.size) + 0.3, 4.0)
    amps = size * np.sqrt(np.interp(times, t_ctrl, env) / max(env.max(), 1e-9)) * rng.choice([-1.0, 1.0], times.size)
    if spec.shape in ("bubble", "click"):
        if spec.shape == "bubble":
            bank = bubble_bank(spec, sr, shoe.grain_tone)
        else:
            bank = click_bank(spec, sr, shoe.grain_tone, shoe.grain_ring)
        y = dsp.scatter(bank, rng.integers(0, bank.shape[0], times.size), starts, amps, n)
    elif spec.shape == "ring":
        # This step's resonators: fresh frequencies and decays every step.
        freqs = np.exp(rng.uniform(np.log(spec.lo_hz), np.log(spec.hi_hz), RESONATORS)) * shoe.grain_tone
        decays = np.exp(rng.uniform(np.log(spec.decay_ms[0]), np.log(spec.decay_ms[1]), RESONATORS)) * 1e-3
        decays *= shoe.grain_ring
        which = rng.integers(0, RESONATORS, times.size)
        y = dsp.resonator_grains(starts, amps, freqs, decays, which, n, sr)
    else:
        raise ValueError(f"unknown grain shape {spec.shape!r}")
    return _peak_normalised(y, spec.gain)


def _flutter(rng: np.random.Generator, depth: float, n_ctrl: int) -> np.ndarray:
    """Random slow amplitude modulation (5 ms smoothing) with mean ~1."""
    raw = rng.uniform(0.0, 1.0, n_ctrl + 5)
    smooth = np.convolve(raw, np.ones(5) / 5.0, mode="valid")[:n_ctrl]
    return 1.0 - depth + 2.0 * depth * smooth


def bed_layer(
    spec: BedSpec, plan: StepPlan, shoe: FootwearModel, rng: np.random.Generator, n: int, sr: int
) -> np.ndarray:
    """Band noise shaped by the load envelope with random flutter; peak spec.gain."""
    t_ctrl = np.arange(int(n / sr * CTRL_SR) + 1) / CTRL_SR
    env = load_envelope(plan, spec.rise_s, spec.phase, t_ctrl) * _flutter(rng, spec.flutter, t_ctrl.size)
    # Only synthesise where the envelope is within 60 dB of its peak.
    live = np.flatnonzero(env > 1e-3 * env.max())
    out = np.zeros(n, np.float32)
    if live.size == 0:
        return out
    lo, hi = int(live[0] / CTRL_SR * sr), min(n, int((live[-1] + 2) / CTRL_SR * sr))
    env_audio = np.interp(dsp.time_axis(n, sr)[lo:hi], t_ctrl, env).astype(np.float32)
    noise = dsp.band_noise(rng, hi - lo, spec.lo_hz * shoe.grain_tone, spec.hi_hz * shoe.grain_tone, sr)
    out[lo:hi] = noise * env_audio
    return _peak_normalised(out, spec.gain)


def squeak_layer(plan: StepPlan, rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Rubber stick-slip on a smooth floor: a short harmonic chirp with vibrato; peak ~0.5."""
    out = np.zeros(n, np.float32)
    start_s = plan.impacts[-1].t_s if plan.drag_s == 0.0 else rng.uniform(0.0, plan.drag_s * 0.5)
    dur_s = rng.uniform(0.04, 0.11)
    i0 = int(start_s * sr)
    m = min(int(dur_s * sr), n - i0)
    if m <= 16:
        return out
    t = dsp.time_axis(m, sr).astype(np.float64)
    f0 = rng.uniform(900.0, 2200.0)
    glide = rng.uniform(-0.2, 0.25)
    vib = 1.0 + 0.03 * np.sin(2 * np.pi * rng.uniform(30.0, 60.0) * t)
    freq = f0 * (1.0 + glide * t / dur_s) * vib
    phase = 2 * np.pi * np.cumsum(freq) / sr
    wave = sum(np.sin(k * phase) / k**1.2 for k in range(1, 6))
    env = np.sin(np.pi * t / dur_s) ** 0.5
    out[i0 : i0 + m] = _peak_normalised((wave * env).astype(np.float32), rng.uniform(0.15, 0.35))
    return out


def drag_layer(
    plan: StepPlan, surface: SurfaceModel, shoe: FootwearModel, rng: np.random.Generator, n: int, sr: int
) -> np.ndarray:
    """A scuff: friction noise in the surface's band, stick-slip modulated, sharp start; peak 0.8."""
    m = min(int(plan.drag_s * sr), n)
    if m <= 16:
        return np.zeros(n, np.float32)
    t = dsp.time_axis(m, sr)
    n_ctrl = int(plan.drag_s * CTRL_SR) + 2
    slip = np.interp(t, np.arange(n_ctrl) / CTRL_SR, _flutter(rng, 0.7, n_ctrl)).astype(np.float32)
    body = np.sin(np.pi * t / np.float32(plan.drag_s)) ** 0.7
    touch = 1.4 * np.exp(-t / np.float32(0.012))  # the first contact of the sole: the attack
    lo, hi = surface.drag_hz
    hi = min(hi, shoe.lowpass_hz * 2.0)
    noise = dsp.band_noise(rng, m, lo, max(hi, lo * 1.5), sr)
    out = np.zeros(n, np.float32)
    out[:m] = noise * (0.7 * body * slip + touch)
    return _peak_normalised(out, 0.8)
