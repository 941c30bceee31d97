"""The worker routes: how `foley worker`s on other hosts claim jobs and keep their records (service/remote.py).

Answered only when the server has FOLEY_WORKER_TOKEN, and only to `Authorization: Bearer <that token>`;
otherwise they do not exist (404). A write names the revision it was made from, and is refused (409)
when the record changed since, so the worker makes its change again on the fresh record.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from foleystudio.service.deps import JobDep, SettingsDep, StoreDep, bearer, same_secret
from foleystudio.service.store import STATES, is_job_id
from foleystudio.service.uploads import Refused


def require_worker_token(request: Request, settings: SettingsDep) -> None:
    if not settings.worker_token:
        raise Refused(404, f"no such route: {request.url.path}")
    given = bearer(request)
    if given is None or not same_secret(given, settings.worker_token):
        raise Refused(401, "the worker routes need 'Authorization: Bearer <FOLEY_WORKER_TOKEN>'",
                      headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/worker", tags=["workers"], dependencies=[Depends(require_worker_token)])


class ClaimIn(BaseModel):
    worker: str = Field(min_length=1, max_length=200)
    lease_s: float = Field(gt=0, le=86400)
    max_attempts: int = Field(ge=1)
    job_id: str | None = None


class RecordIn(BaseModel):
    rev: int  # the revision the change was made from
    record: dict


@router.get("", summary="For a worker: check that this server takes it")
def hello() -> dict:
    return {"ok": True}


@router.post("/claim", summary="For a worker: claim the oldest queued job (or one), or one whose lease lapsed")
def claim(body: ClaimIn, store: StoreDep) -> dict | None:
    if body.job_id is not None and not is_job_id(body.job_id):
        raise Refused(422, f"not a job id: {body.job_id[:64]!r}")
    return store.claim(body.worker, lease_s=body.lease_s, max_attempts=body.max_attempts, job_id=body.job_id)


@router.get("/jobs/{job_id}", summary="For a worker: a job's whole record")
def get_record(record: JobDep) -> dict:
    return record


@router.put("/jobs/{job_id}", summary="For a worker: write a job's record, if it is still at revision `rev`")
def put_record(job_id: str, body: RecordIn, store: StoreDep) -> dict:
    new = body.record
    if new.get("id") != job_id or new.get("state") not in STATES:
        raise Refused(422, "record: its id must be the job's and its state one of " + ", ".join(STATES))

    def write(record: dict) -> dict:
        if record.get("rev", 0) != body.rev:
            raise Refused(409, f"job {job_id} changed since revision {body.rev} (now {record.get('rev', 0)})")
        return {**new, "created": record["created"]}  # the order of the queue is the server's

    written = store.update(job_id, write)
    if written is None:
        raise Refused(404, f"no job {job_id!r}")
    return written
