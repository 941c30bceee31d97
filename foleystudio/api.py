"""The public API: the CLI, the benchmarks and (later) the service all call these.

    analysis = analyse("clip.mp4")                 # expensive, cached per video
    result = render(analysis, RenderOptions(surface="gravel"))   # cheap, redo at will
    export(analysis, result, "clip_foley.mp4")     # mux + stems + events

Progress goes to `callback(dict)`; nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from foleystudio.analysis import (
    DEFAULT_FOOTWEAR,
    DEFAULT_SURFACE,
    Analysis,
    AnalysisOptions,
    analyse,
    analyse_poses,
)
from foleystudio.export.atomic import write_json
from foleystudio.export.events import events_document
from foleystudio.export.stems import write_wav
from foleystudio.media.mux import mux_audio
from foleystudio.rendering import Rendered, RenderOptions, choose_styles, render

__all__ = [
    "DEFAULT_FOOTWEAR", "DEFAULT_SURFACE", "Analysis", "AnalysisOptions", "Outputs", "Rendered", "RenderOptions",
    "analyse", "analyse_poses", "choose_styles", "export", "output_paths", "render",
]


@dataclass(frozen=True)
class Outputs:
    video: str | None
    events: str
    stems: tuple[str, ...]


def output_paths(out_video: str | os.PathLike) -> tuple[Path, Path, Callable[[str], Path]]:
    """(video, events json, stem path for a layer name) for an output video path."""
    out_video = Path(out_video)
    base = out_video.with_suffix("")
    return out_video, Path(f"{base}.events.json"), lambda layer: Path(f"{base}.{layer}.wav")


def export(
    analysis: Analysis,
    rendered: Rendered | None,
    out_video: str | os.PathLike,
    *,
    options: RenderOptions = RenderOptions(),
) -> Outputs:
    """Write events (always), stems and the muxed video (when `rendered` is given).

    Without a rendering (events only), each event's surface and footwear are chosen
    with `options`, as a rendering would.
    """
    video_path, events_path, stem_path = output_paths(out_video)
    styles = rendered.styles if rendered else choose_styles(analysis, options)
    write_json(events_path, events_document(analysis.info, analysis.contacts.events, styles, analysis.scene))
    if rendered is None:
        return Outputs(video=None, events=str(events_path), stems=())
    stems = []
    for stem in rendered.stems:
        path = stem_path(stem.name)
        write_wav(path, stem.audio, stem.sr)
        stems.append(str(path))
    mux_audio(analysis.info, rendered.mix, video_path, sr=rendered.sr)
    return Outputs(video=str(video_path), events=str(events_path), stems=tuple(stems))
