"""Cue sheets: the user says which surface and footwear apply when, and for whom.

Two formats, picked by suffix:

JSON (`.json`)::

    {"schema": "foleystudio.cues.1",
     "cues": [{"start": 0, "end": 4.5, "surface": "grass"},
              {"start": "0:04.5", "person": 1, "surface": "gravel", "footwear": "boots"}]}

(a bare list of cues is accepted too). CSV (`.csv`), a header row then one cue a line::

    start,end,person,surface,footwear
    0,4.5,,grass,
    0:04.5,,1,gravel,boots

Times are seconds or [h:]mm:ss[.fff]; a missing end runs to the end of the video, a
missing person applies to everyone. A cue needs a surface, a footwear, a material (what
the specifics strike there: hits and impacts, and the floor of falls, sits and kneels;
materials.HIT_MATERIALS), an ambience (the bed under the time range, for everyone:
materials.AMBIENCES) or several. Where cues overlap, one for the person beats one for
everyone, then the later line wins.
Every problem is an InputError naming the file and the line.

`resolve_surfaces` then says, for each contact, which surface and footwear to use and
where each came from: "cue", "user" (the global --surface / --footwear), "estimate"
(the scene estimator, confident) or "default" (the estimator was unsure).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from foleystudio.edits.parsing import csv_rows, json_items, read_text, seconds, whole
from foleystudio.errors import InputError
from foleystudio.vision.contacts import ContactEvent
from foleystudio.materials import normalise_ambience, normalise_footwear, normalise_hit_material, normalise_surface

SCHEMA = "foleystudio.cues.1"
SOURCES = ("edit", "cue", "user", "estimate", "default")
_FIELDS = {"start": "start", "start_s": "start", "end": "end", "end_s": "end", "person": "person",
           "surface": "surface", "footwear": "footwear", "material": "material", "ambience": "ambience", "note": "note", "comment": "note"}


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float  # math.inf: to the end of the video
    person: int | None  # None: everyone
    surface: str | None  # canonical name (classes.SURFACES) or None: not set by this cue
    footwear: str | None
    line: int  # line in the cue file, for messages
    material: str | None = None  # what the specifics strike (materials.HIT_MATERIALS), or None: not set here
    ambience: str | None = None  # the bed under the range (materials.AMBIENCES), for everyone; None: not set here

    def applies(self, t_s: float, person: int) -> bool:
        return self.start_s <= t_s < self.end_s and (self.person is None or self.person == person)


@dataclass(frozen=True)
class CueSheet:
    cues: tuple[Cue, ...]
    source: str  # the file it came from

    def lookup(self, t_s: float, person: int) -> tuple[Cue | None, Cue | None]:
        """(the cue giving the surface, the cue giving the footwear) at `t_s` for `person`."""
        hits = [c for c in self.cues if c.applies(t_s, person)]
        hits.sort(key=lambda c: (c.person is not None, c.line))  # most specific, then latest, last
        surface = next((c for c in reversed(hits) if c.surface), None)
        footwear = next((c for c in reversed(hits) if c.footwear), None)
        return surface, footwear

    def material_at(self, t_s: float, person: int) -> Cue | None:
        """The cue giving what a specific at `t_s` of `person` (-1: no one) strikes, or None."""
        hits = [c for c in self.cues if c.material and c.applies(t_s, person)]
        hits.sort(key=lambda c: (c.person is not None, c.line))
        return hits[-1] if hits else None

    def ambience_cues(self) -> tuple[Cue, ...]:
        """The cues that set an ambience, in the order they apply (a later line wins where they overlap)."""
        return tuple(sorted((c for c in self.cues if c.ambience), key=lambda c: c.line))

    def ambience_at(self, t_s: float) -> Cue | None:
        """The cue giving the bed at `t_s`, or None."""
        hits = [c for c in self.ambience_cues() if c.start_s <= t_s < c.end_s]
        return hits[-1] if hits else None


def read_cues(path: str | os.PathLike) -> CueSheet:
    """Parse a .json or .csv cue sheet; InputError with file and line for anything wrong."""
    path = Path(path)
    text = read_text(path, "cue sheet")
    suffix = path.suffix.lower()
    if suffix == ".json":
        rows = json_items(path, text, key="cues", schemas=(SCHEMA,), what="cue")
    elif suffix == ".csv":
        rows = csv_rows(path, text, fields=_FIELDS, required=("start",))
    else:
        raise InputError(f"{path}: unknown cue sheet type {suffix!r}; use .json or .csv")
    cues = tuple(_cue(path, line, row) for line, row in rows)
    if not cues:
        raise InputError(f"{path}: no cues in the file")
    return CueSheet(cues=cues, source=str(path))


def _cue(path: Path, line: int, row: dict) -> Cue:
    where = f"{path}:{line}"
    fields: dict[str, object] = {}
    for key, value in row.items():
        name = _FIELDS.get(str(key).strip().lower())
        if name is None:
            raise InputError(f"{where}: unknown field {key!r}; allowed: start, end, person, surface, footwear, "
                             f"material, ambience, note")
        fields[name] = value
    if "start" not in fields:
        raise InputError(f"{where}: a cue needs a start time")
    start = seconds(where, "start", fields["start"])
    end = math.inf if fields.get("end") in (None, "") else seconds(where, "end", fields["end"])
    if end <= start:
        raise InputError(f"{where}: end {end:g} s is not after start {start:g} s")
    person = _person(where, fields.get("person"))
    return make_cue(fields, start_s=start, end_s=end, person=person, line=line, where=where,
                    where_field=lambda _: where)


_NORMALISE = {"surface": normalise_surface, "footwear": normalise_footwear, "material": normalise_hit_material,
              "ambience": normalise_ambience}


def make_cue(item: dict, *, start_s: float, end_s: float, person: int | None, line: int, where: str,
             where_field: Callable[[str], str]) -> Cue:
    """The cue of `item`'s surface, footwear, material and ambience (each optional, normalised; at least one), for
    a cue sheet's line or an edits document's cue; an InputError names `where_field(field)` or `where`."""
    values = {}
    for name, normalise in _NORMALISE.items():
        value = item.get(name)
        try:
            values[name] = normalise(str(value)) if value not in (None, "") else None
        except InputError as exc:
            raise InputError(f"{where_field(name)}: {exc}") from None
    if not any(values.values()):
        raise InputError(f"{where}: a cue needs a surface, a footwear, a material, an ambience or several")
    if values["ambience"] and person is not None:
        raise InputError(f"{where_field('ambience')}: an ambience is the place's, for everyone: leave the person out")
    return Cue(start_s=start_s, end_s=end_s, person=person, line=line, **values)


def _person(where: str, value: object) -> int | None:
    if value in (None, "", "*", "all"):
        return None
    try:
        return whole(where, "person", value)
    except InputError as exc:
        raise InputError(f"{exc} (or empty for everyone)") from None


@dataclass(frozen=True)
class SurfaceChoice:
    surface: str
    surface_source: str  # one of SOURCES
    footwear: str
    footwear_source: str
    probability: float | None  # the estimator's probability for its surface, None when the user chose


def resolve_surfaces(
    contacts: Sequence[ContactEvent],
    estimates: Sequence[object] | None = None,
    *,
    cues: CueSheet | None = None,
    surface: str | None = None,
    footwear: str | None = None,
    default_surface: str = "concrete",
    default_footwear: str = "shoes",
    overrides: Sequence[tuple[str | None, str | None]] | None = None,
) -> tuple[SurfaceChoice, ...]:
    """One choice per contact: edit > cue > global flag > the estimate (scene.ContactSurface) > default.

    `overrides[i]` is the (surface, footwear) the user gave contact i in an edited event
    list (either may be None).

    `estimates` (aligned with `contacts`) needs `surface`, `surface_confident`,
    `probability`, `footwear`, `footwear_confident`; None means none was made.
    """
    if estimates is not None and len(estimates) != len(contacts):
        raise ValueError(f"{len(estimates)} estimates for {len(contacts)} contacts")
    flag_surface = normalise_surface(surface) if surface else None
    flag_footwear = normalise_footwear(footwear) if footwear else None
    out = []
    for k, contact in enumerate(contacts):
        est = estimates[k] if estimates is not None else None
        cue_s, cue_f = cues.lookup(contact.t_s, contact.person) if cues else (None, None)
        edit_s, edit_f = overrides[k] if overrides is not None else (None, None)
        if edit_s is not None:
            s, s_src, prob = edit_s, "edit", None
        elif cue_s is not None:
            s, s_src, prob = cue_s.surface, "cue", None
        elif flag_surface:
            s, s_src, prob = flag_surface, "user", None
        elif est is not None and est.surface_confident:
            s, s_src, prob = est.surface, "estimate", est.probability
        else:
            s, s_src, prob = normalise_surface(default_surface), "default", None
        if edit_f is not None:
            f, f_src = edit_f, "edit"
        elif cue_f is not None:
            f, f_src = cue_f.footwear, "cue"
        elif flag_footwear:
            f, f_src = flag_footwear, "user"
        elif est is not None and est.footwear_confident:
            f, f_src = est.footwear, "estimate"
        else:
            f, f_src = normalise_footwear(default_footwear), "default"
        out.append(SurfaceChoice(surface=s, surface_source=s_src, footwear=f, footwear_source=f_src, probability=prob))
    return tuple(out)
