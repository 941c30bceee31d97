"""The event list as CSV: one row an event, for spreadsheets, and to edit and bring back.

Columns (`COLUMNS`): id, time_s (seconds from the first video frame, on the sample, to 1 us),
timecode (SMPTE at the video's rate from the timeline's start, drop-frame `;` at
29.97/59.94), frame (0-based), person (-1: a sound of no one), foot, layer (footsteps,
specifics), kind, surface, footwear, material (what a specific strikes), confidence, strength, x, y. `foley render VIDEO --events FILE.csv` reads it back
(edits/events.py): time_s is the event's time; timecode and frame are for people.
"""

from __future__ import annotations

import csv
import io
import os

from foleystudio.export.atomic import write_text
from foleystudio.export.delivery import Delivery

COLUMNS = ("id", "time_s", "timecode", "frame", "person", "foot", "layer", "kind", "surface", "footwear",
           "material", "confidence", "strength", "x", "y")


def csv_text(delivery: Delivery) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for event in delivery.events:
        writer.writerow([
            event["id"], f"{event['t']:.6f}", delivery.timecode_of(event), delivery.frame_of(event),
            event["person"], event["foot"] or "", event.get("layer", "footsteps"), event["kind"],
            event.get("surface", ""), event.get("footwear", ""), event.get("material", ""), event["confidence"],
            event["strength"], event["x"], event["y"],
        ])
    return buffer.getvalue()


def write(delivery: Delivery, path: str | os.PathLike) -> None:
    write_text(path, csv_text(delivery))
