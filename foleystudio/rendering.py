"""The cheap half: sound from an analysis, redone whenever a choice changes.

Each contact's surface and footwear come, in order of precedence, from a cue sheet,
the user's flag, a confident scene estimate, or the default (vision/cues.py), and are
rendered with the sound engine's nearest model. Every layer is a stem; the mix is what
goes on the video's audio track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.analysis import DEFAULT_FOOTWEAR, DEFAULT_SURFACE, Analysis
from foleystudio.media.mux import read_audio
from foleystudio.sound.backends import get_backend, normalize_footwear, normalize_surface
from foleystudio.sound.footsteps import Stem, StepStyle, render_footsteps
from foleystudio.sound.mix import MixConfig, mix_under, normalise
from foleystudio.sound.spatial import SpatialConfig
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples
from foleystudio.vision.cues import CueSheet, resolve_surfaces


@dataclass(frozen=True)
class RenderOptions:
    surface: str | None = None  # every step on this ground; None: cue, estimate or DEFAULT_SURFACE
    footwear: str | None = None  # every step in this footwear; None: cue, estimate or DEFAULT_FOOTWEAR
    cues: CueSheet | None = None  # time ranges (and people) with their own surface/footwear; wins over the flags
    backend: str = "procedural"  # "procedural" (offline, seeded), "samples" (needs library), or a neural one
    library: str | None = None  # sample library directory for the samples backend
    model_dir: str | None = None  # local diffusers pipeline folder for a neural backend
    lora: str | None = None  # optional PEFT adapter folder for a neural backend
    seed: int = 0  # every random choice derives from it: same seed, same soundtrack
    keep_audio: bool = False  # mix the input's own audio under the Foley
    mix: MixConfig = MixConfig()
    spatial: SpatialConfig = SpatialConfig()


@dataclass(frozen=True, eq=False)
class Rendered:
    stems: tuple[Stem, ...]
    mix: np.ndarray  # (n, 2) float32: what goes on the video's audio track
    sr: int
    styles: tuple[dict, ...]  # per contact: surface, footwear, where each came from


def choose_styles(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[dict, ...]:
    """Surface and footwear of every contact, with their sources, as the events file records them."""
    events = analysis.contacts.events
    estimates = analysis.scene.contacts if analysis.scene is not None else None
    choices = resolve_surfaces(events, estimates, cues=options.cues, surface=options.surface,
                               footwear=options.footwear, default_surface=DEFAULT_SURFACE,
                               default_footwear=DEFAULT_FOOTWEAR)
    estimator = analysis.scene.estimator if analysis.scene is not None else None  # an estimate implies a scene
    styles = []
    for choice in choices:
        style = {
            "surface": normalize_surface(choice.surface),
            "footwear": normalize_footwear(choice.footwear),
            "surface_source": choice.surface_source,
            "footwear_source": choice.footwear_source,
        }
        if choice.surface_source == "estimate":
            style["surface_seen"] = choice.surface  # the estimator's class, before the sound engine's mapping
            style["surface_probability"] = round(float(choice.probability), 3)
            style["surface_estimator"] = estimator
        styles.append(style)
    return tuple(styles)


def render(analysis: Analysis, options: RenderOptions = RenderOptions()) -> Rendered:
    """Sound for an analysis: stems at 48 kHz, exactly as long as the video."""
    sr = SAMPLE_RATE
    n = duration_to_samples(analysis.info.duration_s, sr)
    backend = get_backend(options.backend, sr=sr, library=options.library, model_dir=options.model_dir,
                          lora=options.lora, seed=options.seed)
    events = analysis.contacts.events
    styles = choose_styles(analysis, options)
    step_styles = [StepStyle(surface=s["surface"], footwear=s["footwear"]) for s in styles]
    raw = render_footsteps(
        events, backend, n_samples=n, styles=step_styles, seed=options.seed, sr=sr, spatial=options.spatial
    )
    footsteps = Stem(name=raw.name, audio=normalise(raw.audio, sr, options.mix), sr=sr)
    mix = footsteps.audio
    if options.keep_audio:
        mix = mix_under(mix, read_audio(analysis.info, sr=sr), sr, options.mix)
    return Rendered(stems=(footsteps,), mix=mix, sr=sr, styles=styles)
