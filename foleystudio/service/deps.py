"""What routes depend on, as Annotated aliases: the settings, the store, the token check, a job by id."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from foleystudio.service.settings import Settings
from foleystudio.service.store import JobStore, is_job_id
from foleystudio.service.uploads import Refused


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> JobStore:
    return request.app.state.store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[JobStore, Depends(get_store)]


def bearer(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when the request has none."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


def same_secret(given: str, secret: str) -> bool:
    return hmac.compare_digest(given.encode(), secret.encode())  # in constant time


def require_token(request: Request, settings: SettingsDep) -> None:
    """With FOLEY_API_TOKEN set, every /api route needs `Authorization: Bearer <token>`."""
    if not settings.api_token:
        return
    given = bearer(request)
    if given is None:
        raise Refused(401, "this server needs an API token: send 'Authorization: Bearer <token>'",
                      headers={"WWW-Authenticate": "Bearer"})
    if not same_secret(given, settings.api_token):
        raise Refused(401, "the API token is wrong", headers={"WWW-Authenticate": "Bearer"})


def get_job(job_id: str, store: StoreDep) -> dict:
    record = store.get(job_id) if is_job_id(job_id) else None
    if record is None:
        raise Refused(404, f"no job {job_id[:64]!r}")
    return record


JobDep = Annotated[dict, Depends(get_job)]


def get_send(request: Request) -> Callable[[str], object]:
    """Tells the workers a job is queued: with a broker, sends it to the Celery queue; embedded workers poll."""
    queue = request.app.state.queue
    return queue.send if queue else lambda job_id: None


SendDep = Annotated[Callable[[str], object], Depends(get_send)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"
