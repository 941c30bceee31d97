"""One listening sheet: a sound's waveform over its spectrogram, as the sheet scripts draw them all."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402


def draw_sheet(x: np.ndarray, title: str, path: Path, *, sr: int = 48000, xlabel: str = "s", top_khz: float = 16.0,
               floor_db: float = -80.0, nperseg: int = 1024, wave_label: str = "re peak") -> Path:
    """Mono `x`: its waveform (peak-normalised) above its spectrogram (dB re the spectrogram's peak, down to
    `floor_db`, up to `top_khz`), saved at `path`."""
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), gridspec_kw={"height_ratios": [1, 2]}, sharex=True)
    t = np.arange(x.size) / sr
    axes[0].plot(t, x / max(float(np.abs(x).max()), 1e-9), lw=0.3 if x.size > 10 * sr else 0.5, color="k")
    axes[0].set_ylim(-1.05, 1.05)
    axes[0].set_ylabel(wave_label)
    axes[0].set_title(title, fontsize=9)
    f, tt, s = signal.spectrogram(x, sr, nperseg=nperseg, noverlap=nperseg * 3 // 4)
    axes[1].pcolormesh(tt, f / 1000, 10 * np.log10(s / s.max() + 1e-12), vmin=floor_db, vmax=0, cmap="magma",
                       shading="auto")
    axes[1].set_ylim(0, top_khz)
    axes[1].set_ylabel(f"kHz (dB re peak, {floor_db:g}..0)")
    axes[1].set_xlabel(xlabel)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
    return path
