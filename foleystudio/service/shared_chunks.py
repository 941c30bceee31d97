"""One long job's analysis shared by several Celery workers, joined exactly as one machine's chunks are.

The job's runner plans the chunks (chunking.plan_chunks, about one per FOLEY_CHUNK_S of video) and writes the
plan beside the job (chunk_files.py); it claims the first chunk, sends one "foleystudio.analyse_chunk" task per
other chunk (the message: the job id and the chunk's index, nothing else), runs the first chunk itself, and
then, until every result is in, runs any chunk nobody holds (never claimed, or its holder stopped beating for a
lease) or waits, reporting the frames done by every chunk as the job's progress. So one worker alone still
finishes, a queue full of other jobs never holds a job up (its runner does their chunks), and a worker that dies
with a chunk costs only the time: its claim lapses and is taken over.

A chunk task runs its chunk in a child process it watches, as a job's is (a crash never takes the Celery worker
down): it beats the claim, and stops the child when the job is over (finished, cancelled, deleted or timed out),
when its plan is gone, or when another worker took the chunk over. A task whose chunk is done or held does
nothing. The runner's own chunks run in the job's process, so the job's cancel and timeout stop them as before.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import threading
import time
from collections.abc import Callable

from foleystudio.chunking import Chunk, ChunkResult, run_chunk
from foleystudio.media.probe import VideoInfo
from foleystudio.service.chunk_files import ChunkFolder, Claim, Outcome, Plan
from foleystudio.service.layout import JobFiles
from foleystudio.service.remote import StoreUnavailable, open_store
from foleystudio.service.settings import Settings
from foleystudio.service.store import FINISHED, Records

log = logging.getLogger("foleystudio.service")

WAIT_S = 0.25  # how often a waiting runner looks for results and lapsed claims
PROGRESS_S = 0.5  # how often the other chunks' progress is read (a small file each)
CHECK_S = 0.25  # how often a chunk task looks at its child
JOB_CHECK_S = 1.0  # how often a chunk task reads the job's record (cancel, delete, timeout)

Callback = Callable[[dict], None]
RunChunk = Callable[..., ChunkResult]  # chunking.run_chunk's signature


def chunk_count(settings: Settings | None, info: VideoInfo) -> int:
    """Chunks a job's analysis is shared out in: with a broker, one per chunk_s of video, to the nearest (a video
    under 1.5 chunk_s is not shared; 2 minutes at 30 s are 4, and so is 2:01)."""
    if settings is None or not settings.broker_url or settings.chunk_s <= 0:
        return 1
    return max(1, math.floor(info.duration_s / settings.chunk_s + 0.5))


class SharedChunks:
    """A chunking.ChunkRunner that shares a job's chunks with other workers (`send` asks for one by its index);
    after a run, `ran` says who ran each chunk."""

    def __init__(self, folder: ChunkFolder, who: str, send: Callable[[int], None], *, count: int,
                 run: RunChunk = run_chunk, wait_s: float = WAIT_S):
        self.folder, self.who, self.send, self.count = folder, who, send, count
        self.run, self.wait_s = run, wait_s
        self.ran: list[dict] = []

    def __call__(self, info: VideoInfo, chunks: list[Chunk], options, callback: Callback | None = None
                 ) -> list[ChunkResult]:
        plan = Plan(info, options, tuple(chunks))
        self.folder.write_plan(plan)
        mine = self.folder.claim(plan.id, 0, self.who)  # before any task goes out: the first chunk is the runner's
        for chunk in chunks[1:]:
            if not self.folder.done(plan.id, chunk.index):  # a run after a crash finds some done already
                self.send(chunk.index)
        tally = _Tally(self.folder, plan, callback)
        outcomes: dict[int, Outcome] = {}
        while len(outcomes) < len(chunks):
            if mine is not None:
                outcomes[mine.index] = self._run_here(plan, mine, tally)
            for k in range(len(chunks)):
                if k not in outcomes and self.folder.done(plan.id, k):
                    outcome = self.folder.read_result(plan.id, k)
                    if outcome is not None and isinstance(outcome.value, BaseException):
                        raise outcome.value  # the error its worker met, as one machine's chunks raise it
                    if outcome is not None:
                        outcomes[k] = outcome
            mine = next((c for k in range(len(chunks)) if k not in outcomes
                         and (c := self.folder.claim(plan.id, k, self.who)) is not None), None)
            if mine is None and len(outcomes) < len(chunks):
                tally.report()
                time.sleep(self.wait_s)
        tally.report(force=True)
        self.ran = [{"chunk": k, "worker": o.who, "seconds": round(o.seconds, 2), "claim": o.generation}
                    for k, o in sorted(outcomes.items())]
        return [outcomes[k].value for k in range(len(chunks))]

    def _run_here(self, plan: Plan, claim: Claim, tally: _Tally) -> Outcome:
        started = time.monotonic()
        stop = threading.Event()
        beating = threading.Thread(target=_beat, args=(claim, tally, stop, self.folder.lease_s / 3), daemon=True,
                                   name=f"foley-chunk{claim.index}-beat")
        beating.start()
        outcome = None
        try:
            value = self.run(plan.info, plan.chunks[claim.index], plan.options, callback=tally.tick(claim.index))
            outcome = Outcome(claim.index, self.who, time.monotonic() - started, claim.generation, value)
            self.folder.write_result(plan.id, outcome)
            return outcome
        finally:
            stop.set()
            beating.join()
            if outcome is None:
                claim.release()


def _beat(claim: Claim, tally: _Tally, stop: threading.Event, every_s: float) -> None:
    while not stop.wait(every_s):
        claim.beat(tally.here.get(claim.index, 0))


class _Tally:
    """Frames done by every chunk, here and elsewhere, as pose progress of the whole plan (never going back)."""

    def __init__(self, folder: ChunkFolder, plan: Plan, callback: Callback | None):
        self.folder, self.plan, self.callback = folder, plan, callback
        self.total = sum(plan.frames(k) for k in range(len(plan.chunks)))
        self.here: dict[int, int] = {}  # frames done by the chunks this process runs
        self.best = 0
        self.last = 0.0

    def tick(self, index: int) -> Callback:
        def frame(_event: dict) -> None:
            self.here[index] = self.here.get(index, 0) + 1
            self.report()

        return frame

    def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not force and now - self.last < PROGRESS_S):
            return
        self.last = now
        done = sum(max(self.here.get(k, 0), self.folder.frames_done(self.plan, k)) for k in range(len(self.plan.chunks)))
        self.best = max(self.best, min(done, self.total))
        self.callback({"stage": "pose", "frame": self.best - 1, "total": self.total, "chunks": len(self.plan.chunks)})


def shared_runner(settings: Settings | None, record: dict, files: JobFiles, info: VideoInfo) -> SharedChunks | None:
    """The runner that shares `record`'s analysis out over Celery, or None when it is not to be shared (no broker,
    or a video no longer than one chunk)."""
    count = chunk_count(settings, info)
    if count < 2:
        return None
    from foleystudio.service.celery_conf import chunk_sender

    return SharedChunks(ChunkFolder(files.chunks, lease_s=settings.lease_s), who=record.get("worker") or "runner",
                        send=chunk_sender(settings, record["id"]), count=count)


# -- a chunk task ---------------------------------------------------------------------------------


def serve_chunk(settings: Settings, job_id: str, index: int, *, who: str, run: RunChunk = run_chunk,
                store: Records | None = None) -> str:
    """Chunk `index` of `job_id`'s plan, in a watched child process, unless the job is over, there is no plan, or
    the chunk is done or held; what happened, in a word or two (the task's return value, in the worker's log)."""
    store = store or open_store(settings)
    record = store.get(job_id)
    if record is None or record["state"] in FINISHED:
        return "job over"
    folder = ChunkFolder(JobFiles.of(settings.jobs_dir, job_id).chunks, lease_s=settings.lease_s)
    plan = folder.read_plan()
    if plan is None or not 0 <= index < len(plan.chunks):
        return "no plan"
    claim = folder.claim(plan.id, index, who)
    if claim is None:
        return "done or held"
    frames = multiprocessing.get_context("fork").RawValue("q", 0)
    child = multiprocessing.get_context("fork").Process(
        target=_chunk_child, args=(folder, plan, claim, who, frames, run), name=f"foley-chunk-{job_id[:8]}-{index}",
        daemon=True)
    child.start()
    why = _watch(child, settings, store, job_id, folder, claim, frames)
    if why != "taken over" and not folder.done(plan.id, index):
        claim.release()  # stopped or died: whoever looks next takes it at once
    if why:
        return why
    return "ran" if child.exitcode == 0 else f"its process died ({child.exitcode})"


def _watch(child, settings: Settings, store: Records, job_id: str, folder: ChunkFolder, claim: Claim,
           frames) -> str | None:
    """Wait for `child`, beating `claim`; stop it (and say why) when the chunk or the job is no longer its to run."""
    started = last_beat = last_check = time.monotonic()
    why = None
    while child.is_alive():
        child.join(CHECK_S)
        now = time.monotonic()
        if not child.is_alive():
            break
        if now - last_beat >= folder.lease_s / 3:
            last_beat = now
            if not claim.beat(frames.value):
                why = "taken over" if folder.has_plan() else "no plan"
        if not why and now - last_check >= JOB_CHECK_S:
            last_check = now
            why = _job_over(store, job_id, folder)
        if not why and now - started > settings.job_timeout_s:
            why = "timed out"
        if why:
            child.kill()
            child.join()
    return why


def _job_over(store: Records, job_id: str, folder: ChunkFolder) -> str | None:
    try:
        record = store.get(job_id)
    except StoreUnavailable:
        return None  # the server is away: the job's own run decides, and the chunk may still be wanted
    if record is None or record["state"] in FINISHED:
        return "job over"
    return None if folder.has_plan() else "no plan"


def _chunk_child(folder: ChunkFolder, plan: Plan, claim: Claim, who: str, frames, run: RunChunk) -> None:
    from foleystudio.service.lifeline import die_with_parent

    die_with_parent()
    started = time.monotonic()

    def tick(_event: dict) -> None:
        frames.value += 1

    try:
        value = run(plan.info, plan.chunks[claim.index], plan.options, callback=tick)
    except Exception as exc:  # the runner raises it, as one machine's chunks do
        value = exc
    folder.write_result(plan.id, Outcome(claim.index, who, time.monotonic() - started, claim.generation, value))
