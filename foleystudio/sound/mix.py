"""Loudness and peak safety for stems and the final mix.

Targets (ITU-R BS.1770-4 integrated loudness via pyloudnorm, true peak by 4x
oversampling as BS.1770 Annex 2 describes):

- the Foley events (footsteps and specifics) are first brought to `target_lufs`
  (-20 LUFS), the reference the other layers are placed against (the clothes under
  them, the beds at their calibrated levels, the music under them and ducked by them);
  a gain only, lowered until the true peak is at or below `true_peak_db`;
- then the whole mix is mastered to `loudness_lufs` (EBU R128: -23 LUFS integrated by
  default, -16 for the web, -24 for ATSC A/85) with its true peak at or below
  `true_peak_db` (-1 dBTP): one gain, and a look-ahead limiter only where a peak would
  pass the ceiling (a footstep's attack is a short peak over a quiet bed). The same gain
  curve multiplies every stem, so the stems still add up to the mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from foleystudio.sound.loudness import LoudnessUnderGain, integrated_loudness, true_peak

TRUE_PEAK_OVERSAMPLING = 4  # BS.1770 Annex 2: 4x for 48 kHz
MIN_MEASURABLE_S = 0.4
INTER_SAMPLE_DB = 3.0  # how far a band-limited signal can rise between its samples (a fs/4 sine at 45 degrees)
MASTER_ROUNDS = 12  # the master's tries at its gain (2-4 are usual; a mix of little but clicks takes more)
LIMITER_MARGIN_DB = 0.1  # the limiter aims this far under the ceiling: the meter interpolates between samples  # BS.1770 blocks are 400 ms


@dataclass(frozen=True)
class MixConfig:
    target_lufs: float = -20.0  # stem loudness, see module docstring
    true_peak_db: float = -1.0  # ceiling in dBTP
    loudness_lufs: float | None = -23.0  # the mix's integrated loudness (EBU R128); None: left at the stems' level
    loudness_tolerance_lu: float = 0.2  # the master stops adjusting once this close
    limiter_lookahead_s: float = 0.003  # the limiter's gain is down this long before a peak ...
    limiter_hold_s: float = 0.02  # ... holds this long after it, then recovers over the look-ahead again
    duck_db: float = 8.0  # a ducked layer (music, the original sound) goes down this much under the Foley ...
    duck_threshold_db: float = -30.0  # ... once the Foley's envelope is this far over (its loudest at 0 dB)
    duck_attack_s: float = 0.02  # the envelope reads the Foley's peak over this ...
    duck_release_s: float = 0.3  # ... and is smoothed over this: the bed dips around a step, not on each sample


def true_peak_db(audio: np.ndarray) -> float:
    """True peak of (n,) or (n, ch) audio in dBTP (-inf for silence)."""
    a = np.asarray(audio)
    if a.size == 0:
        return float("-inf")
    peak = true_peak(a.reshape(len(a), -1), TRUE_PEAK_OVERSAMPLING)  # in blocks: no float64 copy of a long stem
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def integrated_lufs(audio: np.ndarray, sr: int) -> float:
    """BS.1770 integrated loudness (-inf for silence or audio shorter than one block)."""
    a = np.asarray(audio)
    if len(a) < MIN_MEASURABLE_S * sr or not np.any(a):
        return float("-inf")
    return integrated_loudness(a, sr)  # pyloudnorm's meter, read in blocks


def normalise(audio: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> np.ndarray:
    """Scale to the loudness target, then down to the true-peak ceiling. Silence stays silence."""
    return (audio * loudness_gain(audio, sr, config)).astype(np.float32)


def loudness_gain(audio: np.ndarray, sr: int, config: MixConfig = MixConfig(), *, peak_safe: bool = True) -> float:
    """The linear gain `normalise` applies (1.0 for silence): the same gain keeps a stem's parts adding up to it.
    `peak_safe=False`: the loudness alone (a limiter downstream keeps the ceiling)."""
    if not np.any(audio):
        return 1.0
    gain_db = 0.0
    lufs = integrated_lufs(audio, sr)
    if np.isfinite(lufs):
        gain_db = config.target_lufs - lufs
    if peak_safe:
        gain_db = min(gain_db, config.true_peak_db - true_peak_db(audio))
    return float(10.0 ** (gain_db / 20.0))


def duck_gain(key: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> np.ndarray:
    """(n,) float32 gain of a layer ducked under `key` (the Foley events, (n, 2)): 1 where the Foley is silent,
    down to -duck_db where it is loud (its envelope at or over duck_threshold_db under its own peak), smoothly
    (the envelope is the Foley's peak over duck_attack_s, averaged over duck_release_s)."""
    n = len(key)
    if not n or not np.any(key):
        return np.ones(n, np.float32)
    hop = max(1, sr // 1000)  # the envelope is read at 1 kHz (its smoothing is 20-300 ms) and drawn back per sample
    m = -(-n // hop)
    level = np.zeros(m, np.float32)
    k = key.reshape(n, -1)
    step = hop * 4096
    for start in range(0, n, step):  # a block at a time: no full-length copy of the key
        block = np.abs(k[start:start + step]).max(axis=1)
        level[start // hop:start // hop + -(-len(block) // hop)] = np.pad(
            block, (0, -len(block) % hop)).reshape(-1, hop).max(axis=1)
    envelope = maximum_filter1d(level, max(1, round(config.duck_attack_s * sr / hop)))
    envelope = uniform_filter1d(envelope, max(1, round(config.duck_release_s * sr / hop)))
    top = float(envelope.max())
    if top <= 0:
        return np.ones(n, np.float32)
    with np.errstate(divide="ignore"):
        over = 20.0 * np.log10(np.maximum(envelope / top, 1e-9)) - config.duck_threshold_db  # dB over the threshold
    amount = np.clip(over / max(-config.duck_threshold_db, 1e-6), 0.0, 1.0)  # 0 at the threshold, 1 at the peak
    gain = (10.0 ** (-config.duck_db * np.sqrt(amount) / 20.0)).astype(np.float32)
    return np.repeat(gain, hop)[:n]  # steps of a millisecond, each a few hundredths of a dB: no zipper


def sample_levels(audio: np.ndarray, *, block_samples: int = 1 << 14) -> np.ndarray:
    """(n,) float32: each sample's largest |value| over the channels, a block at a time (no full-size copy)."""
    a = np.asarray(audio).reshape(len(audio), -1)
    levels = np.zeros(len(a), np.float32)
    for start in range(0, len(a), block_samples):
        levels[start:start + block_samples] = np.abs(a[start:start + block_samples]).max(axis=1)
    return levels


def sample_peaks(audio: np.ndarray, *, block_samples: int = 1 << 14, below_db: float = 20.0) -> np.ndarray:
    """(n,) float32: the largest |value| of each sample's stretch of the 4x-oversampled signal, all channels
    (what a true-peak meter sees there), a block at a time. Blocks whose samples all stay `below_db` under the
    loudest are not oversampled: their sample peak, raised by INTER_SAMPLE_DB (what lies between samples of
    band-limited audio), stands in; no limiter acting on this signal reaches that far down."""
    a = np.asarray(audio).reshape(len(audio), -1)
    n = len(a)
    peaks = sample_levels(a, block_samples=block_samples)
    if not n:
        return peaks
    floor = float(peaks.max()) * 10.0 ** (-below_db / 20.0)
    peaks *= np.float32(10.0 ** (INTER_SAMPLE_DB / 20.0))
    for start in range(0, n, block_samples):
        stop = min(start + block_samples, n)
        if float(np.abs(a[start:stop]).max()) < floor:
            continue
        lo, hi = max(0, start - 64), min(n, stop + 64)
        up = resample_poly(np.asarray(a[lo:hi], dtype=np.float32), TRUE_PEAK_OVERSAMPLING, 1, axis=0)  # float32: 2x faster, 1e-7 of a peak
        up = up[(start - lo) * TRUE_PEAK_OVERSAMPLING:(stop - lo) * TRUE_PEAK_OVERSAMPLING]
        peak = np.abs(up).reshape(stop - start, TRUE_PEAK_OVERSAMPLING, -1).max(axis=(1, 2))
        peaks[start:stop] = np.maximum(peak, np.abs(a[start:stop]).max(axis=1))
    return peaks


def limiter_gain(audio: np.ndarray, sr: int, ceiling_db: float, config: MixConfig = MixConfig(),
                 *, peaks: np.ndarray | None = None) -> np.ndarray:
    """(n,) float32 gain that keeps `audio`'s 4x-oversampled peaks under `ceiling_db`: 1 except around a peak,
    where it is down `limiter_lookahead_s` before it, holds `limiter_hold_s` after, and ramps back over the
    look-ahead (never a step: the gain is a moving average of a running minimum). `peaks`: `sample_peaks(audio)`
    when already known (the master tries several gains on one mix). Only the stretches around samples over the
    ceiling are worked on: a gain at a sample depends on peaks no farther than hold + 2 look-aheads away."""
    peaks = sample_peaks(audio) if peaks is None else peaks
    n = len(peaks)
    ceiling = np.float32(10.0 ** (ceiling_db / 20.0))
    gain = np.ones(n, np.float32)
    over = np.flatnonzero(peaks > ceiling)
    if not over.size:
        return gain
    ahead = max(1, int(config.limiter_lookahead_s * sr))
    hold = max(0, int(config.limiter_hold_s * sr))
    margin = hold + 2 * ahead + 2
    groups = np.split(over, np.flatnonzero(np.diff(over) > 2 * margin) + 1)  # stretches that cannot touch
    for group in groups:
        lo, hi = max(0, int(group[0]) - margin), min(n, int(group[-1]) + margin + 1)
        need = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks[lo:hi], np.float32(1e-12)))
        gain[lo:hi] = _ramped_minimum(need, ahead, hold)
    return gain


def _ramped_minimum(need: np.ndarray, ahead: int, hold: int) -> np.ndarray:
    """gain[i] = the mean over the `ahead` samples up to i of min(need[k - hold ... k + ahead]): every sample
    averaged into a peak's gain is a minimum over a window that holds the peak, so the gain is at or under
    what the peak needs, and it moves by at most 1/ahead a sample."""
    n = len(need)
    size = ahead + hold + 1
    padded = np.concatenate([np.ones(hold, np.float32), need, np.ones(ahead, np.float32)])
    centred = minimum_filter1d(padded, size, mode="nearest")  # centred[j]: min of padded[j - size//2 ...]
    lowest = centred[size // 2:size // 2 + n]  # min of need[i - hold ... i + ahead]
    ramp = np.concatenate([np.ones(ahead - 1, np.float32), lowest])
    cums = np.concatenate([[0.0], np.cumsum(ramp, dtype=np.float64)])
    return ((cums[ahead:] - cums[:-ahead]) / ahead).astype(np.float32)


def master(stems: list[np.ndarray], mix: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> float:
    """Bring `mix` (the sum of `stems`, each (n, 2)) to config.loudness_lufs with its true peak at or below
    config.true_peak_db, in place, multiplying every stem by the same gain curve; the integrated loudness reached
    (-inf for silence). The gain is found in a few rounds (steps, then a false position between the tries
    either side of the target): limiting the peaks lowers the
    loudness, so a mix of sharp steps over a quiet bed needs more gain than its unlimited loudness says. Each
    round reads the loudness under its curve from the mix's K-weighted power (LoudnessUnderGain: no copy of the
    mix, one filtering); the loudness returned is the meter's reading of the mastered mix."""
    if config.loudness_lufs is None or not np.any(mix) or len(mix) < MIN_MEASURABLE_S * sr:
        return integrated_lufs(mix, sr)
    meter = LoudnessUnderGain(mix, sr)  # the mix filtered once; each try reads it under its gain curve
    base = meter.lufs()
    if not np.isfinite(base):
        return base
    target, ceiling = config.loudness_lufs, config.true_peak_db - LIMITER_MARGIN_DB
    peaks = sample_peaks(mix)
    under = over = None  # the best tries below and above the target: (gain dB, loudness)
    gain_db = target - base
    for k in range(MASTER_ROUNDS):
        curve = limiter_gain(mix, sr, ceiling - gain_db, config, peaks=peaks)
        curve *= np.float32(10.0 ** (gain_db / 20.0))
        reached = meter.lufs(curve)
        if abs(reached - target) <= config.loudness_tolerance_lu / 2 or k == MASTER_ROUNDS - 1:
            break
        if reached < target:
            under = (gain_db, reached)
        else:
            over = (gain_db, reached)
        if under and over:  # between two tries: where the line through them meets the target
            (g0, r0), (g1, r1) = under, over
            gain_db = g0 + (target - r0) * (g1 - g0) / (r1 - r0)
        else:  # a dB of gain adds at most a dB of loudness (the limiter takes some): this step never overshoots
            gain_db += target - reached
    mix *= curve[:, None]
    for stem in stems:
        stem *= curve[:, None]
    return integrated_lufs(mix, sr)  # what the meter reads, not the estimate
