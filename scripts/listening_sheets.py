"""Listening sheets: for each surface, our render beside a real recording, same scales.

    .venv/bin/python scripts/listening_sheets.py [--shared ../shared] [--out docs/sounds]

Each PNG has the waveform (top) and spectrogram (bottom) of three rendered steps
(sneakers, leather, boots; walking) on the left and up to three real recordings of
that surface (or the nearest one we have, named in the title) on the right; every
step is cut to 0.5 s from its attack and peak-normalised, so level differences do
not hide timbre.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.materials import ENGINE_SURFACES  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.features import attack_onset  # noqa: E402
from foleystudio.sound.samples import load_mono  # noqa: E402
from foleystudio.sound.types import StepRequest  # noqa: E402

SR = 48000
STEP_S = 0.5
# Real folder for each surface (../shared/sounds has no asphalt, tile, marble, deck, rubber, dirt).
REAL_FOR = {
    "concrete": "concrete", "asphalt": "stone", "tile": "stone", "marble": "stone", "wood": "wood",
    "deck": "wood", "metal": "metal", "carpet": "carpet", "rubber": "carpet", "grass": "grass",
    "gravel": "gravel", "dirt": "sand", "sand": "sand", "snow": "snow", "leaves": "leaves",
    "mud": "mud", "water": "water",
}


def _cut(x: np.ndarray, onset: int) -> np.ndarray:
    y = x[onset : onset + int(STEP_S * SR)]
    y = np.pad(y, (0, int(STEP_S * SR) - y.size))
    return y / max(float(np.abs(y).max()), 1e-9)


def rendered(surface: str, seed: int = 3) -> np.ndarray:
    backend = get_backend("procedural", sr=SR)
    steps = []
    for i, shoe in enumerate(("sneakers", "leather", "boots")):
        s = backend.render_step(StepRequest(surface, shoe, strength=0.6), np.random.default_rng([seed, i]))
        steps.append(_cut(s.audio, s.onset))
    return np.concatenate(steps)


def real(shared: Path, folder: str) -> tuple[np.ndarray, str]:
    files = sorted(p for p in (shared / "sounds" / folder).rglob("*") if p.suffix in (".ogg", ".wav", ".flac"))
    # One file per pack first, so the sheet shows the spread between recordings.
    by_pack: dict[str, list[Path]] = {}
    for f in files:
        by_pack.setdefault(f.parent.name, []).append(f)
    picks = [fs[0] for fs in by_pack.values()] + [f for fs in by_pack.values() for f in fs[1:]]
    steps, names = [], []
    for f in picks[:3]:
        x = load_mono(f, SR)
        steps.append(_cut(x, attack_onset(x, SR, floor_db=15.0)))
        names.append(f"{f.parent.name}/{f.name}")
    return np.concatenate(steps), ", ".join(names)


def sheet(surface: str, shared: Path, out: Path) -> Path:
    ours = rendered(surface)
    folder = REAL_FOR[surface]
    theirs, names = real(shared, folder)
    fig, axes = plt.subplots(2, 2, figsize=(14, 6.5), sharey="row", gridspec_kw={"height_ratios": [1, 2]})
    for col, (x, title) in enumerate((
        (ours, f"procedural {surface}: sneakers | leather | boots (walk)"),
        (theirs, f"real {folder}{'' if folder == surface else ' (nearest we have)'}: {names}"),
    )):
        t = np.arange(x.size) / SR
        axes[0, col].plot(t, x, lw=0.5, color="k")
        axes[0, col].set_xlim(0, 3 * STEP_S)
        axes[0, col].set_ylim(-1.05, 1.05)
        axes[0, col].set_title(title, fontsize=8)
        f, tt, s = signal.spectrogram(x, SR, nperseg=1024, noverlap=768)
        s_db = 10 * np.log10(s / s.max() + 1e-12)
        axes[1, col].pcolormesh(tt, f / 1000, s_db, vmin=-80, vmax=0, cmap="magma", shading="auto")
        axes[1, col].set_ylim(0, 16)
        axes[1, col].set_xlim(0, 3 * STEP_S)
        axes[1, col].set_xlabel("s (each step 0.5 s from its attack, peak-normalised)")
    axes[1, 0].set_ylabel("kHz (dB re peak, -80..0)")
    fig.tight_layout()
    path = out / f"{surface}.png"
    fig.savefig(path, dpi=72)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", str(ROOT.parent / "shared")))
    p.add_argument("--out", default=str(ROOT / "docs" / "sounds"))
    p.add_argument("--surface", action="append", choices=ENGINE_SURFACES, help="only these (repeatable)")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for surface in args.surface or ENGINE_SURFACES:
        print(sheet(surface, Path(args.shared), out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
