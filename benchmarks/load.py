"""`make bench-load`: N concurrent uploads of a real clip over HTTP on loopback, W workers; every job must
complete, none be lost or duplicated. Prints p50/p95 job latency (upload start to done) and requests per second.

    python benchmarks/load.py [--uploads 20] [--workers 2] [--broker] [--clip ../shared/media/hato_b12.mp4]

Embedded by default (`foley serve --workers W`); with --broker, a redis-server on loopback and one Celery
`foley worker --concurrency W` (FOLEY_BROKER_URL), so the two can be compared. Each upload is the clip remuxed
with its own metadata tag (the same frames, other bytes), so no job finds another's analysis in the cache: every
job does the whole work. Each client uploads, polls its job as a browser would (every 0.5 s) and downloads the
events. Bounded: every request has a timeout and the whole run --limit-s; only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx

from foleystudio.service.store import JobStore

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.5  # how often each client looks at its job
FINISHED = ("done", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout_s:.0f} s for {what}")


@contextlib.contextmanager
def redis_server(folder: Path, exe: str = "/usr/bin/redis-server") -> Iterator[str]:
    """A throwaway redis-server on 127.0.0.1 (a free port, no persistence, files in `folder`); its URL."""
    import redis

    if not Path(exe).exists():
        raise FileNotFoundError(f"{exe} not found: install Debian's redis-server (make test does)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(folder / "redis.log", "w") as log:
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                 "no", "--daemonize", "no", "--dir", str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                if proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited ({proc.returncode}); see {folder / 'redis.log'}")
                return False

        wait_for(up, 20, "redis-server to answer")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(10)


def foley(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as fh:
        return subprocess.Popen([sys.executable, "-m", "foleystudio", *args], cwd=ROOT, env=env, stdout=fh,
                                stderr=subprocess.STDOUT)


def variants(clip: Path, folder: Path, n: int) -> list[Path]:
    """`n` copies of `clip`, packet for packet, each with its own comment tag (other bytes, the same frames)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"{clip.stem}.{i:03d}{clip.suffix}"
        with av.open(str(clip)) as src, av.open(str(path), "w") as dst:
            dst.metadata["comment"] = f"foleystudio load test upload {i}"
            streams = {s.index: dst.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
            for packet in src.demux(*[s for s in src.streams if s.index in streams]):
                if packet.dts is None:
                    continue
                packet.stream = streams[packet.stream.index]
                dst.mux(packet)
        out.append(path)
    return out


def client(url: str, video: Path, deadline: float, out: dict) -> None:
    """One user: upload, poll until the job ends, download its events; what happened goes into `out`."""
    out.update(video=video, requests=0, t0=time.time(), polls_s=[])
    try:
        _client(url, video, deadline, out)
    except httpx.HTTPError as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"


def _client(url: str, video: Path, deadline: float, out: dict) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        with open(video, "rb") as fh:
            response = http.post("/api/jobs", files={"video": (video.name, fh, "video/mp4")})
        out["requests"] += 1
        out["upload_s"] = time.time() - out["t0"]
        if response.status_code != 201:
            out["error"] = f"upload: {response.status_code} {response.text[:200]}"
            return
        job = response.json()
        out["id"] = job["id"]
        while job["state"] not in FINISHED and time.time() < deadline:
            time.sleep(POLL_S)
            t = time.perf_counter()
            job = http.get(f"/api/jobs/{out['id']}").json()
            out["polls_s"].append(time.perf_counter() - t)
            out["requests"] += 1
        out["job"] = job
        if job["state"] == "done":
            events = next(f for f in job["results"] if f["kind"] == "events")
            out["events_ok"] = http.get(events["url"]).status_code == 200
            out["requests"] += 1
        out["t_end"] = time.time()


def run_load(clip: Path, *, uploads: int, workers: int, broker: bool, limit_s: float, folder: Path) -> dict:
    """Start the service (and redis with `broker`), run the load, check every job; the figures and any problems."""
    data = folder / "data"
    env = {**os.environ, "FOLEY_DATA_DIR": str(data), "FOLEY_RATE_LIMIT": "0", "FOLEY_WORKERS": str(workers),
           "FOLEY_CONCURRENCY": str(workers)}
    env.pop("FOLEY_BROKER_URL", None)
    videos = variants(clip, folder / "uploads", uploads)
    procs: list[subprocess.Popen] = []
    with contextlib.ExitStack() as stack:
        if broker:
            env["FOLEY_BROKER_URL"] = stack.enter_context(redis_server(folder / "redis"))
        stack.callback(_stop, procs)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        procs.append(foley(["serve", "--host", "127.0.0.1", "--port", str(port)], env, folder / "serve.log"))
        if broker:
            procs.append(foley(["worker"], env, folder / "worker.log"))
        wait_for(lambda: _up(url), 60, "the server to answer")
        # the workers' start (imports) is not counted in the figures
        ready = (folder / "worker.log", " ready.", 1) if broker else (folder / "serve.log", "foleystudio.service worker ",
                                                                       workers)
        wait_for(lambda: ready[0].read_text().count(ready[1]) >= ready[2], 120, "the workers to start")
        deadline = time.time() + limit_s
        outs = [{} for _ in videos]
        threads = [threading.Thread(target=client, args=(url, v, deadline, o)) for v, o in zip(videos, outs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(1.0, deadline - time.time() + 60))
        jobs = httpx.get(f"{url}/api/jobs", params={"limit": 1000}, timeout=30).json()["jobs"]
        return _figures(outs, jobs, data, workers=workers, broker=broker)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/jobs", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _figures(outs: list[dict], jobs: list[dict], data: Path, *, workers: int, broker: bool) -> dict:
    problems = [f"{o['video'].name}: {o['error']}" for o in outs if o.get("error")]
    ids = [o["id"] for o in outs if "id" in o]
    if sorted(j["id"] for j in jobs) != sorted(ids) or len(set(ids)) != len(outs):
        problems.append(f"{len(outs)} uploads, {len(set(ids))} job ids, {len(jobs)} jobs listed")
    for o in outs:
        job = o.get("job")
        if job is None:
            if not o.get("error"):
                problems.append(f"{o['video'].name}: no job came back")
            continue
        if job["state"] != "done":
            problems.append(f"job {job['id']} {job['state']}: {job.get('error')}")
            continue
        folder = data / "jobs" / job["id"]
        if _sha(folder / "input") != _sha(o["video"]):
            problems.append(f"job {job['id']}: the stored upload differs from what was sent")
        kept = sorted(p.name for p in folder.iterdir() if p.name.startswith(("results", ".results")))
        if kept != ["results.1"] or job["attempts"] != 1 or not o.get("events_ok"):
            problems.append(f"job {job['id']}: results {kept}, attempts {job['attempts']}, events {o.get('events_ok')}")
    latency = sorted(o["job"]["finished"] - o["t0"] for o in outs if o.get("job", {}).get("state") == "done")
    store = JobStore(data / "jobs.sqlite")  # the record's start time is not in the API's view
    service = sorted(r["finished"] - r["started"] for r in (store.get(i) for i in ids) if r and r["state"] == "done")
    t0 = min(o["t0"] for o in outs)
    wall = max(o.get("t_end", time.time()) for o in outs) - t0
    uploads_wall = max(o["t0"] + o.get("upload_s", 0) for o in outs) - t0
    return {
        "mode": "celery" if broker else "embedded", "workers": workers, "uploads": len(outs), "done": len(latency),
        "p50_s": _quantile(latency, 0.5), "p95_s": _quantile(latency, 0.95), "max_s": latency[-1] if latency else None,
        "mean_job_s": statistics.mean(service) if service else None,
        "requests": sum(o["requests"] for o in outs), "wall_s": wall,
        "rps": sum(o["requests"] for o in outs) / wall, "uploads_per_s": len(outs) / uploads_wall,
        "upload_p95_s": _quantile(sorted(o.get("upload_s", 0) for o in outs), 0.95),
        "poll_p95_ms": 1000 * (_quantile(sorted(s for o in outs for s in o["polls_s"]), 0.95) or 0),
        "jobs_per_min": 60 * len(latency) / wall, "problems": problems,
    }


def _quantile(values: list[float], q: float) -> float | None:
    """The nearest-rank quantile: p95 of 20 is the 19th value."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, int(-(-q * len(values) // 1)) - 1))]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def report(f: dict) -> str:
    if not f["done"]:
        return f"{f['mode']}, {f['workers']} workers: none of {f['uploads']} jobs done in {f['wall_s']:.1f} s"
    return (f"{f['mode']}, {f['workers']} workers: {f['done']}/{f['uploads']} done in {f['wall_s']:.1f} s; "
            f"latency (upload to done) p50 {f['p50_s']:.1f} s, p95 {f['p95_s']:.1f} s, max {f['max_s']:.1f} s; "
            f"a run (started to done) {f['mean_job_s']:.1f} s on average; "
            f"{f['rps']:.1f} requests/s ({f['requests']} requests: uploads, polls every {POLL_S:g} s, downloads; "
            f"a poll's p95 {f['poll_p95_ms']:.0f} ms); "
            f"uploads {f['uploads_per_s']:.1f}/s (p95 {f['upload_p95_s']:.2f} s each); "
            f"{f['jobs_per_min']:.1f} jobs/min")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    p.add_argument("--clip", type=Path, help="default: SHARED/media/hato_b12.mp4 (2.4 s, 720p)")
    p.add_argument("--uploads", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--broker", action="store_true", help="Celery workers on a loopback redis-server")
    p.add_argument("--limit-s", type=float, default=600.0, help="the whole run's bound")
    args = p.parse_args()
    clip = args.clip or args.shared / "media" / "hato_b12.mp4"
    with tempfile.TemporaryDirectory(prefix="foley-load-") as tmp:
        figures = run_load(clip, uploads=args.uploads, workers=args.workers, broker=args.broker,
                           limit_s=args.limit_s, folder=Path(tmp))
    print(report(figures))
    for problem in figures["problems"]:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if figures["problems"] or figures["done"] != figures["uploads"] else 0


if __name__ == "__main__":
    sys.exit(main())
