"""The public API: the CLI, the benchmarks and (later) the service all call these.

    analysis = analyse("clip.mp4")                 # expensive, cached per video
    result = render(analysis, RenderOptions(surface="gravel"))   # cheap, redo at will
    export(analysis, result, "clip_foley.mp4")     # mux + stems + events
    export(analysis, result, "clip_foley.mp4", exports=ExportOptions(formats=("otio", "rpp")))

Progress goes to `callback(dict)`; nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from foleystudio import __version__

from foleystudio.analysis import (
    DEFAULT_FOOTWEAR,
    DEFAULT_SURFACE,
    Analysis,
    AnalysisOptions,
    analyse,
    analyse_poses,
)
from foleystudio.analysis import Callback
from foleystudio.errors import InputError
from foleystudio.export import FORMATS
from foleystudio.export.atomic import write_json
from foleystudio.export.bwf import BextInfo, write_bwf
from foleystudio.export.delivery import Delivery
from foleystudio.export.events import events_document
from foleystudio.export.preview import write_preview
from foleystudio.media.mux import mux_audio
from foleystudio.media.probe import VideoInfo
from foleystudio.rendering import (Rendered, RenderOptions, choose_actions, choose_beds, choose_events, choose_styles,
                                  render)
from foleystudio.timebase import SAMPLE_RATE, frames_to_timecode, timecode_to_frames
from foleystudio.vision.contacts import ContactEvent, ContactEvents

__all__ = [
    "DEFAULT_FOOTWEAR", "DEFAULT_SURFACE", "Analysis", "AnalysisOptions", "ExportOptions", "Outputs", "Rendered",
    "RenderOptions", "analyse", "analyse_poses", "choose_actions", "choose_styles", "export", "export_paths", "output_paths", "render",
    "start_frame",
]


@dataclass(frozen=True)
class ExportOptions:
    formats: tuple[str, ...] = ()  # names from export.FORMATS: csv, otio, edl, fcpxml, rpp, markers, preview
    start_timecode: str | None = None  # the timeline's first frame, HH:MM:SS:FF; None: the source's own, else 00:00:00:00
    preview_size: tuple[int, int] | None = None  # the preview's (width, height); None: the source's display size


@dataclass(frozen=True)
class Outputs:
    video: str | None
    events: str
    stems: tuple[str, ...]
    files: tuple[str, ...] = ()  # the other exports (timelines, marker lists, preview), in FORMATS order
    mix: str | None = None  # OUT.mix.wav: the stems' sum as mastered, what the video's audio track carries


def output_paths(out_video: str | os.PathLike) -> tuple[Path, Path, Callable[[str], Path]]:
    """(video, events json, stem path for a layer name) for an output video path."""
    out_video = Path(out_video)
    base = out_video.with_suffix("")
    return out_video, Path(f"{base}.events.json"), lambda layer: Path(f"{base}.{layer}.wav")


def export_paths(out_video: str | os.PathLike, formats: tuple[str, ...]) -> tuple[Path, ...]:
    """Where each of `formats`' files goes beside the output video (`clip_foley` + `.otio`, ...)."""
    base = Path(out_video).with_suffix("")
    return tuple(Path(f"{base}{suffix}") for suffix, _ in _writers(formats))


def start_frame(info: VideoInfo, start_timecode: str | None = None) -> int:
    """The timeline's first frame as a timecode frame count: the given timecode, the source's own, or 0.

    A timecode the user gives must exist at the video's rate (InputError); a source's own
    that does not (a camera's odd tag) is passed over for 00:00:00:00, never a refusal.
    """
    try:
        if start_timecode:
            return timecode_to_frames(start_timecode, info.fps)
        return timecode_to_frames(info.timecode, info.fps) if info.timecode else 0
    except ValueError as exc:
        if not start_timecode:
            return 0
        raise InputError(f"--start-timecode: {exc}") from None


def export(
    analysis: Analysis,
    rendered: Rendered | None,
    out_video: str | os.PathLike,
    *,
    options: RenderOptions = RenderOptions(),
    exports: ExportOptions = ExportOptions(),
    callback: Callback | None = None,
) -> Outputs:
    """Write events (always), stems and the muxed video (when `rendered` is given), and `exports.formats`.

    Without a rendering (events only), the events and each one's surface and footwear
    are chosen with `options`, as a rendering would; timelines then show the source video.
    """
    info = analysis.info
    video_path, events_path, stem_path = output_paths(out_video)
    if rendered is not None:
        events, ids, styles = rendered.events, rendered.ids, rendered.styles
        actions, actions_ids, action_styles = rendered.actions, rendered.action_ids, rendered.action_styles
    else:
        applied, styles = choose_events(analysis, options)
        events, ids = applied.events, applied.ids
        chosen, action_styles = choose_actions(analysis, options)
        actions, actions_ids = chosen.events, chosen.ids
    if "preview" in exports.formats and rendered is None:
        raise InputError("the preview needs the sound: it cannot be made with events only")
    first = start_frame(info, exports.start_timecode)
    document = events_document(info, events, styles, analysis.scene, ids=ids, actions=actions,
                               action_styles=action_styles, actions_ids=actions_ids,
                               beds=rendered.beds if rendered is not None else choose_beds(analysis, options),
                               music=rendered.music if rendered is not None else None,
                               loudness_lufs=rendered.loudness_lufs if rendered is not None else None)
    write_json(events_path, document)
    stems = []  # (layer, path)
    if rendered is not None:
        for stem in rendered.stems:
            path = stem_path(stem.name)
            write_bwf(path, stem.audio, stem.sr, _bext(info, stem.name, first, stem.sr))
            stems.append((stem.name, str(path.resolve())))
        mix_path = stem_path("mix")
        write_bwf(mix_path, rendered.mix, rendered.sr, _bext(info, "mix", first, rendered.sr))
        timecode = frames_to_timecode(first, info.fps) if first or exports.start_timecode else None
        mux_audio(info, rendered.mix, video_path, sr=rendered.sr, timecode=timecode)
    delivery = Delivery(
        name=video_path.stem, video=str((video_path if rendered is not None else Path(info.path)).resolve()),
        fps=info.fps, n_frames=info.n_frames, duration_s=info.duration_s, start_frame=first,
        sr=rendered.sr if rendered is not None else SAMPLE_RATE,
        stems=tuple(stems), events=tuple(document["events"]),
    )
    files = []
    for (_, writer), path in zip(_writers(exports.formats), export_paths(out_video, exports.formats)):
        if writer is None:  # the preview: the pictures and the mix, not the delivery
            marks = _preview_marks(events, styles, actions, action_styles)
            shown = replace(analysis, contacts=ContactEvents(events=tuple(e for e, _ in marks)))
            write_preview(shown, rendered.mix, path, styles=[s for _, s in marks], sr=rendered.sr,
                          size=exports.preview_size, callback=callback)
        else:
            writer(delivery, str(path))
        files.append(str(path))
    return Outputs(video=str(video_path) if rendered is not None else None, events=str(events_path),
                   stems=tuple(path for _, path in stems), files=tuple(files),
                   mix=str(mix_path.resolve()) if rendered is not None else None)


def _preview_marks(events, styles, actions, action_styles) -> list[tuple[ContactEvent, dict]]:
    """What the preview flashes and labels, by time: every step (foot / surface) and every specific (kind /
    material), drawn the same way at the event's place."""
    marks = list(zip(events, styles))
    marks += [(ContactEvent(t_s=a.t_s, frame=a.frame, person=a.person, foot="unknown", kind=a.kind,
                            confidence=a.confidence, strength=a.strength, x=a.x, y=a.y,
                            body_px=a.body_px if a.body_px > 0 else float("nan")), {"surface": s["material"]})
              for a, s in zip(actions, action_styles)]
    return sorted(marks, key=lambda mark: mark[0].t_s)


def _writers(formats: tuple[str, ...]) -> list:
    return [entry for name in formats for entry in FORMATS[name]]


def _bext(info: VideoInfo, layer: str, first_frame: int, sr: int) -> BextInfo:
    start_s = Fraction(first_frame) / info.fps
    return BextInfo(
        description=f"foleystudio {layer} stem for {Path(info.path).name}",
        originator="foleystudio",
        originator_reference=f"foleystudio {__version__}",
        time_reference=int(round(start_s * sr)),
    )
