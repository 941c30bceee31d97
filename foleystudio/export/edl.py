"""CMX 3600 EDL through OTIO's cmx_3600 adapter (the `otio-cmx3600-adapter` package).

A CMX 3600 list has one track, so the EDL holds the video event and every contact as a
locator comment on it (`* LOC: 00:00:00;08 RED     P0 LEFT STEP, GRAVEL`); the stems
travel in the OTIO, FCP XML and REAPER files. Locator text is upper-case (the format's
convention) and the colour is the person's. Drop-frame rates write drop-frame timecode.
Timecode exists only at the SMPTE rates: a 10 fps video is listed at 30 (each of its
frames three timecode frames), a 12.5 or 7 fps one at 30 to the nearest frame.
"""

from __future__ import annotations

import os

from foleystudio.export.delivery import Delivery
from foleystudio.export.otio_timeline import build_timeline, timecode_rate, write_timeline


def write(delivery: Delivery, path: str | os.PathLike) -> None:
    rate = timecode_rate(delivery.fps)
    write_timeline(build_timeline(delivery, audio=False, rate=rate), path, "cmx_3600", style="avid", rate=float(rate))
