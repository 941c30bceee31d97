"""`make bench-chunks`: one long job through the service on Celery, with one worker and then two: wall time to done,
and whether the events are the same.

    python benchmarks/chunks.py [--clip intel_walk_a.mp4] [--seconds 120] [--chunk-s 30] [--runs one,1,2]

The clip is looped (stream copy, whole groups of pictures: intel_walk_a gives 128 s) to --seconds. Each run has
its own data directory (no analysis cache to find) and redis-server on loopback, a `foley serve --workers 0` with
FOLEY_BROKER_URL and W `foley worker`s (solo pool: one job or chunk each at a time), all started before the clock
starts. One upload (every layer, the CSV export; not the preview video, whose encode is the same for every run),
timed from the upload until the job is done. Runs: `one`: one worker and FOLEY_CHUNK_S=0, so the analysis is one
pass in one process, as without sharing; `N`: N workers, the analysis shared in chunks of --chunk-s.

Prints per run the wall time, the time until the analysis was done, the workers' CPU seconds (with their jobs' and
chunks' processes: what the run costs, whatever else the machine runs), seconds of video per worker-minute, who
ran each chunk, and the footstep contacts against the `one` run (paired one to one: the same frame, within a
frame) and against the first shared run (the same plan, so they must be identical). Only 127.0.0.1 is contacted.

Measured with the default clip, the chunks' events are one pass's within a frame. hato_b12 (2.4 s) looped is not
a fair test of the sharing: a chunk that starts between two of its seams follows the walker across the following
seams as well as finding them anew, so its chunked runs find more contacts than one pass (see the README).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.load import _stop, _up, foley, free_port, redis_server, wait_for  # noqa: E402
from benchmarks.memory import looped  # noqa: E402
from foleystudio.eval.scoring import match_times  # noqa: E402
from foleystudio.service.store import JobStore  # noqa: E402

POLL_S = 0.25


def run(video: Path, folder: Path, *, workers: int, chunk_s: float, limit_s: float) -> dict:
    """One job of `video` on `workers` Celery workers; its timings, contacts and who ran its chunks."""
    data = folder / "data"
    env = {**os.environ, "FOLEY_DATA_DIR": str(data), "FOLEY_RATE_LIMIT": "0", "FOLEY_CHUNK_S": str(chunk_s)}
    procs = []
    with contextlib.ExitStack() as stack:
        env["FOLEY_BROKER_URL"] = stack.enter_context(redis_server(folder / "redis"))
        stack.callback(_stop, procs)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        procs.append(foley(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "0"], env,
                           folder / "serve.log"))
        logs = [folder / f"worker-{k}.log" for k in range(workers)]
        procs += [foley(["worker"], env, log) for log in logs]
        wait_for(lambda: _up(url), 60, "the server to answer")
        wait_for(lambda: all(" ready." in log.read_text() for log in logs), 120, "the workers to start")
        cpu_before = sum(cpu_s(p.pid) for p in procs[1:])
        with httpx.Client(base_url=url, timeout=60) as http:
            started = time.perf_counter()
            with open(video, "rb") as fh:
                response = http.post("/api/jobs", files={"video": (video.name, fh, "video/mp4")},
                                     data={"export": "csv"})
            response.raise_for_status()
            job_id = response.json()["id"]
            job, analysed_s = response.json(), None
            while job["state"] not in ("done", "failed", "cancelled"):
                if time.perf_counter() - started > limit_s:
                    raise TimeoutError(f"job {job_id} not done after {limit_s:g} s: {job}")
                time.sleep(POLL_S)
                job = http.get(f"/api/jobs/{job_id}").json()
                if analysed_s is None and job["stage"] not in ("queued", "starting", "pose", "decode"):
                    analysed_s = time.perf_counter() - started
            wall_s = time.perf_counter() - started
            if job["state"] != "done":
                raise RuntimeError(f"job {job_id} ended {job['state']}: {job.get('error')}")
            events = http.get(next(f["url"] for f in job["results"] if f["kind"] == "events")).json()["events"]
        cpu = sum(cpu_s(p.pid) for p in procs[1:]) - cpu_before
    record = JobStore(data / "jobs.sqlite").get(job_id)
    return {"workers": workers, "chunk_s": chunk_s, "wall_s": wall_s, "analysed_s": analysed_s, "cpu_s": cpu,
            "chunks": record.get("chunks", []),
            "contacts": [(e["foot"], e["frame"]) for e in events if e["layer"] == "footsteps"]}


def cpu_s(pid: int) -> float:
    """CPU seconds of a worker and of its children it has waited for (each job's and chunk's process)."""
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def matched(a: list[tuple[str, int]], b: list[tuple[str, int]], tol: int) -> int:
    """Contacts of `a` paired one to one with a contact of the same foot in `b` within `tol` frames."""
    return sum(len(match_times([f for g, f in a if g == foot], [f for g, f in b if g == foot], tolerance_s=tol).pairs)
               for foot in {g for g, _ in a})


def report(rows: list[dict], video_s: float) -> str:
    base = next((r for r in rows if r["chunk_s"] == 0), None)
    shared = next((r for r in rows if r["chunk_s"] > 0), None)
    lines = [(f"{'run':<22}{'wall s':>8}{'analysis s':>12}{'CPU s':>8}{'video s per worker-min':>24}{'contacts':>10}"
              f"{'= one: frame / +-1':>20}{'= first shared':>16}")]
    for r in rows:
        name = f"{r['workers']} worker{'s' if r['workers'] > 1 else ''}, " + (
            f"{len(r['chunks'])} chunks" if r["chunks"] else "one pass")
        per_worker_min = video_s / (r["wall_s"] / 60 * r["workers"])
        vs_one = (f"{matched(base['contacts'], r['contacts'], 0)} / {matched(base['contacts'], r['contacts'], 1)}"
                  if base else "-")
        same = ("yes" if r["contacts"] == shared["contacts"] else "NO") if shared and r["chunk_s"] > 0 else "-"
        lines.append(f"{name:<22}{r['wall_s']:>8.1f}{r['analysed_s'] or float('nan'):>12.1f}{r['cpu_s']:>8.1f}"
                     f"{per_worker_min:>24.1f}"
                     f"{len(r['contacts']):>10}{vs_one:>20}{same:>16}")
    for r in rows:
        if r["chunks"]:
            lines.append(f"  {r['workers']} worker(s): " + ", ".join(
                f"chunk {c['chunk']} by {c['worker']} in {c['seconds']:.1f} s" for c in r["chunks"]))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--clip", default="intel_walk_a.mp4", help="the real clip to loop (in SHARED/media)")
    parser.add_argument("--seconds", type=float, default=120.0, help="the looped video's length")
    parser.add_argument("--chunk-s", type=float, default=30.0, help="FOLEY_CHUNK_S of the shared runs")
    parser.add_argument("--runs", default="one,1,2", help="comma-separated: one (unshared, one worker) or N workers")
    parser.add_argument("--limit-s", type=float, default=1800.0, help="the most one job may take")
    args = parser.parse_args(argv)
    src = Path(args.shared) / "media" / args.clip
    if not src.exists():
        print(f"error: {src}: no such clip", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="foley-bench-chunks-") as tmp:
        tmp = Path(tmp)
        video = looped(src, tmp / f"{src.stem}_{args.seconds:g}s.mp4", args.seconds)
        from foleystudio.media.probe import probe_video

        info = probe_video(video)
        for k, name in enumerate(n.strip() for n in args.runs.split(",") if n.strip()):
            workers, chunk_s = (1, 0.0) if name == "one" else (int(name), args.chunk_s)
            row = run(video, tmp / f"run{k}", workers=workers, chunk_s=chunk_s, limit_s=args.limit_s)
            print(f"  {name}: {row['wall_s']:.1f} s", file=sys.stderr, flush=True)
            rows.append(row)
    load = os.getloadavg()
    print(f"{args.clip} looped to {info.duration_s:.1f} s ({info.n_frames} frames, {info.width}x{info.height} at "
          f"{float(info.fps):.2f} fps); FOLEY_CHUNK_S={args.chunk_s:g}; {os.cpu_count()} CPUs, load average "
          f"{load[0]:.1f} at the end")
    print(report(rows, info.duration_s))
    print(json.dumps([{k: v for k, v in r.items() if k != "contacts"} for r in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
