"""`make bench-soundtrack`: the beds, the score and the mastered mix of every clip, and what a re-render costs.

    python benchmarks/soundtrack.py [--shared ../shared] [--clips a.mp4,b.mp4] [--repeats 5]

For every clip in SHARED/media (analysis from the cache, made once if missing): each shot's ambience
bed and what its picture showed; the score's style, tempo, key and mode; the mix's integrated loudness
and true peak by pyloudnorm's meter and by FFmpeg's ebur128 (through PyAV); and the seconds a
re-render of every layer takes from the cached analysis (median of --repeats, a new seed each), by
layer, and per minute of video. `make bench-soundtrack` runs it on one core (taskset -c 0).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from foleystudio.analysis import AnalysisOptions, analyse  # noqa: E402
from foleystudio.edits.events import LAYERS  # noqa: E402
from foleystudio.media.meter import ebur128  # noqa: E402
from foleystudio.native_log import muted_native_stderr  # noqa: E402
from foleystudio.rendering import RenderOptions, render  # noqa: E402
from foleystudio.sound.mix import integrated_lufs, true_peak_db  # noqa: E402

KEYS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
COLUMNS = (*LAYERS, "mix")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--clips", default="", help="comma-separated names in SHARED/media (default: all)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    media = args.shared / "media"
    clips = [media / c for c in args.clips.split(",") if c] or sorted(media.glob("*.mp4"))
    beds, mixes, costs = [], [], []
    for path in clips:
        with muted_native_stderr():
            analysis = analyse(path, AnalysisOptions())
        times = []
        for seed in range(args.repeats):
            started = time.perf_counter()
            rendered = render(analysis, RenderOptions(seed=seed))
            times.append((time.perf_counter() - started, rendered.seconds))
        total = statistics.median(t for t, _ in times)
        by_layer = {c: statistics.median(s.get(c, 0.0) for _, s in times) for c in COLUMNS}
        costs.append((path.name, analysis.info.duration_s, total, by_layer))
        for bed in rendered.beds:
            beds.append((path.name, bed))
        ffmpeg = ebur128(rendered.mix, rendered.sr)
        plan = rendered.music
        mixes.append((path.name, plan, integrated_lufs(rendered.mix, rendered.sr), true_peak_db(rendered.mix), ffmpeg))
        print(f"{path.name}: {total:.2f} s", file=sys.stderr)

    print("ambience per shot (the bed chosen, and what the picture showed)")
    print(f"{'clip':26s} {'shot':>4s} {'from':>7s} {'to':>7s} {'bed':12s} {'source':9s} seen")
    for clip, bed in beds:
        print(f"{clip:26s} {bed['shot']:4d} {bed['start_s']:7.2f} {bed['end_s']:7.2f} {bed['ambience']:12s} "
              f"{bed['source']:9s} {', '.join(bed['seen'])}")
    print("\nscore and master (EBU R128 target -23 LUFS, -1 dBTP)")
    print(f"{'clip':26s} {'style':8s} {'bpm':>5s} {'key':8s} {'accents':>7s} {'LUFS':>7s} {'dBTP':>6s} "
          f"{'ffmpeg I':>8s} {'ffmpeg TP':>9s}")
    for clip, plan, lufs, peak, ffmpeg in mixes:
        key = f"{KEYS[plan['key']]} {plan['mode']}"
        print(f"{clip:26s} {plan['style']:8s} {plan['tempo_bpm']:5.0f} {key:8s} {len(plan['accents_s']):7d} "
              f"{lufs:7.2f} {peak:6.2f} {ffmpeg.integrated_lufs:8.2f} {ffmpeg.true_peak_db:9.2f}")
    print(f"\nre-render from the cached analysis, every layer, median of {args.repeats} (seconds; "
          f"{len(os.sched_getaffinity(0))} core(s))")
    print(f"{'clip':26s} {'video s':>7s} {'total':>6s} " + " ".join(f"{c:>9s}" for c in COLUMNS) + f" {'s/min':>6s}")
    for clip, duration, total, by_layer in costs:
        print(f"{clip:26s} {duration:7.1f} {total:6.2f} " + " ".join(f"{by_layer[c]:9.3f}" for c in COLUMNS)
              + f" {60 * total / duration:6.2f}")
    per_min = statistics.median(60 * total / duration for _, duration, total, _ in costs)
    print(f"median: {per_min:.2f} s of render per minute of video ({60 / per_min:.0f}x real time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
