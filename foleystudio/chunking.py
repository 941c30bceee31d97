"""A long video's analysis in chunks, several at once: planned at keyframes, run in worker processes, and
joined as one pass over the whole video sees it.

A chunk owns frames [first, end). It starts decoding a warm-up earlier (the pose tracker finds the people
and its landmark filter settles, the shot detector fills its window, the motion tracker learns the camera)
and decodes three frames past its end (a stop is judged on the two intervals after it). The join keeps
each chunk's own frames: the shot measurements end to end (the shots are found on the whole series), the
stops judged on its own intervals, the sampled frames thinned as one pass thins them, the camera path
carried across each joint through the last frame both chunks saw, and each person's landmarks, linked to
the person the chunk before followed where both saw them (hips within half a torso in the warm-up).

Joined results match one pass to the frame wherever the warm-up has settled the trackers (tests compare
the events of both on real clips); people are numbered in order of first appearance either way.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from foleystudio.errors import ModelError
from foleystudio.media.frames import iter_frames, mark_held, prefetched
from foleystudio.media.probe import VideoInfo
from foleystudio.native_log import muted_native_stderr
from foleystudio.vision.camera import joined_path
from foleystudio.vision.motion import MotionConfig, MotionEvent, MotionTracker
from foleystudio.vision.pose import Followed, PoseConfig, Span, follow
from foleystudio.vision.scene import tap_frames
from foleystudio.vision.shots import ShotDetector
from foleystudio.vision.surface.sampler import FrameSampler, SampledFrame, SamplerConfig


Callback = Callable[[dict], None]

WARM_UP_S = 1.0  # the pose tracker's landmark filter settles in well under a second of a person
MOTION_TAIL_FRAMES = 3  # a stop on the interval from frame f is judged when frame f + 3 is seen
MIN_CHUNK_S = 4.0  # a chunk shorter than this costs more in start-up and warm-up than it saves
_HIPS = (23, 24)
_SHOULDERS = (11, 12)


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # first frame decoded: the warm-up's (a keyframe where one is near)
    first: int  # first frame it owns
    end: int  # one past the last frame it owns
    stop: int  # one past the last frame decoded


@dataclass(frozen=True, eq=False)
class ChunkResult:
    chunk: Chunk
    followed: Followed  # every frame decoded before `end`: the warm-up's are what links its people
    shots: dict  # ShotDetector.series of its own frames
    stops: list[MotionEvent] | None  # the stops judged on its own intervals (None: actions off)
    sampled: tuple[int, list[SampledFrame]] | None  # (stride, its own sampled frames) (None: scene off)


# what runs a plan's chunks and hands back their results in order: run_chunks (processes on this machine), or the
# job service's runner that shares them with other workers (service/shared_chunks.py)
class ChunkOptions(Protocol):
    """What a chunk needs of analysis.AnalysisOptions (which imports this module, so it is not imported here)."""

    pose: PoseConfig
    motion: MotionConfig
    estimate_scene: bool
    detect_actions: bool


ChunkRunner = Callable[[VideoInfo, list[Chunk], ChunkOptions, Callback | None], list[ChunkResult]]


def parse_workers(text: str) -> int:
    """A --workers value: "auto" (the CPUs this process may use) or a count from 1 to 64."""
    if text == "auto":
        return default_workers()
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of processes (or auto)") from None
    if not 1 <= value <= 64:
        raise ValueError(f"{value} is outside 1..64")
    return value


def default_workers() -> int:
    """Processes for one analysis: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def plan_chunks(info: VideoInfo, workers: int, *, warm_s: float = WARM_UP_S,
                min_chunk_s: float | None = None) -> list[Chunk]:
    """`info`'s frames in at most `workers` chunks of at least `min_chunk_s` (default MIN_CHUNK_S), each warm-up
    starting on a keyframe when one is within a quarter chunk of the even split."""
    min_chunk_s = MIN_CHUNK_S if min_chunk_s is None else min_chunk_s
    n_frames = info.n_frames
    count = max(1, min(int(workers), int(info.duration_s // min_chunk_s), n_frames))
    if count == 1:
        return [Chunk(0, 0, 0, n_frames, n_frames)]
    fps = n_frames / info.duration_s if info.duration_s > 0 else 30.0
    warm = max(int(round(warm_s * fps)), ShotDetector().warm_up_frames)
    keys = np.asarray(info.keyframes, dtype=np.int64)
    step = n_frames / count
    firsts = []
    for k in range(1, count):
        first = int(round(k * step))
        near = keys[np.abs(keys + warm - first) <= step / 4] if keys.size else keys
        if near.size:
            first = int(near[np.argmin(np.abs(near + warm - first))]) + warm
        firsts.append(first)
    edges = [0, *firsts, n_frames]
    return [Chunk(index=k, start=max(0, edges[k] - warm) if k else 0, first=edges[k], end=edges[k + 1],
                  stop=min(n_frames, edges[k + 1] + MOTION_TAIL_FRAMES) if k + 1 < count else n_frames)
            for k in range(count)]


def run_chunk(info: VideoInfo, chunk: Chunk, options: ChunkOptions, callback: Callback | None = None) -> ChunkResult:
    """One chunk's decode, pose, shots, motion and frame sample."""
    width, height = info.display_size
    shots = ShotDetector()
    sampler = FrameSampler(SamplerConfig()) if options.estimate_scene else None
    motion = MotionTracker(options.motion, width, height, info.fps) if options.detect_actions else None
    frames = prefetched(tap_frames(mark_held(iter_frames(info, start=chunk.start, stop=chunk.stop)), shots=shots,
                                   sampler=sampler, motion=motion))
    with muted_native_stderr():
        followed = follow(frames, config=options.pose, callback=callback)
    kept = followed.frames < chunk.end  # the motion tail is not a chunk's to keep
    n = int(kept.sum())  # the frames come in order, so the kept ones are the first n
    tracks = tuple(span for span in (tr.within(0, n) for tr in followed.tracks) if span is not None)
    followed = Followed(frames=followed.frames[:n], t_s=followed.t_s[:n], tracks=tracks,
                        camera=followed.camera[:n], camera_starts=followed.camera_starts[:n],
                        held=followed.held[:n])
    sampled = None
    if sampler is not None:
        sampled = (sampler.stride, [s for s in sampler.frames if chunk.first <= s.index < chunk.end])
    return ChunkResult(chunk=chunk, followed=followed, shots=shots.series(chunk.first, chunk.end),
                       stops=motion.candidates(chunk.first, chunk.end) if motion is not None else None,
                       sampled=sampled)


@dataclass
class Joined:
    followed: Followed
    shots: list[dict]  # each chunk's ShotDetector.series, in order (ShotDetector.take)
    stops: list[MotionEvent] | None  # MotionTracker.take
    sampled: list[tuple[int, list[SampledFrame]]] | None  # FrameSampler.take


def join_chunks(results: list[ChunkResult], *, link_torso: float = 0.5) -> Joined:
    """The chunks' results (in order) as one pass's."""
    results = sorted(results, key=lambda r: r.chunk.index)
    frames, t_s, tracks, camera = [], [], _People(), []
    for r in results:
        f = r.followed
        own = f.frames >= r.chunk.first
        tracks.add(f, own, link_torso=link_torso)
        frames.append(f.frames[own])
        t_s.append(f.t_s[own])
        camera.append((f.camera, f.camera_starts, own))
    starts = np.concatenate([r.followed.camera_starts[r.followed.frames >= r.chunk.first] for r in results])
    held = np.concatenate([r.followed.held[r.followed.frames >= r.chunk.first] for r in results])
    followed = Followed(frames=np.concatenate(frames), t_s=np.concatenate(t_s), tracks=tracks.spans(),
                        camera=joined_path(camera), camera_starts=starts, held=held)
    stops = None if results[0].stops is None else [e for r in results for e in r.stops]
    sampled = None if results[0].sampled is None else [r.sampled for r in results]
    return Joined(followed=followed, shots=[r.shots for r in results], stops=stops, sampled=sampled)


@dataclass
class _People:
    """People joined across chunks: each a list of (row of the whole, the span of one chunk's own frames)."""

    people: list[list[tuple[int, Span]]] = field(default_factory=list)
    last: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # person -> (frames, image) last seen
    n: int = 0

    def add(self, f: Followed, own: np.ndarray, *, link_torso: float) -> None:
        warm = int((~own).sum())  # the warm-up's frames come first
        links = self._links(f, warm, link_torso) if self.people else {}
        last: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k, span in enumerate(f.tracks):
            mine = span.within(warm, len(own))
            if mine is None:
                continue  # seen in the warm-up only: the chunk before had those frames
            person = links.get(k)
            if person is None:
                person = len(self.people)
                self.people.append([])
            self.people[person].append((self.n + mine.first, mine))
            last[person] = (f.frames[warm + mine.first : warm + mine.end], mine.image)
        self.n += len(own) - warm
        self.last = last

    def _links(self, f: Followed, warm: int, link_torso: float) -> dict[int, int]:
        """Chunk track -> person of the chunk before, where both followed the same body through the warm-up."""
        pairs = []
        warm_frames = f.frames[:warm]
        for k, span in enumerate(f.tracks):
            mine = span.over(0, warm).image
            for person, (frames, theirs_all) in self.last.items():
                at = np.searchsorted(frames, warm_frames)
                ok = (at < len(frames)) & (frames[np.minimum(at, len(frames) - 1)] == warm_frames)
                theirs = theirs_all[np.minimum(at, len(frames) - 1)]
                both = ok & ~np.isnan(mine[:, 0, 0]) & ~np.isnan(theirs[:, 0, 0])
                if both.sum() < 3:
                    continue
                hips_a, hips_b = mine[both][:, _HIPS, :2].mean(1), theirs[both][:, _HIPS, :2].mean(1)
                torso = np.linalg.norm(theirs[both][:, _SHOULDERS, :2].mean(1) - hips_b, axis=1)
                d = float(np.median(np.linalg.norm(hips_a - hips_b, axis=1) / np.maximum(torso, 1.0)))
                if d <= link_torso:
                    pairs.append((d, k, person))
        links: dict[int, int] = {}
        for _, k, person in sorted(pairs):
            if k not in links and person not in links.values():
                links[k] = person
        return links

    def spans(self) -> tuple[Span, ...]:
        return tuple(Span.of_rows([(at, s.image, s.world, s.visibility) for at, s in parts]) for parts in self.people)


# -- running chunks at once ---------------------------------------------------------------------
#
# Each chunk runs in a fresh interpreter (`python -m foleystudio.chunking`), not a multiprocessing child: it
# needs no `if __name__ == "__main__"` guard in the caller's script, and a service's job process (a daemon,
# which multiprocessing forbids children) can start it. The job goes in on stdin, progress comes back on
# stdout a line per 8 frames, and the result (or the error) in a pickle file.

PROGRESS_EVERY = 8


def run_chunks(info: VideoInfo, chunks: list[Chunk], options: ChunkOptions,
               callback: Callback | None = None) -> list[ChunkResult]:
    """The first chunk here, every other in its own worker process, at once; progress as frames done of all
    chunks' frames."""
    total = sum(c.stop - c.start for c in chunks)
    done = [0]
    lock = threading.Lock()

    def progress(frames: int) -> None:
        with lock:
            done[0] += frames
            if callback is not None:
                callback({"stage": "pose", "frame": min(done[0], total) - 1, "total": total, "chunks": len(chunks)})

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # one core each: no spinning pools
    with tempfile.TemporaryDirectory(prefix="foley-chunks-") as tmp:
        workers = [_Worker(info, chunk, options, Path(tmp) / f"chunk{chunk.index}.pickle", env, progress)
                   for chunk in chunks[1:]]
        try:  # this process has its modules loaded: it takes a chunk while the workers start
            here = run_chunk(info, chunks[0], options, callback=lambda _event: progress(1))
            return [here, *(w.result() for w in workers)]
        finally:
            for w in workers:
                w.stop()


class _Worker:
    """One chunk's process, its progress reader, and its result."""

    def __init__(self, info: VideoInfo, chunk: Chunk, options: ChunkOptions, out: Path, env: dict,
                 progress: Callable[[int], None]):
        self.out = out
        self.proc = subprocess.Popen([sys.executable, "-m", "foleystudio.chunking"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.proc.stdin.write(pickle.dumps((info, chunk, options, str(out))))
        self.proc.stdin.close()
        self.reader = threading.Thread(target=self._read, args=(progress,), daemon=True, name=f"foley-chunk{chunk.index}")
        self.reader.start()

    def _read(self, progress: Callable[[int], None]) -> None:
        for line in self.proc.stdout:
            if line.strip().isdigit():
                progress(int(line))

    def result(self) -> ChunkResult:
        code = self.proc.wait()
        self.reader.join()
        try:
            outcome = pickle.loads(self.out.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError):
            raise ModelError(f"a chunk's analysis process ended with code {code} and no result") from None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _main() -> int:
    """A worker: one chunk from stdin, its result (or its error) pickled to the file the job names."""
    info, chunk, options, out = pickle.loads(sys.stdin.buffer.read())
    frames = [0]

    def tick(_event: dict) -> None:
        frames[0] += 1
        if frames[0] % PROGRESS_EVERY == 0:
            print(PROGRESS_EVERY, flush=True)

    try:
        outcome = run_chunk(info, chunk, options, callback=tick)
        code = 0
    except Exception as exc:  # handed to the parent, which raises it
        outcome, code = exc, 1
    print(frames[0] % PROGRESS_EVERY, flush=True)
    Path(out).write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    return code


if __name__ == "__main__":
    from foleystudio.chunking import _main as main  # the module's own classes, not __main__'s, are pickled

    sys.exit(main())
