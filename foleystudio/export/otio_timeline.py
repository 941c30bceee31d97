"""OpenTimelineIO: the video as a clip, each stem on its own audio track, each event a marker.

`.otio` is OTIO's own JSON; the EDL (`edl.py`) and FCP 7 XML (`fcpxml.py`) go through
OTIO's adapter packages from the same timeline. Every media reference has its
available range (FCP XML needs it). Markers sit on the video clip at the event's frame,
(in the clip's media time, which is timecode: the start timecode plus the frame),
coloured per person, and carry the event in their metadata under "foleystudio", so a
timeline whose markers an editor moved can come back (edits.read_events).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from foleystudio.errors import ExportError
from foleystudio.export.atomic import write_text
from foleystudio.export.delivery import Delivery, marker_color, marker_metadata, marker_name

METADATA_KEY = "foleystudio"
SMPTE_RATES = tuple(Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "48", "50", "60000/1001", "60"))


def build_timeline(delivery: Delivery, *, audio: bool = True, markers: bool = True,
                   rate: Fraction | None = None) -> otio.schema.Timeline:
    """The timeline; `audio=False` leaves the stems out (the one-track EDL); `rate` counts it in
    other frames than the video's (an EDL needs a SMPTE timecode rate)."""
    rate = Fraction(rate or delivery.fps)
    own = rate == delivery.fps

    def frames(n: int) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(n, float(rate))

    def frame_of(event: dict) -> int:
        return delivery.frame_of(event) if own else min(round(event["t"] * rate), length - 1)

    start = delivery.start_frame if own else round(delivery.start_s * rate)
    length = delivery.n_frames if own else max(1, round(delivery.duration_s * rate))
    # media time is timecode: the video and the stems (BWF time reference) start at the start timecode
    whole = otio.opentime.TimeRange(frames(start), frames(length))
    timeline = otio.schema.Timeline(name=delivery.name, global_start_time=frames(start))
    timeline.metadata[METADATA_KEY] = {"fps_exact": f"{delivery.fps.numerator}/{delivery.fps.denominator}"}
    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    clip = otio.schema.Clip(name=Path(delivery.video).name, media_reference=_reference(delivery.video, whole),
                            source_range=whole)
    if markers:
        for event in delivery.events:
            clip.markers.append(otio.schema.Marker(
                name=marker_name(event),
                marked_range=otio.opentime.TimeRange(frames(start + frame_of(event)), frames(0)),
                color=marker_color(event),
                metadata={METADATA_KEY: marker_metadata(event)},
            ))
    video.append(clip)
    timeline.tracks.append(video)
    for layer, path in delivery.stems if audio else ():
        track = otio.schema.Track(name=layer, kind=otio.schema.TrackKind.Audio)
        track.append(otio.schema.Clip(name=layer, media_reference=_reference(path, whole), source_range=whole))
        timeline.tracks.append(track)
    return timeline


def timecode_rate(fps: Fraction) -> Fraction:
    """`fps` when SMPTE timecode counts it, else the smallest SMPTE rate it divides (10 -> 30), else 30."""
    if fps in SMPTE_RATES:
        return fps
    return next((r for r in SMPTE_RATES if r.denominator == 1 and fps.denominator == 1 and r % fps == 0), Fraction(30))


def _reference(path: str, available: otio.opentime.TimeRange) -> otio.schema.ExternalReference:
    return otio.schema.ExternalReference(target_url=Path(path).resolve().as_uri(), available_range=available)


def write_timeline(timeline: otio.schema.Timeline, path: str | os.PathLike, adapter: str, **adapter_args) -> None:
    """Write with one of OTIO's adapters, atomically; ExportError naming the file and the adapter's complaint."""
    try:
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter, **adapter_args)
    except Exception as exc:  # the adapters raise their own, undocumented types
        raise ExportError(f"cannot write {path} with OTIO's {adapter} adapter: {exc}") from None
    write_text(path, text)


def write(delivery: Delivery, path: str | os.PathLike) -> None:
    write_timeline(build_timeline(delivery), path, "otio_json")
