"""Stems as 24-bit WAV, the format every editor and DAW opens."""

from __future__ import annotations

import os

import numpy as np
import soundfile

from foleystudio.export.atomic import atomic_path


def write_wav(path: str | os.PathLike, audio: np.ndarray, sr: int) -> None:
    """Write float audio ((n,) or (n, ch)) as 24-bit PCM WAV, clipped to [-1, 1]."""
    with atomic_path(path) as tmp:
        soundfile.write(str(tmp), np.clip(audio, -1.0, 1.0), sr, subtype="PCM_24", format="WAV")
