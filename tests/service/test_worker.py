"""The worker: each job in a child process, so a crash, a hang or a cancel never takes the worker down."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from foleystudio.service import runner
from foleystudio.service.layout import JobFiles
from foleystudio.service.settings import Settings
from foleystudio.service.store import JobStore, new_job_id
from foleystudio.service.worker import Worker


def setup(tmp_path, **overrides):
    settings = Settings(**{"data_dir": tmp_path / "data", "workers": 0, "lease_s": 3.0, **overrides})
    store = JobStore(settings.database)
    record = store.create({"id": new_job_id(), "filename": "v.mp4"})
    JobFiles.of(settings.jobs_dir, record["id"]).root.mkdir(parents=True)
    worker = Worker(settings, name="w")
    worker.start_method = "fork"  # the children must see the runner these tests patch (they never run the pipeline)
    return settings, store, record["id"], worker


def test_a_crashing_job_is_retried_then_failed_with_the_reason(tmp_path, monkeypatch):
    settings, store, job_id, worker = setup(tmp_path, max_attempts=2)
    monkeypatch.setattr(runner, "run_job", lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
    assert worker.run_once()
    assert store.get(job_id)["state"] == "queued"  # the worker lived; the job goes back
    assert worker.run_once()
    failed = store.get(job_id)
    assert failed["state"] == "failed" and failed["attempts"] == 2
    assert "gave up after 2 attempts" in failed["error"] and "signal 9" in failed["error"]
    assert not worker.run_once()


def test_a_job_past_its_time_is_stopped_and_failed(tmp_path, monkeypatch):
    settings, store, job_id, worker = setup(tmp_path, job_timeout_s=0.5)
    folder = JobFiles.of(settings.jobs_dir, job_id).root

    def write_then_hang(*args, **kwargs):
        (folder / ".results.1.partial").mkdir()
        (folder / ".results.1.partial" / "half.wav").write_bytes(b"RIFF")
        time.sleep(60)

    monkeypatch.setattr(runner, "run_job", write_then_hang)
    started = time.monotonic()
    assert worker.run_once()
    assert time.monotonic() - started < 5
    assert list(folder.iterdir()) == []  # what the stopped run was writing is gone
    failed = store.get(job_id)
    assert failed["state"] == "failed" and "timed out" in failed["error"] and "FOLEY_JOB_TIMEOUT_S" in failed["error"]


@pytest.mark.parametrize("how", ["cancel", "delete"])
def test_cancelling_or_deleting_a_running_job_stops_its_process(tmp_path, monkeypatch, how):
    settings, store, job_id, worker = setup(tmp_path)
    monkeypatch.setattr(runner, "run_job", lambda *a, **k: time.sleep(60))
    if how == "cancel":
        threading.Timer(0.5, lambda: store.set(job_id, state="cancelled", token=None)).start()
    else:
        threading.Timer(0.5, lambda: store.delete(job_id)).start()
    started = time.monotonic()
    assert worker.run_once()
    assert time.monotonic() - started < 5
    assert (store.get(job_id) or {}).get("state", "deleted") == {"cancel": "cancelled", "delete": "deleted"}[how]


def test_a_job_that_wrote_its_end_is_left_to_tidy_up(tmp_path, monkeypatch):
    """run_job marks the job done and then removes the results of the run before; the worker sees the job is no
    longer held (done, no token) while that is under way and must not kill the process in the middle of it (a
    re-render left half the old results behind that way)."""
    settings, store, job_id, worker = setup(tmp_path)
    folder = JobFiles.of(settings.jobs_dir, job_id).root

    def finish_then_tidy(*args, **kwargs):
        store.set(job_id, state="done", token=None)
        time.sleep(1.0)  # four of the worker's checks
        (folder / "tidied").write_text("the old results are gone")

    monkeypatch.setattr(runner, "run_job", finish_then_tidy)
    assert worker.run_once()
    assert (folder / "tidied").exists()
    assert store.get(job_id)["state"] == "done"


def test_a_stopping_worker_hands_its_job_back(tmp_path, monkeypatch):
    settings, store, job_id, worker = setup(tmp_path)
    monkeypatch.setattr(runner, "run_job", lambda *a, **k: time.sleep(60))
    threading.Timer(0.5, worker.stop).start()
    assert worker.run_once()
    back = store.get(job_id)
    assert back["state"] == "queued" and back["attempts"] == 0


def test_sweep_deletes_jobs_past_retention_and_orphaned_uploads(tmp_path):
    settings, store, job_id, worker = setup(tmp_path, retention_days=1)
    store.set(job_id, state="done", finished=time.time() - 2 * 86400)
    orphan = JobFiles.of(settings.jobs_dir, new_job_id()).root
    orphan.mkdir()
    os.utime(orphan, (time.time() - 2 * 3600,) * 2)
    kept = store.create({"id": new_job_id(), "filename": "v.mp4", "state": "done", "finished": time.time()})
    worker.sweep()
    assert store.get(job_id) is None and not (settings.jobs_dir / job_id).exists()
    assert not orphan.exists()
    assert store.get(kept["id"]) is not None
