"""A job's chunks shared through its folder, without Celery: one claim wins, a beating claim is kept, a lapsed one
is taken over by exactly one taker and its old holder finds out, results are whole or absent, and the job's
runner finishes alone, with another worker, after a worker's death, and stops a chunk task when the job ends."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from foleystudio.analysis import AnalysisOptions
from foleystudio.chunking import plan_chunks
from foleystudio.errors import InputError
from foleystudio.service.chunk_files import ChunkFolder, Outcome, Plan
from foleystudio.service.layout import JobFiles
from foleystudio.service.settings import Settings
from foleystudio.service.shared_chunks import SharedChunks, chunk_count, serve_chunk
from foleystudio.service.store import JobStore, new_job_id
from tests.test_chunking import _info

FRAME_S = 0.002  # a fake chunk's time per frame


def fake_run(info, chunk, options, callback=None):
    """run_chunk's stand-in: a frame at a time, then the chunk's own answer."""
    for _ in range(chunk.stop - chunk.start):
        time.sleep(FRAME_S)
        if callback:
            callback({})
    return ("chunk", chunk.index)


def plan(n_frames: int = 600, count: int = 3) -> Plan:
    info = _info(n_frames)
    return Plan(info, AnalysisOptions(use_cache=False), tuple(plan_chunks(info, count)))


@pytest.fixture
def folder(tmp_path) -> ChunkFolder:
    return ChunkFolder(tmp_path / "chunks", lease_s=0.5)


def test_one_claim_wins_among_many(folder):
    p = plan()
    folder.write_plan(p)
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda k: folder.claim(p.id, 1, f"w{k}"), range(8)))
    won = [c for c in claims if c is not None]
    assert len(won) == 1 and won[0].generation == 0
    assert folder.holder(p.id, 1)["who"] in {f"w{k}" for k in range(8)}


def test_a_beating_claim_is_kept_and_a_lapsed_one_taken_over_by_one_taker(folder):
    p = plan()
    folder.write_plan(p)
    first = folder.claim(p.id, 2, "first")
    for frames in (10, 20, 30):
        time.sleep(0.3)
        assert first.beat(frames)
        assert folder.claim(p.id, 2, "other") is None
    assert folder.holder(p.id, 2)["frames"] == 30 and folder.frames_done(p, 2) == 30
    time.sleep(0.6)  # no beat for a lease: its holder died, or hangs
    with ThreadPoolExecutor(6) as pool:
        takers = [c for c in pool.map(lambda k: folder.claim(p.id, 2, f"taker{k}"), range(6)) if c is not None]
    assert len(takers) == 1 and takers[0].generation == 1
    assert not first.beat(40)  # the old holder learns it lost
    assert folder.holder(p.id, 2)["generation"] == 1 and folder.holder(p.id, 2)["who"].startswith("taker")
    assert takers[0].beat(5) and folder.frames_done(p, 2) == 5


def test_a_released_claim_is_free_at_once(folder):
    p = plan()
    folder.write_plan(p)
    claim = folder.claim(p.id, 0, "a")
    claim.release()
    again = folder.claim(p.id, 0, "b")
    assert again is not None and again.generation == 1


def test_results_are_whole_or_absent_and_a_chunk_run_twice_is_harmless(folder):
    p = plan()
    folder.write_plan(p)
    assert folder.read_result(p.id, 1) is None and not folder.done(p.id, 1)
    for who in ("slow", "taker"):  # the holder that lost its claim finishes too
        folder.write_result(p.id, Outcome(1, who, 1.0, 0, ("chunk", 1)))
    assert folder.read_result(p.id, 1).value == ("chunk", 1)
    assert folder.claim(p.id, 1, "late") is None  # done: nobody runs it again
    assert folder.frames_done(p, 1) == p.frames(1)
    assert not [f for f in folder.root.iterdir() if "partial" in f.name]

    folder.write_plan(p)  # the same plan again (a run after a crash): what was done stays done
    assert folder.done(p.id, 1)
    other = replace(p, chunks=p.chunks[:2])
    folder.write_plan(other)  # another plan: nothing of the old one is taken for it
    assert other.id != p.id and not folder.done(other.id, 1) and folder.read_plan().id == other.id
    assert sorted(f.name for f in folder.root.iterdir()) == ["plan.pickle"]


def test_chunk_count_follows_the_broker_and_the_chunk_length(tmp_path):
    info = _info(3600)  # 2 minutes at 30 fps
    assert chunk_count(Settings(data_dir=tmp_path), info) == 1  # no broker: not shared
    broker = Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:1/0")
    assert chunk_count(broker, info) == 4 and chunk_count(replace_settings(broker, chunk_s=60), info) == 2
    assert chunk_count(replace_settings(broker, chunk_s=0), info) == 1
    assert chunk_count(broker, _info(3606)) == 4  # a looped 2 minutes that ends on the next keyframe
    assert chunk_count(broker, _info(1340)) == 1 and chunk_count(broker, _info(1360)) == 2  # 1.5 chunks: shared


def replace_settings(settings: Settings, **changes) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def _progress_is_whole(seen: list[dict], p: Plan) -> None:
    frames = [e["frame"] for e in seen]
    total = sum(p.frames(k) for k in range(len(p.chunks)))
    assert frames == sorted(frames) and frames[-1] == total - 1 and {e["total"] for e in seen} == {total}


def test_one_worker_alone_runs_every_chunk(folder):
    p = plan()
    sent, seen = [], []
    runner = SharedChunks(folder, "runner", sent.append, count=3, run=fake_run, wait_s=0.01)
    assert runner(p.info, list(p.chunks), p.options, seen.append) == [("chunk", k) for k in range(3)]
    assert sent == [1, 2]  # asked for; nobody came
    assert [(r["chunk"], r["worker"], r["claim"]) for r in runner.ran] == [(0, "runner", 0), (1, "runner", 0),
                                                                           (2, "runner", 0)]
    _progress_is_whole(seen, p)


@pytest.fixture
def job(tmp_path):
    """A running job in a store, its folder, and settings with a short lease."""
    settings = Settings(data_dir=tmp_path / "data", lease_s=0.6, workers=0)
    store = JobStore(settings.database)
    job_id = new_job_id()
    store.create({"id": job_id, "state": "running"})
    files = JobFiles.of(settings.jobs_dir, job_id)
    files.root.mkdir(parents=True)
    return settings, store, job_id, ChunkFolder(files.chunks, lease_s=settings.lease_s)


def test_chunks_shared_with_another_worker_come_back_in_order(job):
    settings, store, job_id, folder = job
    p = plan(count=3)
    sent, answers = [], []

    def other_worker(index: int) -> None:  # a Celery worker taking the message: in its own thread here
        sent.append(index)
        thread = threading.Thread(target=lambda: answers.append(
            serve_chunk(settings, job_id, index, who="other", run=fake_run, store=store)))
        thread.start()
        threads.append(thread)

    threads: list[threading.Thread] = []
    seen = []
    runner = SharedChunks(folder, "runner", other_worker, count=3, run=fake_run, wait_s=0.01)
    assert runner(p.info, list(p.chunks), p.options, seen.append) == [("chunk", k) for k in range(3)]
    for thread in threads:
        thread.join(30)
    assert sent == [1, 2] and {r["worker"] for r in runner.ran} == {"runner", "other"}
    assert runner.ran[0]["worker"] == "runner" and all(r["claim"] == 0 for r in runner.ran)
    assert "ran" in answers
    _progress_is_whole(seen, p)


def test_a_chunk_whose_holder_died_is_taken_over(job):
    folder = job[-1]
    p = plan(count=2)
    folder.write_plan(p)
    dead = folder.claim(p.id, 1, "dead")  # claimed, then never a beat
    assert dead is not None
    runner = SharedChunks(folder, "runner", lambda index: None, count=2, run=fake_run, wait_s=0.01)
    started = time.monotonic()
    assert runner(p.info, list(p.chunks), p.options) == [("chunk", 0), ("chunk", 1)]
    assert time.monotonic() - started < 10
    assert runner.ran[1] == {**runner.ran[1], "worker": "runner", "claim": 1}


def slow_run(info, chunk, options, callback=None):
    time.sleep(60)


def crash_run(info, chunk, options, callback=None):
    os.kill(os.getpid(), signal.SIGKILL)


def failing_run(info, chunk, options, callback=None):
    raise InputError("this video cannot be decoded past 0:42")


@pytest.mark.parametrize("how", ["cancel", "delete", "plan gone"])
def test_a_chunk_task_stops_when_its_job_is_over(job, how):
    settings, store, job_id, folder = job
    p = plan(count=2)
    folder.write_plan(p)
    stop = {"cancel": lambda: store.set(job_id, state="cancelled"), "delete": lambda: store.delete(job_id),
            "plan gone": folder.remove}[how]
    threading.Timer(0.5, stop).start()
    started = time.monotonic()
    assert serve_chunk(settings, job_id, 1, who="w", run=slow_run, store=store) in ("job over", "no plan")
    assert time.monotonic() - started < 5
    if how == "cancel":
        assert serve_chunk(settings, job_id, 1, who="w", run=slow_run, store=store) == "job over"  # does nothing


def test_a_chunk_task_for_no_plan_or_a_finished_job_does_nothing(job):
    settings, store, job_id, folder = job
    assert serve_chunk(settings, job_id, 1, who="w", run=crash_run, store=store) == "no plan"
    folder.write_plan(plan(count=2))
    assert serve_chunk(settings, job_id, 7, who="w", run=crash_run, store=store) == "no plan"
    store.set(job_id, state="done")
    assert serve_chunk(settings, job_id, 1, who="w", run=crash_run, store=store) == "job over"


def test_a_chunk_whose_process_crashed_is_free_for_the_runner_at_once(job):
    settings, store, job_id, folder = job
    p = plan(count=2)
    folder.write_plan(p)
    assert serve_chunk(settings, job_id, 1, who="w", run=crash_run, store=store) == "its process died (-9)"
    runner = SharedChunks(folder, "runner", lambda index: None, count=2, run=fake_run, wait_s=0.01)
    started = time.monotonic()
    assert runner(p.info, list(p.chunks), p.options) == [("chunk", 0), ("chunk", 1)]
    assert time.monotonic() - started < settings.lease_s + 2  # released: not a lease's wait
    assert runner.ran[1]["claim"] == 1


def test_an_error_in_another_workers_chunk_reaches_the_runner_as_it_was(job):
    settings, store, job_id, folder = job
    p = plan(count=2)

    def other_worker(index: int) -> None:
        assert serve_chunk(settings, job_id, index, who="other", run=failing_run, store=store) == "ran"

    runner = SharedChunks(folder, "runner", other_worker, count=2, run=fake_run, wait_s=0.01)
    with pytest.raises(InputError, match="0:42"):
        runner(p.info, list(p.chunks), p.options)
