"""A service on a temp data directory, and one hato_b12 job processed once for the whole session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from foleystudio.service.app import create_app
from foleystudio.service.settings import Settings
from foleystudio.service.worker import Worker

CLIP = "hato_b12.mp4"  # 2.4 s, 1280x720 at 29.97 fps, one person walking


def make_client(data_dir: Path, **overrides) -> TestClient:
    settings = Settings(**{"data_dir": data_dir, "workers": 0, "rate_limit": 0, **overrides})
    return TestClient(create_app(settings))


def upload(client: TestClient, video: Path, *, name: str | None = None, headers: dict | None = None, **fields):
    with open(video, "rb") as fh:
        return client.post("/api/jobs", files={"video": (name or video.name, fh, "video/mp4")},
                           data={k: str(v) for k, v in fields.items()}, headers=headers or {})


def run_queued(client: TestClient) -> int:
    """Run every queued job with a worker as `foley serve` would (each in a child process)."""
    worker = Worker(client.app.state.settings, name="test-worker")
    ran = 0
    while worker.run_once():
        ran += 1
    return ran


@dataclass
class Processed:
    client: TestClient
    job_id: str
    clip: Path

    @property
    def job(self) -> dict:
        return self.client.get(f"/api/jobs/{self.job_id}").json()

    def result(self, kind: str) -> dict:
        return next(f for f in self.job["results"] if f["kind"] == kind)


@pytest.fixture(scope="session")
def clip(shared) -> Path:
    return shared / "media" / CLIP


@pytest.fixture(scope="session")
def processed(clip, tmp_path_factory) -> Processed:
    """hato_b12 uploaded through the API with every export and run by a worker: the results every test reads."""
    client = make_client(tmp_path_factory.mktemp("service-data"))
    response = upload(client, clip, seed=3)
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    assert run_queued(client) == 1
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "done", job
    return Processed(client=client, job_id=job_id, clip=clip)
