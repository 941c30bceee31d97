"""The embedded worker: claims jobs from the store and runs each in a child process.

A worker is its own process (`foley worker`, or one of those `foley serve` starts), so a
job that crashes, hangs or is killed never takes the web server down. Each job runs in a
child of the worker, so it never takes the worker down either: the worker renews the
job's lease while the child runs, stops the child when the job is cancelled, deleted or
past `job_timeout_s`, and when the child dies the job is queued again, or failed with the
reason once `max_attempts` are spent. A worker killed outright stops renewing; its job's
lease lapses and the next worker claims it (the record, not a worker's memory, is the truth).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from foleystudio.service.layout import JobFiles
from foleystudio.service.lifeline import die_with_parent
from foleystudio.service.remote import StoreUnavailable, open_store
from foleystudio.service.settings import Settings
from foleystudio.service.store import held, is_job_id

log = logging.getLogger("foleystudio.service")

CHECK_S = 0.25  # how often a running job's record is looked at (cancel, delete, timeout)
FINISHING_S = 10.0  # a job's process whose record is finished is given this long to tidy up (the run before's
#                     results) and exit before it is killed
REMOTE_CHECK_S = 1.0  # the same through the server's API (a request each time)
SWEEP_EVERY_S = 600.0  # retention and orphaned uploads
ORPHAN_AGE_S = 3600.0  # a job folder with no record this old is an upload that never finished
PARENT_ENV = "FOLEY_WORKER_PARENT"  # set by `foley serve` for the workers it starts: the server's pid


def follow_parent() -> bool:
    """For a worker `foley serve` started: stop (SIGTERM) when the server process dies; False if it already has."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return True
    die_with_parent(signal.SIGTERM)
    return os.getppid() == int(parent)  # it may have died before the line above


def _child(store, job_id: str, token: str, settings: Settings) -> None:
    die_with_parent()
    from foleystudio.service.runner import run_job

    run_job(store, job_id, token=token, settings=settings)


class Worker:
    # Job children come from a fork server: a fresh process that imported the runner once, and forks
    # a child per job from there. Forking the worker itself is not safe once a library in it has
    # started threads (torch, Celery's heartbeat): the child can abort on a lock held by a thread that
    # was not copied; spawning is safe but costs every job ~1 s of imports. The fork server dies
    # with the worker (service/forkserver.py), and its children with it. Tests that patch the runner in
    # their own process (and never run the pipeline) use "fork".
    start_method = "forkserver"

    def __init__(self, settings: Settings, *, name: str | None = None):
        self.settings = settings
        self.store = open_store(settings)  # the server's API on another host (FOLEY_SERVER_URL), else the database
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self.last_sweep = 0.0

    def run_forever(self) -> None:
        log.info("worker %s on %s", self.name, self.settings.data_dir)
        while not self.stopping.is_set():
            if time.monotonic() - self.last_sweep > SWEEP_EVERY_S and not self.store.remote:
                self.sweep()  # a remote worker leaves retention to the server
            try:
                ran = self.run_once()
            except StoreUnavailable as exc:
                log.warning("%s; trying again", exc)
                ran = False
            if not ran:
                self.stopping.wait(self.settings.poll_s)

    def run_once(self, job_id: str | None = None) -> bool:
        """Claim one job (`job_id`: that one, as a Celery task does) and see it through; False when there was none."""
        s = self.settings
        record = self.store.claim(self.name, lease_s=s.lease_s, max_attempts=s.max_attempts, job_id=job_id)
        if record is None:
            return False
        self._supervise(record["id"], record["token"])
        return True

    def _supervise(self, job_id: str, token: str) -> None:
        s = self.settings
        context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            # read when the fork server starts: it dies with this worker, and has the runner imported once
            context.set_forkserver_preload(["foleystudio.service.forkserver", "foleystudio.service.runner"])
        child = context.Process(
            target=_child, args=(self.store, job_id, token, s), name=f"foley-job-{job_id[:8]}", daemon=True)
        child.start()
        started = last_renew = last_check = time.monotonic()
        check_s = REMOTE_CHECK_S if self.store.remote else CHECK_S
        why = None
        while child.is_alive():
            child.join(CHECK_S)
            if not child.is_alive():
                break
            now = time.monotonic()
            if self.stopping.is_set():
                why = "stopping"
            elif now - started > s.job_timeout_s:
                why = "timeout"
            elif now - last_check >= check_s:
                last_check, renew = now, now - last_renew > s.lease_s / 3
                why = self._still_ours(job_id, token, renew=renew)
                last_renew = now if renew else last_renew
            if why:
                if why == "finished":  # it wrote its end and is removing the results its run replaced
                    child.join(FINISHING_S)
                if child.is_alive():
                    child.kill()
                child.join()
        try:
            self._after(job_id, token, child.exitcode, why)
        except StoreUnavailable as exc:  # the lease lapses, and the job is run again
            log.warning("job %s: its end could not be recorded (%s)", job_id, exc)

    def _still_ours(self, job_id: str, token: str, *, renew: bool) -> str | None:
        """None while the job is this worker's to run (its lease renewed when `renew`); "finished" once its record
        is done or failed (the run wrote its end: it is tidying up); else "gone": cancelled, deleted, taken over,
        or its records out of reach for a whole lease (another worker may have it by now)."""
        try:
            if renew and self.store.renew(job_id, token, lease_s=self.settings.lease_s):
                return None
            record = self.store.get(job_id)
        except StoreUnavailable as exc:
            log.warning("job %s stopped: %s", job_id, exc)
            return "gone"
        if record is not None and held(record, token):
            return None
        return "finished" if record is not None and record["state"] in ("done", "failed") else "gone"

    def _after(self, job_id: str, token: str, exitcode: int | None, why: str | None) -> None:
        s = self.settings
        now = time.time()
        files = JobFiles.of(s.jobs_dir, job_id)
        if exitcode != 0 and why not in ("gone", "finished"):
            files.remove_partials()  # (not the shared chunks: the next attempt takes up those done)
        if why == "timeout":
            shutil.rmtree(files.chunks, ignore_errors=True)
            reason = f"timed out: still running after {s.job_timeout_s:g} s (FOLEY_JOB_TIMEOUT_S)"
            self.store.update(job_id, lambda r: {**r, "state": "failed", "stage": "failed", "error": reason,
                                                 "finished": now, "token": None, "lease_until": None}, token=token)
            return
        if why == "stopping":  # handed back at once, not counted as an attempt
            self.store.update(job_id, lambda r: {**r, "state": "queued", "stage": "queued", "token": None,
                                                 "lease_until": None, "attempts": max(0, r["attempts"] - 1)},
                              token=token)
            return
        if why in ("gone", "finished") or exitcode == 0:
            return  # the child finished the record (done or failed), or the job is no longer ours

        def crashed(record: dict) -> dict:
            died = f"killed by signal {-exitcode}" if exitcode and exitcode < 0 else f"exit status {exitcode}"
            record.setdefault("log", []).append(f"attempt {record['attempts']} died at {record['stage']} ({died})")
            if record["attempts"] >= s.max_attempts:
                return {**record, "state": "failed", "stage": "failed", "finished": now, "token": None,
                        "lease_until": None, "error": f"gave up after {record['attempts']} attempts: the process "
                                                      f"running it died each time (last: {died}, at {record['stage']})"}
            return {**record, "state": "queued", "token": None, "lease_until": None}

        self.store.update(job_id, crashed, token=token)

    def sweep(self) -> None:
        """Delete jobs past the retention period, and upload folders that never became a job."""
        self.last_sweep = time.monotonic()
        s = self.settings
        if s.retention_days > 0:
            for job_id in self.store.finished_before(time.time() - s.retention_days * 86400):
                JobFiles.of(s.jobs_dir, job_id).remove()
                self.store.delete(job_id)
                log.info("job %s deleted: past the %g-day retention", job_id, s.retention_days)
        if s.jobs_dir.is_dir():
            for folder in s.jobs_dir.iterdir():
                if is_job_id(folder.name) and self.store.get(folder.name) is None \
                        and time.time() - folder.stat().st_mtime > ORPHAN_AGE_S:
                    JobFiles.of(s.jobs_dir, folder.name).remove()

    def stop(self, *_) -> None:
        self.stopping.set()


class Sweeper:
    """Retention for a `foley serve` that starts no worker of its own (its workers are remote, or started apart)."""

    def __init__(self, settings: Settings):
        self.worker = Worker(settings, name="sweeper")
        self.thread = threading.Thread(target=self._loop, name="foley-sweeper", daemon=True)

    def start(self) -> Sweeper:
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self.worker.stopping.is_set():
            try:
                self.worker.sweep()
            except Exception:  # a full or busy disk: the next round tries again
                log.exception("sweep failed")
            self.worker.stopping.wait(SWEEP_EVERY_S)

    def stop(self, timeout_s: float = 10.0) -> None:
        self.worker.stop()
        self.thread.join(timeout_s)


class WorkerPool:
    """The worker processes `foley serve` starts (`foley worker` each); one that dies is started again."""

    def __init__(self, settings: Settings, count: int):
        self.settings = settings
        self.count = count
        self.procs: list[subprocess.Popen] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="foley-workers", daemon=True)

    def start(self) -> WorkerPool:
        self.env = {**os.environ, "FOLEY_DATA_DIR": str(Path(self.settings.data_dir).resolve()),
                    PARENT_ENV: str(os.getpid())}  # the worker stops when this server does, even if killed
        self.procs = [self._spawn() for _ in range(self.count)]
        self.thread.start()
        return self

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "foleystudio", "worker"], env=self.env)

    def _watch(self) -> None:
        while not self.stopping.wait(1.0):
            for k, proc in enumerate(self.procs):
                if proc.poll() is not None and not self.stopping.is_set():
                    log.warning("worker %d exited (%s); starting another", proc.pid, proc.returncode)
                    self.procs[k] = self._spawn()

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
