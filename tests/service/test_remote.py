"""Workers on other hosts: the records through the server's worker routes (never the shared SQLite file).

The routes exist only with a worker token; a change made from a stale record is refused and made again on the
fresh one; a server away for a whole lease stops the run. With real processes, a `foley worker` whose data
directory holds the server's files but not its database runs a job to done, and a wrong token or a missing
mount is refused before it starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from foleystudio.service.app import create_app
from foleystudio.service.remote import PREFIX, RemoteJobStore, StoreUnavailable
from foleystudio.service.settings import Settings
from foleystudio.service.store import new_job_id
from tests.conftest import PROJECT, make_video
from tests.service.test_fault import Service, follow

TOKEN = "worker-secret"


def server(tmp_path, **overrides) -> TestClient:
    settings = Settings(**{"data_dir": tmp_path / "data", "workers": 0, "rate_limit": 0, "worker_token": TOKEN,
                           **overrides})
    return TestClient(create_app(settings))


def remote(client: TestClient, **kwargs) -> RemoteJobStore:
    client.headers["Authorization"] = f"Bearer {TOKEN}"
    return RemoteJobStore(str(client.base_url), TOKEN, data_dir=client.app.state.settings.data_dir, client=client,
                          **kwargs)


def queued(client: TestClient) -> str:
    return client.app.state.store.create({"id": new_job_id(), "filename": "v.mp4"})["id"]


def test_the_worker_routes_need_the_worker_token_and_exist_only_with_one(tmp_path):
    without = server(tmp_path / "a", worker_token=None)
    assert without.get(PREFIX, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404
    client = server(tmp_path / "b", api_token="api-secret")
    assert client.get(PREFIX).status_code == 401
    assert client.get(PREFIX, headers={"Authorization": "Bearer api-secret"}).status_code == 401  # not the API's
    assert client.get(PREFIX, headers={"Authorization": f"Bearer {TOKEN}"}).json() == {"ok": True}
    assert client.get("/api/jobs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401  # nor the reverse


def test_a_remote_store_claims_renews_and_writes_as_the_local_one(tmp_path):
    client = server(tmp_path)
    local, store = client.app.state.store, remote(client)
    job_id = queued(client)
    claimed = store.claim("far:1", lease_s=30, max_attempts=3)
    assert claimed["id"] == job_id and claimed["state"] == "running" and claimed["token"] == "far:1#1"
    assert store.claim("far:2", lease_s=30, max_attempts=3) is None
    assert store.set(job_id, token=claimed["token"], stage="pose", percent=12.5)["percent"] == 12.5
    assert local.get(job_id)["stage"] == "pose"
    assert store.renew(job_id, claimed["token"], lease_s=60)["lease_until"] > time.time() + 50
    assert store.set(job_id, token="someone#1", stage="late") is None  # not the holder: nothing written
    assert local.get(job_id)["stage"] == "pose"
    assert store.get(new_job_id()) is None
    local.delete(job_id)
    assert store.set(job_id, token=claimed["token"], stage="gone") is None


def test_a_change_made_from_a_stale_record_is_made_again_on_the_fresh_one(tmp_path):
    client = server(tmp_path)
    local, store = client.app.state.store, remote(client)
    job_id = queued(client)
    token = store.claim("far", lease_s=30, max_attempts=3)["token"]
    calls = []

    def progress(record: dict) -> dict:
        calls.append(record.get("note"))
        if len(calls) == 1:  # the server's record changes between this worker's read and its write
            local.set(job_id, note="written meanwhile")
        return {**record, "percent": 50.0}

    written = store.update(job_id, progress, token=token)
    assert calls == [None, "written meanwhile"]
    assert written["percent"] == 50.0 and written["note"] == "written meanwhile"
    assert local.get(job_id) == written

    def cancelled_meanwhile(record: dict) -> dict:
        local.set(job_id, state="cancelled", token=None)
        return {**record, "percent": 90.0}

    assert store.update(job_id, cancelled_meanwhile, token=token) is None  # the fresh record is no longer its
    assert local.get(job_id)["state"] == "cancelled" and local.get(job_id)["percent"] == 50.0


def test_the_server_refuses_a_record_for_another_job_or_in_no_state(tmp_path):
    client = server(tmp_path)
    job_id, other = queued(client), queued(client)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    record = client.get(f"{PREFIX}/jobs/{job_id}", headers=headers).json()
    for bad in ({**record, "id": other}, {**record, "state": "exploded"}):
        response = client.put(f"{PREFIX}/jobs/{job_id}", json={"rev": record["rev"], "record": bad}, headers=headers)
        assert response.status_code == 422
    assert client.app.state.store.get(job_id) == record


def test_a_server_away_for_a_whole_lease_stops_the_run(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once it is closed
    store = RemoteJobStore(f"http://127.0.0.1:{port}", TOKEN, data_dir=tmp_path, patience_s=1.0)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer for 1 s"):
        store.get(new_job_id())
    assert 0.5 < time.monotonic() - started < 5.0


def remote_worker_dir(service: Service, tmp_path):
    """Another host's view of the shared storage: the server's files mounted, its database nowhere."""
    far = tmp_path / "far"
    far.mkdir()
    for name in ("jobs", "cache"):
        (service.data_dir / name).mkdir(exist_ok=True)
        os.symlink(service.data_dir / name, far / name)
    return far


def far_worker(service: Service, far, *, token: str = TOKEN) -> tuple[list[str], dict]:
    """`foley worker` as another host runs it: the command and its environment."""
    env = {**service.env, "FOLEY_DATA_DIR": str(far), "FOLEY_SERVER_URL": service.url, "FOLEY_WORKER_TOKEN": token}
    return [sys.executable, "-m", "foleystudio", "worker"], env


def refused(command: list[str], env: dict) -> str:
    """The error line of a worker that must not start."""
    done = subprocess.run(command, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    return done.stderr


def test_a_worker_on_another_host_runs_a_job_through_the_server(tmp_path):
    service = Service(tmp_path / "data", tmp_path)
    service.env["FOLEY_WORKER_TOKEN"] = TOKEN
    try:
        service.serve(workers=0)
        far = remote_worker_dir(service, tmp_path)

        assert "error: the server at" in refused(*far_worker(service, far, token="wrong"))
        unmounted = tmp_path / "unmounted"
        unmounted.mkdir()
        assert "has no jobs folder: mount the server's data directory" in refused(*far_worker(service, unmounted))

        command, env = far_worker(service, far)
        log = open(tmp_path / "far-worker.log", "w")
        service.procs.append(subprocess.Popen(command, env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT))
        video = make_video(tmp_path / "square.mp4", n_frames=20)
        job_id = service.upload(video, export="csv")
        seen = follow(service, job_id, timeout_s=120)
        job = seen[-1]
        assert job["state"] == "done", (job, (tmp_path / "far-worker.log").read_text()[-3000:])
        assert [s["stage"] for s in seen][-1] == "done" and len(seen) >= 3  # its progress came through the server
        assert not list(far.glob("jobs.sqlite*")), "a remote worker never opens a database in the shared folder"
        record = service_record(service, job_id)
        assert record["worker"].startswith(socket.gethostname()) and record["attempts"] == 1
        results = service.data_dir / "jobs" / job_id / record["results"]["dir"]
        assert sorted(p.name for p in results.iterdir()) == sorted(f["name"] for f in job["results"])
    finally:
        service.stop_all()


def service_record(service: Service, job_id: str) -> dict:
    from foleystudio.service.store import JobStore

    return JobStore(service.data_dir / "jobs.sqlite").get(job_id)
