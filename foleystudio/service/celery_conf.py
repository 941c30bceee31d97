"""The Celery client's configuration and the task names: what sending a task needs, apart from the tasks.

celery_app.py adds the tasks to this client (a worker runs them); shared_chunks.py sends chunk tasks with it
from a job's runner, which celery_app runs, so it may not import celery_app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Celery
from kombu.exceptions import OperationalError

from foleystudio.service.settings import Settings

log = logging.getLogger("foleystudio.service")

TASK = "foleystudio.run_job"
TASK_CHUNK = "foleystudio.analyse_chunk"
VISIBILITY_MARGIN_S = 600.0  # past job_timeout_s: a message unacknowledged longer than this had its worker die
TIME_LIMIT_MARGIN_S = 60.0  # Celery's hard limit past job_timeout_s, for a stuck supervisor (it stops jobs first)


def visibility_timeout_s(settings: Settings) -> float:
    return settings.job_timeout_s + VISIBILITY_MARGIN_S


def celery_client(settings: Settings) -> Celery:
    """A Celery app for `settings.broker_url`, configured, without tasks."""
    app = Celery("foleystudio", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,  # acknowledged when the task is through: a killed worker's message comes back
        task_reject_on_worker_lost=True,  # a pool process that died: its message goes back at once
        worker_prefetch_multiplier=1,  # a worker holds no job it is not running
        task_ignore_result=True,  # no result backend: the job record has the result
        task_time_limit=settings.job_timeout_s + TIME_LIMIT_MARGIN_S,
        broker_transport_options={"visibility_timeout": visibility_timeout_s(settings), "socket_connect_timeout": 5},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        broker_connection_retry_on_startup=True,
        task_serializer="json", accept_content=["json"],
        worker_hijack_root_logger=False,
    )
    app.foley_settings = settings
    return app


def chunk_sender(settings: Settings, job_id: str) -> Callable[[int], None]:
    """What a job's runner asks for a chunk with: one TASK_CHUNK message; a broker that is away is logged, and the
    runner runs that chunk itself."""
    app = celery_client(settings)

    def send(index: int) -> None:
        try:
            app.send_task(TASK_CHUNK, args=[job_id, index])
        except (OperationalError, OSError) as exc:
            log.warning("job %s: chunk %d not sent (%s); the job's runner will run it", job_id, index, exc)

    return send
