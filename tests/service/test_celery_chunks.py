"""A long job's analysis shared by real Celery workers (a redis-server on loopback, `foley serve`, two
`foley worker`s, FOLEY_CHUNK_S small): a real clip looped to 48 s gives the contacts one process finds, its chunks
ran on both workers (the job record says who ran each), its progress kept moving, and nothing of the sharing is
left behind; a worker SIGKILLed with a chunk in hand has it taken over, and the job completes."""

from __future__ import annotations

import importlib.util
import json
import signal
from dataclasses import replace

import httpx
import psutil
import pytest

from foleystudio.analysis import analyse
from foleystudio.service.chunk_files import ChunkFolder
from foleystudio.service.options import analysis_options, check_options
from foleystudio.service.store import JobStore
from tests.conftest import PROJECT
from tests.service.test_celery import broker_idle, celery_service, redis_url, wait_ready  # noqa: F401 (a fixture)
from tests.service.test_fault import follow, until
from tests.test_chunking import _matched

pytestmark = pytest.mark.celery

_spec = importlib.util.spec_from_file_location("memory_bench", PROJECT / "benchmarks" / "memory.py")
memory = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(memory)

LOOPED_S = 48.0  # intel_walk_a (16 s, 768x432 at 10 fps, one GOP) three times: 480 frames
JOB = {"events_only": "true", "export": "csv"}  # the analysis is what is shared; no sound to wait for


@pytest.fixture(scope="module")
def long_clip(shared, tmp_path_factory):
    return memory.looped(shared / "media" / "intel_walk_a.mp4", tmp_path_factory.mktemp("long") / "walk48.mp4",
                         LOOPED_S)


@pytest.fixture(scope="module")
def local(long_clip, tmp_path_factory) -> dict[str, list[tuple[str, int]]]:
    """The contacts this process finds in the long clip with the job's own analysis options: in one pass, and in
    the three chunks the service plans (joined here)."""
    options = analysis_options(check_options({"events_only": True}), tmp_path_factory.mktemp("cache"))
    options = replace(options, use_cache=False, workers=1)
    return {name: [(e.foot, e.frame) for e in analyse(long_clip, options, chunks=n).contacts.events]
            for name, n in (("one pass", None), ("three chunks", 3))}


def shared_job(tmp_path, redis_url: str, video, *, chunk_s: float):  # noqa: F811 (the fixture's value)
    """A service on Celery with two workers, ready, and a job of `video` in chunks of `chunk_s`: (service, job id)."""
    service = celery_service(tmp_path, redis_url)
    service.env["FOLEY_CHUNK_S"] = str(chunk_s)
    try:
        service.serve(workers=0)
        for worker in [service.start("worker") for _ in range(2)]:
            wait_ready(service, worker)
        return service, service.upload(video, **JOB)
    except BaseException:
        service.stop_all()
        raise


def contacts(service, job: dict) -> list[tuple[str, int]]:
    url = next(f["url"] for f in job["results"] if f["kind"] == "events")
    events = json.loads(httpx.get(service.url + url, timeout=10).content)["events"]
    return [(e["foot"], e["frame"]) for e in events if e["layer"] == "footsteps"]


def test_a_long_job_is_shared_by_two_celery_workers_and_finds_what_one_process_finds(
        long_clip, local, tmp_path, redis_url):  # noqa: F811
    service, job_id = shared_job(tmp_path, redis_url, long_clip, chunk_s=17)  # 48 s: three chunks
    try:
        seen = follow(service, job_id, timeout_s=300)
        job = seen[-1]
        assert job["state"] == "done", job
        posing = [s["percent"] for s in seen if s["state"] == "running" and s["stage"] == "pose"]
        assert posing == sorted(posing) and len(set(posing)) >= 5, posing  # it kept moving while chunks ran elsewhere

        record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
        ran = record["chunks"]
        assert [r["chunk"] for r in ran] == [0, 1, 2] and ran[0]["worker"] == record["worker"]
        assert len({r["worker"] for r in ran}) == 2, ran  # both workers ran chunks
        assert all(r["worker"].startswith("celery@") and r["claim"] == 0 for r in ran)
        assert record["attempts"] == 1 and record["analyses"] == 1

        shared, one = contacts(service, job), local["one pass"]
        assert shared == local["three chunks"]  # joined exactly as this machine joins the same chunks
        assert len(one) >= 10 and abs(len(shared) - len(one)) <= 0.1 * len(one)  # test_chunking's tolerance
        assert _matched(one, shared, tol=1) >= 0.9 * len(one), (one, shared)
        print(f"chunks: {ran}; contacts {len(shared)} vs {len(one)} in one pass, {_matched(one, shared, tol=0)} "
              f"to the frame")
        assert sorted(p.name for p in (service.data_dir / "jobs" / job_id).iterdir()) == [
            "analysis.pickle", "detected.json", "input", "results.1"]  # the chunks' folder is gone
        assert until(lambda: broker_idle(redis_url), 60, "every chunk message taken and acknowledged")
    finally:
        service.stop_all()


def test_a_chunk_whose_worker_was_killed_is_taken_over_and_the_job_completes(long_clip, tmp_path, redis_url):  # noqa: F811
    service, job_id = shared_job(tmp_path, redis_url, long_clip, chunk_s=25)  # 48 s: two chunks
    try:
        folder = ChunkFolder(service.data_dir / "jobs" / job_id / "chunks", lease_s=3.0)

        def held_elsewhere():
            record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
            plan = folder.read_plan()
            holder = plan and folder.holder(plan.id, 1)
            runner_pid = int(record["worker"].rsplit(":", 1)[1]) if record.get("worker") else None
            return holder if holder and holder["pid"] != runner_pid and holder["frames"] >= 10 else None

        holder = until(held_elsewhere, 120, "the other worker to be in the middle of chunk 1")
        tree = [psutil.Process(holder["pid"]), *psutil.Process(holder["pid"]).children(recursive=True)]
        assert len(tree) >= 2, "a chunk runs in a child of its Celery worker"
        for proc in tree:
            proc.send_signal(signal.SIGKILL)
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive

        job = until(lambda: (j := service.job(job_id))["state"] in ("done", "failed") and j, 240,
                    "the job to finish without the killed worker")
        assert job["state"] == "done", job
        record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
        assert record["attempts"] == 1  # the job itself never stopped
        taken = record["chunks"][1]
        assert taken["claim"] == 1 and taken["worker"] == record["worker"], record["chunks"]  # the runner took it over
        assert contacts(service, job)
    finally:
        service.stop_all()
