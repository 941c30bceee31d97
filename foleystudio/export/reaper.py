"""A REAPER project (.rpp), written as text: the video on a track, each stem on its own, events as markers.

RPP is REAPER's own plain-text format (`<TAG ...>` blocks, one value line each); no
maintained writer exists on PyPI, and the `rpp` package reads the file back in the
tests. The project runs at 48 kHz, its time offset (PROJOFFS) is the timeline's start
timecode, and each marker is `MARKER index seconds "name" 0 colour` with the person's
colour in REAPER's native form (0x01bbggrr).
"""

from __future__ import annotations

import os
from pathlib import Path

from foleystudio.export.atomic import write_text
from foleystudio.export.delivery import RGB, Delivery, marker_color, marker_name

CUSTOM_COLOR = 0x1000000  # REAPER's flag for "this marker has its own colour"


def project_text(delivery: Delivery) -> str:
    length = f"{delivery.duration_s:.6f}"
    lines = [
        '<REAPER_PROJECT 0.1 "6.0/foleystudio" 0',
        f"  SAMPLERATE {delivery.sr} 0 0",
        f"  PROJOFFS {delivery.start_s:.6f} 0 0",
    ]
    for index, event in enumerate(delivery.events, start=1):
        r, g, b = RGB[marker_color(event)]
        lines.append(f'  MARKER {index} {event["t"]:.6f} {_quote(marker_name(event))} 0 {CUSTOM_COLOR | b << 16 | g << 8 | r}')
    tracks = [("Video", delivery.video, "VIDEO"), *((layer, path, "WAVE") for layer, path in delivery.stems)]
    for name, path, kind in tracks:
        lines += [
            "  <TRACK",
            f"    NAME {_quote(name)}",
            "    <ITEM",
            "      POSITION 0",
            f"      LENGTH {length}",
            f"      NAME {_quote(Path(path).name)}",
            f"      <SOURCE {kind}",
            f"        FILE {_quote(str(Path(path).resolve()))}",
            "      >",
            "    >",
            "  >",
        ]
    lines.append(">")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """REAPER quotes a value with ", or ' / ` when it holds a " itself."""
    for mark in ('"', "'", "`"):
        if mark not in text:
            return f"{mark}{text}{mark}"
    return '"' + text.replace('"', "'") + '"'


def write(delivery: Delivery, path: str | os.PathLike) -> None:
    write_text(path, project_text(delivery))
