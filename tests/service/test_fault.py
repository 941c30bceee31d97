"""Real processes, real faults: `foley serve` and a `foley worker` on a temp data directory; the worker is
SIGKILLed in the middle of a job and the server killed and restarted. The job completes, and no upload or
finished result is lost or duplicated. Every wait here is bounded; the server listens on loopback only."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import PROJECT, make_video

LEASE_S = 3.0  # short, so a dead worker's job is claimed again within seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    def __init__(self, data_dir: Path, logs: Path):
        self.data_dir, self.logs = data_dir, logs
        self.env = {**os.environ, "FOLEY_DATA_DIR": str(data_dir), "FOLEY_LEASE_S": str(LEASE_S),
                    "FOLEY_POLL_S": "0.2", "FOLEY_RATE_LIMIT": "0"}
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{args[0]}-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "foleystudio", *args], cwd=PROJECT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def serve(self, workers: int) -> subprocess.Popen:
        proc = self.start("serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers))
        until(lambda: self._up(), 60, "the server to answer")
        return proc

    def _up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/jobs", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def job(self, job_id: str) -> dict:
        return httpx.get(f"{self.url}/api/jobs/{job_id}", timeout=10).json()

    def upload(self, video: Path, **fields) -> str:
        with open(video, "rb") as fh:
            response = httpx.post(f"{self.url}/api/jobs", files={"video": (video.name, fh, "video/mp4")},
                                  data=fields, timeout=60)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def stop_all(self) -> None:
        """Kill every process started and everything they started (a Celery worker's pool and job processes
        outlive a killed parent otherwise: a test that failed left them running)."""
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    tree = psutil.Process(proc.pid).children(recursive=True)
                except psutil.NoSuchProcess:
                    tree = []
                proc.kill()
                proc.wait(10)
                for child in tree:
                    try:
                        child.kill()
                    except psutil.NoSuchProcess:
                        pass
                psutil.wait_procs(tree, timeout=10)


def until(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"waited {timeout_s:.0f} s for {what}")


def follow(service: Service, job_id: str, timeout_s: float) -> list[dict]:
    """The job's states as its event stream sends them, until it finishes."""
    import json

    seen = []
    with httpx.stream("GET", f"{service.url}/api/jobs/{job_id}/events", timeout=timeout_s) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[len("data: "):]))
    return seen


def service_jobs(data: Path) -> list[dict]:
    from foleystudio.service.store import JobStore

    return JobStore(data / "jobs.sqlite").list()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` by its path and content hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_worker_killed_mid_job_and_server_restarted(clip, tmp_path):
    data = tmp_path / "data"
    service = Service(data, tmp_path)
    try:
        service.serve(workers=0)
        worker = service.start("worker")

        # a job that finishes before the faults: its upload and results must come through untouched
        square = make_video(tmp_path / "square.mp4", n_frames=20)
        done_id = service.upload(square, export="csv")
        seen = follow(service, done_id, timeout_s=90)  # live, over server-sent events, until it ends
        assert seen[-1]["state"] == "done" and "running" in [s["state"] for s in seen]
        percents = [s["percent"] for s in seen if s["state"] == "running"]
        assert percents == sorted(percents)
        before = snapshot(data / "jobs" / done_id)
        done_record = service.job(done_id)

        # the job the faults hit
        job_id = service.upload(clip, export="csv")
        running = until(lambda: (j := service.job(job_id))["stage"] == "pose" and j["percent"] >= 5 and j,
                        90, "the second job to be in the middle of its pose pass")
        children = psutil.Process(worker.pid).children()
        assert children, "a worker runs each job in a child process"
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        _, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, "the job's process dies with its worker"
        assert service.job(job_id)["state"] == "running"  # nobody has noticed yet: the lease still runs

        server = service.procs[0]
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        started = time.monotonic()
        service.serve(workers=1)  # this time the server starts its own worker
        finished = until(lambda: (j := service.job(job_id))["state"] in ("done", "failed") and j, 180,
                         "the job to finish after the restart")
        recovery_s = time.monotonic() - started

        assert finished["state"] == "done", finished
        assert finished["attempts"] == 2 and running["attempts"] == 1
        record = finished
        folder = data / "jobs" / job_id
        assert (folder / "input").read_bytes() == clip.read_bytes()  # the upload, intact
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["analysis.pickle", "detected.json", "input", "results.1"], names  # one set, no partial
        assert sorted(p.name for p in (folder / "results.1").iterdir()) == sorted(f["name"] for f in record["results"])
        events = httpx.get(f"{service.url}{next(f['url'] for f in record['results'] if f['kind'] == 'events')}",
                           timeout=10).json()
        assert events["events"]
        jobs = httpx.get(f"{service.url}/api/jobs", timeout=10).json()["jobs"]
        assert sorted(j["id"] for j in jobs) == sorted([done_id, job_id])  # nothing lost, nothing duplicated
        assert snapshot(data / "jobs" / done_id) == before  # the finished job, untouched
        assert service.job(done_id)["results"] == done_record["results"]
        assert not [p for p in data.rglob("*") if "partial" in p.name]
        print(f"recovered in {recovery_s:.1f} s after the restart; {finished['log']}")

        # a clean stop: the server takes its worker with it
        server = service.procs[-1]
        pool = psutil.Process(server.pid).children()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        _, alive = psutil.wait_procs(pool, timeout=15)
        assert not alive

        # a killed server's workers stop too (no orphan keeps running jobs for a server that is gone)
        server = service.serve(workers=1)
        pool = until(lambda: psutil.Process(server.pid).children(), 30, "the server's worker")
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        _, alive = psutil.wait_procs(pool, timeout=15)
        assert not alive
        assert sorted(j["id"] for j in service_jobs(data)) == sorted([done_id, job_id])
    finally:
        service.stop_all()
