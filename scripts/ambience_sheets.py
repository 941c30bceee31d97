"""Listening sheets and auditions of the ambience beds.

    .venv/bin/python scripts/ambience_sheets.py [--out docs/sounds] [--auditions out/sounds]

Sheets (PNG, committed under docs/sounds): waveform (top) and spectrogram (bottom) of 20 s of each kind's bed
(seed 0, at its calibrated level), titled with the kind and its measured loudness. Auditions (24-bit WAV, not
committed): the same 20 s per kind, and 30 s that change kind every 6 s, to hear the crossfades.
`--calibrate` measures each kind (30 s, seeds 0-7) and prints the trims that put it at KIND_LUFS.
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
from foleystudio.sound import ambience  # noqa: E402
from foleystudio.sound.ambience import AMBIENCES, KIND_LUFS, BedSpan, render_ambience  # noqa: E402
from foleystudio.sound.mix import integrated_lufs, true_peak_db  # noqa: E402

SR = 48000
SHEET_S = 20.0
CHANGES = ("room_small", "city", "rain", "park", "shore")  # the crossfade audition: one every 6 s
CHANGE_S = 6.0


def bed(kind: str, seconds: float = SHEET_S, seed: int = 0) -> np.ndarray:
    n = int(seconds * SR)
    return render_ambience([BedSpan(0, n, kind)], n_samples=n, sr=SR, seed=seed).audio


def changes() -> np.ndarray:
    step = int(CHANGE_S * SR)
    spans = [BedSpan(i * step, (i + 1) * step, kind) for i, kind in enumerate(CHANGES)]
    return render_ambience(spans, n_samples=len(CHANGES) * step, sr=SR).audio


def calibrate(kinds, seeds: int = 8, seconds: float = 30.0) -> dict[str, float]:
    """The trim (dB) that puts each kind's mean loudness over `seeds` renders at KIND_LUFS."""
    trims = {}
    for kind in kinds:
        measured = [integrated_lufs(bed(kind, seconds, seed), SR) for seed in range(seeds)]
        trims[kind] = round(ambience._TRIMS_DB[kind] + KIND_LUFS[kind] - float(np.mean(measured)), 2)
        print(f"{kind:12s} {np.mean(measured):6.2f} LUFS (sd {np.std(measured):.2f}, range {min(measured):.2f}.."
              f"{max(measured):.2f}), trim {trims[kind]:+.2f} dB")
    return trims


def draw(audio: np.ndarray, title: str, path: Path) -> Path:
    return draw_sheet(audio[:, 0], title, path, sr=SR, nperseg=2048, wave_label="left, re peak")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "docs" / "sounds"), help="where the sheets go")
    p.add_argument("--auditions", default=None, help="also write WAV auditions here")
    p.add_argument("--kinds", nargs="*", default=list(AMBIENCES), choices=AMBIENCES, help="only these kinds")
    p.add_argument("--calibrate", action="store_true", help="print the trims to KIND_LUFS and stop")
    args = p.parse_args(argv)
    if args.calibrate:
        print(calibrate(args.kinds))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    auditions = Path(args.auditions) if args.auditions else None
    if auditions:
        auditions.mkdir(parents=True, exist_ok=True)
    for kind in args.kinds:
        audio = bed(kind)
        title = (f"ambience {kind}: {SHEET_S:.0f} s, seed 0, {integrated_lufs(audio, SR):.1f} LUFS, "
                 f"true peak {true_peak_db(audio):.1f} dBTP")
        print(draw(audio, title, out / f"ambience_{kind}.png"))
        if auditions:
            write_wav(auditions / f"ambience_{kind}.wav", audio, SR)
    if auditions:
        write_wav(auditions / "ambience_changes.wav", changes(), SR)
        print(auditions / "ambience_changes.wav", "(" + " | ".join(CHANGES) + f", every {CHANGE_S:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
