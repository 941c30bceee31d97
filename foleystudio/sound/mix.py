"""Loudness and peak safety for stems and the final mix.

Targets (ITU-R BS.1770-4 integrated loudness via pyloudnorm, true peak by 4x
oversampling as BS.1770 Annex 2 describes):

- a stem is normalised to `target_lufs` (default -20 LUFS: a Foley stem sits a few
  LU under a -16 LUFS web mix and above EBU R128's -23 broadcast programme level,
  so it is audible on its own and leaves room when mixed);
- then the gain is lowered, never raised, until the true peak is at or below
  `true_peak_db` (-1 dBTP, the EBU R128 / AES streaming ceiling). No limiter: a gain
  change keeps the transients of the steps intact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.sound.loudness import integrated_loudness, true_peak

TRUE_PEAK_OVERSAMPLING = 4  # BS.1770 Annex 2: 4x for 48 kHz
MIN_MEASURABLE_S = 0.4  # BS.1770 blocks are 400 ms


@dataclass(frozen=True)
class MixConfig:
    target_lufs: float = -20.0  # stem loudness, see module docstring
    true_peak_db: float = -1.0  # ceiling in dBTP
    original_gain_db: float = -6.0  # --keep-audio: the original track sits this far under its own level


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


def loudness_gain(audio: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> float:
    """The linear gain `normalise` applies (1.0 for silence): the same gain keeps a stem's parts adding up to it."""
    if not np.any(audio):
        return 1.0
    gain_db = 0.0
    lufs = integrated_lufs(audio, sr)
    if np.isfinite(lufs):
        gain_db = config.target_lufs - lufs
    peak = true_peak_db(audio)
    gain_db = min(gain_db, config.true_peak_db - peak)
    return float(10.0 ** (gain_db / 20.0))


def mix_under(foley: np.ndarray, original: np.ndarray, sr: int, config: MixConfig = MixConfig()) -> np.ndarray:
    """Foley over the original track (lowered by original_gain_db), peak-safe."""
    n = len(foley)
    bed = np.zeros_like(foley)
    m = min(n, len(original))
    bed[:m] = original[:m]
    mixed = foley + bed * 10.0 ** (config.original_gain_db / 20.0)
    peak = true_peak_db(mixed)
    if peak > config.true_peak_db:
        mixed = mixed * 10.0 ** ((config.true_peak_db - peak) / 20.0)
    return mixed.astype(np.float32)
