"""The edits document: what a user changed about one analysed video, as one versioned JSON object.

    {"schema": "foleystudio.edits.1",
     "off": ["e0003"],                              # events turned off, by id (events_document's ids)
     "moved": {"e0001": 1.25},                      # event id -> its new time in seconds
     "added": [{"t": 2.0, "person": 0, "foot": "left", "kind": "step", "surface": "grass"}],
     "cues": [{"start": 0, "end": 1.5, "surface": "gravel"},           # a time range, everyone
              {"person": 1, "footwear": "boots"}],                       # one person, the whole video
     "levels": {"footsteps": -6.0},                 # dB per layer, applied to its stem before the mix
     "mute": ["footsteps"],                         # layers left out of the mix (their stems are silent)
     "seed": 3}                                     # every key is optional

`read_document` checks it (every problem is an InputError naming the field);
`check_against` checks the ids and times against the analysis; `edit_options` turns it
into the RenderOptions that rendering.render applies: an edited event list (edits/events.py)
and a cue sheet (edits/cues.py). The service stores it with the job; nothing here reads files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from foleystudio.edits.cues import Cue, CueSheet, make_cue
from foleystudio.edits.events import EditedEvent, EventList, action_ids, event_ids
from foleystudio.edits.parsing import seconds, whole
from foleystudio.errors import InputError
from foleystudio.materials import normalise_footwear, normalise_surface
from foleystudio.rendering import RenderOptions, check_layers
from foleystudio.vision.actions import ActionEvent
from foleystudio.vision.contacts import FEET, KINDS, ContactEvent

SCHEMA = "foleystudio.edits.1"
LEVEL_RANGE_DB = (-60.0, 12.0)  # quieter than -60 dB is off (turn the events off); louder than +12 dB clips the mix
_KEYS = ("schema", "off", "moved", "added", "cues", "levels", "mute", "seed")


@dataclass(frozen=True)
class Added:
    t_s: float
    person: int
    foot: str
    kind: str
    surface: str | None
    footwear: str | None


@dataclass(frozen=True)
class Edits:
    off: tuple[str, ...] = ()
    moved: tuple[tuple[str, float], ...] = ()  # (event id, new time in seconds)
    added: tuple[Added, ...] = ()
    cues: tuple[Cue, ...] = ()
    levels: tuple[tuple[str, float], ...] = ()  # (layer, dB)
    mute: tuple[str, ...] = ()  # layers left out of the mix
    seed: int | None = None  # None: the job's own seed


def read_document(data: object) -> Edits:
    """An edits document (a dict parsed from JSON) as Edits; InputError naming the field that is wrong."""
    if not isinstance(data, dict):
        raise InputError(f"edits: expected an object with schema {SCHEMA!r}, got {type(data).__name__}")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        raise InputError(f"edits: unknown field {', '.join(map(repr, unknown))}; allowed: {', '.join(_KEYS)}")
    schema = data.get("schema", SCHEMA)
    if schema != SCHEMA:
        raise InputError(f"edits.schema: {schema!r} is not {SCHEMA!r}")
    off = tuple(_id(f"edits.off[{k}]", v) for k, v in enumerate(_list(data, "off")))
    moved_map = {} if data.get("moved") is None else data["moved"]
    if not isinstance(moved_map, dict):
        raise InputError("edits.moved: must be an object of event id -> new time in seconds")
    moved = tuple((_id(f"edits.moved[{key!r}]", key), seconds(f"edits.moved[{key!r}]", "time", t))
                  for key, t in moved_map.items())
    both = sorted(set(off) & {event_id for event_id, _ in moved})
    if both:
        raise InputError(f"edits.moved: {', '.join(both)} is also turned off; an event is either off or moved")
    added = tuple(_added(f"edits.added[{k}]", item) for k, item in enumerate(_list(data, "added")))
    cues = tuple(_cue(f"edits.cues[{k}]", k + 1, item) for k, item in enumerate(_list(data, "cues")))
    levels_map = {} if data.get("levels") is None else data["levels"]
    if not isinstance(levels_map, dict):
        raise InputError("edits.levels: must be an object of layer -> level in dB")
    levels = tuple((_layer(name), _level(f"edits.levels[{name!r}]", db)) for name, db in levels_map.items())
    mute = tuple(dict.fromkeys(_layer(name, "edits.mute") for name in _list(data, "mute")))
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InputError(f"edits.seed: {seed!r} must be a whole number")
    return Edits(off=off, moved=moved, added=added, cues=cues, levels=levels, mute=mute, seed=seed)


def check_against(edits: Edits, n_events: int, duration_s: float, n_actions: int = 0) -> None:
    """Every id names one of the analysis's `n_events` steps or `n_actions` specifics, and every time is inside
    the video."""
    ids = set(event_ids(n_events)) | set(action_ids(n_actions))
    for field, event_id in [("off", i) for i in edits.off] + [("moved", i) for i, _ in edits.moved]:
        if event_id not in ids:
            have = [f"{p}0000..{p}{n - 1:04d}" for p, n in (("e", n_events), ("s", n_actions)) if n]
            last = " and ".join(have) if have else "none: no events were found"
            raise InputError(f"edits.{field}: no event {event_id!r} (the events are {last})")
    for event_id, t in edits.moved:
        if t >= duration_s:
            raise InputError(f"edits.moved[{event_id!r}]: {t:.3f} s is past the end of the video ({duration_s:.3f} s)")
    for k, add in enumerate(edits.added):
        if add.t_s >= duration_s:
            raise InputError(f"edits.added[{k}].t: {add.t_s:.3f} s is past the end of the video ({duration_s:.3f} s)")


def edit_options(edits: Edits, events: tuple[ContactEvent, ...], base: RenderOptions = RenderOptions(), *,
                 actions: tuple[ActionEvent, ...] | None = None) -> RenderOptions:
    """`base` with the edits applied: the analysis's `events` (and `actions`, the specifics, when given) less those
    off, moved ones at their new time, added ones; the cues as a cue sheet (they win over `base`'s surface and
    footwear); the levels and mutes; the seed."""
    moved = dict(edits.moved)
    kept = []
    originals = [(i, "footsteps", e) for i, e in zip(event_ids(len(events)), events)]
    originals += [(i, "specifics", e) for i, e in zip(action_ids(len(actions or ())), actions or ())]
    for event_id, layer, event in originals:
        if event_id in edits.off:
            continue
        kept.append(EditedEvent(t_s=moved.get(event_id, event.t_s), person=event.person,
                                foot=getattr(event, "foot", "unknown"), kind=event.kind, layer=layer, id=event_id,
                                surface=None, footwear=None, material=None, strength=None, x=None, y=None,
                                where=f"edits: event {event_id}"))
    for k, add in enumerate(edits.added):
        kept.append(EditedEvent(t_s=add.t_s, person=add.person, foot=add.foot, kind=add.kind, layer="footsteps",
                                id=None, surface=add.surface, footwear=add.footwear, material=None, strength=None,
                                x=None, y=None, where=f"edits.added[{k}]"))
    event_list = EventList(events=tuple(sorted(kept, key=lambda e: e.t_s)), source="edits",
                           layers=("footsteps",) if actions is None else ("footsteps", "specifics"))
    cues = CueSheet(cues=edits.cues, source="edits") if edits.cues else base.cues
    return replace(base, events=event_list, cues=cues, levels=edits.levels or base.levels,
                   mute=edits.mute or base.mute, seed=base.seed if edits.seed is None else edits.seed)


def _list(data: dict, key: str) -> list:
    value = [] if data.get(key) is None else data[key]
    if not isinstance(value, list):
        raise InputError(f"edits.{key}: must be a list")
    return value


def _id(where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: {value!r} is not an event id like 'e0003'")
    return value.strip()


def _object(where: str, item: object, allowed: tuple[str, ...]) -> dict:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object, got {type(item).__name__}")
    unknown = [k for k in item if k not in allowed]
    if unknown:
        raise InputError(f"{where}: unknown field {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")
    return item


def _material(where: str, item: dict) -> tuple[str | None, str | None]:
    try:
        surface = normalise_surface(str(item["surface"])) if item.get("surface") else None
    except InputError as exc:
        raise InputError(f"{where}.surface: {exc}") from None
    try:
        footwear = normalise_footwear(str(item["footwear"])) if item.get("footwear") else None
    except InputError as exc:
        raise InputError(f"{where}.footwear: {exc}") from None
    return surface, footwear


def _added(where: str, item: object) -> Added:
    item = _object(where, item, ("t", "person", "foot", "kind", "surface", "footwear"))
    if "t" not in item:
        raise InputError(f"{where}.t: an added event needs a time in seconds")
    surface, footwear = _material(where, item)
    return Added(t_s=seconds(where, "t", item["t"]), person=whole(where, "person", item.get("person", 0)),
                 foot=_choice(f"{where}.foot", item.get("foot", "unknown"), FEET),
                 kind=_choice(f"{where}.kind", item.get("kind", "step"), KINDS), surface=surface, footwear=footwear)


def _cue(where: str, line: int, item: object) -> Cue:
    item = _object(where, item, ("start", "end", "person", "surface", "footwear", "material", "ambience"))
    start = seconds(where, "start", item.get("start", 0))
    end = math.inf if item.get("end") in (None, "") else seconds(where, "end", item["end"])
    if end <= start:
        raise InputError(f"{where}.end: {end:g} s is not after start {start:g} s")
    person = None if item.get("person") in (None, "", "all") else whole(where, "person", item["person"])
    return make_cue(item, start_s=start, end_s=end, person=person, line=line, where=where,
                    where_field=lambda name: f"{where}.{name}")


def _choice(where: str, value: object, allowed: tuple[str, ...]) -> str:
    text = str(value).strip().lower()
    if text not in allowed:
        raise InputError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return text


def _layer(name: object, where: str = "edits.levels") -> str:
    try:
        return check_layers((name,))[0]
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None


def _level(where: str, value: object) -> float:
    low, high = LEVEL_RANGE_DB
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}: {value!r} is not a level in dB")
    if not low <= value <= high:
        raise InputError(f"{where}: {value:g} dB is outside {low:g}..{high:g} dB")
    return float(value)


def empty_document() -> dict:
    return {"schema": SCHEMA, "off": [], "moved": {}, "added": [], "cues": [], "levels": {}, "mute": [], "seed": None}
