"""Draft the truth of a clip's specifics (schema specifics-gt.1) from the clip's own sound.

    .venv/bin/python scripts/specifics_truth.py CLIP -o truth.json [--min-strength 6] [--licence ...]

Every onset of the clip's first audio track (spectral flux, foleystudio/eval/onsets.py)
becomes an event of kind "any", its note saying how strong it was. It is a draft: a
listener deletes the steps, syllables and beats among them, names the kinds, fills in
`licence` and `source`, and says in `labelled_by` how it was checked. Then
`foley eval --layer specifics --gt DIR --media DIR` scores the layer against it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.errors import FoleyError, InputError  # noqa: E402
from foleystudio.eval.onsets import OnsetConfig, clip_onsets  # noqa: E402
from foleystudio.eval.specifics import SCHEMA, parse_specifics_truth  # noqa: E402
from foleystudio.export.atomic import write_json  # noqa: E402
from foleystudio.media.probe import probe_video  # noqa: E402

LABELLED_BY = "audio onsets (spectral flux), reviewed by hand: <edit this>"


def draft_truth(clip: str | Path, *, min_strength_db: float = OnsetConfig.min_strength_db,
                min_gap_s: float = OnsetConfig.min_gap_s, licence: str = "", source: str = "") -> dict:
    """A specifics-gt.1 document with one event of kind "any" per onset of `clip`'s sound."""
    info = probe_video(clip)
    onsets = clip_onsets(clip, config=OnsetConfig(min_strength_db=min_strength_db, min_gap_s=min_gap_s), info=info)
    doc = {
        "schema": SCHEMA,
        "video": Path(clip).name,
        "fps": float(info.fps),
        "labelled_by": LABELLED_BY,
        "licence": licence,
        "source": source,
        "quiet": False,
        "events": [
            {"t": round(t, 6), "kind": "any", "note": f"onset {strength:.1f} dB"}
            for t, strength in zip(onsets.times_s, onsets.strengths_db)
        ],
    }
    parse_specifics_truth(doc, source_name=str(clip))  # what is written is always readable
    return doc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draft a clip's specifics truth (specifics-gt.1) from its sound.")
    parser.add_argument("clip", help="the video, with an audio track")
    parser.add_argument("-o", "--out", required=True, metavar="TRUTH.json", help="where to write the draft")
    parser.add_argument("--min-strength", type=float, default=OnsetConfig.min_strength_db, metavar="DB",
                        help="keep onsets that stand this many dB out of the sound around them "
                             f"(default: {OnsetConfig.min_strength_db:g})")
    parser.add_argument("--min-gap-ms", type=float, default=OnsetConfig.min_gap_s * 1000, metavar="MS",
                        help=f"onsets at least this far apart (default: {OnsetConfig.min_gap_s * 1000:g})")
    parser.add_argument("--licence", default="", help="the clip's licence, written into the draft")
    parser.add_argument("--source", default="", help="where the clip comes from, written into the draft")
    args = parser.parse_args(argv)
    try:
        if args.min_gap_ms <= 0:
            raise InputError(f"--min-gap-ms: expected a positive gap, got {args.min_gap_ms:g}")
        out = Path(args.out)
        if not out.parent.is_dir():
            raise InputError(f"-o: folder {out.parent} does not exist")
        doc = draft_truth(args.clip, min_strength_db=args.min_strength, min_gap_s=args.min_gap_ms / 1000,
                          licence=args.licence, source=args.source)
        write_json(out, doc)
    except FoleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(doc['events'])} onsets -> {out} (a draft: review it by ear before scoring against it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
