"""Measurements the sound tests share."""

from __future__ import annotations

import numpy as np


def energy_onset(x: np.ndarray, sr: int = 48000, win_s: float = 0.001, rel_db: float = -15.0) -> int:
    """Independent of the library's detector: first sample whose 1 ms energy is within 15 dB of the max."""
    m = int(win_s * sr)
    env = np.convolve(np.asarray(x, np.float64) ** 2, np.ones(m) / m, mode="same")
    return int(np.argmax(env > env.max() * 10.0 ** (rel_db / 10.0)))
