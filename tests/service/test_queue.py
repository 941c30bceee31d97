"""The server's side of the Celery queue without a broker: which jobs it sends again, and a broker that is down."""

from __future__ import annotations

import time

from foleystudio.service import celery_app
from foleystudio.service.celery_app import JobQueue, make_celery, visibility_timeout_s
from foleystudio.service.settings import Settings
from foleystudio.service.store import new_job_id

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_celery_app_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, broker_url=DEAD_BROKER, job_timeout_s=100)
    conf = make_celery(settings).conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == visibility_timeout_s(settings) > 100
    assert conf.task_time_limit > 100 and conf.task_ignore_result


def test_resend_picks_what_lost_its_message(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path, broker_url=DEAD_BROKER, lease_s=30)
    queue = JobQueue(settings)
    sent: list[str] = []
    monkeypatch.setattr(celery_app.JobQueue, "send", lambda self, job_id: sent.append(job_id) or True)
    now = time.time()
    jobs = {
        "never sent": {"state": "queued"},
        "sent just now": {"state": "queued", "sent": now - 10},
        "sent a visibility timeout ago": {"state": "queued", "sent": now - visibility_timeout_s(settings) - 1},
        "worker died": {"state": "running", "lease_until": now - 1, "sent": now - 100},
        "worker died, sent again": {"state": "running", "lease_until": now - 5, "sent": now - 1},
        "running": {"state": "running", "lease_until": now + 20, "sent": now - 100},
        "done": {"state": "done", "sent": now - 100},
    }
    ids = {}
    for name, fields in jobs.items():
        ids[name] = queue.store.create({"id": new_job_id(), **fields})["id"]
    names = {v: k for k, v in ids.items()}

    assert queue.resend() == 3
    assert sorted(names[i] for i in sent) == ["never sent", "sent a visibility timeout ago", "worker died"]
    sent.clear()
    assert queue.resend(every_queued=True) == 4  # on start: every queued job, whatever was sent before
    assert sorted(names[i] for i in sent) == ["never sent", "sent a visibility timeout ago", "sent just now",
                                              "worker died"]


def test_a_broker_that_is_down_keeps_the_job_queued(tmp_path):
    queue = JobQueue(Settings(data_dir=tmp_path, broker_url=DEAD_BROKER))
    job_id = queue.store.create({"id": new_job_id()})["id"]
    started = time.monotonic()
    assert queue.send(job_id) is False
    assert time.monotonic() - started < 10  # a short retry, not a hang
    record = queue.store.get(job_id)
    assert record["state"] == "queued" and "sent" not in record  # the dispatcher sends it once the broker is back
