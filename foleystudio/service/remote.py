"""Workers on other hosts: the job records through the server's API, the files on the shared storage.

SQLite must not be opened over a network filesystem (its locks do not hold there), so a worker on
another host never opens the job database. With FOLEY_SERVER_URL it keeps the records through the
server's worker routes (/api/worker, answered only when the server has FOLEY_WORKER_TOKEN), and
reads uploads and writes results in its own FOLEY_DATA_DIR, the server's data directory mounted
there. The server stays the one writer of the records.

A change is read, made here, and written back naming the revision it was made from; when someone
else wrote in between (a cancel, a delete, the server's dispatcher), the server refuses it (409)
and the change is made again on the fresh record, so a remote `update` is as atomic as the local
one. A server that does not answer is asked again for `patience_s` (the lease: by then the job has
been given to another worker), then StoreUnavailable says so and the job's run stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from foleystudio.errors import InputError
from foleystudio.service.store import JobStore, Records, held

PREFIX = "/api/worker"
FIRST_RETRY_S = 0.2  # then doubling, up to MAX_RETRY_S
MAX_RETRY_S = 2.0
REQUEST_TIMEOUT_S = 10.0


class StoreUnavailable(Exception):
    """The server that keeps the job records did not answer within the store's patience."""


class RemoteJobStore(Records):
    remote = True  # the records are the server's; this process never sweeps or deletes

    def __init__(self, server_url: str, worker_token: str, *, data_dir: str | Path, patience_s: float = 30.0,
                 client: httpx.Client | None = None):
        self.server_url = server_url.rstrip("/")
        self.worker_token = worker_token
        self.data_dir = Path(data_dir)  # the server's data directory, as mounted here: uploads, results, cache
        self.patience_s = patience_s
        self._client = client

    def __getstate__(self) -> dict:  # a job's child process gets the store, and opens its own connection
        return {**self.__dict__, "_client": None}

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.server_url, timeout=REQUEST_TIMEOUT_S,
                                        headers={"Authorization": f"Bearer {self.worker_token}"})
        return self._client

    def _call(self, method: str, path: str, *, json: dict | None = None) -> httpx.Response:
        """The server's answer to one request, asked again while it is away or overloaded (5xx)."""
        deadline = time.monotonic() + self.patience_s
        wait_s = FIRST_RETRY_S
        while True:
            try:
                response = self.client.request(method, PREFIX + path, json=json)
                if response.status_code in (401, 403):
                    raise InputError(f"the server at {self.server_url} refused this worker's token "
                                     f"(FOLEY_WORKER_TOKEN must be the server's)")
                if response.status_code < 500:
                    return response
                why = f"it answered {response.status_code}"
            except httpx.TransportError as exc:
                why = f"{type(exc).__name__}: {exc}"
            if time.monotonic() + wait_s > deadline:
                raise StoreUnavailable(f"the server at {self.server_url} did not answer for "
                                       f"{self.patience_s:g} s ({why})")
            time.sleep(wait_s)
            wait_s = min(2 * wait_s, MAX_RETRY_S)

    def check(self) -> None:
        """InputError unless the server answers the worker routes with this token."""
        response = self._call("GET", "")
        if response.status_code == 404:
            raise InputError(f"the server at {self.server_url} takes no remote workers: start it with "
                             f"FOLEY_WORKER_TOKEN set")
        response.raise_for_status()

    def get(self, job_id: str) -> dict | None:
        response = self._call("GET", f"/jobs/{job_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def update(self, job_id: str, change: Callable[[dict], dict | None], *, token: str | None = None) -> dict | None:
        while True:
            record = self.get(job_id)
            if record is None or not held(record, token):
                return None
            changed = change(record)
            if changed is None:
                return None
            response = self._call("PUT", f"/jobs/{job_id}", json={"rev": record.get("rev", 0), "record": changed})
            if response.status_code == 409:
                continue  # written by someone else since it was read: make the change again on the fresh record
            if response.status_code == 404:
                return None
            response.raise_for_status()
            return response.json()

    def claim(self, worker: str, *, lease_s: float, max_attempts: int, job_id: str | None = None) -> dict | None:
        response = self._call("POST", "/claim", json={"worker": worker, "lease_s": lease_s,
                                                      "max_attempts": max_attempts, "job_id": job_id})
        response.raise_for_status()
        return response.json()


def open_store(settings) -> JobStore | RemoteJobStore:
    """The job store a worker with `settings` uses: the server's API with FOLEY_SERVER_URL, else the database file."""
    if not settings.server_url:
        return JobStore(settings.database)
    if not settings.worker_token:
        raise InputError("FOLEY_SERVER_URL is set but FOLEY_WORKER_TOKEN is not: a remote worker needs the "
                         "server's worker token")
    return RemoteJobStore(settings.server_url, settings.worker_token, data_dir=settings.data_dir,
                          patience_s=settings.lease_s)
