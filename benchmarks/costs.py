"""`make bench-costs`: seconds per stage against resolution, length and the number of people, one process.

Real clips re-encoded or looped (benchmarks/memory.py's helpers): two walkers (sports2d_demo) at 360p, 720p,
1080p and 4K; one sprinter (hato_a11, 720p30) looped to 10, 30 and 60 s; one, two and four people at 720p.
Stages are `make bench`'s (benchmarks/run.py: the pose cache off, one process); each row also gives the
seconds per second of video, and pose's milliseconds per frame per person followed (its time over every frame any person was followed in).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from memory import prepared  # noqa: E402
from run import STAGES, bench_clip  # noqa: E402

# (group, label, clip, size or None, loop seconds or None)
ROWS = (
    ("resolution", "360p", "sports2d_demo.mp4", (640, 360), None),
    ("resolution", "720p", "sports2d_demo.mp4", (1280, 720), None),
    ("resolution", "1080p", "sports2d_demo.mp4", (1920, 1080), None),
    ("resolution", "4K", "sports2d_demo.mp4", (3840, 2160), None),
    ("length", "10 s", "hato_a11.mp4", None, 10.0),
    ("length", "30 s", "hato_a11.mp4", None, 30.0),
    ("length", "60 s", "hato_a11.mp4", None, 60.0),
    ("people", "1", "hato_a11.mp4", None, None),
    ("people", "2", "sports2d_demo.mp4", (1280, 720), None),
    ("people", "4", "cut_walk_sprint.mp4", None, None),
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--group", action="append", default=[], help="only these groups (resolution, length, people)")
    args = parser.parse_args(argv)
    media = Path(args.shared) / "media"
    rows = [r for r in ROWS if not args.group or r[0] in args.group]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        made: dict[tuple, Path] = {}
        for group, label, clip, size, loop_s in rows:
            video = media / clip
            if not video.exists():
                print(f"error: {video}: no such clip", file=sys.stderr)
                return 1
            video = prepared(video, tmp, size, loop_s, made)
            result = bench_clip(video, tmp)
            out.append((group, label, result))
            print(f"  {group} {label}: {result['total']:.1f} s", file=sys.stderr, flush=True)
    print(f"seconds per stage, one process, pose cache off; {os.cpu_count()} CPUs")
    head = f"{'':11s} {'':6s} {'size':>9s} {'video s':>7s} {'people':>6s} " + " ".join(f"{s:>8s}" for s in STAGES)
    head += f" {'total':>7s} {'s per s':>7s} {'pose ms/frame/person':>21s}"
    print(head)
    print("-" * len(head))
    for group, label, r in out:
        per_person = 1000 * r["pose"] / max(1, r["followed"])  # over the frames each person was followed in
        print(f"{group:11s} {label:6s} {r['size']:>9s} {r['duration_s']:7.1f} {r['people']:6d} "
              + " ".join(f"{r[s]:8.2f}" for s in STAGES)
              + f" {r['total']:7.2f} {r['total'] / r['duration_s']:7.2f} {per_person:21.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
