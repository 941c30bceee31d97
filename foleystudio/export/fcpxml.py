"""Final Cut Pro 7 XML (xmeml 4) through OTIO's fcp_xml adapter (the `otio-fcp-adapter` package).

Premiere Pro, DaVinci Resolve and Final Cut Pro 7 import it: the video on V1, each stem
on its own audio track, the contacts as clip markers on the video. FCP XML has no place
for a marker's colour or data, so the events come home through the .otio or the CSV.
Its timecode needs a SMPTE rate: a 10 fps video sits on a 30 fps sequence (edl.py).
"""

from __future__ import annotations

import os

from foleystudio.export.delivery import Delivery
from foleystudio.export.otio_timeline import build_timeline, timecode_rate, write_timeline


def write(delivery: Delivery, path: str | os.PathLike) -> None:
    write_timeline(build_timeline(delivery, rate=timecode_rate(delivery.fps)), path, "fcp_xml")
