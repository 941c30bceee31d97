"""Read and validate ground-truth foot contacts (schema `footstep-gt.1`).

One JSON per clip: `{"schema": "footstep-gt.1", "video": "clip.mp4", "events": [{"t", "frame",
"foot", "person", "kind"}], "ignore": [[t0, t1], ...], ...}` with the optional fields
`tolerance_s`, `ignore_regions` (`[[t0, t1, y0, y1], ...]`, y normalised, 0 = top) and a
per-event `y_band` (`[y0, y1]` or one number). A file that does not follow the schema is
refused with an `InputError` naming the file and the field, never half-read.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from foleystudio.errors import InputError

SCHEMA = "footstep-gt.1"
FEET = ("left", "right", "unknown")
KINDS = ("step", "landing", "scuff")


@dataclass(frozen=True)
class TruthEvent:
    t_s: float  # picture time of the touchdown, seconds from the first decoded frame
    frame: int | None  # decoded frame nearest t_s, as labelled (informative; t_s is scored)
    foot: str  # one of FEET
    person: int  # id consistent within the clip (not across clips, not with the detector's ids)
    kind: str  # one of KINDS
    y_band: tuple[float, float] | None  # normalised vertical extent of the person, for ignore_regions


@dataclass(frozen=True)
class IgnoreRegion:
    t0_s: float
    t1_s: float
    y0: float  # normalised vertical band, 0 = top edge, y0 <= y1
    y1: float


@dataclass(frozen=True)
class GroundTruth:
    path: str  # the JSON it was read from (or a name, for data given in memory)
    video: str  # file name of the clip, relative to the media directory
    events: tuple[TruthEvent, ...]  # sorted by time
    ignore_s: tuple[tuple[float, float], ...]  # time ranges not scored, on either side
    ignore_regions: tuple[IgnoreRegion, ...]
    tolerance_s: float | None  # the clip's own minimum tolerance (low frame rates)
    fps: float | None
    duration_s: float | None
    people: int | None
    source: str  # how the labels were made

    @property
    def name(self) -> str:
        """Short name for tables: the JSON's stem."""
        return Path(self.path).stem


def load_ground_truth(path: str | os.PathLike) -> GroundTruth:
    """Read one footstep-gt.1 file, or raise InputError saying what is wrong."""
    return parse_ground_truth(read_json(path), source_name=str(path))


def read_json(path: str | os.PathLike) -> object:
    """The decoded JSON of a ground-truth file, or an InputError naming the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such ground-truth file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None


def check_header(data: object, source_name: str, schema: str) -> tuple[Where, dict, str]:
    """A truth file's common head: a JSON object of `schema` naming its clip. Returns (where, the object, the
    clip's file name), or raises InputError naming the file and the field."""
    where = Where(source_name)
    if not isinstance(data, dict):
        raise where.error("(top level)", f"expected a JSON object, got {type(data).__name__}")
    found = data.get("schema")
    if found != schema:
        raise where.error("schema", f"expected {schema!r}, got {found!r}")
    video = data.get("video")
    if not isinstance(video, str) or not video.strip():
        raise where.error("video", "expected the clip's file name (a non-empty string)")
    return where, data, video


def parse_ground_truth(data: object, *, source_name: str = "<ground truth>") -> GroundTruth:
    """Validate an already-decoded footstep-gt.1 object."""
    where, data, video = check_header(data, source_name, SCHEMA)
    if "events" not in data:
        raise where.error("events", "missing (use [] for a clip with no contacts)")
    events = _events(where, data["events"])
    raw_ignore = _list(where, "ignore", data.get("ignore", []))
    ignore = tuple(_interval(where, f"ignore[{i}]", r, 2) for i, r in enumerate(raw_ignore))
    raw_regions = _list(where, "ignore_regions", data.get("ignore_regions", []))
    regions = tuple(_region(where, i, r) for i, r in enumerate(raw_regions))
    tolerance_s = _optional_number(where, "tolerance_s", data.get("tolerance_s"), low=0.0, high=1.0)
    fps = _optional_number(where, "fps", data.get("fps"), low=1e-3, high=10_000.0)
    duration_s = _optional_number(where, "duration_s", data.get("duration_s"), low=0.0, high=1e6)
    people = data.get("people")
    if people is not None and (not _is_int(people) or people < 0):
        raise where.error("people", f"expected a count >= 0, got {people!r}")
    source = data.get("source", "")
    return GroundTruth(
        path=source_name,
        video=video,
        events=tuple(sorted(events, key=lambda e: (e.t_s, e.person, e.foot))),
        ignore_s=ignore,
        ignore_regions=regions,
        tolerance_s=tolerance_s,
        fps=fps,
        duration_s=duration_s,
        people=people,
        source=source if isinstance(source, str) else str(source),
    )


class Where:
    """Which truth file a refusal is about: `where.error(field, problem)` is the InputError naming both."""

    def __init__(self, source_name: str):
        self.source_name = source_name

    def error(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.source_name}: {field}: {problem}")


def event_items(where: Where, raw: object, t_means: str):
    """Each of a truth file's events as (its field name, the object, its time `t` in seconds), checked to be an
    object with a time; `t_means` says what the time is, for the refusal of an event without one."""
    for i, item in enumerate(_list(where, "events", raw)):
        field = f"events[{i}]"
        if not isinstance(item, dict):
            raise where.error(field, f"expected an object, got {type(item).__name__}")
        if "t" not in item:
            raise where.error(f"{field}.t", f"missing ({t_means})")
        yield field, item, number_field(where, f"{field}.t", item["t"], low=0.0, high=1e6)


def _events(where: Where, raw: object) -> list[TruthEvent]:
    events = []
    for field, item, t_s in event_items(where, raw, "touchdown time in seconds"):
        frame = item.get("frame")
        if frame is not None and (not _is_int(frame) or frame < 0):
            raise where.error(f"{field}.frame", f"expected a frame index >= 0, got {frame!r}")
        foot = item.get("foot", "unknown")
        if foot not in FEET:
            raise where.error(f"{field}.foot", f"expected one of {', '.join(FEET)}, got {foot!r}")
        person = item.get("person", 0)
        if not _is_int(person) or person < 0:
            raise where.error(f"{field}.person", f"expected an id >= 0, got {person!r}")
        kind = item.get("kind", "step")
        if kind not in KINDS:
            raise where.error(f"{field}.kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")
        y_band = _y_band(where, f"{field}.y_band", item.get("y_band"))
        events.append(TruthEvent(t_s=t_s, frame=frame, foot=foot, person=person, kind=kind, y_band=y_band))
    return events


def _y_band(where: Where, field: str, raw: object) -> tuple[float, float] | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        y = number_field(where, field, raw, low=0.0, high=1.0)
        return (y, y)
    y0, y1 = _interval(where, field, raw, 2)
    if y1 > 1.0:
        raise where.error(field, f"normalised positions lie in [0, 1], got {raw!r}")
    return (y0, y1)


def _region(where: Where, i: int, raw: object) -> IgnoreRegion:
    field = f"ignore_regions[{i}]"
    values = _interval(where, field, raw, 4)
    t0, t1, y0, y1 = values
    if t1 < t0:
        raise where.error(field, f"expected t0 <= t1, got {raw!r}")
    if not (0.0 <= y0 <= y1 <= 1.0):
        raise where.error(field, f"expected 0 <= y0 <= y1 <= 1 (normalised, 0 = top), got {raw!r}")
    return IgnoreRegion(t0_s=t0, t1_s=t1, y0=y0, y1=y1)


def _interval(where: Where, field: str, raw: object, n: int) -> tuple[float, ...]:
    """A list of `n` numbers whose first two are a non-decreasing range."""
    if not isinstance(raw, (list, tuple)) or len(raw) != n:
        raise where.error(field, f"expected a list of {n} numbers, got {raw!r}")
    values = tuple(number_field(where, field, v, low=0.0, high=1e6) for v in raw)
    if values[1] < values[0]:
        raise where.error(field, f"expected start <= end, got {raw!r}")
    return values


def _list(where: Where, field: str, raw: object) -> list:
    if not isinstance(raw, list):
        raise where.error(field, f"expected a list, got {type(raw).__name__}")
    return raw


def number_field(where: Where, field: str, raw: object, *, low: float, high: float) -> float:
    """A truth file's number in low..high, or the refusal naming the field."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise where.error(field, f"expected a number, got {raw!r}")
    if not low <= raw <= high:
        raise where.error(field, f"expected a value in [{low:g}, {high:g}], got {raw!r}")
    return float(raw)


def _optional_number(where: Where, field: str, raw: object, *, low: float, high: float) -> float | None:
    return None if raw is None else number_field(where, field, raw, low=low, high=high)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
