"""The job store: records with a schema, claims in order, leases that lapse, attempts that run out."""

from __future__ import annotations

import sqlite3
import time

from foleystudio.service.store import SCHEMA, JobStore, new_job_id


def job(store: JobStore, **fields) -> dict:
    return store.create({"id": new_job_id(), "filename": "v.mp4", **fields})


def test_record_is_versioned_and_the_database_in_wal_mode(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    record = job(store)
    assert store.get(record["id"])["schema"] == SCHEMA
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert JobStore(store.path).get(record["id"]) == store.get(record["id"])  # a second process sees the same


def test_claims_take_the_oldest_queued_job_once(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    first, second = job(store), job(store)
    a = store.claim("w1", lease_s=30, max_attempts=3)
    b = store.claim("w2", lease_s=30, max_attempts=3)
    assert (a["id"], b["id"]) == (first["id"], second["id"])
    assert store.claim("w3", lease_s=30, max_attempts=3) is None
    assert a["state"] == "running" and a["attempts"] == 1 and a["token"] == "w1#1"


def test_a_lapsed_lease_is_claimed_again_and_the_old_token_is_refused(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    record = job(store)
    old = store.claim("dead", lease_s=0.05, max_attempts=3)
    time.sleep(0.1)
    new = store.claim("alive", lease_s=30, max_attempts=3)
    assert new["id"] == record["id"] and new["attempts"] == 2
    assert "stopped renewing its lease" in new["log"][0]
    assert store.set(record["id"], token=old["token"], stage="late") is None  # the dead run cannot write
    assert store.renew(record["id"], old["token"], lease_s=30) is None
    assert store.renew(record["id"], new["token"], lease_s=30) is not None


def test_gives_up_after_max_attempts_with_the_reason(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    record = job(store)
    for _ in range(2):
        assert store.claim("dying", lease_s=0.01, max_attempts=2) is not None
        time.sleep(0.05)
    assert store.claim("next", lease_s=30, max_attempts=2) is None
    failed = store.get(record["id"])
    assert failed["state"] == "failed" and "gave up after 2 attempts" in failed["error"]


def test_retention_lists_only_long_finished_jobs(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite")
    old = job(store, state="done", finished=time.time() - 10 * 86400)
    job(store, state="done", finished=time.time())
    job(store)
    assert store.finished_before(time.time() - 86400) == [old["id"]]
