"""Every writer: a failure in the middle of writing leaves no partial file under the final name."""

from __future__ import annotations

from pathlib import Path

import pytest

from foleystudio.errors import ExportError
from foleystudio.export import FORMATS
from foleystudio.export.delivery import Delivery

WRITERS = [(name, suffix, writer) for name, entries in FORMATS.items() for suffix, writer in entries if writer]


@pytest.mark.parametrize("name, suffix, writer", WRITERS, ids=[f"{n}{s}" for n, s, _ in WRITERS])
def test_no_partial_file(delivered, tmp_path, monkeypatch, name, suffix, writer):
    delivery = _delivery(delivered)
    target = tmp_path / f"clip_foley{suffix}"
    real_write_text = Path.write_text

    def half_then_fail(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(ExportError, match=f"cannot write {target}.*No space left"):
        writer(delivery, str(target))
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    writer(delivery, str(target))  # and with room it writes
    assert target.stat().st_size > 0


def _delivery(delivered) -> Delivery:
    info = delivered.analysis.info
    stems = tuple((Path(p).name.split(".")[1], p) for p in delivered.outputs.stems)
    return Delivery(name="clip_foley", video=delivered.outputs.video, fps=info.fps, n_frames=info.n_frames,
                    duration_s=info.duration_s, start_frame=0, sr=48000, stems=stems,
                    events=tuple(delivered.document["events"]))
