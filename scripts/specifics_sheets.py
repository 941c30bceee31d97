"""Listening sheets and auditions of the specifics and moves layers.

    .venv/bin/python scripts/specifics_sheets.py [--shared ../shared] [--out docs/sounds] [--auditions out/sounds]

Sheets (PNG, committed under docs/sounds): waveform (top) and spectrogram (bottom) of
three renders each (seeds 0-2, strength 0.4 / 0.7 / 1.0) of a clap, a hit on wood, a hit
on metal and a fall on wood, every sound 0.6 s from its attack and peak-normalised; and
the moves stem of sports2d_demo (two people walking and running, cotton) over the clip.
Auditions (WAV, not committed): the same sounds, as heard.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.analysis import AnalysisOptions, analyse  # noqa: E402
from foleystudio.export.stems import write_wav  # noqa: E402
from scripts.sheet import draw_sheet  # noqa: E402
from foleystudio.sound.moves import MovesOptions, render_moves  # noqa: E402
from foleystudio.sound.specifics import render_event  # noqa: E402
from foleystudio.timebase import duration_to_samples  # noqa: E402

SR = 48000
CUT_S = 0.6
SOUNDS = {"clap": ("clap", "neutral"), "hit_wood": ("hit", "wood"), "hit_metal": ("hit", "metal"),
          "fall": ("fall", "wood")}


def three(kind: str, material: str) -> np.ndarray:
    out = []
    for seed, strength in enumerate((0.4, 0.7, 1.0)):
        y = render_event(kind, strength, material, np.random.default_rng(seed), SR)[: int(CUT_S * SR)]
        out.append(np.pad(y, (0, int(CUT_S * SR) - y.size)) / max(float(np.abs(y).max()), 1e-9))
    return np.concatenate(out)


def draw(x: np.ndarray, title: str, path: Path, xlabel: str) -> Path:
    return draw_sheet(x, title, path, sr=SR, xlabel=xlabel)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", str(ROOT.parent / "shared")))
    p.add_argument("--out", default=str(ROOT / "docs" / "sounds"), help="where the sheets go")
    p.add_argument("--auditions", default=None, help="also write WAV auditions here")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, (kind, material) in SOUNDS.items():
        x = three(kind, material)
        print(draw(x, f"{kind} on {material}: strength 0.4 | 0.7 | 1.0 (seeds 0-2)", out / f"specifics_{name}.png",
                   f"s (each {CUT_S} s from its attack, peak-normalised)"))
        if args.auditions:
            Path(args.auditions).mkdir(parents=True, exist_ok=True)
            write_wav(Path(args.auditions) / f"specifics_{name}.wav", x, SR)
    clip = Path(args.shared) / "media" / "sports2d_demo.mp4"
    analysis = analyse(clip, AnalysisOptions())
    moves = render_moves(analysis.poses, n_samples=duration_to_samples(analysis.info.duration_s, SR), sr=SR,
                         options=MovesOptions(fabric="cotton")).audio
    mono = moves.mean(axis=1)
    print(draw(mono / max(float(np.abs(mono).max()), 1e-9), "moves: sports2d_demo, two people walking and running "
               "(cotton), peak-normalised", out / "moves_sports2d_demo.png", "s (the clip's time)"))
    if args.auditions:
        write_wav(Path(args.auditions) / "moves_sports2d_demo.wav", moves / max(float(np.abs(moves).max()), 1e-9),
                  SR)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
