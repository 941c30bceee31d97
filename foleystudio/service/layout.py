"""Where a job's files live. Every name is made here from the job id; nothing a user sent becomes a path.

    <data_dir>/jobs/<id>/input              the upload, as received (renamed into place once complete)
    <data_dir>/jobs/<id>/analysis.pickle    the job's analysis: a re-render never analyses again
    <data_dir>/jobs/<id>/detected.json      the analysis's own events, before any edit (what the page edits)
    <data_dir>/jobs/<id>/chunks/            a long analysis shared by several workers, while it runs (chunk_files.py)
    <data_dir>/jobs/<id>/results.<n>/       the results of run n; the record names the current one
    <data_dir>/cache/                       the analysis cache shared by every job (same video, same analysis)
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from foleystudio.service.store import is_job_id

_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class JobFiles:
    root: Path  # <data_dir>/jobs/<id>

    @classmethod
    def of(cls, jobs_dir: Path, job_id: str) -> JobFiles:
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return cls(Path(jobs_dir) / job_id)

    @property
    def id(self) -> str:
        return self.root.name

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def partial_input(self) -> Path:
        return self.root / ".input.partial"

    @property
    def analysis(self) -> Path:
        return self.root / "analysis.pickle"

    @property
    def chunks(self) -> Path:
        return self.root / "chunks"

    @property
    def detected(self) -> Path:
        return self.root / "detected.json"

    def results(self, name: str) -> Path:
        return self.root / name

    def stale_results(self, keep: str | None) -> list[Path]:
        """Result folders no record points at (a run that died, or the one before the current)."""
        return [p for p in self.root.glob("results.*") if p.is_dir() and p.name != keep] + \
               [p for p in self.root.glob(".results.*") if p.is_dir()]

    def remove_partials(self) -> None:
        """What a run that was stopped or died was still writing (never what the record names)."""
        for path in self.root.glob(".*partial*"):
            if path.name == self.partial_input.name:
                continue  # an upload the server may still be receiving
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def display_name(filename: str | None) -> str:
    """The upload's own name, for people only (downloads are named after it); never used as a path."""
    name = _SAFE.sub("_", (filename or "video").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .") or "video"
    return name[:120]


def sync_dir(folder: Path) -> None:
    """Make a rename inside `folder` durable (its directory entry reaches the disk)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
