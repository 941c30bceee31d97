"""Marker lists that DAWs import, one event a marker, times from the video's first frame.

- REAPER (`*.markers.reaper.csv`): View > Region/Marker Manager, right-click, "Import...".
  Columns `#,Name,Start,End,Length,Color`: `#` is M1, M2, ... (M: a marker), Start is
  `m:ss.fff` (h:mm:ss.fff past an hour; set the ruler to Minutes:Seconds), End and Length
  empty for a marker, Color `RRGGBB`.
- Adobe Audition (`*.markers.audition.csv`): Markers panel, "Import Markers". Tab-separated,
  as Audition writes it: `Name, Start, Duration, Time Format, Type, Description`, Start
  and Duration in `m:ss.fff` with Time Format `decimal`, Type `Cue`.
"""

from __future__ import annotations

import csv
import io
import os

from foleystudio.export.atomic import write_text
from foleystudio.export.delivery import RGB, Delivery, marker_color, marker_name

REAPER_COLUMNS = ("#", "Name", "Start", "End", "Length", "Color")
AUDITION_COLUMNS = ("Name", "Start", "Duration", "Time Format", "Type", "Description")


def clock(t_s: float) -> str:
    """Seconds as m:ss.fff, or h:mm:ss.fff from an hour on (REAPER's and Audition's decimal time)."""
    ms = int(round(max(t_s, 0.0) * 1000))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    return f"{minutes}:{seconds:02d}.{millis:03d}"


def reaper_rows(delivery: Delivery) -> list[list[str]]:
    rows = [list(REAPER_COLUMNS)]
    for index, event in enumerate(delivery.events, start=1):
        color = "".join(f"{c:02X}" for c in RGB[marker_color(event)])
        rows.append([f"M{index}", marker_name(event), clock(event["t"]), "", "", color])
    return rows


def audition_rows(delivery: Delivery) -> list[list[str]]:
    rows = [list(AUDITION_COLUMNS)]
    for event in delivery.events:
        note = f"{event.get('layer', 'footsteps')} {event['kind']}; footwear {event.get('footwear', '')}; " \
               f"confidence {event['confidence']:.2f}"
        rows.append([marker_name(event), clock(event["t"]), clock(0.0), "decimal", "Cue", note])
    return rows


def _write_rows(path: str | os.PathLike, rows: list[list[str]], delimiter: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    write_text(path, buffer.getvalue())


def write_reaper(delivery: Delivery, path: str | os.PathLike) -> None:
    _write_rows(path, reaper_rows(delivery), ",")


def write_audition(delivery: Delivery, path: str | os.PathLike) -> None:
    _write_rows(path, audition_rows(delivery), "\t")
