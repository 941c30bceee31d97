"""Write-then-rename, so a failed write never leaves a partial file under the real name."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from foleystudio.errors import ExportError


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it to `target` if the block succeeds."""
    target = Path(target)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.partial{target.suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """`text` as UTF-8, atomically; ExportError naming the path if it cannot be written."""
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot write {path} ({exc.strerror or exc})") from None


def write_json(path: str | os.PathLike, data: dict) -> None:
    """`data` as indented JSON, atomically; ExportError naming the path if it cannot be written."""
    write_text(path, json.dumps(data, indent=1) + "\n")
