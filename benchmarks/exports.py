"""`make bench-exports`: what delivering to an editor costs, and a re-render from an edited list.

Per clip (by default those with ground truth in ../shared/gt): the analysis is made once
(not timed); then, timed: render; a plain export (stems, events, mux); what each `--export`
format adds to an export (the export with it less a plain one just after); and `foley
render --events` from the exported CSV (read the list, apply it, render, export again).
Seconds; medians over the clips at the bottom.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from foleystudio.api import AnalysisOptions, ExportOptions, RenderOptions, analyse, export, render
from foleystudio.edits.events import read_events
from foleystudio.export import FORMATS

COLUMNS = ("render", "export", *FORMATS, "re-render")


def bench_clip(path: Path, out_dir: Path) -> dict:
    analysis = analyse(path, AnalysisOptions(cache_dir=str(out_dir / "cache")))
    out = out_dir / f"{path.stem}_foley.mp4"
    t = {}
    t0 = time.perf_counter()
    rendered = render(analysis)
    t["render"] = time.perf_counter() - t0
    t["export"] = _timed(lambda: export(analysis, rendered, out))
    for name in FORMATS:  # what the format adds to an export
        t[name] = _timed(lambda: export(analysis, rendered, out, exports=ExportOptions(formats=(name,))))
        t[name] -= _timed(lambda: export(analysis, rendered, out))

    def rerender():
        edited = read_events(out.with_name(f"{out.stem}.events.csv"), duration_s=analysis.info.duration_s)
        export(analysis, render(analysis, RenderOptions(events=edited)), out)

    t["re-render"] = _timed(rerender)
    return {"clip": path.name, "duration_s": analysis.info.duration_s, "events": len(rendered.events), **t}


def _timed(work) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--clip", action="append", default=[], help="only these clip names (repeatable)")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    clips = sorted(shared / "media" / f"{gt.stem}.mp4" for gt in (shared / "gt").glob("*.json"))
    if args.clip:
        clips = sorted(c for c in (shared / "media").glob("*.mp4") if c.name in args.clip or c.stem in args.clip)
    if not clips:
        print(f"error: no clips found in {shared / 'media'}", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            rows.append(bench_clip(clip, Path(tmp)))
            print(f"  {clip.name}: done", file=sys.stderr, flush=True)
    header = f"{'clip':24s} {'dur s':>6s} {'events':>6s} " + " ".join(f"{c:>9s}" for c in COLUMNS)
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['clip']:24s} {r['duration_s']:6.1f} {r['events']:6d} " + " ".join(f"{r[c]:9.3f}" for c in COLUMNS))
    print("-" * len(header))
    print(f"{'median':24s} {'':6s} {'':6s} " + " ".join(f"{statistics.median(r[c] for r in rows):9.3f}" for c in COLUMNS))
    print(f"seconds; a format's column is what it adds to an export; {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
