"""The service's settings: one object, read from FOLEY_* environment variables (or given in code)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/foleystudio, else ~/.local/share/foleystudio."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "foleystudio"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOLEY_", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)  # uploads, analyses, results, the job database
    api_token: str | None = None  # when set, every /api route needs "Authorization: Bearer <token>"
    max_upload_mb: float = 500.0  # an upload past this is refused while it streams (413)
    max_duration_s: float = 600.0  # ten minutes: analysis runs about real time on a laptop CPU
    max_side_px: int = 3840  # 4K UHD; larger frames are refused (422)
    max_fps: float = 120.0  # the highest standard rate the probe knows
    retention_days: float = 30.0  # finished jobs and their files are deleted this long after they end; 0: never
    rate_limit: int = 10  # job creations per client per minute; 0: no limit
    cors_origins: list[str] = []  # origins allowed to call the API from a browser; empty: CORS closed
    job_timeout_s: float = 1800.0  # a job running longer is stopped and failed
    workers: int = 1  # worker processes `foley serve` starts; 0: only standalone `foley worker`s run jobs
    max_attempts: int = 3  # a job whose worker died this many times is failed, not retried
    lease_s: float = 30.0  # a running job's claim; a worker renews it every lease_s / 3, a dead one's lapses
    poll_s: float = 0.25  # how often an idle worker looks for a job (one indexed read; a re-render waits for it)
    broker_url: str | None = None  # redis://HOST:PORT/DB: jobs run on Celery workers (`foley worker`); unset: embedded
    concurrency: int = 1  # with a broker: jobs one `foley worker` runs at once (1: Celery's solo pool; more: prefork)
    # with a broker, a video of 1.5 chunk_s or more has its analysis shared out to the workers in chunks of about
    # this much video; 0: never. 30 s: a 2-minute job in 4 chunks, each with a second of warm-up and a model start
    chunk_s: float = 30.0
    analysis_workers: int = 1  # processes one job's analysis may use on its worker's machine when it is not shared
    # workers on other hosts: the server answers the worker routes (/api/worker) only when worker_token is set;
    # a `foley worker` with server_url keeps its job records through them, and only the files in data_dir
    worker_token: str | None = None  # the secret between `foley serve` and its remote workers
    server_url: str | None = None  # http://HOST:PORT of the `foley serve` whose jobs this worker runs

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def database(self) -> Path:
        return self.data_dir / "jobs.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"
