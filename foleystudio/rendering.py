"""The cheap half: sound from an analysis, redone whenever a choice changes.

Each contact's surface and footwear come, in order of precedence, from an edited event list, a cue sheet,
the user's flag, a confident scene estimate, or the default (edits/cues.py), and are
rendered with the sound engine's nearest model. Every layer is a stem; the mix is what
goes on the video's audio track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.analysis import DEFAULT_FOOTWEAR, DEFAULT_SURFACE, Analysis
from foleystudio.media.mux import read_audio
from foleystudio.materials import engine_footwear, engine_surface
from foleystudio.sound.backends import get_backend
from foleystudio.sound.footsteps import Stem, StepStyle, add_up, render_footsteps_by_person
from foleystudio.sound.mix import MixConfig, loudness_gain, mix_under
from foleystudio.sound.spatial import SpatialConfig
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples
from foleystudio.edits.cues import CueSheet, resolve_surfaces
from foleystudio.edits.events import LAYERS, AppliedEvents, EventList, apply_events, event_ids
from foleystudio.errors import InputError
from foleystudio.vision.contacts import ContactEvent


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
    events: EventList | None = None  # an edited event list (edits/events.py): replaces the analysis's events
    stems_per_person: bool = False  # also one footstep stem per person (they add up to the footstep stem)
    levels: tuple[tuple[str, float], ...] = ()  # (layer, dB) on the layer's stem before the mix; unnamed: 0 dB
    mute: tuple[str, ...] = ()  # layers left out: their stems are written silent, so a session keeps its tracks
    mix: MixConfig = MixConfig()
    spatial: SpatialConfig = SpatialConfig()


@dataclass(frozen=True, eq=False)
class Rendered:
    stems: tuple[Stem, ...]
    mix: np.ndarray  # (n, 2) float32: what goes on the video's audio track
    sr: int
    events: tuple[ContactEvent, ...]  # what was rendered: the analysis's events, or the user's edited list
    ids: tuple[str, ...]  # each event's id in the event list
    styles: tuple[dict, ...]  # per event: surface, footwear, where each came from


def choose_events(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[AppliedEvents, tuple[dict, ...]]:
    """The events to render (the analysis's, or the user's edited list) and each one's surface and footwear."""
    originals = analysis.contacts.events
    if options.events is None:
        n = len(originals)
        applied = AppliedEvents(events=originals, origins=tuple(range(n)), ids=event_ids(n), overrides=((None, None),) * n)
    else:
        applied = apply_events(originals, options.events, frame_times_s=analysis.info.frame_times_s)
    estimates = None
    if analysis.scene is not None:
        estimates = tuple(analysis.scene.contacts[o] if o is not None else None for o in applied.origins)
    choices = resolve_surfaces(applied.events, estimates, cues=options.cues, surface=options.surface,
                               footwear=options.footwear, default_surface=DEFAULT_SURFACE,
                               default_footwear=DEFAULT_FOOTWEAR, overrides=applied.overrides)
    estimator = analysis.scene.estimator if analysis.scene is not None else None  # an estimate implies a scene
    styles = []
    for choice in choices:
        style = {
            "surface": engine_surface(choice.surface),
            "footwear": engine_footwear(choice.footwear),
            "surface_source": choice.surface_source,
            "footwear_source": choice.footwear_source,
        }
        if choice.surface_source == "estimate":
            style["surface_seen"] = choice.surface  # the estimator's class, before the sound engine's mapping
            style["surface_probability"] = round(float(choice.probability), 3)
            style["surface_estimator"] = estimator
        styles.append(style)
    return applied, tuple(styles)


def render(analysis: Analysis, options: RenderOptions = RenderOptions()) -> Rendered:
    """Sound for an analysis: stems at 48 kHz, exactly as long as the video."""
    sr = SAMPLE_RATE
    n = duration_to_samples(analysis.info.duration_s, sr)
    levels = layer_gains(options.levels, mute=options.mute)
    backend = get_backend(options.backend, sr=sr, library=options.library, model_dir=options.model_dir,
                          lora=options.lora, seed=options.seed)
    applied, styles = choose_events(analysis, options)
    step_styles = [StepStyle(surface=s["surface"], footwear=s["footwear"]) for s in styles]
    people = render_footsteps_by_person(applied.events, backend, n_samples=n, styles=step_styles, seed=options.seed,
                                        sr=sr, spatial=options.spatial, context=analysis.contacts.events)
    raw = add_up(people.values(), n_samples=n, sr=sr).audio
    # one gain for the stem and its people, so they still add up; the layer's level on top of the loudness target
    gain = loudness_gain(raw, sr, options.mix) * levels.get("footsteps", 1.0)
    footsteps = Stem(name="footsteps", audio=raw * np.float32(gain), sr=sr)
    stems = [footsteps]
    if options.stems_per_person:
        stems += [Stem(name=p.name, audio=p.audio * np.float32(gain), sr=sr) for p in people.values()]
    mix = footsteps.audio
    if options.keep_audio:
        mix = mix_under(mix, read_audio(analysis.info, sr=sr), sr, options.mix)
    return Rendered(stems=tuple(stems), mix=mix, sr=sr, events=applied.events, ids=applied.ids, styles=styles)


def layer_gains(levels: tuple[tuple[str, float], ...], *, mute: tuple[str, ...] = ()) -> dict[str, float]:
    """Linear gain per layer from (layer, dB) pairs, 0 for a muted layer; InputError for a layer that does not exist."""
    gains = {}
    for layer, db in [*levels, *((layer, None) for layer in mute)]:
        if layer not in LAYERS:
            raise InputError(f"level for unknown layer {layer!r}; the layers are {', '.join(LAYERS)}")
        gains[layer] = 0.0 if db is None else float(10.0 ** (float(db) / 20.0))
    return gains


def choose_styles(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[dict, ...]:
    """Surface and footwear of every event to render, with their sources, as the events file records them."""
    return choose_events(analysis, options)[1]
