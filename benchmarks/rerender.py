"""`make bench-rerender`: how long a re-render takes through the real service, as the page sees it.

    python benchmarks/rerender.py [--clips hato_b12.mp4,sports2d_demo.mp4] [--repeats 7] [--remote]

A `foley serve --workers 1` on loopback with the default settings (FOLEY_POLL_S and all); each clip is
uploaded once (every export, the preview too) and analysed; then each re-render is a PUT of an edits
document with a new seed, timed from the request until the job's event stream says done (what the page
waits for before it loads the results). `--remote`: the worker is a `foley worker` that keeps its records
through the server (FOLEY_SERVER_URL), as on another host. Prints the median, min and max per clip, without
and with the annotated preview (`?preview=true`). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.load import foley, free_port, wait_for  # noqa: E402

TOKEN = "bench-worker-token"


def wait_done(http: httpx.Client, job_id: str, timeout_s: float) -> dict:
    """The job's record once its event stream says it finished."""
    with http.stream("GET", f"/api/jobs/{job_id}/events", timeout=timeout_s) as stream:
        last = None
        for line in stream.iter_lines():
            if line.startswith("data: "):
                last = json.loads(line[len("data: "):])
    if not last or last["state"] != "done":
        raise RuntimeError(f"job {job_id} ended as {last}")
    return last


def rerender(http: httpx.Client, job_id: str, seed: int, *, preview: bool) -> float:
    started = time.perf_counter()
    response = http.put(f"/api/jobs/{job_id}/edits" + ("?preview=true" if preview else ""), json={"seed": seed})
    response.raise_for_status()
    job = wait_done(http, job_id, 600)
    seconds = time.perf_counter() - started
    assert ("preview" in {f["kind"] for f in job["results"]}) == preview
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", str(Path(__file__).parents[2] / "shared")))
    parser.add_argument("--clips", default="hato_b12.mp4,sports2d_demo.mp4")
    parser.add_argument("--repeats", type=int, default=7, help="re-renders without the preview per clip")
    parser.add_argument("--preview-repeats", type=int, default=3, help="re-renders with the preview per clip")
    parser.add_argument("--remote", action="store_true", help="the worker keeps its records through the server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="foley-rerender-") as tmp:
        tmp = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "FOLEY_DATA_DIR": str(tmp / "data"), "FOLEY_RATE_LIMIT": "0"}
        for name in ("FOLEY_POLL_S", "FOLEY_BROKER_URL", "FOLEY_SERVER_URL"):
            env.pop(name, None)  # the defaults a user gets
        procs = []
        try:
            if args.remote:
                env["FOLEY_WORKER_TOKEN"] = TOKEN
            procs.append(foley(["serve", "--port", str(port), "--workers", "0" if args.remote else "1"], env,
                               tmp / "serve.log"))
            http = httpx.Client(base_url=url, timeout=60)
            wait_for(lambda: _up(http), 60, "the server to answer")
            if args.remote:
                far = tmp / "far"
                far.mkdir()
                for name in ("jobs", "cache"):
                    (tmp / "data" / name).mkdir(parents=True, exist_ok=True)
                    os.symlink(tmp / "data" / name, far / name)
                procs.append(foley(["worker"], {**env, "FOLEY_DATA_DIR": str(far), "FOLEY_SERVER_URL": url},
                                   tmp / "worker.log"))
            rows = []
            for name in args.clips.split(","):
                clip = Path(args.shared) / "media" / name
                with open(clip, "rb") as fh:
                    response = http.post("/api/jobs", files={"video": (clip.name, fh, "video/mp4")},
                                         data={"export": "all"})
                response.raise_for_status()
                job_id = response.json()["id"]
                wait_done(http, job_id, 900)
                plain = [rerender(http, job_id, seed, preview=False) for seed in range(1, args.repeats + 1)]
                with_preview = [rerender(http, job_id, 100 + k, preview=True) for k in range(args.preview_repeats)]
                rows.append((name, plain, with_preview))
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)

    mode = "remote worker (records through the server)" if args.remote else "embedded worker"
    print(f"\nre-render, PUT edits to done on the event stream; {mode}; seconds")
    print("| clip | without preview: median (min-max), n | with preview: median (min-max), n |")
    print("|---|---|---|")
    for name, plain, with_preview in rows:
        print(f"| {name} | {_stats(plain)} | {_stats(with_preview)} |")
    return 0


def _up(http: httpx.Client) -> bool:
    try:
        return http.get("/api/jobs").status_code == 200
    except httpx.HTTPError:
        return False


def _stats(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f}), {len(values)}"


if __name__ == "__main__":
    sys.exit(main())
