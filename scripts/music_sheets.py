"""Listening sheets and auditions of the music layer.

    .venv/bin/python scripts/music_sheets.py [--out docs/sounds] [--auditions out/sounds]

Sheets (PNG, committed under docs/sounds): waveform (top) and spectrogram (bottom) of 20 s of each style at a mid
pace (a cut every 4 s, some motion: about 106 bpm, accents on the cuts), a mid-light warm picture (G major), seed 0;
titled with the tempo asked and the tempo `measure_tempo` reads back. Auditions (24-bit WAV, not committed): 30 s of
each style at that pace, and two variants: slow and dark (a still, dim, cold shot: 70 bpm, minor) and fast and
bright (fast cutting, running, a bright warm picture: about 150 bpm, major).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.export.stems import write_wav  # noqa: E402
from scripts.sheet import draw_sheet  # noqa: E402
from foleystudio.sound.music import STYLES, MusicPlan, measure_tempo, plan_music, render_music  # noqa: E402

SR = 48000
SHEET_S = 20.0
AUDITION_S = 30.0
# pictures and paces: (cut every n s or None, motion, luma, saturation, warmth)
VARIANTS = {
    "": (4.0, 0.4, 0.55, 0.4, 0.3),
    "_slow_dark": (None, 0.0, 0.25, 0.15, -0.6),
    "_fast_bright": (2.0, 0.9, 0.75, 0.7, 0.6),
}


def plan_for(style: str, duration_s: float, variant: str) -> MusicPlan:
    every_s, motion, luma, saturation, warmth = VARIANTS[variant]
    cuts = np.arange(every_s, duration_s - 1.0, every_s) if every_s else ()
    return plan_music(duration_s=duration_s, cut_times_s=cuts, motion_energy=motion, luma=luma,
                      saturation=saturation, warmth=warmth, style=style)


def draw(audio: np.ndarray, title: str, path: Path) -> Path:
    return draw_sheet(audio.mean(axis=1), title, path, sr=SR, xlabel="s (mono sum; waveform peak-normalised)",
                      top_khz=8.0, floor_db=-90.0, nperseg=4096)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "docs" / "sounds"), help="where the sheets go")
    p.add_argument("--auditions", default=None, help="also write WAV auditions here")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for style in STYLES:
        plan = plan_for(style, SHEET_S, "")
        audio = render_music(plan, n_samples=int(SHEET_S * SR), sr=SR, seed=0).audio
        title = (f"music, {style}: {plan.tempo_bpm:.1f} bpm asked, {measure_tempo(audio, SR):.1f} bpm measured; "
                 f"{plan.key_name}; brightness {plan.brightness:.2f}, energy {plan.energy:.2f}\n"
                 f"accents on the cuts at {', '.join(f'{t:g}' for t in plan.accents_s)} s; seed 0")
        print(draw(audio, title, out / f"music_{style}.png"))
    if args.auditions:
        folder = Path(args.auditions)
        folder.mkdir(parents=True, exist_ok=True)
        for style in STYLES:
            for variant in VARIANTS:
                plan = plan_for(style, AUDITION_S, variant)
                audio = render_music(plan, n_samples=int(AUDITION_S * SR), sr=SR, seed=0).audio
                path = folder / f"music_{style}{variant}.wav"
                write_wav(path, audio, SR)
                print(path, f"{plan.tempo_bpm:.1f} bpm, {plan.key_name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
