"""`make bench` (second table): the whole `foley VIDEO --no-cache -q` process against the speed targets.

Each case runs end to end (start-up, probe, analysis, render, mux: what a user waits for) with one process
and with `--workers auto` (a chunk of the video per CPU, chunking.py), best of `--repeat` runs. Peak memory
is of the whole process tree (the command and its chunk workers, sampled from /proc every 20 ms), since the
workers' memory counts as much as the parent's. Targets (issue 17): one person at 720p30 at least 2x real
time, two people at 1080p30 at least 1x.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# what the user's shell gave: importing foleystudio sets OPENBLAS_NUM_THREADS=1 in this process, and a `foley` from
# an older checkout (--foley) must not inherit that setting from here
USER_ENV = dict(os.environ)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from foleystudio.media.probe import probe_video  # noqa: E402
from memory import prepared  # noqa: E402

# (what it is, clip in SHARED/media, size to scale it to or None, seconds to loop it to or None, target x real time)
CASES = (
    ("one person, 720p30", "hato_a11.mp4", None, None, 2.0),
    ("one person, 720p30, 60 s", "hato_a11.mp4", None, 60.0, 2.0),
    ("two people, 1080p30", "sports2d_demo.mp4", (1920, 1080), None, 1.0),
    ("two people, 1080p30, 60 s", "sports2d_demo.mp4", (1920, 1080), 60.0, 1.0),
    ("people one after another, 432p10, 139 s", "intel_one_by_one.mp4", None, None, None),
)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and every process under it, in MB (0 when it is gone)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(p, 0) for p in tree) / 2**20


def run(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """(wall seconds, peak MB of the process tree, CPU seconds of the tree) of one command.

    The CPU seconds (user + system of the command and every child it waited for) hardly change with
    other work on the machine, where the wall time does: quote both.
    """
    peak = [0.0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak[0], cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--foley", default=str(Path(sys.executable).with_name("foley")),
                        help="the foley command (split like a shell line: an older checkout can be measured with "
                             "'env PYTHONPATH=DIR python -m foleystudio')")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case and setting (the best is reported)")
    parser.add_argument("--case", action="append", default=[], help="only cases whose name contains this")
    parser.add_argument("--workers", default="1,auto",
                        help="comma-separated --workers settings to compare ('-': no --workers flag at all)")
    args = parser.parse_args(argv)
    media = Path(args.shared) / "media"
    cases = [c for c in CASES if not args.case or any(k in c[0] for k in args.case)]
    settings = [w.strip() for w in args.workers.split(",") if w.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**USER_ENV, "FOLEY_CACHE": str(tmp / "cache")}
        for name, clip, size, loop_s, target in cases:
            video = media / clip
            if not video.exists():
                print(f"error: {video}: no such clip", file=sys.stderr)
                return 1
            video = prepared(video, tmp, size, loop_s)
            info = probe_video(video)
            row = {"case": name, "video_s": info.duration_s, "size": "x".join(map(str, info.display_size)),
                   "target": target}
            for workers in settings:
                cmd = [*shlex.split(args.foley), str(video), "-o", str(tmp / "out.mp4"), "--no-cache", "-q",
                       *(("--workers", workers) if workers != "-" else ())]
                runs = [run(cmd, env) for _ in range(max(1, args.repeat))]
                row[workers] = (min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs))
                print(f"  {name}, --workers {workers}: {row[workers][0]:.1f} s, {row[workers][1]:.0f} MB, "
                      f"{row[workers][2]:.1f} CPU s", file=sys.stderr, flush=True)
            rows.append(row)
    print(f"whole `foley VIDEO --no-cache -q` process; {os.cpu_count()} CPUs; x real time = video s / wall s; "
          f"CPU s: user + system of the process tree (best of {max(1, args.repeat)}; wall times move with other "
          f"work on the machine, CPU seconds hardly)")
    head = f"{'case':42s} {'video s':>7s} {'size':>9s}"
    for w in settings:
        head += f" {'wall s (' + w + ')':>15s} {'x real':>6s} {'CPU s':>6s} {'MB':>6s}"
    print(head + f" {'target':>7s}")
    print("-" * len(head + "        "))
    for r in rows:
        line = f"{r['case']:42s} {r['video_s']:7.1f} {r['size']:>9s}"
        for w in settings:
            wall, mb, cpu = r[w]
            line += f" {wall:15.1f} {r['video_s'] / wall:6.2f} {cpu:6.1f} {mb:6.0f}"
        best = max(r['video_s'] / r[w][0] for w in settings)
        verdict = "" if r["target"] is None else f" {r['target']:>5.1f}x " + ("met" if best >= r["target"] else "MISSED")
        print(line + verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
