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
the analysis (`apply_events`, `apply_actions`); a new one takes them from its person's
nearest event. A surface or footwear given for a step, or a material for a specific, is
the user's and wins over cues and flags. Rows of the specifics layer (claps, hits, falls,
...; ids "s0000") name no foot, and their person is -1 for a sound of no one.
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
from foleystudio.materials import normalise_footwear, normalise_hit_material, normalise_surface
from foleystudio.timebase import nearest_frame
from foleystudio.vision.actions import KINDS as ACTION_KINDS
from foleystudio.vision.actions import ActionEvent
from foleystudio.vision.contacts import FEET, KINDS, ContactEvent

SCHEMAS = ("foleystudio.events.1",)
LAYERS = ("footsteps", "specifics", "moves", "ambience", "music")  # every layer: a stem each, a level, on or off
EVENT_LAYERS = ("footsteps", "specifics")  # the layers made of events (moves follow the bodies)
NEW_STRENGTH = 0.6  # an added event's strength when the file gives none: a firm step
_FIELDS = {"id": "id", "t": "t", "time_s": "t", "time": "t", "timecode": "timecode", "frame": "frame",
           "person": "person", "foot": "foot", "layer": "layer", "kind": "kind", "surface": "surface",
           "footwear": "footwear", "confidence": "confidence", "strength": "strength", "x": "x", "y": "y",
           "material": "material"}
# what the event list carries for people but render does not read back
_IGNORED = {"frame", "timecode", "confidence", "surface_source", "footwear_source", "surface_seen",
            "surface_probability", "surface_estimator", "body_px", "material_source"}


@dataclass(frozen=True)
class EditedEvent:
    t_s: float
    person: int
    foot: str  # "unknown" for a specific
    kind: str  # footsteps: contacts.KINDS; specifics: actions.KINDS
    layer: str  # one of EVENT_LAYERS
    id: str | None  # the exported event it was, None for one the user added
    surface: str | None  # None: cues, flags, the estimate or the default decide
    footwear: str | None
    strength: float | None  # None: the original's, or NEW_STRENGTH
    x: float | None  # None: the original's, or the person's nearest event's
    y: float | None
    where: str  # "file:line" or "file: marker 'name'", for messages
    material: str | None = None  # a specific's struck material (materials.HIT_MATERIALS); None: the default


@dataclass(frozen=True)
class EventList:
    events: tuple[EditedEvent, ...]  # sorted by time
    source: str
    layers: tuple[str, ...] = EVENT_LAYERS  # the layers it speaks for: their events are these; others the analysis's


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
    layer = _choice(where, "layer", fields.get("layer", "footsteps"), EVENT_LAYERS)
    try:
        surface = normalise_surface(str(fields["surface"])) if "surface" in fields else None
        footwear = normalise_footwear(str(fields["footwear"])) if "footwear" in fields else None
        material = normalise_hit_material(str(fields["material"])) if "material" in fields else None
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    specific = layer == "specifics"
    person = str(fields["person"]).strip()
    return EditedEvent(
        t_s=t,
        person=-1 if specific and person == "-1" else whole(where, "person", fields["person"]),
        foot="unknown" if specific else _choice(where, "foot", fields.get("foot", "unknown"), FEET),
        kind=_choice(where, "kind", fields.get("kind", "impact" if specific else "step"),
                     ACTION_KINDS if specific else KINDS),
        layer=layer,
        id=str(fields["id"]) if "id" in fields else None,
        surface=surface,
        footwear=footwear,
        material=material,
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


def action_ids(n: int) -> tuple[str, ...]:
    """The ids of an analysis's n action events, the specifics layer ("s0000", ...)."""
    return tuple(f"s{i:04d}" for i in range(n))


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
    steps = [e for e in edited.events if e.layer == "footsteps"]
    for k, edit in enumerate(steps):
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
    overrides = tuple((e.surface, e.footwear) for e in steps)
    return AppliedEvents(events=tuple(out), origins=tuple(origins), ids=tuple(ids), overrides=overrides)


@dataclass(frozen=True)
class AppliedActions:
    events: tuple[ActionEvent, ...]  # the specifics to render, by time
    ids: tuple[str, ...]  # the original's id, or "v0000" for one the user added
    materials: tuple[str | None, ...]  # the material the user gave each (None: the default)


def apply_actions(originals: Sequence[ActionEvent], edited: EventList, *,
                  frame_times_s: Sequence[float]) -> AppliedActions:
    """The edited list's specifics as action events: one with an original's id takes what it does not say from it
    (position, strength, distance); a new one takes them from its person's nearest original, else the middle."""
    index = {action_id: i for i, action_id in enumerate(action_ids(len(originals)))}
    out, ids = [], []
    specifics = [e for e in edited.events if e.layer == "specifics"]
    for k, edit in enumerate(specifics):
        origin = index.get(edit.id) if edit.id is not None else None
        same = [e for e in originals if e.person == edit.person]
        base = originals[origin] if origin is not None else (
            min(same, key=lambda e: abs(e.t_s - edit.t_s)) if same else None)
        frame = nearest_frame(np.asarray(frame_times_s), edit.t_s) if len(frame_times_s) else 0
        out.append(ActionEvent(
            t_s=edit.t_s, frame=frame, kind=edit.kind, person=edit.person,
            x=edit.x if edit.x is not None else (base.x if base else 0.5),
            y=edit.y if edit.y is not None else (base.y if base else 0.5),
            strength=edit.strength if edit.strength is not None else (
                base.strength if origin is not None else NEW_STRENGTH),
            confidence=base.confidence if origin is not None else 1.0,
            body_px=base.body_px if base else 0.0,
        ))
        ids.append(edit.id or f"v{k:04d}")
    return AppliedActions(events=tuple(out), ids=tuple(ids), materials=tuple(e.material for e in specifics))


def _nearest(originals: Sequence[ContactEvent], edit: EditedEvent) -> ContactEvent:
    same = [e for e in originals if e.person == edit.person] or list(originals)
    if not same:
        return ContactEvent(t_s=edit.t_s, frame=0, person=edit.person, foot=edit.foot, kind=edit.kind,
                            confidence=1.0, strength=NEW_STRENGTH, x=0.5, y=0.8, body_px=float("nan"))
    return min(same, key=lambda e: abs(e.t_s - edit.t_s))


__all__ = ["AppliedActions", "AppliedEvents", "EditedEvent", "EventList", "action_ids", "apply_actions",
           "apply_events", "event_ids", "read_events"]
