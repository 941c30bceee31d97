"""The moves layer: clothes rustling as people move, one continuous sound per person.

The motion energy of a person is how fast their limbs and shoulders move relative to
their hips, from MediaPipe's metric world landmarks (so a pan, a zoom or the person's
distance does not change it), in body heights per second: the root of the weighted sum
of the squared speeds of the wrists, elbows, knees, ankles and shoulders (each part rubs
on its own: the powers add), less the speed that landmark jitter alone gives a still
person. Its level is that energy, and its
brightness follows it too: fast motion swishes, slow motion murmurs (friction noise
grows with the rubbing speed; more of it lies higher up).

The sound is two noise bands of the fabric (a dull and a bright one, crossfaded by
brightness) and the fabric's grain: crackles whose rate follows the energy (leather
creaks, denim scratches, nylon barely). Both are vectorised: noise filtered once per
band, control signals at the frame rate interpolated to audio rate, grains scattered
from a bank. A person who does not move is exact silence; the envelope is smoothed over
`smooth_s`, so a movement fades in and out rather than clicking on. Panned with the
person's hips and set back by their apparent size, as footsteps are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import signal
from scipy.ndimage import gaussian_filter1d

from foleystudio.materials import normalise_fabric
from foleystudio.sound.footsteps import Stem
from foleystudio.sound.procedural import dsp
from foleystudio.sound.procedural.layers import click_bank
from foleystudio.sound.procedural.models import GrainSpec
from foleystudio.sound.spatial import SpatialConfig, distance_gain, pan_gains, reference_size
from foleystudio.timebase import SAMPLE_RATE, frame_rate
from foleystudio.vision.actions import body_size_px
from foleystudio.vision.pose import Poses, PoseTrack

# landmark: weight in the motion energy (a wrist's sleeve rubs most; ankles move under trouser legs)
LIMBS = {15: 1.0, 16: 1.0, 13: 0.7, 14: 0.7, 25: 0.8, 26: 0.8, 27: 0.6, 28: 0.6, 11: 0.8, 12: 0.8}
HIPS = (23, 24)
SILENT = 1e-4  # envelope (of full level) under which a person is silent: -80 dB, exactly zero out


@dataclass(frozen=True)
class Fabric:
    dull_hz: tuple[float, float]  # the noise band of slow motion
    bright_hz: tuple[float, float]  # ... and of fast motion
    grain: GrainSpec  # crackles (rate per second at full energy, their band, decay, level)
    level_db: float  # against the loudest fabric


# First-pass estimates from recordings of cloth Foley (tuned by ear, not measured): cotton a soft broadband
# hush, nylon a bright smooth swish, leather low creaks, denim a coarse scratchy rub.
FABRIC_MODELS: dict[str, Fabric] = {
    "cotton": Fabric((300.0, 2500.0), (1200.0, 6000.0),
                     GrainSpec("click", 120.0, 2000.0, 6000.0, (0.2, 0.5), 0.15), -2.0),
    "nylon": Fabric((900.0, 4500.0), (3000.0, 12000.0),
                    GrainSpec("click", 30.0, 4000.0, 10000.0, (0.1, 0.3), 0.05), 0.0),
    "leather": Fabric((150.0, 1500.0), (500.0, 3500.0),
                      GrainSpec("click", 60.0, 700.0, 2500.0, (1.0, 3.0), 0.6), -3.0),
    "denim": Fabric((400.0, 3000.0), (1500.0, 7000.0),
                    GrainSpec("click", 400.0, 2500.0, 8000.0, (0.15, 0.4), 0.35), -1.0),
}


@dataclass(frozen=True)
class MovesOptions:
    fabric: str = "cotton"  # one of materials.FABRICS (or a spelling of one)
    level_db: float = -36.0  # peak level at full energy: clothes sit ~10-15 LU under the footsteps (measured
    #                          on sports2d_demo and hato_b12: -12 put them 5-10 LU over the steps)
    jitter_speed: float = 0.3  # body heights/s a still person reads from landmark jitter alone (1 cm of world
    #                            jitter, as the synthetic figures have: 0.18 typical, 0.25 at most)
    full_speed: float = 3.0  # body heights/s that is full level (a walk reads ~0.9, a sprint ~3)
    smooth_s: float = 0.05  # standard deviation of the envelope's smoothing: it fades in over ~2.5 times this
    position_smooth_s: float = 0.04  # landmarks are smoothed over this much before they are differentiated
    spatial: SpatialConfig = SpatialConfig()


def render_moves(
    poses: Poses,
    *,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    options: MovesOptions = MovesOptions(),
    out: np.ndarray | None = None,
) -> Stem:
    """Every tracked person's clothes, `n_samples` long: the sum of `render_moves_by_person`, added up person by
    person (one stem's memory, however many people a long video has); into `out` (an (n_samples, 2) float32
    buffer of zeros, e.g. a scratch array) when given."""
    out = np.zeros((n_samples, 2), dtype=np.float32) if out is None else out
    for _ in _people(poses, n_samples=n_samples, sr=sr, seed=seed, options=options, out=out):
        pass
    return Stem(name="moves", audio=out, sr=sr)


def render_moves_by_person(
    poses: Poses, *, n_samples: int, sr: int = SAMPLE_RATE, seed: int = 0, options: MovesOptions = MovesOptions(),
    new_stem: Callable[[], np.ndarray] | None = None,
) -> dict[int, Stem]:
    """One stem per person (they add up to `render_moves`); person p's randomness comes from (seed, p).
    `new_stem()` makes each person's silent (n_samples, 2) float32 buffer (default: in memory)."""
    return {person: Stem(name=f"moves.person{person}", audio=audio, sr=sr)
            for person, audio in _people(poses, n_samples=n_samples, sr=sr, seed=seed, options=options,
                                         new_stem=new_stem)}


def _people(poses: Poses, *, n_samples: int, sr: int, seed: int, options: MovesOptions, out: np.ndarray | None = None,
            new_stem: Callable[[], np.ndarray] | None = None):
    """(person, their stereo sound) for each tracked person, one at a time; with `out`, each is added into it
    (and `out` is what is yielded), else into a buffer of its own from `new_stem()`."""
    fabric = FABRIC_MODELS[normalise_fabric(options.fabric)]
    sizes = {tr.person: body_size_px(tr) for tr in poses.tracks}
    ref_px = reference_size(np.concatenate([s for s in sizes.values()] or [np.zeros(0)]),
                            options.spatial.reference_percentile)
    for track in poses.tracks:
        rng = np.random.default_rng([seed, track.person])
        buffer = out if out is not None else new_stem() if new_stem else None
        yield track.person, _person(track, sizes[track.person], ref_px, poses.width, fabric, options, rng,
                                    n_samples, sr, buffer)


def motion_energy(track: PoseTrack, options: MovesOptions = MovesOptions()) -> np.ndarray:
    """(n,) how fast the person's limbs move relative to their hips, body heights/s (0 where unseen)."""
    t = track.t_s
    n = len(t)
    if n < 3:
        return np.zeros(n)
    world = track.world.astype(np.float64)
    hips = world[:, HIPS].mean(axis=1)
    seen = np.isfinite(hips[:, 0])
    if seen.sum() < 3:
        return np.zeros(n)
    fps = frame_rate(t)
    rel = _filled(world[:, list(LIMBS)] - hips[:, None, :])
    rel = gaussian_filter1d(rel, options.position_smooth_s * fps, axis=0, mode="nearest")
    speed = np.linalg.norm(np.gradient(rel, t, axis=0), axis=2)  # (n, limbs) m/s
    power = (speed**2 * np.array(list(LIMBS.values()))).sum(axis=1) / 2.0  # two wrists at v read v
    power = gaussian_filter1d(np.where(seen, power, 0.0), options.smooth_s * fps, mode="constant")
    return np.sqrt(power) / _height_m(world)


BLOCK_S = 10.0  # the sound is made this much at a time: a long video's working memory does not grow with it


def _person(track: PoseTrack, body_px: np.ndarray, ref_px: float, width: int, fabric: Fabric, options: MovesOptions,
            rng: np.random.Generator, n: int, sr: int, out: np.ndarray | None = None) -> np.ndarray:
    """The person's clothes added into `out` (a new silent (n, 2) buffer when None), which is returned."""
    out = np.zeros((n, 2), np.float32) if out is None else out
    t = track.t_s
    if len(t) < 3:
        return out
    energy = motion_energy(track, options)
    fps = frame_rate(t)
    drive = np.clip((energy - options.jitter_speed) / (options.full_speed - options.jitter_speed), 0.0, 1.0)
    level = gaussian_filter1d(drive, 0.5 * options.smooth_s * fps, mode="constant")  # fades in and out, no click
    level[level < SILENT] = 0.0
    if not level.any():
        return out
    hips = track.image[:, HIPS, 0].mean(axis=1)
    x = np.interp(np.arange(len(t)), np.flatnonzero(np.isfinite(hips)), hips[np.isfinite(hips)]) / width
    pans = np.array([pan_gains(v, options.spatial.pan_width) for v in x])
    far = np.array([distance_gain(b, ref_px, options.spatial.min_gain_db) for b in body_px])
    gain = 10.0 ** ((options.level_db + fabric.level_db) / 20.0)
    live = np.flatnonzero(level > 0)
    lo = max(0, round(t[max(live[0] - 1, 0)] * sr))
    hi = min(n, round(t[min(live[-1] + 1, len(t) - 1)] * sr) + 1)
    if hi <= lo:
        return out
    step = sr // 1000
    grains = _Grains(fabric.grain, np.interp(np.arange(lo, hi, step) / sr, t, level), step, rng, hi - lo, sr)
    dull, sheen = _Noise(fabric.dull_hz, sr), _Noise(fabric.bright_hz, sr)
    curves = [level * gain * far * pans[:, ch] for ch in range(2)]
    block = int(BLOCK_S * sr)
    for start in range(lo, hi, block):  # the filters carry their state across blocks: no seam
        stop = min(start + block, hi)
        ts = np.arange(start, stop) / sr
        bright = np.interp(ts, t, np.sqrt(level)).astype(np.float32)  # brightness follows the energy, quicker
        a, b = dull.next(rng, stop - start), sheen.next(rng, stop - start)
        cloth = a + bright * (b - a)
        cloth += grains.between(start - lo, stop - lo)
        for ch in range(2):
            envelope = np.interp(ts, t, curves[ch], left=0.0, right=0.0).astype(np.float32)
            out[start:stop, ch] += cloth * envelope
    return out


class _Noise:
    """Band-limited noise made a block at a time: the filter's state carries over, so the blocks join seamlessly;
    unit RMS from the filter's noise-power gain (not from the samples, which a block at a time cannot see)."""

    def __init__(self, band_hz: tuple[float, float], sr: int):
        self.sos = dsp.band_sos(round(band_hz[0], -1), round(band_hz[1], -1), sr)
        _, h = signal.sosfreqz(self.sos, worN=8192)
        self.scale = np.float32(1.0 / max(float(np.sqrt(np.mean(np.abs(h) ** 2))), 1e-9))
        self.state = np.zeros((self.sos.shape[0], 2))

    def next(self, rng: np.random.Generator, m: int) -> np.ndarray:
        y, self.state = signal.sosfilt(self.sos, rng.standard_normal(m, dtype=np.float32), zi=self.state)
        return y.astype(np.float32) * self.scale


class _Grains:
    """Crackles at a rate following `level` (sampled every `step` samples), placed once for the whole sound and
    rendered a block at a time; the envelope scales them later."""

    def __init__(self, spec: GrainSpec, level: np.ndarray, step: int, rng: np.random.Generator, n: int, sr: int):
        times = dsp.poisson_times(spec.rate_per_s * level, sr / step, rng, cap=int(spec.rate_per_s * n / sr) + 16)
        self.starts = np.minimum((times * sr).astype(np.int64), n - 1)
        self.bank = click_bank(spec, sr, 1.0)
        self.which = rng.integers(0, self.bank.shape[0], times.size)
        self.amps = spec.gain * rng.uniform(0.3, 1.0, times.size) * rng.choice([-1.0, 1.0], times.size)

    def between(self, start: int, stop: int) -> np.ndarray:
        """Samples start..stop of the crackles (a grain begun before `start` rings on into it)."""
        length = self.bank.shape[1]
        pick = (self.starts >= start - length) & (self.starts < stop)
        if not pick.any():
            return np.zeros(stop - start, np.float32)
        shift = start - length
        block = dsp.scatter(self.bank, self.which[pick], self.starts[pick] - shift, self.amps[pick],
                            stop - shift)
        return block[length:]


def _filled(points: np.ndarray) -> np.ndarray:
    """(n, k, 3) with each point's unseen frames taken from its nearest seen ones (a never seen point stays still)."""
    out = np.zeros_like(points)
    rows = np.arange(len(points))
    for j in range(points.shape[1]):
        ok = np.isfinite(points[:, j]).all(axis=1)
        if ok.any():
            idx = np.flatnonzero(ok)
            out[:, j] = points[idx[np.clip(np.searchsorted(idx, rows), 0, len(idx) - 1)], j]
    return out


def _height_m(world: np.ndarray) -> float:
    """The person's height in the world landmarks' metres: legs (hip-knee-ankle) x 1.9, else 1.7 m."""
    legs = []
    for hip, knee, ankle in ((23, 25, 27), (24, 26, 28)):
        legs.append(np.linalg.norm(world[:, hip] - world[:, knee], axis=1)
                    + np.linalg.norm(world[:, knee] - world[:, ankle], axis=1))
    leg = np.fmax(*legs)
    leg = leg[np.isfinite(leg)]
    return float(np.median(leg) * 1.9) if leg.size and np.median(leg) > 0.3 else 1.7

