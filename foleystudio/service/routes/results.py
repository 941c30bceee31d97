"""Results: the video with sound, every stem, the mix, the events (JSON, CSV) and every export."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from foleystudio.service.deps import JobDep, SettingsDep
from foleystudio.service.layout import JobFiles
from foleystudio.service.schemas import ResultFile
from foleystudio.service.uploads import Refused
from foleystudio.service.views import job_view

router = APIRouter(prefix="/jobs/{job_id}/results", tags=["results"])

MEDIA_TYPES = {".mp4": "video/mp4", ".wav": "audio/wav", ".json": "application/json", ".csv": "text/csv",
               ".otio": "application/json", ".xml": "application/xml", ".edl": "text/plain", ".rpp": "text/plain"}


@router.get("", response_model=list[ResultFile], summary="The job's result files")
def list_results(job: JobDep) -> list[ResultFile]:
    return job_view(job).results


@router.get("/{name}", response_class=FileResponse, summary="Download one result file (ranges allowed)",
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_result(job: JobDep, name: str, settings: SettingsDep) -> FileResponse:
    results = job.get("results") or {}
    if name not in {f["name"] for f in results.get("files", [])}:  # only names the record lists: never a path
        have = "none yet" if not results else ", ".join(f["name"] for f in results["files"])
        raise Refused(404, f"job {job['id']} has no result {name[:80]!r} (it has: {have})")
    path = JobFiles.of(settings.jobs_dir, job["id"]).results(results["dir"]) / name
    stem = job["filename"].rsplit(".", 1)[0] or "video"
    download = f"{stem}_foley{name[len(job['id']):]}"
    suffix = "." + name.rsplit(".", 1)[-1]
    return FileResponse(path, media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"), filename=download)
