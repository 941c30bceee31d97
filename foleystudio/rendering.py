"""The cheap half: sound from an analysis, redone whenever a choice changes.

Each contact's surface and footwear come, in order of precedence, from an edited event list, a cue sheet,
the user's flag, a confident scene estimate, or the default (edits/cues.py), and are
rendered with the sound engine's nearest model. The specifics (claps, hits, falls) strike the user's
material, else a neutral knock; falls, sits and kneels land on the shot's ground. The moves follow
each body. Every layer is a stem; one loudness gain for all of them (so they add up to the mix), then
each layer's level; the mix is what goes on the video's audio track.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from foleystudio.analysis import DEFAULT_FOOTWEAR, DEFAULT_SURFACE, Analysis
from foleystudio.media.mux import read_audio
from foleystudio.materials import (FLOOR_MATERIAL, engine_footwear, engine_surface, normalise_fabric,
                                   normalise_hit_material)
from foleystudio.sound.backends import get_backend
from foleystudio.sound.footsteps import Stem, StepStyle, add_up, render_footsteps_by_person
from foleystudio.sound.mix import MixConfig, loudness_gain, mix_under, true_peak_db
from foleystudio.sound.moves import MovesOptions, render_moves, render_moves_by_person
from foleystudio.sound.spatial import SpatialConfig
from foleystudio.sound.specifics import SpecificsOptions, render_specifics
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples
from foleystudio.edits.cues import CueSheet, resolve_surfaces
from foleystudio.edits.events import (LAYERS, AppliedActions, AppliedEvents, EventList, action_ids, apply_actions,
                                      apply_events, event_ids)
from foleystudio.errors import InputError
from foleystudio.vision.actions import ActionEvent
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
    layers: tuple[str, ...] = LAYERS  # the layers made: a stem each (one not made has no stem and no sound)
    fabric: str = "cotton"  # what the moves layer's clothes are (materials.FABRICS)
    material: str | None = None  # what hits and impacts strike (materials.HIT_MATERIALS); None: a neutral knock
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
    actions: tuple[ActionEvent, ...] = ()  # the specifics rendered, by time
    action_ids: tuple[str, ...] = ()
    action_styles: tuple[dict, ...] = ()  # per specific: material, where it came from
    seconds: dict = field(default_factory=dict)  # layer -> seconds its sound took (make bench)


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


def choose_actions(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[AppliedActions, tuple[dict, ...]]:
    """The specifics to render (the analysis's, or the user's edited list) and what each one strikes: the user's
    material for the event, else a cue's material for its time (and person), else for hits and impacts
    `options.material` (or a neutral knock), and for falls, sits and kneels the ground: a cue's surface,
    `options.surface`, the shot's when the scene is sure of it, else the default."""
    originals = analysis.actions.events
    if options.events is None or "specifics" not in options.events.layers:
        n = len(originals)
        applied = AppliedActions(events=originals, ids=action_ids(n), materials=(None,) * n)
    else:
        applied = apply_actions(originals, options.events, frame_times_s=analysis.info.frame_times_s)
    default_hit = normalise_hit_material(options.material) if options.material else "neutral"
    styles = []
    for event, given in zip(applied.events, applied.materials):
        cue = options.cues.material_at(event.t_s, event.person) if options.cues else None
        if given:
            styles.append({"material": given, "material_source": "edit"})
        elif cue is not None:
            styles.append({"material": cue.material, "material_source": "cue"})
        elif event.kind in ("fall", "sit", "kneel"):
            ground, source = _ground_at(analysis, event, options)
            styles.append({"material": FLOOR_MATERIAL.get(engine_surface(ground), "neutral"),
                           "material_source": source, "surface": engine_surface(ground)})
        else:
            styles.append({"material": default_hit, "material_source": "flag" if options.material else "default"})
    return applied, tuple(styles)


def _ground_at(analysis: Analysis, event: ActionEvent, options: RenderOptions) -> tuple[str, str]:
    """The ground a body lands on: a cue's surface for the time (and person), the --surface flag, the shot's when
    the scene is sure of it, else the default."""
    cue, _ = options.cues.lookup(event.t_s, event.person) if options.cues else (None, None)
    if cue is not None:
        return cue.surface, "cue"
    if options.surface:
        return options.surface, "flag"
    t_s = event.t_s
    for shot in analysis.scene.shots if analysis.scene is not None else ():
        if shot.start_s <= t_s < shot.end_s and shot.surface_confident:
            return shot.surface, "estimate"
    return DEFAULT_SURFACE, "default"


MOVES_UNDER_LU = 12.0  # with no event to set the level, the clothes sit this far under the loudness target


def _gain(raw: dict[str, np.ndarray], work: np.ndarray, sr: int, config: MixConfig) -> float:
    """The one loudness gain of every layer: the events (footsteps and specifics) meet the target, so the clothes
    keep their place under them (a clip of someone waving gets quiet cloth, not cloth at the target), and the
    sum of all stays under the true-peak ceiling. `work` is a scratch buffer the size of a stem."""
    for layer in ("footsteps", "specifics"):
        if layer in raw:
            work += raw[layer]
    if np.any(work):
        gain = loudness_gain(work, sr, config)
    elif "moves" in raw:
        gain = loudness_gain(raw["moves"], sr, replace(config, target_lufs=config.target_lufs - MOVES_UNDER_LU))
    else:
        return 1.0
    if "moves" in raw:
        work += raw["moves"]
        peak = true_peak_db(work) + 20.0 * np.log10(gain) if gain > 0 else float("-inf")
        if peak > config.true_peak_db:
            gain *= 10.0 ** ((config.true_peak_db - peak) / 20.0)
    return gain


def check_layers(layers: tuple[str, ...]) -> tuple[str, ...]:
    """`layers` in LAYERS order; InputError naming one that does not exist."""
    for layer in layers:
        if layer not in LAYERS:
            raise InputError(f"unknown layer {layer!r}; the layers are {', '.join(LAYERS)}")
    return tuple(layer for layer in LAYERS if layer in layers)


def render(analysis: Analysis, options: RenderOptions = RenderOptions()) -> Rendered:
    """Sound for an analysis: a stem per layer at 48 kHz, exactly as long as the video, and their mix."""
    sr = SAMPLE_RATE
    n = duration_to_samples(analysis.info.duration_s, sr)
    levels = layer_gains(options.levels, mute=options.mute)
    layers = check_layers(options.layers)
    applied, styles = choose_events(analysis, options)
    actions, action_styles = choose_actions(analysis, options)
    raw: dict[str, np.ndarray] = {}  # layer -> its sound before the loudness gain
    parts: dict[str, list[Stem]] = {}  # layer -> its per-person stems (--stems-per-person)
    seconds = {}
    if "footsteps" in layers:
        started = time.perf_counter()
        backend = get_backend(options.backend, sr=sr, library=options.library, model_dir=options.model_dir,
                              lora=options.lora, seed=options.seed)
        step_styles = [StepStyle(surface=s["surface"], footwear=s["footwear"]) for s in styles]
        people = render_footsteps_by_person(applied.events, backend, n_samples=n, styles=step_styles,
                                            seed=options.seed, sr=sr, spatial=options.spatial,
                                            context=analysis.contacts.events)
        raw["footsteps"] = add_up(people.values(), n_samples=n, sr=sr).audio
        parts["footsteps"] = list(people.values()) if options.stems_per_person else []
        seconds["footsteps"] = time.perf_counter() - started
    if "specifics" in layers:
        started = time.perf_counter()
        raw["specifics"] = render_specifics(actions.events, n_samples=n, sr=sr, seed=options.seed,
                                            options=SpecificsOptions(spatial=options.spatial),
                                            materials=[s["material"] for s in action_styles]).audio
        seconds["specifics"] = time.perf_counter() - started
    if "moves" in layers:
        started = time.perf_counter()
        moves = MovesOptions(fabric=normalise_fabric(options.fabric), spatial=options.spatial)
        if options.stems_per_person:
            people = render_moves_by_person(analysis.poses, n_samples=n, sr=sr, seed=options.seed, options=moves)
            raw["moves"] = add_up(people.values(), n_samples=n, sr=sr, name="moves").audio
            parts["moves"] = list(people.values())
        else:  # person by person into one buffer: a long video's many people cost one stem of memory
            raw["moves"] = render_moves(analysis.poses, n_samples=n, sr=sr, seed=options.seed, options=moves).audio
        seconds["moves"] = time.perf_counter() - started
    # one gain for every layer and its people, so they still add up to the mix; each layer's level on top. The
    # layers are scaled in place and the mix is summed in the buffer the loudness was measured on (long videos)
    mix = np.zeros((n, 2), np.float32)
    gain = _gain(raw, mix, sr, options.mix)
    mix[:] = 0.0
    stems = []
    for layer, audio in raw.items():
        audio *= np.float32(gain * levels.get(layer, 1.0))
        mix += audio
        stems.append(Stem(name=layer, audio=audio, sr=sr))
    stems += [Stem(name=p.name, audio=p.audio * np.float32(gain * levels.get(layer, 1.0)), sr=sr)
              for layer, people in parts.items() for p in people]
    if options.keep_audio:
        mix = mix_under(mix, read_audio(analysis.info, sr=sr), sr, options.mix)
    return Rendered(stems=tuple(stems), mix=mix, sr=sr, events=applied.events, ids=applied.ids, styles=styles,
                    actions=actions.events, action_ids=actions.ids, action_styles=action_styles, seconds=seconds)


def layer_gains(levels: tuple[tuple[str, float], ...], *, mute: tuple[str, ...] = ()) -> dict[str, float]:
    """Linear gain per layer from (layer, dB) pairs, 0 for a muted layer; InputError for a layer that does not exist."""
    pairs = [*levels, *((layer, None) for layer in mute)]
    check_layers(tuple(layer for layer, _ in pairs))
    return {layer: 0.0 if db is None else float(10.0 ** (float(db) / 20.0)) for layer, db in pairs}


def choose_styles(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[dict, ...]:
    """Surface and footwear of every event to render, with their sources, as the events file records them."""
    return choose_events(analysis, options)[1]
