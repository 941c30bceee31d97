"""run_job(store, job_id): one job from its upload to its results, with progress in the store.

The same function runs under the embedded worker (worker.py, in a child process) and can
run as a Celery task: it needs only the store and the job id (and the settings, for a long
video's analysis shared out to the Celery workers: shared_chunks.py). It is idempotent: every run
writes a fresh results folder and the record then names it, so a re-run replaces, never
appends, and a run that died leaves nothing the record points at. The analysis is kept
beside the job, so a re-render after edits never analyses again.
"""

from __future__ import annotations

import errno
import logging
import os
import pickle
import shutil
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from foleystudio.analysis import Analysis, analyse
from foleystudio.api import RenderOptions, choose_actions, choose_styles, export, render
from foleystudio.edits.document import check_against, edit_options, read_document
from foleystudio.errors import FoleyError
from foleystudio.export.atomic import write_json
from foleystudio.export.events import events_document
from foleystudio.media.probe import probe_video
from foleystudio.service.layout import JobFiles, sync_dir
from foleystudio.service.options import analysis_options, export_options, render_options
from foleystudio.service.remote import StoreUnavailable
from foleystudio.service.settings import Settings
from foleystudio.service.shared_chunks import shared_runner
from foleystudio.service.store import Records

log = logging.getLogger("foleystudio.service")

ANALYSIS_SCHEMA = "foleystudio.job-analysis.2"  # .2: the analysis has the specifics (actions)
TASK_LEASE_S = 600.0  # run_job's own claim when no worker holds one: renewed with each progress report
PROGRESS_EVERY_S = 0.5  # progress reaches the store at most this often: readers poll it, the writer is one
# where each stage's progress falls in the job's percent
SPANS = {"starting": (0, 1), "pose": (1, 70), "decode": (1, 70), "scene": (70, 80), "render": (80, 85),
         "export": (85, 90), "preview": (90, 99), "done": (100, 100)}


class Stopped(Exception):
    """The job is no longer this run's (cancelled, deleted, or taken over after its lease lapsed)."""


def run_job(store: Records, job_id: str, *, token: str | None = None, lease_s: float = TASK_LEASE_S,
            settings: Settings | None = None) -> dict | None:
    """Run `job_id` to done or failed; the final record, or None when the job was not this run's to finish.

    `token` is the claim a worker already holds (and renews); without one (a task queue calling it) the job is
    claimed here, if it is queued or its lease lapsed, and every progress report renews the lease for `lease_s`.
    `settings` (the worker's) say how the analysis may use other processes: FOLEY_ANALYSIS_WORKERS on this
    machine, or, with a broker, chunks of FOLEY_CHUNK_S shared with the other workers.
    """
    renew_s = None
    if token is None:
        claimed = store.claim(f"task-{os.getpid()}", lease_s=lease_s, max_attempts=1_000_000, job_id=job_id)
        if claimed is None:
            return None
        token, renew_s = claimed["token"], lease_s
    record = store.get(job_id)
    if record is None or record.get("token") != token:
        return None
    files = JobFiles.of(store.data_dir / "jobs", job_id)
    progress = _Progress(store, job_id, token, renew_s=renew_s)
    try:
        results = _run(store, record, files, progress, settings)
    except (Stopped, StoreUnavailable):  # no longer this run's, or its records out of reach for a whole lease
        return None
    except FoleyError as exc:
        return _fail(store, job_id, token, _public(str(exc), files, record))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            return _fail(store, job_id, token, "the disk is full: the results could not be written "
                                               "(the upload and earlier results are kept)")
        log.error("job %s: %s", job_id, traceback.format_exc())
        return _fail(store, job_id, token, f"could not read or write a file ({exc.strerror or exc})")
    except Exception as exc:  # a bug: the job says so, the traceback goes to the log
        print(traceback.format_exc(), file=sys.stderr)
        return _fail(store, job_id, token, f"internal error ({type(exc).__name__}: {exc}); the log has the details")
    try:
        done = store.update(job_id, lambda r: {**r, "state": "done", "stage": "done", "percent": 100.0, "error": None,
                                               "results": results, "finished": time.time(), "token": None,
                                               "lease_until": None}, token=token)
    except StoreUnavailable:
        done = None
    if done is None:  # cancelled or taken over while finishing: what this run wrote is not the job's
        shutil.rmtree(files.results(results["dir"]), ignore_errors=True)
        return None
    for stale in files.stale_results(keep=results["dir"]):
        shutil.rmtree(stale, ignore_errors=True)
    return done


def _run(store: Records, record: dict, files: JobFiles, progress: _Progress, settings: Settings | None) -> dict:
    options = record["options"]
    for stale in files.stale_results(keep=(record.get("results") or {}).get("dir")):
        shutil.rmtree(stale, ignore_errors=True)  # what a run that died left
    analysis = _analysis(store, record, files, progress, settings)
    base = render_options(options)
    if not files.detected.exists():
        _write_detected(analysis, base, files)
    edits_doc = record.get("edits")
    if edits_doc:
        edits = read_document(edits_doc)
        check_against(edits, len(analysis.contacts.events), analysis.info.duration_s, len(analysis.actions.events))
        base = edit_options(edits, analysis.contacts.events, base, actions=analysis.actions.events)
    progress.stage("render")
    rendered = None if options["events_only"] else render(analysis, base)
    run = int(record.get("run", 0)) + 1
    store.set(record["id"], token=progress.token, run=run, n_events=len(analysis.contacts.events),
              n_actions=len(analysis.actions.events))
    name = f"results.{run}"
    tmp = files.root / f".results.{run}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()  # not parents: a deleted job's folder is not made again
    try:
        progress.stage("export")
        exports = export_options(options)
        if record.get("edits_version"):  # a re-render makes the preview only when asked: it is the slow part
            formats = tuple(f for f in exports.formats if f != "preview")
            exports = replace(exports, formats=formats + (("preview",) if record.get("with_preview") else ()))
        outputs = export(analysis, rendered, tmp / f"{record['id']}.mp4", options=base, exports=exports,
                         callback=progress)
        _sync(tmp)
        os.rename(tmp, files.results(name))
        sync_dir(files.root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    paths = [outputs.video, outputs.events, *outputs.stems, outputs.mix, *outputs.files]
    return {"dir": name, "files": [_entry(Path(p).name, record["id"], files.results(name)) for p in paths if p]}


def _analysis(store: Records, record: dict, files: JobFiles, progress: _Progress, settings: Settings | None
              ) -> Analysis:
    """The job's analysis, from beside the job when it was made before (a re-render), else made now (shared out
    in chunks to the Celery workers when there is a broker and the video is long enough)."""
    info = probe_video(files.input)
    if files.analysis.exists():
        try:
            with open(files.analysis, "rb") as fh:
                schema, analysis = pickle.load(fh)  # written by run_job below: the service's own file
            if schema == ANALYSIS_SCHEMA:
                progress.stage("analysis", cached=True)
                return replace(analysis, info=info)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
            pass  # damaged: analyse again
    progress.stage("pose")
    options = analysis_options(record["options"], store.data_dir / "cache",
                               workers=settings.analysis_workers if settings else 1)
    shared = shared_runner(settings, record, files, info)
    sharing = {"chunks": shared.count, "chunk_runner": shared} if shared else {}
    analysis = analyse(files.input, options, callback=progress, info=info, **sharing)
    tmp = files.analysis.with_name(f".analysis.{os.getpid()}.partial")
    with open(tmp, "wb") as fh:
        pickle.dump((ANALYSIS_SCHEMA, analysis), fh, protocol=pickle.HIGHEST_PROTOCOL)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, files.analysis)
    sync_dir(files.root)
    ran = {"chunks": shared.ran} if shared and shared.ran else {}  # who ran each chunk (none: from the cache)
    store.update(record["id"], lambda r: {**r, "analyses": int(r.get("analyses", 0)) + 1, **ran}, token=progress.token)
    if shared:
        shared.folder.remove()
    return analysis


def _write_detected(analysis: Analysis, options: RenderOptions, files: JobFiles) -> None:
    """The analysis's own events with their ids, before any edit: what the page shows and edits."""
    actions, action_styles = choose_actions(analysis, options)
    write_json(files.detected, events_document(analysis.info, analysis.contacts.events,
                                               choose_styles(analysis, options), analysis.scene,
                                               actions=actions.events, action_styles=action_styles))


KINDS = {".mp4": "video", ".events.json": "events", ".events.csv": "events_csv", ".mix.wav": "mix", ".wav": "stem",
         ".otio": "otio", ".edl": "edl", ".fcp.xml": "fcpxml", ".rpp": "rpp", ".markers.reaper.csv": "markers",
         ".markers.audition.csv": "markers", ".preview.mp4": "preview"}


def _entry(name: str, job_id: str, folder: Path) -> dict:
    suffix = name[len(job_id):]
    kind = next((KINDS[s] for s in sorted(KINDS, key=len, reverse=True) if suffix.endswith(s)), "file")
    return {"name": name, "kind": kind, "bytes": (folder / name).stat().st_size}


def _sync(folder: Path) -> None:
    """Flush every file in `folder` to disk before the rename makes them the job's results."""
    for path in folder.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())


def _fail(store: Records, job_id: str, token: str, reason: str) -> dict | None:
    try:
        return store.update(job_id, lambda r: {**r, "state": "failed", "stage": "failed", "error": reason,
                                               "finished": time.time(), "token": None, "lease_until": None},
                            token=token)
    except StoreUnavailable:  # the lease lapses and the job is run again
        log.warning("job %s failed (%s), but that could not be recorded", job_id, reason)
        return None


def _public(message: str, files: JobFiles, record: dict) -> str:
    """A message without the server's paths: the upload is called by the name the user gave it."""
    return message.replace(str(files.input), record.get("filename") or "video").replace(str(files.root), "<job>")


class _Progress:
    """The API's progress callbacks as the job's stage and percent, written at most every PROGRESS_EVERY_S;
    raises Stopped when the job is no longer this run's."""

    def __init__(self, store: Records, job_id: str, token: str, *, renew_s: float | None = None):
        self.store, self.job_id, self.token, self.renew_s = store, job_id, token, renew_s
        self.last = 0.0
        self.name = "starting"

    def stage(self, name: str, **_) -> None:
        self.name = name
        self._write(SPANS.get(name, (None, None))[0], force=True)

    def __call__(self, event: dict) -> None:
        stage = event.get("stage", self.name)
        if event.get("cached"):
            return
        low, high = SPANS.get(stage, (None, None))
        percent = None
        if low is not None and "frame" in event and event.get("total"):
            percent = low + (high - low) * min(1.0, (event["frame"] + 1) / event["total"])
        self.name = stage
        self._write(percent)

    def _write(self, percent: float | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        fields = {"stage": self.name}
        if self.renew_s:
            fields["lease_until"] = time.time() + self.renew_s
        if percent is not None:
            fields["percent"] = round(float(percent), 1)
        if self.store.set(self.job_id, token=self.token, **fields) is None:
            raise Stopped(self.job_id)
