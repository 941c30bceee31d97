"""The job store: one SQLite table of job records (WAL mode, so readers never wait on the writer).

Each row is a JSON record (schema foleystudio.job.1) and the columns the queries need
(state, created, lease_until, token), written together in one transaction; the record
is the truth. A running job carries a lease: the worker that claimed it renews it, and
a job whose lease lapsed (its worker died) is claimed again by the next worker, until
`max_attempts` is spent.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

SCHEMA = "foleystudio.job.1"
STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")

_TABLE = """CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    lease_until REAL,
    token TEXT,
    record TEXT NOT NULL
)"""


def new_job_id() -> str:
    """A job's id: 32 hex digits, the only name its files are stored under."""
    return uuid.uuid4().hex


def is_job_id(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


class Records:
    """What every job store offers on top of its `get` and `update` (SQLite here, the server's API in remote.py)."""

    def update(self, job_id: str, change: Callable[[dict], dict | None], *, token: str | None = None) -> dict | None:
        raise NotImplementedError

    def set(self, job_id: str, *, token: str | None = None, **fields) -> dict | None:
        return self.update(job_id, lambda r: {**r, **fields}, token=token)

    def renew(self, job_id: str, token: str, *, lease_s: float) -> dict | None:
        """Extend the lease of a job still held with `token`; None when it is not (cancelled, deleted, taken)."""
        return self.update(job_id, lambda r: {**r, "lease_until": time.time() + lease_s}, token=token)


def held(record: dict, token: str | None) -> bool:
    """Whether a change made with `token` may touch `record` (no token: any change may)."""
    return token is None or (record.get("token") == token and record["state"] == "running")


class JobStore(Records):
    remote = False  # the records are in a file this process opens

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.data_dir = self.path.parent  # the jobs' files and the analysis cache live beside the database
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_TABLE)
            db.execute("CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created)")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # a connection per call: cheap, and safe across threads and forked processes
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints, never corrupt
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _put(db: sqlite3.Connection, record: dict) -> None:
        record["updated"] = time.time()
        record["rev"] = int(record.get("rev", 0)) + 1  # a remote worker's write names the revision it changed
        db.execute(
            "INSERT OR REPLACE INTO jobs (id, state, created, lease_until, token, record) VALUES (?, ?, ?, ?, ?, ?)",
            (record["id"], record["state"], record["created"], record.get("lease_until"), record.get("token"),
             json.dumps(record)),
        )

    def create(self, record: dict) -> dict:
        record = {"schema": SCHEMA, "state": "queued", "stage": "queued", "percent": 0.0, "error": None,
                  "attempts": 0, "created": time.time(), "token": None, "lease_until": None, **record}
        with self._write() as db:
            self._put(db, record)
        return record

    def get(self, job_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, *, limit: int = 100, state: str | None = None) -> list[dict]:
        """The newest jobs first."""
        query, args = "SELECT record FROM jobs", ()
        if state:
            query, args = query + " WHERE state = ?", (state,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY created DESC LIMIT ?", (*args, limit)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def update(self, job_id: str, change: Callable[[dict], dict | None], *, token: str | None = None) -> dict | None:
        """Apply `change` to the record in one transaction; None when the job is gone, is not held with `token`
        (when given), or `change` returned None (nothing written)."""
        with self._write() as db:
            row = db.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                return None
            record = json.loads(row[0])
            if not held(record, token):
                return None
            changed = change(record)
            if changed is None:
                return None
            self._put(db, changed)
            return changed

    def delete(self, job_id: str) -> bool:
        with self._write() as db:
            return db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount > 0

    def claim(self, worker: str, *, lease_s: float, max_attempts: int, job_id: str | None = None) -> dict | None:
        """Take the oldest queued job (or `job_id`), or one whose lease lapsed; None when there is none.

        A lapsed job that has had `max_attempts` is failed here with the reason, and the next is looked at.
        """
        while True:
            now = time.time()
            with self._write() as db:
                query = ("SELECT record FROM jobs WHERE (state = 'queued' OR (state = 'running' AND lease_until < ?))"
                         + (" AND id = ?" if job_id else "") + " ORDER BY created LIMIT 1")
                row = db.execute(query, (now, job_id) if job_id else (now,)).fetchone()
                if row is None:
                    return None
                record = json.loads(row[0])
                lapsed = record["state"] == "running"
                if lapsed:
                    record.setdefault("log", []).append(
                        f"attempt {record['attempts']} stopped at {record.get('stage')} "
                        f"(its worker {record.get('worker')} stopped renewing its lease)")
                if lapsed and record["attempts"] >= max_attempts:
                    record.update(state="failed", token=None, lease_until=None, finished=now, stage="failed",
                                  error=f"gave up after {record['attempts']} attempts: each time the worker running "
                                        f"it died (last at stage {record.get('stage')!r})")
                    self._put(db, record)
                    continue
                attempts = record["attempts"] + 1
                record.update(state="running", attempts=attempts, worker=worker, token=f"{worker}#{attempts}",
                              lease_until=now + lease_s, started=now, stage="starting", error=None)
                self._put(db, record)
                return record

    def finished_before(self, t: float) -> list[str]:
        """Ids of jobs that ended before `t` (retention)."""
        with self._connect() as db:
            rows = db.execute("SELECT id, record FROM jobs WHERE state IN ('done', 'failed', 'cancelled')").fetchall()
        return [job_id for job_id, record in rows if (json.loads(record).get("finished") or 0) < t]
