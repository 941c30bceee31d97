"""What was delivered, as every timeline and marker writer sees it.

A `Delivery` is built once per export from the files just written (the video with
sound, the stems) and the event list's rows; each format module turns it into one
file. Times: an event keeps its exact seconds (`t`), and editors get the frame it
falls on (`frame`) counted from the timeline's start timecode.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from foleystudio.timebase import frames_to_timecode, seconds_to_frame

# Marker colours by person (OTIO's MarkerColor names; the EDL writes them as words).
PERSON_COLORS = ("RED", "GREEN", "BLUE", "YELLOW", "CYAN", "MAGENTA", "ORANGE", "PURPLE", "PINK")
# RGB of the same names, for REAPER (which stores its own colour numbers).
RGB = {"RED": (230, 60, 60), "GREEN": (70, 190, 90), "BLUE": (70, 120, 230), "YELLOW": (235, 200, 50),
       "CYAN": (60, 200, 210), "MAGENTA": (210, 70, 200), "ORANGE": (240, 140, 40), "PURPLE": (140, 90, 210),
       "PINK": (240, 140, 180)}
MARKER_FIELDS = ("id", "t", "person", "foot", "layer", "kind", "surface", "footwear", "material", "confidence",
                 "strength", "x", "y")


@dataclass(frozen=True)
class Delivery:
    name: str  # the timeline's name: the output video's file name without suffix
    video: str  # absolute path of the video the timeline shows (the output with sound)
    fps: Fraction
    n_frames: int
    duration_s: float
    start_frame: int  # the timeline's first frame as a timecode frame count (00:00:00:00 = 0)
    sr: int
    stems: tuple[tuple[str, str], ...]  # (layer name, absolute WAV path), in track order
    events: tuple[dict, ...]  # the event list's rows (foleystudio.events.*): t, frame, person, ...

    @property
    def start_timecode(self) -> str:
        return frames_to_timecode(self.start_frame, self.fps)

    @property
    def start_s(self) -> float:
        """The timeline's start in seconds since midnight (what a BWF time reference counts)."""
        return float(Fraction(self.start_frame) / self.fps)

    def frame_of(self, event: dict) -> int:
        """The video frame an event falls on (0 = the first), as an editor's marker sits on frames."""
        return min(max(seconds_to_frame(event["t"], self.fps), 0), max(self.n_frames - 1, 0))

    def timecode_of(self, event: dict) -> str:
        return frames_to_timecode(self.start_frame + self.frame_of(event), self.fps)


def marker_name(event: dict) -> str:
    """'P0 left step, gravel', 'P1 clap', 'impact, metal': who, which foot (or what kind), on what."""
    foot = event.get("foot")
    what = f"{foot} {event['kind']}" if foot in ("left", "right") else event["kind"]
    on = event.get("material") if event.get("layer") == "specifics" else event.get("surface")
    who = f"P{event['person']} " if int(event["person"]) >= 0 else ""
    return f"{who}{what}{', ' + on if on else ''}"


def marker_color(event: dict) -> str:
    return PERSON_COLORS[int(event["person"]) % len(PERSON_COLORS)]


def marker_metadata(event: dict) -> dict:
    """What a marker carries so that it can come back as the same event (edits.read_events)."""
    return {k: event[k] for k in MARKER_FIELDS if k in event}
