"""Files other tools read: events, stems, the muxed video, timelines, marker lists, a preview.

Each format is a small module with `write(delivery, path)`; `FORMATS` names them as
`--export` does, with the suffix each file gets after the output's base name
(`clip_foley` + `.otio`). "preview" needs the pictures, not only the delivery, so the
API writes it (export/preview.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from foleystudio.errors import InputError
from foleystudio.export import edl, events_csv, fcpxml, markers, otio_timeline, reaper
from foleystudio.export.delivery import Delivery

Writer = Callable[[Delivery, str], None]

FORMATS: dict[str, tuple[tuple[str, Writer | None], ...]] = {
    "csv": ((".events.csv", events_csv.write),),
    "otio": ((".otio", otio_timeline.write),),
    "edl": ((".edl", edl.write),),
    "fcpxml": ((".fcp.xml", fcpxml.write),),
    "rpp": ((".rpp", reaper.write),),
    "markers": ((".markers.reaper.csv", markers.write_reaper), (".markers.audition.csv", markers.write_audition)),
    "preview": ((".preview.mp4", None),),  # written by the API from the frames and the mix
}


def parse_formats(spec: str | Iterable[str]) -> tuple[str, ...]:
    """'otio,edl' or 'all' (or a list of names) as known format names in FORMATS order; InputError otherwise."""
    names = [n.strip().lower() for n in (spec.split(",") if isinstance(spec, str) else spec) if n.strip()]
    if "all" in names:
        return tuple(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise InputError(f"unknown export {', '.join(map(repr, unknown))}; allowed: {', '.join(FORMATS)}, all")
    return tuple(n for n in FORMATS if n in names)
