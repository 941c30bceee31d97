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
missing person applies to everyone. A cue needs a surface, a footwear or both. Where
cues overlap, one for the person beats one for everyone, then the later line wins.
Every problem is an InputError naming the file and the line.

`resolve_surfaces` then says, for each contact, which surface and footwear to use and
where each came from: "cue", "user" (the global --surface / --footwear), "estimate"
(the scene estimator, confident) or "default" (the estimator was unsure).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from foleystudio.errors import InputError
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.surface.classes import normalise_footwear, normalise_surface

SCHEMA = "foleystudio.cues.1"
SOURCES = ("cue", "user", "estimate", "default")
_FIELDS = {"start": "start", "start_s": "start", "end": "end", "end_s": "end", "person": "person",
           "surface": "surface", "footwear": "footwear", "note": "note", "comment": "note"}
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float  # math.inf: to the end of the video
    person: int | None  # None: everyone
    surface: str | None  # canonical name (classes.SURFACES) or None: not set by this cue
    footwear: str | None
    line: int  # line in the cue file, for messages

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


def read_cues(path: str | os.PathLike) -> CueSheet:
    """Parse a .json or .csv cue sheet; InputError with file and line for anything wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: cue sheet not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        rows = _json_rows(path, text)
    elif suffix == ".csv":
        rows = _csv_rows(path, text)
    else:
        raise InputError(f"{path}: unknown cue sheet type {suffix!r}; use .json or .csv")
    cues = tuple(_cue(path, line, row) for line, row in rows)
    if not cues:
        raise InputError(f"{path}: no cues in the file")
    return CueSheet(cues=cues, source=str(path))


def _json_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict):
        schema = data.get("schema", SCHEMA)
        if schema != SCHEMA:
            raise InputError(f"{path}:1: schema {schema!r} is not {SCHEMA!r}")
        if "cues" not in data:
            raise InputError(f"{path}:1: expected a \"cues\" list")
        items = data["cues"]
    else:
        items = data
    if not isinstance(items, list):
        raise InputError(f"{path}:1: \"cues\" must be a list of objects")
    lines = _element_lines(text, isinstance(data, dict))
    rows = []
    for k, item in enumerate(items):
        line = lines[k] if k < len(lines) else 1
        if not isinstance(item, dict):
            raise InputError(f"{path}:{line}: cue {k + 1} is {type(item).__name__}, expected an object")
        rows.append((line, item))
    return rows


def _element_lines(text: str, wrapped: bool) -> list[int]:
    """Line number where each element of the cue list starts (json gives no positions)."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if wrapped:  # walk the top-level object to the "cues" value
        pos = _skip(text, pos + 1)
        while pos < len(text) and text[pos] != "}":
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past ':'
            if key == "cues":
                break
            _, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, pos)
            if text[pos] == ",":
                pos = _skip(text, pos + 1)
    lines = []
    if pos >= len(text) or text[pos] != "[":
        return lines
    pos = _skip(text, pos + 1)
    while pos < len(text) and text[pos] != "]":
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
    return lines


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict]]:
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path}: file is empty")
    header_line, header = lines[0]
    names = [h.strip().lower() for h in next(csv.reader([header]))]
    unknown = [h for h in names if h not in _FIELDS]
    if unknown or "start" not in {_FIELDS.get(h) for h in names}:
        raise InputError(
            f"{path}:{header_line}: header must name the columns (start, end, person, surface, footwear); "
            f"got {', '.join(names)}"
        )
    rows = []
    for n, ln in lines[1:]:
        cells = next(csv.reader(io.StringIO(ln)))
        if len(cells) > len(names):
            raise InputError(f"{path}:{n}: {len(cells)} cells but the header has {len(names)} columns")
        rows.append((n, {name: cell.strip() for name, cell in zip(names, cells) if cell.strip()}))
    return rows


def _cue(path: Path, line: int, row: dict) -> Cue:
    where = f"{path}:{line}"
    fields: dict[str, object] = {}
    for key, value in row.items():
        name = _FIELDS.get(str(key).strip().lower())
        if name is None:
            raise InputError(f"{where}: unknown field {key!r}; allowed: start, end, person, surface, footwear, note")
        fields[name] = value
    if "start" not in fields:
        raise InputError(f"{where}: a cue needs a start time")
    start = _seconds(where, "start", fields["start"])
    end = math.inf if fields.get("end") in (None, "") else _seconds(where, "end", fields["end"])
    if end <= start:
        raise InputError(f"{where}: end {end:g} s is not after start {start:g} s")
    person = _person(where, fields.get("person"))
    surface = footwear = None
    try:
        if fields.get("surface") not in (None, ""):
            surface = normalise_surface(str(fields["surface"]))
        if fields.get("footwear") not in (None, ""):
            footwear = normalise_footwear(str(fields["footwear"]))
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if surface is None and footwear is None:
        raise InputError(f"{where}: a cue needs a surface, a footwear or both")
    return Cue(start_s=start, end_s=end, person=person, surface=surface, footwear=footwear, line=line)


def _seconds(where: str, name: str, value: object) -> float:
    if isinstance(value, bool):
        raise InputError(f"{where}: {name} {value!r} is not a time")
    if isinstance(value, (int, float)):
        t = float(value)
    else:
        text = str(value).strip()
        m = _TIME.match(text)
        try:
            t = float(text) if m is None else int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        except ValueError:
            raise InputError(f"{where}: {name} {text!r} is not a time (seconds, or [h:]mm:ss.fff)") from None
    if not math.isfinite(t) or t < 0:
        raise InputError(f"{where}: {name} {value!r} must be a time at or after 0")
    return t


def _person(where: str, value: object) -> int | None:
    if value in (None, "", "*", "all"):
        return None
    try:
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise ValueError
        person = int(float(value))
    except (TypeError, ValueError):
        raise InputError(f"{where}: person {value!r} must be a whole number (or empty for everyone)") from None
    if person < 0:
        raise InputError(f"{where}: person {person} must be 0 or more")
    return person


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
) -> tuple[SurfaceChoice, ...]:
    """One choice per contact: cue > global flag > the estimate (scene.ContactSurface) > default.

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
        if cue_s is not None:
            s, s_src, prob = cue_s.surface, "cue", None
        elif flag_surface:
            s, s_src, prob = flag_surface, "user", None
        elif est is not None and est.surface_confident:
            s, s_src, prob = est.surface, "estimate", est.probability
        else:
            s, s_src, prob = normalise_surface(default_surface), "default", None
        if cue_f is not None:
            f, f_src = cue_f.footwear, "cue"
        elif flag_footwear:
            f, f_src = flag_footwear, "user"
        elif est is not None and est.footwear_confident:
            f, f_src = est.footwear, "estimate"
        else:
            f, f_src = normalise_footwear(default_footwear), "default"
        out.append(SurfaceChoice(surface=s, surface_source=s_src, footwear=f, footwear_source=f_src, probability=prob))
    return tuple(out)
