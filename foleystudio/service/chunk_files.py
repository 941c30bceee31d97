"""A job's analysis chunks, shared by workers through files in the job's folder (every host that mounts
FOLEY_DATA_DIR sees them): the plan, a claim on each chunk, and each chunk's result.

    <job>/chunks/plan.pickle          (schema, plan): the video, the analysis options and the chunks
    <job>/chunks/<plan>.<k>.claim.<g> a claim on chunk k, generation g, made with O_CREAT|O_EXCL so that one
                                      worker wins it; its holder writes it every lease / 3 (the frames it has
                                      done), so its mtime is a heartbeat. A claim not written for a lease (its
                                      holder died or hangs) is taken over by generation g + 1, again O_EXCL, so
                                      one taker wins; the old holder finds out at its next beat.
    <job>/chunks/<plan>.<k>.result    (who ran it, how long, the ChunkResult or the error it raised): written to a
                                      temp name and renamed, so it is whole or absent

Every name carries the plan's id (a hash of what it holds), so a file from a plan that changed between two runs
of the job is never taken for this one's, and a run after a crash finds the chunks already done. A chunk run
twice (a holder that lost its claim but still finished) writes the same result again: harmless.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from foleystudio.analysis import AnalysisOptions
from foleystudio.chunking import Chunk, ChunkResult
from foleystudio.media.probe import VideoInfo

PLAN_SCHEMA = "foleystudio.chunk-plan.1"
_FRAMES_WIDTH = 12  # a claim's first line: the frames done, padded so a rewrite never leaves it short or empty


@dataclass(frozen=True)
class Plan:
    info: VideoInfo
    options: AnalysisOptions
    chunks: tuple[Chunk, ...]

    @cached_property
    def id(self) -> str:
        return hashlib.sha256(pickle.dumps((self.info, self.options, self.chunks), protocol=4)).hexdigest()[:16]

    def frames(self, index: int) -> int:
        """Frames chunk `index` decodes (its warm-up and tail too): what its progress counts."""
        chunk = self.chunks[index]
        return chunk.stop - chunk.start


@dataclass(frozen=True, eq=False)
class Outcome:
    index: int
    who: str  # the worker that ran it
    seconds: float
    generation: int  # of the claim it ran under: above 0 when it was taken over
    value: ChunkResult | BaseException


@dataclass
class Claim:
    folder: ChunkFolder
    plan_id: str
    index: int
    generation: int
    path: Path

    def beat(self, frames: int) -> bool:
        """Renew the claim, saying `frames` are done; False when it was taken over (or the folder is gone)."""
        try:
            fd = os.open(self.path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        try:
            os.pwrite(fd, f"{frames:>{_FRAMES_WIDTH}}".encode(), 0)
        finally:
            os.close(fd)
        os.utime(self.path)
        return self.folder.generation(self.plan_id, self.index) == self.generation

    def release(self) -> None:
        """Give the chunk up now (its run died or was stopped): the claim reads as lapsed, so anyone takes it."""
        try:
            os.utime(self.path, (0, 0))
        except FileNotFoundError:
            pass


@dataclass
class ChunkFolder:
    root: Path  # <job>/chunks
    lease_s: float  # a claim not written for this long is taken over
    _plans: dict = field(default_factory=dict, repr=False)

    def write_plan(self, plan: Plan) -> None:
        """Make `plan` the job's (kept as it is when it already is), and drop what other plans left."""
        self.root.mkdir(exist_ok=True)  # not parents: a deleted job's folder is not made again
        current = self.read_plan()
        if current is not None and current.id == plan.id:
            return
        for path in self.root.iterdir():
            if not path.name.startswith(plan.id):
                path.unlink(missing_ok=True)
        self._atomic(self.root / "plan.pickle", (PLAN_SCHEMA, plan))

    def read_plan(self) -> Plan | None:
        try:
            with open(self.root / "plan.pickle", "rb") as fh:
                schema, plan = pickle.load(fh)  # written by write_plan: the service's own file
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return None
        return plan if schema == PLAN_SCHEMA else None

    def has_plan(self) -> bool:
        return (self.root / "plan.pickle").exists()

    def _name(self, plan_id: str, index: int, what: str) -> Path:
        return self.root / f"{plan_id}.{index}.{what}"

    def generation(self, plan_id: str, index: int) -> int:
        """The current claim's generation on chunk `index`; -1 when nobody has claimed it."""
        prefix = f"{plan_id}.{index}.claim."
        try:
            names = [p.name for p in self.root.iterdir()]
        except FileNotFoundError:
            return -1
        return max((int(n[len(prefix):]) for n in names if n.startswith(prefix) and n[len(prefix):].isdigit()),
                   default=-1)

    def claim(self, plan_id: str, index: int, who: str) -> Claim | None:
        """Chunk `index` for `who`, when it has no result and nobody holds it (never claimed, or lapsed); else None."""
        if self.done(plan_id, index):
            return None
        generation = self.generation(plan_id, index)
        if generation >= 0 and not self._lapsed(self._name(plan_id, index, f"claim.{generation}")):
            return None
        path = self._name(plan_id, index, f"claim.{generation + 1}")
        holder = {"who": who, "host": socket.gethostname(), "pid": os.getpid(), "claimed": time.time()}
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except (FileExistsError, FileNotFoundError):  # another taker won it, or the folder is gone
            return None
        try:
            os.write(fd, f"{0:>{_FRAMES_WIDTH}}\n{json.dumps(holder)}\n".encode())
        finally:
            os.close(fd)
        claim = Claim(self, plan_id, index, generation + 1, path)
        if self.done(plan_id, index):  # finished by the one it was taken from, just now
            claim.release()
            return None
        return claim

    def _lapsed(self, path: Path) -> bool:
        try:
            return time.time() - path.stat().st_mtime > self.lease_s
        except FileNotFoundError:
            return False

    def holder(self, plan_id: str, index: int) -> dict | None:
        """The current claim on chunk `index`: who, host, pid, claimed, frames done and generation; None if none."""
        generation = self.generation(plan_id, index)
        try:
            frames, holder = self._name(plan_id, index, f"claim.{generation}").read_text().split("\n")[:2]
            return {**json.loads(holder), "frames": int(frames), "generation": generation}
        except (OSError, ValueError):  # none, or being written
            return None

    def frames_done(self, plan: Plan, index: int) -> int:
        """How far chunk `index` is: all its frames once its result is in, else what its holder last said."""
        if self.done(plan.id, index):
            return plan.frames(index)
        holder = self.holder(plan.id, index)
        return min(holder["frames"], plan.frames(index)) if holder else 0

    def done(self, plan_id: str, index: int) -> bool:
        return self._name(plan_id, index, "result").exists()

    def write_result(self, plan_id: str, outcome: Outcome) -> None:
        self._atomic(self._name(plan_id, outcome.index, "result"), outcome)

    def read_result(self, plan_id: str, index: int) -> Outcome | None:
        try:
            with open(self._name(plan_id, index, "result"), "rb") as fh:
                return pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError):
            return None

    def _atomic(self, path: Path, value) -> None:
        tmp = self.root / f".{path.name}.{uuid.uuid4().hex[:8]}.partial"
        try:
            with open(tmp, "xb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
