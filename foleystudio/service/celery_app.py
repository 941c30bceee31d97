"""Scale-out: with FOLEY_BROKER_URL (redis://...), jobs run on Celery workers (`foley worker`), any number, on
any machine that shares FOLEY_DATA_DIR.

Celery is only the queue: the job record in the SQLite store stays the truth, as in the embedded mode. A message
carries nothing but a job id, and its task runs the job as an embedded worker does: claimed in the store with a
lease, in a supervised child process (so a bad job never takes a Celery worker down), with the same timeout,
cancel and attempt rules. There is no result backend; the record has the result.

Delivery is at least once and a run is idempotent, so a message that comes twice is harmless:
- acks_late + reject_on_worker_lost: a message is acknowledged when its task is through; a killed worker's
  stays unacknowledged and Redis hands it out again after the visibility timeout (longer than a job may run,
  so a running job's message is never handed out twice while it runs).
- a task whose job is finished or deleted does nothing; one whose job another run holds (a live lease) looks
  again when the lease runs out.
- `foley serve` sends a job again when its worker died (its lease lapsed: seconds, not the visibility
  timeout), when it was never sent (the broker was down), and, on start, every queued job.

A long job's analysis is shared out in chunks (shared_chunks.py): its runner sends one TASK_CHUNK message per
chunk (a job id and an index), under the same delivery rules; a chunk message that comes twice, or after the
chunk was done or the job ended, does nothing, and none is ever sent again: the job's runner runs any chunk
nobody took.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time

from celery import Celery
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from foleystudio.service.celery_conf import (TASK, TASK_CHUNK, VISIBILITY_MARGIN_S, celery_client,  # noqa: F401
                                             chunk_sender, visibility_timeout_s)
from foleystudio.service.remote import StoreUnavailable
from foleystudio.service.settings import Settings
from foleystudio.service.store import FINISHED, JobStore, Records, is_job_id

log = logging.getLogger("foleystudio.service")

def make_celery(settings: Settings) -> Celery:
    """The Celery app for `settings.broker_url`, with the task that runs a job and the one that runs a chunk."""
    app = celery_client(settings)
    app.task(name=TASK, bind=True, max_retries=None)(_run)
    app.task(name=TASK_CHUNK, bind=True)(_analyse_chunk)
    return app


def worker_name() -> str:
    """This Celery worker process, as the job records and the chunk claims name it."""
    return f"celery@{socket.gethostname()}:{os.getpid()}"


def _may_have_children() -> None:
    # billiard marks its prefork pool processes as daemons, and multiprocessing lets a daemon have no children;
    # the child is supervised here and dies with this process (worker.die_with_parent), so it may have one
    multiprocessing.current_process()._config["daemon"] = False


def _run(task, job_id: str) -> str:
    """The task: `job_id` from its upload to its results, as an embedded worker runs it."""
    settings: Settings = task.app.foley_settings
    try:
        return _run_job(task, settings, job_id)
    except StoreUnavailable as exc:  # a remote worker's server is away: ask again in a lease
        log.warning("job %s: %s", job_id, exc)
        raise task.retry(countdown=settings.lease_s) from None


def _run_job(task, settings: Settings, job_id: str) -> str:
    from foleystudio.service.worker import Worker

    worker = Worker(settings, name=worker_name())
    store = worker.store  # on another host: the server's API (FOLEY_SERVER_URL)
    record = store.get(job_id)
    if record is None or record["state"] in FINISHED:
        return record["state"] if record else "deleted"  # an earlier delivery finished it, or the user removed it
    _may_have_children()
    # Celery's processes cannot spawn (billiard's process object refuses to be pickled), and they run
    # a task on their main thread with no threaded library loaded before the job: fork is safe here
    worker.start_method = "fork"
    ran = worker.run_once(job_id)
    record = store.get(job_id)
    if record is None:
        return "deleted"
    if ran and record["state"] == "queued":  # its process died, with attempts to spare: another attempt
        _stamp(store, job_id)
        raise task.retry(countdown=0)
    if not ran and record["state"] == "running":  # another run holds it: look again when its lease runs out
        wait_s = (record.get("lease_until") or 0) - time.time() + 1.0
        raise task.retry(countdown=min(max(1.0, wait_s), settings.lease_s + 1.0))
    return record["state"]


def _analyse_chunk(task, job_id: str, index: int) -> str:
    """The chunk task: chunk `index` of `job_id`'s shared analysis, in a watched child (shared_chunks.serve_chunk)."""
    from foleystudio.service.shared_chunks import serve_chunk

    if not is_job_id(str(job_id)) or not isinstance(index, int):
        return "not a chunk"
    _may_have_children()
    try:
        return serve_chunk(task.app.foley_settings, job_id, index, who=worker_name())
    except StoreUnavailable as exc:  # the job's own runner runs the chunks nobody took
        log.warning("job %s chunk %d: %s", job_id, index, exc)
        return "store unavailable"


def _stamp(store: Records, job_id: str) -> None:
    store.update(job_id, lambda r: {**r, "sent": time.time()})


class JobQueue:
    """The server's side: sends a job to the workers, and sends again the jobs that need it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.celery = make_celery(settings)
        self.store = JobStore(settings.database)

    def send(self, job_id: str) -> bool:
        """Queue `job_id` for a worker; False when the broker did not take it (the dispatcher tries again)."""
        try:
            self.celery.send_task(TASK, args=[job_id])
        except (OperationalError, OSError) as exc:
            log.warning("job %s not sent to %s (%s); it will be sent again", job_id,
                        maybe_sanitize_url(self.settings.broker_url), exc)
            return False
        _stamp(self.store, job_id)
        return True

    def resend(self, *, every_queued: bool = False) -> int:
        """Send again what a worker's or the server's death, or the broker's, left without a message:
        running jobs whose lease lapsed (once per lapse), queued jobs never sent or sent more than a
        visibility timeout ago, and with `every_queued` (at start) every queued job. How many were sent."""
        now = time.time()
        stale = now - visibility_timeout_s(self.settings)
        due = [r["id"] for r in self.store.list(limit=1_000_000, state="running")
               if (r.get("lease_until") or 0) < now and (r.get("sent") or 0) < (r.get("lease_until") or 0)]
        due += [r["id"] for r in self.store.list(limit=1_000_000, state="queued")
                if every_queued or (r.get("sent") or 0) < stale]
        return sum(self.send(job_id) for job_id in reversed(due))


class Dispatcher:
    """What `foley serve` runs instead of embedded workers when there is a broker: a thread that sends jobs
    again (JobQueue.resend) every lease_s / 3. Retention is the server's Sweeper's (worker.Sweeper)."""

    def __init__(self, settings: Settings, queue: JobQueue):
        self.settings, self.queue = settings, queue
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="foley-dispatcher", daemon=True)

    def start(self) -> Dispatcher:
        log.info("jobs go to the Celery workers on %s (start them with `foley worker`)",
                 maybe_sanitize_url(self.settings.broker_url))
        self.thread.start()
        return self

    def _loop(self) -> None:
        every_queued = True
        while True:
            try:
                if self.queue.resend(every_queued=every_queued):
                    log.info("jobs sent again to the workers")
                every_queued = False
            except Exception:  # the store or broker briefly away: the next round tries again
                log.exception("dispatcher round failed")
            if self.stopping.wait(max(0.5, self.settings.lease_s / 3)):
                return

    def stop(self, timeout_s: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout_s)


def run_worker(settings: Settings, *, concurrency: int | None = None) -> int:
    """`foley worker` with a broker: a Celery worker running `concurrency` jobs at once (each in a child)."""
    import foleystudio.service.runner  # noqa: F401  (loaded once here, so each job's child starts warm)

    n = concurrency or settings.concurrency
    app = make_celery(settings)
    app.worker_main(["worker", f"--pool={'solo' if n == 1 else 'prefork'}", f"--concurrency={n}",
                     "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                     f"--hostname=foley-{os.getpid()}@{socket.gethostname()}"])
    return 0
