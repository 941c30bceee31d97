"""Stems as 24-bit WAV, the format every editor and DAW opens."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile

from foleystudio.errors import ExportError
from foleystudio.export.atomic import atomic_path


def write_wav(path: str | os.PathLike, audio: np.ndarray, sr: int) -> None:
    """Write float audio ((n,) or (n, ch)) as 24-bit PCM WAV, clipped to [-1, 1], atomically."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ExportError(f"output folder {folder} does not exist")
    try:
        with atomic_path(path) as tmp:
            soundfile.write(str(tmp), np.clip(audio, -1.0, 1.0), sr, subtype="PCM_24", format="WAV")
    except (OSError, soundfile.LibsndfileError) as exc:
        raise ExportError(f"cannot write {path}: {exc}") from None
