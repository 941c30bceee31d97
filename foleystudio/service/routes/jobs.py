"""Jobs: create one by uploading a video, follow it, list, cancel and delete."""

from __future__ import annotations

import asyncio
import json
import os
import time

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from foleystudio.api import start_frame
from foleystudio.errors import InputError
from foleystudio.service.deps import JobDep, SendDep, SettingsDep, StoreDep, client_of
from foleystudio.service.layout import JobFiles, display_name, sync_dir
from foleystudio.service.options import check_options
from foleystudio.service.schemas import Job, JobList, JobOptions
from foleystudio.service.store import FINISHED, new_job_id
from foleystudio.service.uploads import FILE_FIELD, Refused, check_video, receive
from foleystudio.service.views import job_view

router = APIRouter(prefix="/jobs", tags=["jobs"])

SSE_EVERY_S = 0.25  # how often the event stream looks at the record (one cheap read; the client does nothing)
SSE_KEEPALIVE_S = 15.0

_UPLOAD_BODY = {
    "required": True,
    "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "required": [FILE_FIELD],
        "properties": {FILE_FIELD: {"type": "string", "format": "binary", "description": "the video"},
                       **JobOptions.model_json_schema()["properties"]},
    }}},
}


@router.post("", status_code=201, response_model=Job, openapi_extra={"requestBody": _UPLOAD_BODY},
             summary="Create a job by uploading a video (multipart, streamed to disk)")
async def create_job(request: Request, settings: SettingsDep, store: StoreDep, send: SendDep) -> Job:
    wait_s = request.app.state.rate_limit.check(client_of(request))
    if wait_s is not None:
        raise Refused(429, f"too many jobs from this client: at most {settings.rate_limit} a minute "
                           f"(FOLEY_RATE_LIMIT); try again in {wait_s:.0f} s",
                      headers={"Retry-After": str(int(wait_s) + 1)})
    job_id = new_job_id()
    files = JobFiles.of(settings.jobs_dir, job_id)
    files.root.mkdir(parents=True)
    try:
        fields, filename = await receive(request, files.partial_input, settings)
        name = display_name(filename)
        options = _options(fields)
        info = await run_in_threadpool(check_video, files.partial_input, name, settings)
        if options["start_timecode"]:
            try:
                start_frame(info, options["start_timecode"])
            except InputError as exc:
                raise Refused(422, f"start_timecode: {exc}".replace("--start-timecode: ", "")) from None
        if options["keep_audio"] and not info.has_audio:
            raise Refused(422, f"{name}: keep_audio given but the video has no audio track")
        os.replace(files.partial_input, files.input)
        sync_dir(files.root)
        width, height = info.display_size
        record = store.create({
            "id": job_id, "client": client_of(request), "filename": name, "size_bytes": files.input.stat().st_size,
            "video": {"duration_s": info.duration_s, "width": width, "height": height, "fps": float(info.fps),
                      "n_frames": info.n_frames},
            "options": options,
        })
    except BaseException:
        files.remove()
        raise
    await run_in_threadpool(send, job_id)
    return job_view(record)


def _options(fields: dict[str, str]) -> dict:
    try:
        given = JobOptions.model_validate(fields).model_dump(exclude_unset=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "options"
        raise Refused(422, f"{where}: {first['msg']}") from None
    try:
        return check_options(given)
    except InputError as exc:
        raise Refused(422, str(exc)) from None


@router.get("", response_model=JobList, summary="List jobs, newest first")
def list_jobs(store: StoreDep, state: str | None = None, limit: int = 100) -> JobList:
    return JobList(jobs=[job_view(r) for r in store.list(limit=max(1, min(limit, 1000)), state=state)])


@router.get("/{job_id}", response_model=Job, summary="A job's state, stage and percent")
def get_job(job: JobDep, response: Response) -> Job:
    view = job_view(job)
    if view.poll_after_s:
        response.headers["Retry-After"] = f"{view.poll_after_s:g}"
    return view


@router.get("/{job_id}/events", summary="A job's progress as server-sent events, until it finishes",
            response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}})
async def job_events(job: JobDep, request: Request, store: StoreDep) -> StreamingResponse:
    async def stream():
        last, quiet_since = None, time.monotonic()
        record = job
        while True:
            view = job_view(record)
            seen = (view.state, view.stage, view.percent, view.edits_version)
            if seen != last:
                last, quiet_since = seen, time.monotonic()
                yield f"event: job\ndata: {view.model_dump_json()}\n\n"
            elif time.monotonic() - quiet_since > SSE_KEEPALIVE_S:
                quiet_since = time.monotonic()
                yield ": still here\n\n"
            if view.state in FINISHED or await request.is_disconnected():
                return
            await asyncio.sleep(SSE_EVERY_S)
            record = await run_in_threadpool(store.get, job["id"])
            if record is None:
                yield f"event: deleted\ndata: {json.dumps({'id': job['id']})}\n\n"
                return

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post("/{job_id}/cancel", response_model=Job, summary="Cancel a queued or running job")
def cancel_job(job: JobDep, store: StoreDep) -> Job:
    def cancel(record: dict) -> dict:
        if record["state"] in FINISHED:
            raise Refused(409, f"job {record['id']} is already {record['state']}")
        return {**record, "state": "cancelled", "stage": "cancelled", "error": "cancelled by the user",
                "finished": time.time(), "token": None, "lease_until": None}

    record = store.update(job["id"], cancel)
    if record is None:
        raise Refused(404, f"no job {job['id']!r}")
    return job_view(record)


@router.delete("/{job_id}", status_code=204, summary="Delete a job with its upload and results")
def delete_job(job: JobDep, store: StoreDep, settings: SettingsDep) -> Response:
    store.delete(job["id"])  # first: a worker running it sees the record gone and stops
    JobFiles.of(settings.jobs_dir, job["id"]).remove()
    return Response(status_code=204)
