"""Reading what people wrote: JSON lists and CSV tables whose every problem names the file and line.

Shared by the cue sheets and the edited event lists. `json` gives no positions, so the
line each list item starts on is found by walking the text once with the decoder.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

from foleystudio.errors import InputError

_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")


def read_text(path: Path, what: str) -> str:
    if not path.is_file():
        raise InputError(f"{path}: {what} not found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({exc})") from None


def json_items(path: Path, text: str, *, key: str, schemas: tuple[str, ...], what: str) -> list[tuple[int, dict]]:
    """(line, object) for each item of `{"schema": ..., key: [...]}` or of a bare list."""
    if not text.strip():
        raise InputError(f"{path}: file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict):
        schema = data.get("schema", schemas[0])
        if schema not in schemas:
            raise InputError(f"{path}:1: schema {schema!r} is not {' or '.join(map(repr, schemas))}")
        if key not in data:
            raise InputError(f"{path}:1: expected a \"{key}\" list")
        items = data[key]
    else:
        items = data
    if not isinstance(items, list):
        raise InputError(f"{path}:1: \"{key}\" must be a list of objects")
    lines = _item_lines(text, key if isinstance(data, dict) else None)
    rows = []
    for k, item in enumerate(items):
        line = lines[k] if k < len(lines) else 1
        if not isinstance(item, dict):
            raise InputError(f"{path}:{line}: {what} {k + 1} is {type(item).__name__}, expected an object")
        rows.append((line, item))
    return rows


def _item_lines(text: str, key: str | None) -> list[int]:
    """Line where each element of the list (the top level, or the value of `key`) starts."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if key is not None:  # walk the top-level object to the key's value
        pos = _skip(text, pos + 1)
        while pos < len(text) and text[pos] != "}":
            name, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past ':'
            if name == key:
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


def csv_rows(path: Path, text: str, *, fields: dict[str, str], required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """(line, {field: cell}) for each row; the header names the columns (`fields`: spelling -> field)."""
    lines = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path}: file is empty")
    header_line, header = lines[0]
    names = [h.strip().lower() for h in next(csv.reader([header]))]
    unknown = [h for h in names if h not in fields]
    if unknown or not set(required) <= {fields.get(h) for h in names}:
        wanted = ", ".join(dict.fromkeys(fields.values()))
        raise InputError(f"{path}:{header_line}: header must name the columns ({wanted}); got {', '.join(names)}")
    rows = []
    for n, ln in lines[1:]:
        cells = next(csv.reader(io.StringIO(ln)))
        if len(cells) > len(names):
            raise InputError(f"{path}:{n}: {len(cells)} cells but the header has {len(names)} columns")
        rows.append((n, {fields[name]: cell.strip() for name, cell in zip(names, cells) if cell.strip()}))
    return rows


def seconds(where: str, name: str, value: object) -> float:
    """Seconds from a number, or from `[h:]mm:ss[.fff]` text; at or after 0."""
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


def whole(where: str, name: str, value: object) -> int:
    """A whole number at or above 0 (a person, a frame)."""
    try:
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise ValueError
        number = int(float(value))
    except (TypeError, ValueError):
        raise InputError(f"{where}: {name} {value!r} must be a whole number") from None
    if number < 0:
        raise InputError(f"{where}: {name} {number} must be 0 or more")
    return number


def unit(where: str, name: str, value: object) -> float:
    """A number in 0..1 (confidence, strength, a position in the frame)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {name} {value!r} is not a number") from None
    if not 0.0 <= number <= 1.0:
        raise InputError(f"{where}: {name} {number:g} must be within 0..1")
    return number


def person_from_name(name: str) -> int:
    """The person a marker's name starts with ("P1 left step" -> 1); 0 when it names none."""
    m = re.match(r"\s*p(?:erson)?\s*(\d+)", name or "", re.IGNORECASE)
    return int(m.group(1)) if m else 0
