"""A job record as clients see it: no tokens, leases or server paths."""

from __future__ import annotations

from foleystudio.service.schemas import Job, ResultFile
from foleystudio.service.store import FINISHED

POLL_S = 1.0  # what a client polling a running job is told: once a second is plenty


def job_view(record: dict) -> Job:
    job_id = record["id"]
    results = (record.get("results") or {}).get("files", [])
    return Job(
        id=job_id, state=record["state"], stage=record["stage"], percent=record["percent"], error=record.get("error"),
        attempts=record["attempts"], log=record.get("log", []), created=record["created"], updated=record["updated"],
        finished=record.get("finished"), filename=record["filename"], size_bytes=record["size_bytes"],
        video=record["video"], options=record["options"], edits_version=record.get("edits_version", 0),
        results=[ResultFile(**f, url=f"/api/jobs/{job_id}/results/{f['name']}") for f in results],
        poll_after_s=None if record["state"] in FINISHED else POLL_S,
    )
