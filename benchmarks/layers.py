"""`make bench-layers`: what each event layer finds on every clip in SHARED/media.

Per clip: the foot contacts (footsteps layer), the specifics by kind and per 10 s, and the
moves layer's sound (the share of the video where its stem is above -60 dBFS, in 100 ms
windows, after the master), through the same `analyse()` and `render()` as `foley VIDEO`
(the analysis cache on: a second run reads it). Clips where nothing but feet touches
anything (QUIET: sprints, walks, squats, a lunge; my reading of their descriptions in
SHARED/media/LICENSES.md, no event labelled) are held to issue 13's "at most one specific
per 10 s"; the others (a flip on a box, jumping jacks, a crowd behind Chaplin) are listed
without a limit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from foleystudio.analysis import AnalysisOptions, analyse
from foleystudio.native_log import muted_native_stderr
from foleystudio.rendering import RenderOptions, render
from foleystudio.vision.actions import KINDS

NOT_QUIET = {"sports2d_demo", "sports2d_mirror_360p25", "tfjs_jump", "charlie", "cut_walk_sprint"}
QUIET_LIMIT_PER_10S = 1.0
MOVES_FLOOR_DBFS = -60.0


def moves_share(audio: np.ndarray, sr: int) -> float:
    """Share of 100 ms windows where the stem's RMS (both channels) is above MOVES_FLOOR_DBFS."""
    hop = sr // 10
    n = len(audio) // hop
    if n == 0:
        return 0.0
    blocks = np.asarray(audio[: n * hop], dtype=np.float64).reshape(n, hop, -1)
    rms = np.sqrt(np.mean(blocks**2, axis=(1, 2)))
    return float(np.mean(20 * np.log10(np.maximum(rms, 1e-12)) > MOVES_FLOOR_DBFS))


def clip_row(path: Path) -> dict:
    with muted_native_stderr():
        analysis = analyse(path, AnalysisOptions())
    rendered = render(analysis, RenderOptions(layers=("footsteps", "specifics", "moves")))
    moves = next(s for s in rendered.stems if s.name == "moves")
    kinds = Counter(e.kind for e in analysis.actions)
    duration = analysis.info.duration_s
    return {"clip": path.stem, "duration_s": duration, "people": len(analysis.poses.tracks),
            "footsteps": len(analysis.contacts), "specifics": len(analysis.actions), "kinds": kinds,
            "per_10s": 10.0 * len(analysis.actions) / duration, "moves_share": moves_share(moves.audio, moves.sr),
            "quiet": path.stem not in NOT_QUIET}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    clips = sorted((Path(args.shared) / "media").glob("*.mp4"))
    if not clips:
        print(f"error: no clips in {Path(args.shared) / 'media'}", file=sys.stderr)
        return 1
    rows = []
    for i, clip in enumerate(clips):
        print(f"  [{i + 1}/{len(clips)}] {clip.name}", file=sys.stderr, flush=True)
        rows.append(clip_row(clip))
    head = ["clip", "s", "people", "footsteps", "specifics", *KINDS, "per 10 s", "moves audible", "quiet: <= 1/10 s"]
    lines = []
    for r in rows:
        verdict = ("ok" if r["per_10s"] <= QUIET_LIMIT_PER_10S else "OVER") if r["quiet"] else "-"
        lines.append([r["clip"], f"{r['duration_s']:.1f}", str(r["people"]), str(r["footsteps"]), str(r["specifics"]),
                      *(str(r["kinds"].get(k, 0)) for k in KINDS), f"{r['per_10s']:.2f}",
                      f"{100 * r['moves_share']:.0f} %", verdict])
    quiet = [r for r in rows if r["quiet"]]
    quiet_s = sum(r["duration_s"] for r in quiet)
    quiet_n = sum(r["specifics"] for r in quiet)
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for line in lines:
            print("  ".join(c.rjust(w) for c, w in zip(line, widths)))
    over = [r["clip"] for r in quiet if r["per_10s"] > QUIET_LIMIT_PER_10S]
    print(f"\nquiet clips: {len(quiet)}, {quiet_s:.0f} s, {quiet_n} specifics ({10 * quiet_n / max(quiet_s, 1e-9):.2f} "
          f"per 10 s); over the limit: {', '.join(over) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
