"""Markers of an OTIO timeline as event rows (edits/events.py reads them like CSV rows).

The markers `--export otio` wrote sit on the video clip and carry their event under
metadata "foleystudio" (export/otio_timeline.py). A marker an editor moved keeps the
event's sub-frame time shifted by the frames it moved: an event at 1.2764 s (frame 38
at 29.97) whose marker now sits on frame 41 comes back at 1.2764 + 3/29.97 s. A
marker without that metadata is one the editor added: a step at the marker's frame.
Markers on the tracks or the timeline's stack count too, at their time in the timeline.
"""

from __future__ import annotations

from pathlib import Path

from foleystudio.edits.parsing import person_from_name
from foleystudio.errors import InputError

METADATA_KEY = "foleystudio"  # as export/otio_timeline.py writes it


def marker_rows(path: Path) -> list[tuple[str, dict]]:
    """(where, row) per marker, in the same fields as the event CSV."""
    import opentimelineio as otio

    if not path.is_file():
        raise InputError(f"{path}: event list not found")
    try:
        timeline = otio.adapters.read_from_file(str(path), adapter_name="otio_json")
    except Exception as exc:  # OTIO raises its own, undocumented types for a bad file
        raise InputError(f"{path}: not an OpenTimelineIO timeline ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    if not isinstance(timeline, otio.schema.Timeline):
        raise InputError(f"{path}: holds a {type(timeline).__name__}, not a timeline")
    rows = []
    for item, marker in _markers(timeline):
        where = f"{path}: marker {marker.name!r}"
        start = marker.marked_range.start_time
        if item is not None:  # a clip's marker is in the clip's media time: the video clip starts at frame 0
            start = start - item.trimmed_range().start_time + item.range_in_parent().start_time
        rate = start.rate
        frame = round(start.value)
        meta = dict(marker.metadata.get(METADATA_KEY) or {})
        if meta:
            if "t" not in meta:
                raise InputError(f"{where}: its foleystudio metadata has no time (t)")
            try:
                t = float(meta["t"])
            except (TypeError, ValueError):
                raise InputError(f"{where}: its foleystudio time {meta['t']!r} is not a number") from None
            moved = frame - round(t * rate)
            meta["t"] = t + moved / rate
            rows.append((where, meta))
        else:
            rows.append((where, {"t": frame / rate, "person": person_from_name(marker.name), "kind": "step"}))
    return rows


def _markers(timeline):
    """(item the marker is on, or None for a stack's) for every marker in the timeline."""
    for marker in timeline.tracks.markers:
        yield None, marker
    for track in timeline.tracks:
        for marker in track.markers:
            yield None, marker
        for item in track:
            for marker in getattr(item, "markers", ()):
                yield item, marker
