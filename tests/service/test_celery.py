"""Scale-out on Celery with Redis, with real processes: a `redis-server` on loopback (a free port, no persistence),
`foley serve` and `foley worker` with FOLEY_BROKER_URL. A job runs through Celery to the same record and results
an embedded worker gives; a worker SIGKILLed mid-job and a killed, restarted server lose and duplicate nothing,
and a message Redis hands out again changes nothing; a small load completes. A missing redis-server fails these
tests (`make test` installs Debian's); every wait is bounded and only 127.0.0.1 is contacted."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import time

import httpx
import psutil
import pytest

from foleystudio.service.store import JobStore
from tests.conftest import PROJECT, make_video
from tests.service.test_fault import Service, follow, service_jobs, snapshot, until

pytestmark = pytest.mark.celery

_spec = importlib.util.spec_from_file_location("load_bench", PROJECT / "benchmarks" / "load.py")
load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(load)


@pytest.fixture
def redis_url(tmp_path):
    try:
        with load.redis_server(tmp_path / "redis") as url:
            yield url
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


def celery_service(tmp_path, redis_url: str) -> Service:
    service = Service(tmp_path / "data", tmp_path)
    service.env["FOLEY_BROKER_URL"] = redis_url
    return service


def wait_ready(service: Service, worker) -> None:
    log = service.logs / f"worker-{service.procs.index(worker)}.log"
    until(lambda: " ready." in log.read_text(), 90, "the Celery worker to start")


def broker_idle(redis_url: str) -> bool:
    """Nothing waiting in Redis, and nothing handed out and not yet acknowledged."""
    import redis

    client = redis.Redis.from_url(redis_url)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def test_job_through_celery_is_the_embedded_job(processed, tmp_path, redis_url):
    service = celery_service(tmp_path, redis_url)
    try:
        server = service.serve(workers=2)
        time.sleep(1.0)
        assert not psutil.Process(server.pid).children(), "with a broker, `foley serve` starts no embedded worker"
        job_id = service.upload(processed.clip, seed="3")  # queued before any worker runs: it waits in Redis
        worker = service.start("worker")
        wait_ready(service, worker)
        seen = follow(service, job_id, timeout_s=240)
        job, embedded = seen[-1], processed.job
        assert job["state"] == "done", job
        assert job["attempts"] == 1 and embedded["attempts"] == 1
        assert set(job) == set(embedded)
        for key in ("options", "video", "filename", "size_bytes", "error", "log", "edits_version"):
            assert job[key] == embedded[key], key

        def files(view: dict) -> list[tuple[str, str]]:
            return sorted((f["kind"], f["name"].replace(view["id"], "ID")) for f in view["results"])

        assert files(job) == files(embedded)
        record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
        assert record["worker"].startswith("celery@") and record["analyses"] == 1 and record["run"] == 1
        assert record["n_events"] == processed.client.app.state.store.get(processed.job_id)["n_events"]

        def events(base: str, view: dict) -> list[dict]:
            url = next(f["url"] for f in view["results"] if f["kind"] == "events")
            body = (httpx.get(base + url, timeout=10) if base else processed.client.get(url)).content
            return json.loads(body)["events"]

        celery_events = events(service.url, job)
        assert celery_events == events("", embedded)

        # a re-render after edits goes through the queue too, from the kept analysis
        off = celery_events[0]["id"]
        response = httpx.put(f"{service.url}/api/jobs/{job_id}/edits", json={"off": [off]}, timeout=10)
        assert response.status_code == 202, response.text
        job = until(lambda: (j := service.job(job_id))["state"] in ("done", "failed") and j, 120, "the re-render")
        assert job["state"] == "done" and job["edits_version"] == 1, job
        assert off not in [e["id"] for e in events(service.url, job)]
        record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
        assert record["analyses"] == 1 and record["run"] == 2
        kept = ["analysis.pickle", "detected.json", "input", "results.2"]  # the run's old results go after "done"

        def listing() -> list[str]:
            return sorted(p.name for p in (service.data_dir / "jobs" / job_id).iterdir())
        deadline = time.monotonic() + 30
        while listing() != kept and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listing() == kept, "the first run's results are removed once the re-render is done"

        # a cancelled job's message finds it cancelled and does nothing; the worker goes on to the next
        square = make_video(tmp_path / "square.mp4", n_frames=20)
        cancelled = service.upload(square, export="csv")
        assert httpx.post(f"{service.url}/api/jobs/{cancelled}/cancel", timeout=10).status_code == 200
        after = service.upload(square, export="csv")
        assert until(lambda: service.job(after)["state"] == "done", 90, "the job after the cancelled one")
        assert service.job(cancelled)["state"] == "cancelled"
        assert until(lambda: broker_idle(redis_url), 30, "the queue to be empty")
    finally:
        service.stop_all()


def test_celery_worker_killed_mid_job_and_server_restarted(clip, tmp_path, redis_url):
    data = tmp_path / "data"
    service = celery_service(tmp_path, redis_url)
    try:
        service.serve(workers=0)
        worker = service.start("worker")
        wait_ready(service, worker)

        # a job that finishes before the faults: its upload and results must come through untouched
        square = make_video(tmp_path / "square.mp4", n_frames=20)
        done_id = service.upload(square, export="csv")
        assert follow(service, done_id, timeout_s=90)[-1]["state"] == "done"
        before = snapshot(data / "jobs" / done_id)
        done_record = service.job(done_id)

        # the job the faults hit: the worker and its job's process SIGKILLed in the middle of the pose pass
        job_id = service.upload(clip, export="csv")
        running = until(lambda: (j := service.job(job_id))["stage"] == "pose" and j["percent"] >= 5 and j,
                        120, "the job to be in the middle of its pose pass")
        tree = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]
        assert len(tree) >= 2, "a Celery worker runs each job in a child process"
        for proc in tree:
            proc.send_signal(signal.SIGKILL)
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive
        assert service.job(job_id)["state"] == "running"  # nobody has noticed yet: the lease still runs

        server = service.procs[0]
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        started = time.monotonic()
        service.serve(workers=0)
        worker = service.start("worker")
        finished = until(lambda: (j := service.job(job_id))["state"] in ("done", "failed") and j, 240,
                         "the job to finish after the restart")
        recovery_s = time.monotonic() - started
        assert finished["state"] == "done", finished
        assert finished["attempts"] == 2 and running["attempts"] == 1

        def unchanged() -> None:
            folder = data / "jobs" / job_id
            assert (folder / "input").read_bytes() == clip.read_bytes()  # the upload, intact
            names = sorted(p.name for p in folder.iterdir())
            assert names == ["analysis.pickle", "detected.json", "input", "results.1"], names  # one set, no partial
            assert sorted(p.name for p in (folder / "results.1").iterdir()) == sorted(
                f["name"] for f in finished["results"])
            jobs = httpx.get(f"{service.url}/api/jobs", timeout=10).json()["jobs"]
            assert sorted(j["id"] for j in jobs) == sorted([done_id, job_id])  # nothing lost, nothing duplicated
            assert snapshot(data / "jobs" / done_id) == before  # the finished job, untouched
            assert service.job(done_id)["results"] == done_record["results"]
            assert not [p for p in data.rglob("*") if "partial" in p.name]

        unchanged()

        # the dead worker's message is still unacknowledged in Redis: once the visibility timeout passes, Redis
        # hands it out again. Do that now, with kombu's own restore (a zero timeout): the task finds the job done
        import kombu

        with kombu.Connection(redis_url, transport_options={"visibility_timeout": 0}) as conn:
            channel = conn.default_channel
            until(lambda: channel.client.hlen("unacked") == 1, 30, "only the killed worker's message unacknowledged")
            channel.qos.restore_visible(num=100)
        assert until(lambda: broker_idle(redis_url), 60, "the redelivered message to be taken and acknowledged")
        time.sleep(1.0)
        assert service.job(job_id) == finished  # not run again, not even touched
        unchanged()
        tasks = [line for line in (tmp_path / f"worker-{service.procs.index(worker)}.log").read_text().splitlines()
                 if " succeeded in " in line]
        # the job's second attempt, then the redelivery; on a loaded machine the dispatcher may also have resent the
        # lapsed job once more: such a message finds the job taken or done and does nothing (the record above says
        # nothing ran twice)
        assert len(tasks) >= 2 and tasks[-1].endswith("'done'"), tasks
        print(f"recovered in {recovery_s:.1f} s after the restart; {finished['log']}")
        assert sorted(j["id"] for j in service_jobs(data)) == sorted([done_id, job_id])
    finally:
        service.stop_all()


def test_load(clip, tmp_path):
    """`make bench-load` in small: 6 concurrent uploads over HTTP, 2 Celery workers; all done, none lost or duplicated.

    (The embedded workers' run of it is `make bench-load`'s; their faults are test_fault.py's.)"""
    figures = load.run_load(clip, uploads=6, workers=2, broker=True, limit_s=400, folder=tmp_path)
    print(load.report(figures))
    assert figures["problems"] == [] and figures["done"] == 6, figures


def test_a_celery_worker_on_another_host_keeps_its_records_through_the_server(tmp_path, redis_url):
    from tests.service.test_remote import TOKEN, far_worker, remote_worker_dir

    service = celery_service(tmp_path, redis_url)
    service.env["FOLEY_WORKER_TOKEN"] = TOKEN
    # no fault here: a lease long enough that a loaded machine's late renewal is not taken for a dead worker
    # (with the fault tests' 3 s, one was, and the job ran twice: attempts 2)
    service.env["FOLEY_LEASE_S"] = "30"
    try:
        service.serve(workers=0)
        far = remote_worker_dir(service, tmp_path)
        command, env = far_worker(service, far)
        log = open(tmp_path / "far-worker.log", "w")
        worker = subprocess.Popen(command, env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT)
        service.procs.append(worker)
        until(lambda: " ready." in (tmp_path / "far-worker.log").read_text(), 90, "the Celery worker to start")
        square = make_video(tmp_path / "square.mp4", n_frames=20)
        job_id = service.upload(square, export="csv")
        job = follow(service, job_id, timeout_s=120)[-1]
        assert job["state"] == "done", (job, (tmp_path / "far-worker.log").read_text()[-3000:])
        assert not list(far.glob("jobs.sqlite*")), "a remote worker never opens a database in the shared folder"
        record = JobStore(service.data_dir / "jobs.sqlite").get(job_id)
        assert record["worker"].startswith("celery@") and record["attempts"] == 1

        # cancelled while it waits in the queue: the remote task finds it so through the server, and does nothing
        cancelled = service.upload(square, export="csv")
        assert httpx.post(f"{service.url}/api/jobs/{cancelled}/cancel", timeout=10).status_code == 200
        after = service.upload(square, export="csv")
        assert until(lambda: service.job(after)["state"] == "done", 90, "the job after the cancelled one")
        assert service.job(cancelled)["state"] == "cancelled"
    finally:
        service.stop_all()
