"""Edits: the job's edits document (schema foleystudio.edits.1); storing one re-renders without analysing again."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import FileResponse

from foleystudio.edits.document import check_against, empty_document, read_document
from foleystudio.errors import InputError
from foleystudio.service.deps import JobDep, SendDep, SettingsDep, StoreDep
from foleystudio.service.layout import JobFiles
from foleystudio.service.schemas import Edits, EditsIn, Job
from foleystudio.service.uploads import Refused
from foleystudio.service.views import job_view

router = APIRouter(prefix="/jobs/{job_id}/edits", tags=["edits"])


@router.get("/detected", summary="The analysis's own events, before any edit (schema foleystudio.events.1)",
            response_class=FileResponse, responses={200: {"content": {"application/json": {}}}})
def get_detected(job: JobDep, settings: SettingsDep) -> FileResponse:
    path = JobFiles.of(settings.jobs_dir, job["id"]).detected
    if not path.exists():
        raise Refused(404, f"job {job['id']} has not been analysed yet (it is {job['state']})")
    return FileResponse(path, media_type="application/json")


@router.get("", response_model=Edits, summary="The job's edits document and its version")
def get_edits(job: JobDep) -> Edits:
    return Edits(version=job.get("edits_version", 0), document=job.get("edits") or empty_document())


@router.put("", response_model=Job, status_code=202,
            summary="Store an edits document and re-render from the job's analysis (no new analysis)")
def put_edits(job: JobDep, body: EditsIn, store: StoreDep, send: SendDep, preview: bool = False) -> Job:
    """`preview`: make the annotated preview again too (seconds to minutes; without it a re-render is about
    a second, and its results have no preview)."""
    document = body.model_dump(by_alias=True)
    try:
        edits = read_document(document)
    except InputError as exc:
        raise Refused(422, str(exc)) from None

    def apply(record: dict) -> dict:
        if record["state"] in ("queued", "running"):
            raise Refused(409, f"job {record['id']} is {record['state']}; edit it once it has finished")
        if preview and record["options"]["events_only"]:
            raise Refused(422, f"job {record['id']} has no sound (events_only): it can have no preview")
        if "n_events" not in record:
            raise Refused(409, f"job {record['id']} has no analysis to edit (it {record['state']}"
                               f"{': ' + record['error'] if record.get('error') else ''})")
        try:
            check_against(edits, record["n_events"], record["video"]["duration_s"], record.get("n_actions", 0))
        except InputError as exc:
            raise Refused(422, str(exc)) from None
        return {**record, "edits": document, "edits_version": record.get("edits_version", 0) + 1,
                "with_preview": preview,
                "state": "queued", "stage": "queued", "percent": 0.0, "error": None, "finished": None, "attempts": 0,
                "queued": time.time()}

    record = store.update(job["id"], apply)
    if record is None:
        raise Refused(404, f"no job {job['id']!r}")
    send(record["id"])
    return job_view(record)
