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

import numpy as np

from foleystudio.cache import default_cache_dir, load_poses, save_poses, video_key
from foleystudio.export.events import events_document, write_events
from foleystudio.export.stems import write_wav
from foleystudio.media.frames import iter_frames
from foleystudio.media.mux import mux_audio, read_audio
from foleystudio.media.probe import VideoInfo, probe_video
from foleystudio.native_log import muted_native_stderr
from foleystudio.sound.backends import NEURAL_BACKENDS, get_backend, normalize_footwear, normalize_surface
from foleystudio.sound.footsteps import Stem, StepStyle, render_footsteps
from foleystudio.sound.mix import MixConfig, mix_under, normalise
from foleystudio.sound.spatial import SpatialConfig
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples
from foleystudio.vision.contacts import ContactConfig, ContactEvents, detect_contacts
from foleystudio.vision.pose import PoseConfig, Poses, estimate_poses

Callback = Callable[[dict], None]


@dataclass(frozen=True)
class AnalysisOptions:
    pose: PoseConfig = PoseConfig()
    contacts: ContactConfig = ContactConfig()
    use_cache: bool = True  # read/write pose tracks in the cache directory
    cache_dir: str | None = None  # None: $FOLEY_CACHE or ~/.cache/foleystudio


@dataclass(frozen=True, eq=False)
class Analysis:
    info: VideoInfo
    poses: Poses
    contacts: ContactEvents


def analyse(
    video: str | os.PathLike,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    callback: Callback | None = None,
    info: VideoInfo | None = None,
) -> Analysis:
    """Probe, decode, pose and contacts for one video (poses cached per file)."""
    info = info or probe_video(video)
    poses = analyse_poses(info, options, callback=callback)
    contacts = detect_contacts(poses, config=options.contacts)
    return Analysis(info=info, poses=poses, contacts=contacts)


def analyse_poses(info: VideoInfo, options: AnalysisOptions = AnalysisOptions(), *, callback: Callback | None = None) -> Poses:
    cache_dir = Path(options.cache_dir) if options.cache_dir else default_cache_dir()
    key = video_key(info.path, options.pose) if options.use_cache else None
    if key is not None:
        cached = load_poses(cache_dir, key)
        if cached is not None:
            if callback:
                callback({"stage": "pose", "cached": True, "frame": info.n_frames, "total": info.n_frames})
            return cached

    def progress(event: dict) -> None:
        if callback:
            callback({**event, "total": info.n_frames})

    width, height = info.display_size
    with muted_native_stderr():
        poses = estimate_poses(iter_frames(info), width=width, height=height, config=options.pose, callback=progress)
    if key is not None:
        try:
            save_poses(cache_dir, key, poses)
        except OSError:
            pass  # an unwritable cache slows the next run; it must not fail this one
    return poses


@dataclass(frozen=True)
class RenderOptions:
    surface: str | None = None  # None: the scene estimate where confident, else DEFAULT_SURFACE
    footwear: str | None = None  # None: the scene estimate where confident, else DEFAULT_FOOTWEAR
    backend: str = "procedural"  # "procedural" (offline, seeded) or "samples" (needs library)
    library: str | None = None  # sample library directory for the samples backend
    model_dir: str | None = None  # local diffusers pipeline folder for a neural backend
    lora: str | None = None  # optional PEFT adapter folder for a neural backend
    seed: int = 0  # every random choice derives from it: same seed, same soundtrack
    keep_audio: bool = False  # mix the input's own audio under the Foley
    mix: MixConfig = MixConfig()
    spatial: SpatialConfig = SpatialConfig()


DEFAULT_SURFACE = "concrete"  # the commonest ground in film; used when nothing better is known
DEFAULT_FOOTWEAR = "sneakers"


@dataclass(frozen=True, eq=False)
class Rendered:
    stems: tuple[Stem, ...]
    mix: np.ndarray  # (n, 2) float32: what goes on the video's audio track
    sr: int
    styles: tuple[dict, ...]  # per contact: surface, footwear and where each came from


def render(analysis: Analysis, options: RenderOptions = RenderOptions()) -> Rendered:
    """Sound for an analysis: stems at 48 kHz, exactly as long as the video."""
    sr = SAMPLE_RATE
    n = duration_to_samples(analysis.info.duration_s, sr)
    extra = {"seed": options.seed} if options.backend in NEURAL_BACKENDS else {}
    backend = get_backend(options.backend, sr=sr, library=options.library, model_dir=options.model_dir,
                          lora=options.lora, **extra)
    events = analysis.contacts.events
    styles = tuple(_style_of(e, options) for e in events)
    step_styles = [StepStyle(surface=s["surface"], footwear=s["footwear"]) for s in styles]
    raw = render_footsteps(
        events, backend, n_samples=n, styles=step_styles, seed=options.seed, sr=sr, spatial=options.spatial
    )
    footsteps = Stem(name=raw.name, audio=normalise(raw.audio, sr, options.mix), sr=sr)
    mix = footsteps.audio
    if options.keep_audio:
        mix = mix_under(mix, read_audio(analysis.info, sr=sr), sr, options.mix)
    return Rendered(stems=(footsteps,), mix=mix, sr=sr, styles=styles)


def _style_of(event, options: RenderOptions) -> dict:
    surface = normalize_surface(options.surface) if options.surface else DEFAULT_SURFACE
    footwear = normalize_footwear(options.footwear) if options.footwear else DEFAULT_FOOTWEAR
    return {
        "surface": surface,
        "footwear": footwear,
        "surface_source": "user" if options.surface else "default",
        "footwear_source": "user" if options.footwear else "default",
    }


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


def export(analysis: Analysis, rendered: Rendered | None, out_video: str | os.PathLike) -> Outputs:
    """Write events (always), stems and the muxed video (when `rendered` is given)."""
    video_path, events_path, stem_path = output_paths(out_video)
    styles = rendered.styles if rendered else tuple(_style_of(e, RenderOptions()) for e in analysis.contacts.events)
    document = events_document(analysis.info, analysis.contacts.events, styles)
    write_events(events_path, document)
    if rendered is None:
        return Outputs(video=None, events=str(events_path), stems=())
    stems = []
    for stem in rendered.stems:
        path = stem_path(stem.name)
        write_wav(path, stem.audio, stem.sr)
        stems.append(str(path))
    mux_audio(analysis.info, rendered.mix, video_path, sr=rendered.sr)
    return Outputs(video=str(video_path), events=str(events_path), stems=tuple(stems))

