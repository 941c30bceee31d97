"""Event lists that come back from the user: moved, deleted, added or restyled events.

`foley render VIDEO --events FILE` reads, by suffix:

- `.json`: the project's own event list (schema foleystudio.events.1), edited;
- `.csv`: the project's event CSV (export/events_csv.py), edited in a spreadsheet;
  time_s is the event's time (seconds or [h:]mm:ss.fff); the timecode and frame
  columns are for people and are not read;
- `.otio`: a timeline written by `--export otio` whose markers an editor moved, deleted
  or added. A marker that carries its event (metadata "foleystudio") keeps the event's
  sub-frame time, shifted by as many frames as the marker moved; a marker an editor
  added becomes a step of the person its name says ("P1 ..."), else person 0.

The list replaces the analysis's events: what is not in it is not rendered. An event
keeps its `id` from the export, so its position in the frame and distance come from
the analysis (`apply_events`); a new one takes them from its person's nearest event.
A surface or footwear given for an event is the user's and wins over cues and flags.
Every problem is an InputError naming the file and the line (or the marker).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foleystudio.edits.parsing import csv_rows, json_items, read_text, seconds, unit, whole
from foleystudio.errors import InputError
from foleystudio.materials import normalise_footwear, normalise_surface
from foleystudio.timebase import nearest_frame
from foleystudio.vision.contacts import FEET, KINDS, ContactEvent

SCHEMAS = ("foleystudio.events.1",)
LAYERS = ("footsteps",)
NEW_STRENGTH = 0.6  # an added event's strength when the file gives none: a firm step
_FIELDS = {"id": "id", "t": "t", "time_s": "t", "time": "t", "timecode": "timecode", "frame": "frame",
           "person": "person", "foot": "foot", "layer": "layer", "kind": "kind", "surface": "surface",
           "footwear": "footwear", "confidence": "confidence", "strength": "strength", "x": "x", "y": "y"}
# what the event list carries for people but render does not read back
_IGNORED = {"frame", "timecode", "confidence", "surface_source", "footwear_source", "surface_seen",
            "surface_probability", "surface_estimator", "body_px"}


@dataclass(frozen=True)
class EditedEvent:
    t_s: float
    person: int
    foot: str
    kind: str
    layer: str
    id: str | None  # the exported event it was, None for one the user added
    surface: str | None  # None: cues, flags, the estimate or the default decide
    footwear: str | None
    strength: float | None  # None: the original's, or NEW_STRENGTH
    x: float | None  # None: the original's, or the person's nearest event's
    y: float | None
    where: str  # "file:line" or "file: marker 'name'", for messages


@dataclass(frozen=True)
class EventList:
    events: tuple[EditedEvent, ...]  # sorted by time
    source: str


def read_events(path: str | os.PathLike, *, duration_s: float | None = None) -> EventList:
    """Parse an edited event list (.json, .csv or .otio); events past `duration_s` are refused."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".otio":
        from foleystudio.edits.otio_markers import marker_rows

        rows = marker_rows(path)
    else:
        text = read_text(path, "event list")
        if suffix == ".json":
            rows = [(f"{path}:{line}", item) for line, item in
                    json_items(path, text, key="events", schemas=SCHEMAS, what="event")]
        elif suffix == ".csv":
            rows = [(f"{path}:{line}", row) for line, row in
                    csv_rows(path, text, fields=_FIELDS, required=("t", "person"))]
        else:
            raise InputError(f"{path}: unknown event list type {suffix!r}; use .json, .csv or .otio")
    events = [_event(where, row, duration_s) for where, row in rows]
    return EventList(events=tuple(sorted(events, key=lambda e: e.t_s)), source=str(path))


def _event(where: str, row: dict, duration_s: float | None) -> EditedEvent:
    fields = {}
    for key, value in row.items():
        name = _FIELDS.get(str(key).strip().lower())
        if name is None and key not in _IGNORED:
            raise InputError(f"{where}: unknown field {key!r}; allowed: {', '.join(dict.fromkeys(_FIELDS.values()))}")
        if name is not None and value not in (None, ""):
            fields[name] = value
    if "t" not in fields:
        raise InputError(f"{where}: an event needs a time (t or time_s)")
    t = seconds(where, "time", fields["t"])
    if duration_s is not None and t >= duration_s:
        raise InputError(f"{where}: time {t:.4f} s is past the end of the video ({duration_s:.4f} s)")
    if "person" not in fields:
        raise InputError(f"{where}: an event needs a person (0, 1, ...)")
    try:
        surface = normalise_surface(str(fields["surface"])) if "surface" in fields else None
        footwear = normalise_footwear(str(fields["footwear"])) if "footwear" in fields else None
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    return EditedEvent(
        t_s=t,
        person=whole(where, "person", fields["person"]),
        foot=_choice(where, "foot", fields.get("foot", "unknown"), FEET),
        kind=_choice(where, "kind", fields.get("kind", "step"), KINDS),
        layer=_choice(where, "layer", fields.get("layer", "footsteps"), LAYERS),
        id=str(fields["id"]) if "id" in fields else None,
        surface=surface,
        footwear=footwear,
        strength=unit(where, "strength", fields["strength"]) if "strength" in fields else None,
        x=unit(where, "x", fields["x"]) if "x" in fields else None,
        y=unit(where, "y", fields["y"]) if "y" in fields else None,
        where=where,
    )


def _choice(where: str, name: str, value: object, allowed: Sequence[str]) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise InputError(f"{where}: {name} {value!r} is not one of {', '.join(allowed)}")
    return text


def event_ids(n: int) -> tuple[str, ...]:
    """The ids of an analysis's n events as the event list writes them ("e0000", ...)."""
    return tuple(f"e{i:04d}" for i in range(n))


@dataclass(frozen=True)
class AppliedEvents:
    events: tuple[ContactEvent, ...]  # what to render, by time
    origins: tuple[int | None, ...]  # index of the analysis event each one was (None: added)
    ids: tuple[str, ...]  # the id each keeps in the next event list: the original's, or "u0000" for an added one
    overrides: tuple[tuple[str | None, str | None], ...]  # (surface, footwear) the user gave each


def apply_events(originals: Sequence[ContactEvent], edited: EventList, *, frame_times_s: Sequence[float]) -> AppliedEvents:
    """The edited list as events to render.

    An event whose id is one of the analysis's (`event_ids`) takes what it does not say
    (position, strength, apparent size) from that original; any other is new, and takes
    them from the same person's nearest original in time.
    """
    index = {event_id: i for i, event_id in enumerate(event_ids(len(originals)))}
    out, origins, ids = [], [], []
    for k, edit in enumerate(edited.events):
        origin = index.get(edit.id) if edit.id is not None else None
        base = originals[origin] if origin is not None else _nearest(originals, edit)
        frame = nearest_frame(np.asarray(frame_times_s), edit.t_s) if len(frame_times_s) else 0
        out.append(ContactEvent(
            t_s=edit.t_s, frame=frame, person=edit.person, foot=edit.foot, kind=edit.kind,
            confidence=base.confidence if origin is not None else 1.0,  # the user put it there
            strength=edit.strength if edit.strength is not None else (base.strength if origin is not None else NEW_STRENGTH),
            x=edit.x if edit.x is not None else base.x,
            y=edit.y if edit.y is not None else base.y,
            body_px=base.body_px,
        ))
        origins.append(origin)
        ids.append(edit.id or f"u{k:04d}")
    overrides = tuple((e.surface, e.footwear) for e in edited.events)
    return AppliedEvents(events=tuple(out), origins=tuple(origins), ids=tuple(ids), overrides=overrides)


def _nearest(originals: Sequence[ContactEvent], edit: EditedEvent) -> ContactEvent:
    same = [e for e in originals if e.person == edit.person] or list(originals)
    if not same:
        return ContactEvent(t_s=edit.t_s, frame=0, person=edit.person, foot=edit.foot, kind=edit.kind,
                            confidence=1.0, strength=NEW_STRENGTH, x=0.5, y=0.8, body_px=float("nan"))
    return min(same, key=lambda e: abs(e.t_s - edit.t_s))


__all__ = ["AppliedEvents", "EditedEvent", "EventList", "apply_events", "event_ids", "read_events"]
