"""The cheap half: sound from an analysis, redone whenever a choice changes.

Each contact's surface and footwear come, in order of precedence, from an edited event list, a cue sheet,
the user's flag, a confident scene estimate, or the default (edits/cues.py), and are
rendered with the sound engine's nearest model. The specifics (claps, hits, falls) strike the user's
material, else a neutral knock; falls, sits and kneels land on the shot's ground. The moves follow
each body. Each shot gets an ambience bed (a cue's, the user's, else what its picture shows: vision/place.py),
crossfaded where it changes; the music follows the video's pace and picture and is ducked under the Foley.

Levels: the Foley events meet the stem reference (MixConfig.target_lufs), the clothes sit under them, the beds at
their calibrated levels against that reference, the music MUSIC_UNDER_LU under it; each layer's level on top; then
the mix is mastered to the loudness target (EBU R128 by default) with one gain curve that multiplies every stem,
so the stems add up to the mix, which is what goes on the video's audio track.

Every stem, the mix and the master's curves are scratch arrays on disk (sound/scratch.py), made and mixed a block
at a time: the render's memory does not grow with the video's length.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from foleystudio.analysis import DEFAULT_FOOTWEAR, DEFAULT_SURFACE, Analysis
from foleystudio.media.mux import read_audio
from foleystudio.media.probe import VideoInfo
from foleystudio.prompts import bed_prompt
from foleystudio.materials import (FLOOR_MATERIAL, engine_footwear, engine_surface, normalise_ambience,
                                   normalise_fabric, normalise_hit_material)
from foleystudio.sound.backends import get_backend
from foleystudio.sound.footsteps import Stem, StepStyle, render_footsteps_by_person
from foleystudio.sound.ambience import AmbienceOptions, BedSpan, render_ambience
from foleystudio.sound.neural_beds import render_ambience_neural, render_music_neural
from foleystudio.sound.room import SpaceOptions, add_room
from foleystudio.sound.mix import (MixConfig, duck_curve, expand, loudness_gain, master, scale, times_curve,
                                   true_peak_db)
from foleystudio.sound.moves import MovesOptions, motion_energy, render_moves, render_moves_by_person
from foleystudio.sound.music import STYLES, MusicPlan, plan_music, render_music
from foleystudio.sound.scratch import any_nonzero, blocks, release, zeros
from foleystudio.sound.spatial import SpatialConfig
from foleystudio.sound.specifics import SpecificsOptions, render_specifics
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples, seconds_to_sample
from foleystudio.edits.cues import CueSheet, resolve_surfaces
from foleystudio.edits.events import (EVENT_LAYERS, LAYERS, AppliedActions, AppliedEvents, EventList, action_ids, apply_actions,
                                      apply_events, event_ids)
from foleystudio.errors import InputError
from foleystudio.vision.actions import ActionEvent
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.place import choose_bed


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
    kind_materials: tuple[tuple[str, str], ...] = ()  # (kind, material) for hits or impacts: wins over `material`
    ambience: str | None = None  # every shot's bed (materials.AMBIENCES); None: a cue's, else what the picture shows
    music: str = "auto"  # the score's style (sound.music.STYLES), or "auto": chosen by the video's pace
    space: SpaceOptions = SpaceOptions()  # indoor shots' rooms, far sounds' air (sound/room.py); off: dry
    ambience_model: str | None = None  # a local AudioLDM2 folder: the beds from prompts (sound/neural_beds.py)
    music_model: str | None = None  # a local MusicGen folder: the score from a prompt
    mix: MixConfig = MixConfig()
    spatial: SpatialConfig = SpatialConfig()


@dataclass(frozen=True, eq=False)
class Rendered:
    stems: tuple[Stem, ...]
    mix: np.ndarray  # (n, 2) float32: what goes on the video's audio track (it and the stems: scratch arrays on
    #                  disk, sound/scratch.py, read a block at a time; the files go when the arrays are collected)
    sr: int
    events: tuple[ContactEvent, ...]  # what was rendered: the analysis's events, or the user's edited list
    ids: tuple[str, ...]  # each event's id in the event list
    styles: tuple[dict, ...]  # per event: surface, footwear, where each came from
    actions: tuple[ActionEvent, ...] = ()  # the specifics rendered, by time
    action_ids: tuple[str, ...] = ()
    action_styles: tuple[dict, ...] = ()  # per specific: material, where it came from
    beds: tuple[dict, ...] = ()  # the ambience per span: start_s, end_s, shot, ambience, source, seen
    music: dict | None = None  # the score's plan (style, tempo, key, mode, ...) when the music layer was made
    loudness_lufs: float | None = None  # the mix's integrated loudness as mastered
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
    material for the event, else a cue's material for its time (and person), else for hits and impacts the
    material given for their kind (`options.kind_materials`), else `options.material` (or a neutral knock), and
    for falls, sits and kneels the ground: a cue's surface, `options.surface`, the shot's when the scene is sure
    of it, else the default."""
    originals = analysis.actions.events
    if options.events is None or "specifics" not in options.events.layers:
        n = len(originals)
        applied = AppliedActions(events=originals, ids=action_ids(n), materials=(None,) * n)
    else:
        applied = apply_actions(originals, options.events, frame_times_s=analysis.info.frame_times_s)
    default_hit = normalise_hit_material(options.material) if options.material else "neutral"
    by_kind = {kind: normalise_hit_material(m) for kind, m in options.kind_materials}
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
        elif event.kind in by_kind:
            styles.append({"material": by_kind[event.kind], "material_source": "flag"})
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


def choose_beds(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[dict, ...]:
    """The ambience of the video, span by span, in order and covering it: each shot's bed (the user's
    `options.ambience`, else what its picture shows), split where a cue sets another, and what was seen.

    A span is a dict: start_s, end_s, shot, ambience, source ("cue", "flag", "estimate" or "default": no scene
    was estimated), seen (the picture's words), room (the room its sounds ring in: "small", "large" or None).
    Neighbours in one shot with one bed are one span.
    """
    duration = analysis.info.duration_s
    shots = analysis.scene.shots if analysis.scene is not None else ()
    if shots:
        edges = [(s.start_s, s) for s in shots]
    else:
        edges = [(0.0, None)]
    spans: list[dict] = []
    for k, (start, shot) in enumerate(edges):
        end = edges[k + 1][0] if k + 1 < len(edges) else duration
        if options.ambience:
            kind, source, seen = normalise_ambience(options.ambience), "flag", ()
        elif shot is not None:
            guess = choose_bed(shot.picture, indoor=shot.indoor, outdoor_probability=shot.outdoor_probability,
                               surface=shot.surface if shot.surface_confident else None, environment=shot.environment)
            kind, source, seen = guess.kind, "estimate", guess.seen
        else:
            kind, source, seen = "room_small", "default", ()
        cuts = sorted({start, end, *(t for c in (options.cues.ambience_cues() if options.cues else ())
                                     for t in (c.start_s, c.end_s) if start < t < end)})
        for lo, hi in zip(cuts, cuts[1:]):
            cue = options.cues.ambience_at(0.5 * (lo + hi)) if options.cues else None
            bed = cue.ambience if cue else kind
            span = {"start_s": round(lo, 6), "end_s": round(min(hi, duration), 6), "shot": shot.shot if shot else 0,
                    "ambience": bed, "source": "cue" if cue else source, "seen": list(seen),
                    "room": _room(bed, shot) if cue or source != "default" else None}
            last = spans[-1] if spans else None
            if last and last["shot"] == span["shot"] and last["ambience"] == span["ambience"]:
                last["end_s"] = span["end_s"]
                last["source"] = last["source"] if last["source"] == span["source"] else "cue"
            elif span["end_s"] > span["start_s"]:
                spans.append(span)
    return tuple(spans)


def _room(bed: str, shot) -> str | None:
    """The room a span's sounds ring in: a room bed's size; indoors, a large one for a crowd, else small; None
    outdoors, or with no scene (nothing known of the place)."""
    if bed in ("room_small", "room_large"):
        return bed.removeprefix("room_")
    if shot is None:
        return None
    indoor = shot.indoor if shot.indoor is not None else shot.outdoor_probability < 0.5
    return ("large" if bed == "crowd" else "small") if indoor else None


def choose_music(analysis: Analysis, options: RenderOptions = RenderOptions()) -> MusicPlan:
    """The score's plan from the video: its pace (cuts per minute, how fast the people move) and its picture
    (the shots' brightness, colour and warmth, each weighed by its length)."""
    info = analysis.info
    cuts = [s.start_s for s in analysis.shots.shots if s.start_s > 0.0]
    energies = [motion_energy(track) for track in analysis.poses.tracks if len(track) >= 3]
    seen = np.concatenate(energies) if energies else np.zeros(0)
    seen = seen[seen > 0]
    motion = float(np.clip(np.median(seen) / MUSIC_FULL_MOTION, 0.0, 1.0)) if seen.size else 0.0
    pictures = [(s.end_s - s.start_s, s.picture) for s in (analysis.scene.shots if analysis.scene else ())
                if s.picture is not None]
    weight = sum(w for w, _ in pictures)
    look = {"luma": 0.5, "saturation": 0.3, "warmth": 0.0}
    if weight > 0:
        look = {key: sum(w * getattr(p, key) for w, p in pictures) / weight for key in look}
    plan = plan_music(duration_s=info.duration_s, cut_times_s=cuts, motion_energy=motion,
                      style="ambient" if options.music == "auto" else options.music, **look)
    return replace(plan, style=auto_style(plan.tempo_bpm)) if options.music == "auto" else plan


MUSIC_FULL_MOTION = 2.0  # body heights/s of limb motion (vision: a sprint reads ~3, a walk ~0.9) that is full pace


def auto_style(tempo_bpm: float) -> str:
    """The style for the pace the tempo says (70 bpm still .. 150 fast cutting and running): slow, ambient; a
    walk's pace, piano; brisk, pulse; fast, drive."""
    return "ambient" if tempo_bpm < 85 else "piano" if tempo_bpm < 105 else "pulse" if tempo_bpm < 125 else "drive"


MOVES_UNDER_LU = 12.0  # with no event to set the level, the clothes sit this far under the loudness target
LOUDNESS_RANGE_LUFS = (-40.0, -9.0)  # what a mix may be mastered to (--loudness, a job's loudness)
MUSIC_UNDER_LU = 10.0  # the score sits this far under the Foley events' reference, before its ducking


def _gain(raw: dict[str, np.ndarray], work: np.ndarray, sr: int, config: MixConfig) -> float:
    """The one loudness gain of every layer: the events (footsteps and specifics) meet the target, so the clothes
    keep their place under them (a clip of someone waving gets quiet cloth, not cloth at the target), and the
    sum of all stays under the true-peak ceiling (unless the mix is mastered: the master's limiter keeps the
    ceiling then, so no peak is measured here). `work` is a silent scratch buffer the size of a stem."""
    peak_safe = config.loudness_lufs is None
    add_into(work, [raw[layer] for layer in ("footsteps", "specifics") if layer in raw])
    if any_nonzero(work):
        gain = loudness_gain(work, sr, config, peak_safe=peak_safe)
    elif "moves" in raw:
        gain = loudness_gain(raw["moves"], sr, replace(config, target_lufs=config.target_lufs - MOVES_UNDER_LU),
                             peak_safe=peak_safe)
    else:
        return 1.0
    if "moves" in raw and peak_safe:
        add_into(work, [raw["moves"]])
        peak = true_peak_db(work) + 20.0 * np.log10(gain) if gain > 0 else float("-inf")
        if peak > config.true_peak_db:
            gain *= 10.0 ** ((config.true_peak_db - peak) / 20.0)
    return gain


def add_into(out: np.ndarray, arrays: list[np.ndarray]) -> np.ndarray:
    """`out += a` for each of `arrays` in turn, a block at a time (scratch arrays' pages handed back as it goes)."""
    for lo, hi in blocks(len(out)):
        block = out[lo:hi]
        for a in arrays:
            block += a[lo:hi]
            release(a[lo:hi])
        release(block)
    return out


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
    if options.music != "auto" and options.music not in STYLES:
        raise InputError(f"unknown music style {options.music!r}; use auto or one of: {', '.join(STYLES)}")
    applied, styles = choose_events(analysis, options)
    actions, action_styles = choose_actions(analysis, options)
    beds = choose_beds(analysis, options)
    rooms = [(seconds_to_sample(b["start_s"], sr), min(n, seconds_to_sample(b["end_s"], sr)), b["room"])
             for b in beds if b["room"]] if options.space.room else []
    air = options.space if options.space.air else None
    raw: dict[str, np.ndarray] = {}  # layer -> its sound before the loudness gain
    parts: dict[str, list[Stem]] = {}  # layer -> its per-person stems (--stems-per-person)
    seconds = {}

    def new_stem() -> np.ndarray:  # every stem, the mix and the per-person stems live on disk (sound/scratch.py)
        return zeros((n, 2), on_disk=True)

    if "footsteps" in layers:
        started = time.perf_counter()
        backend = get_backend(options.backend, sr=sr, library=options.library, model_dir=options.model_dir,
                              lora=options.lora, seed=options.seed)
        step_styles = [StepStyle(surface=s["surface"], footwear=s["footwear"]) for s in styles]
        # person by person only when asked: else every step into one buffer (a crowd costs one stem)
        together = None if options.stems_per_person else new_stem()
        people = render_footsteps_by_person(applied.events, backend, n_samples=n, styles=step_styles,
                                            seed=options.seed, sr=sr, spatial=options.spatial,
                                            context=analysis.contacts.events, air=air, out=together,
                                            new_stem=new_stem)
        for person in people.values():
            add_room(person.audio, rooms, sr, seed=options.seed, options=options.space)
        raw["footsteps"] = add_into(new_stem(), [p.audio for p in people.values()]) if together is None else together
        if together is not None:  # the room once on the layer (it is linear: the same as person by person)
            add_room(together, rooms, sr, seed=options.seed, options=options.space)
        parts["footsteps"] = list(people.values())
        seconds["footsteps"] = time.perf_counter() - started
    if "specifics" in layers:
        started = time.perf_counter()
        raw["specifics"] = render_specifics(actions.events, n_samples=n, sr=sr, seed=options.seed,
                                            options=SpecificsOptions(spatial=options.spatial),
                                            materials=[s["material"] for s in action_styles], air=air,
                                            out=new_stem()).audio
        add_room(raw["specifics"], rooms, sr, seed=options.seed, options=options.space)
        seconds["specifics"] = time.perf_counter() - started
    if "moves" in layers:
        started = time.perf_counter()
        moves = MovesOptions(fabric=normalise_fabric(options.fabric), spatial=options.spatial)
        if options.stems_per_person:
            people = render_moves_by_person(analysis.poses, n_samples=n, sr=sr, seed=options.seed, options=moves,
                                            new_stem=new_stem)
            for person in people.values():
                add_room(person.audio, rooms, sr, seed=options.seed, options=options.space)
            raw["moves"] = add_into(new_stem(), [p.audio for p in people.values()])
            parts["moves"] = list(people.values())
        else:  # person by person into one buffer: a long video's many people cost one stem
            raw["moves"] = render_moves(analysis.poses, n_samples=n, sr=sr, seed=options.seed, options=moves,
                                        out=new_stem()).audio
            add_room(raw["moves"], rooms, sr, seed=options.seed, options=options.space)
        seconds["moves"] = time.perf_counter() - started
    if "ambience" in layers:
        started = time.perf_counter()
        pairs = bed_spans(beds, n, sr)
        spans = [span for span, _ in pairs]
        if options.ambience_model:
            shots = analysis.scene.shots if analysis.scene is not None else ()
            prompts = [bed_prompt(span.kind, shots[bed["shot"]].picture if bed["shot"] < len(shots) else None)
                       for span, bed in pairs]
            raw["ambience"] = render_ambience_neural(
                spans, prompts, model_dir=options.ambience_model, n_samples=n, sr=sr, seed=options.seed,
                crossfade_s=AmbienceOptions().crossfade_s).audio
        else:
            raw["ambience"] = render_ambience(spans, n_samples=n, sr=sr, seed=options.seed,
                                              options=AmbienceOptions(), out=new_stem()).audio
        seconds["ambience"] = time.perf_counter() - started
    plan = None
    if "music" in layers:
        started = time.perf_counter()
        plan = choose_music(analysis, options)
        if options.music_model:
            raw["music"] = render_music_neural(plan, model_dir=options.music_model, n_samples=n, sr=sr,
                                               seed=options.seed).audio
        else:
            raw["music"] = render_music(plan, n_samples=n, sr=sr, seed=options.seed, out=new_stem()).audio
        seconds["music"] = time.perf_counter() - started
    started = time.perf_counter()
    mix, stems, loudness = _mix(raw, parts, n=n, sr=sr, levels=levels, new_stem=new_stem, info=analysis.info,
                                options=options)
    seconds["mix"] = time.perf_counter() - started
    return Rendered(stems=tuple(stems), mix=mix, sr=sr, events=applied.events, ids=applied.ids, styles=styles,
                    actions=actions.events, action_ids=actions.ids, action_styles=action_styles, seconds=seconds,
                    beds=beds, music=_plan_record(plan), loudness_lufs=loudness if np.isfinite(loudness) else None)


def _mix(raw: dict[str, np.ndarray], parts: dict[str, list[Stem]], *, n: int, sr: int, levels: dict[str, float],
         new_stem: Callable[[], np.ndarray], info: VideoInfo,
         options: RenderOptions) -> tuple[np.ndarray, list[Stem], float]:
    """The layers' stems, their mix and its loudness. One gain brings the Foley to the reference (the beds are
    calibrated against it; the music sits under it); each layer's level on top; the music and the original sound
    ducked under the Foley; then one master curve for every stem and their people, so they still add up to the
    mix. Scaled in place, a block at a time: the mix is summed in the buffer the loudness was measured on."""
    mix = new_stem()
    gain = _gain(raw, mix, sr, options.mix)
    placed = {"ambience": 1.0, "music": 10.0 ** (-MUSIC_UNDER_LU / 20.0)}  # the beds' own places; the rest: gain
    scale_of = {layer: np.float32(placed.get(layer, gain) * levels.get(layer, 1.0)) for layer in raw}
    for lo, hi in blocks(n):  # each layer at its level; the events' sum is the key the ducked layers follow
        key = np.zeros((hi - lo, 2), np.float32)
        for layer, audio in raw.items():
            block = audio[lo:hi]
            block *= scale_of[layer]
            if layer in EVENT_LAYERS:
                key += block
            release(block)
        mix[lo:hi] = key
        release(mix[lo:hi])
    ducked = ("music",) if "music" in raw else ()
    if options.keep_audio:  # the video's own sound, at its level, ducked under the Foley: a stem of its own
        raw["original"] = read_audio(info, sr=sr, out=new_stem())
        ducked += ("original",)
    duck = duck_curve(mix, sr, options.mix) if ducked else None
    for lo, hi in blocks(n):
        if duck is not None:
            gain_block = expand(*duck, lo, hi)
            for layer in ducked:
                times_curve(raw[layer][lo:hi], gain_block)
        total = np.zeros((hi - lo, 2), np.float32)
        for audio in raw.values():
            total += audio[lo:hi]
            release(audio[lo:hi])
        mix[lo:hi] = total
        release(mix[lo:hi])
    stems = [Stem(name=layer, audio=audio, sr=sr) for layer, audio in raw.items()]
    for layer, people in parts.items():
        for person in people:
            scale(person.audio, scale_of[layer])
            stems.append(person)
    loudness = master([s.audio for s in stems], mix, sr, options.mix, on_disk=True)
    return mix, stems, loudness


def bed_spans(beds: tuple[dict, ...], n: int, sr: int) -> list[tuple[BedSpan, dict]]:
    """The beds as sample spans that tile [0, n), each with its bed (one shorter than a sample is left out)."""
    starts = [0] + [min(n, seconds_to_sample(b["start_s"], sr)) for b in beds[1:]]
    stops = starts[1:] + [n]
    return [(BedSpan(start=a, stop=b, kind=bed["ambience"]), bed) for a, b, bed in zip(starts, stops, beds) if b > a]


def _plan_record(plan: MusicPlan | None) -> dict | None:
    if plan is None:
        return None
    record = asdict(plan)
    record["accents_s"] = [round(t, 4) for t in plan.accents_s]
    record["tempo_bpm"] = round(float(plan.tempo_bpm), 2)
    return record


def layer_gains(levels: tuple[tuple[str, float], ...], *, mute: tuple[str, ...] = ()) -> dict[str, float]:
    """Linear gain per layer from (layer, dB) pairs, 0 for a muted layer; InputError for a layer that does not exist."""
    pairs = [*levels, *((layer, None) for layer in mute)]
    check_layers(tuple(layer for layer, _ in pairs))
    return {layer: 0.0 if db is None else float(10.0 ** (float(db) / 20.0)) for layer, db in pairs}


def choose_styles(analysis: Analysis, options: RenderOptions = RenderOptions()) -> tuple[dict, ...]:
    """Surface and footwear of every event to render, with their sources, as the events file records them."""
    return choose_events(analysis, options)[1]
