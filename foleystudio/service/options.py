"""A job's options: the CLI's soundtrack options, checked before any work, kept in the job record.

Options that name a folder on the server (--library, --model-dir, --lora, --clip-dir) are
not offered: a client must not pick server paths. The procedural backend is the one used.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from foleystudio.analysis import AnalysisOptions
from foleystudio.api import ExportOptions, RenderOptions
from foleystudio.errors import InputError
from foleystudio.export import FORMATS, parse_formats
from foleystudio.edits.events import LAYERS
from foleystudio.materials import (format_material_spec, normalise_ambience, normalise_fabric, normalise_footwear,
                                   normalise_surface, parse_material_spec)
from foleystudio.rendering import LOUDNESS_RANGE_LUFS, check_layers
from foleystudio.sound.mix import MixConfig
from foleystudio.sound.room import SpaceOptions
from foleystudio.sound.music import STYLES as MUSIC_STYLES
from foleystudio.timebase import timecode_to_frames
from foleystudio.vision.contacts import ContactConfig

DEFAULTS = {
    "surface": None,  # every step on this ground; None: estimated where confident, else the default
    "footwear": None,
    "scene": True,  # look at the ground (the CLI's --no-scene turns it off)
    "seed": 0,
    "keep_audio": False,
    "min_confidence": ContactConfig().min_confidence,
    "scuffs": ContactConfig().scuffs,  # off: most scuffs read are a low step or jitter
    "export": list(FORMATS),  # every format the project writes
    "start_timecode": None,
    "stems_per_person": False,
    "preview_size": None,  # [width, height]; None: the source's display size
    "events_only": False,  # only detect contacts: events and timelines, no sound
    "layers": list(LAYERS),  # the layers made
    "actions": True,  # look for claps, hits, falls and impacts (the specifics)
    "fabric": "cotton",
    "material": None,  # None: a neutral knock
    "ambience": None,  # one bed for every shot; None: each shot's from its picture
    "music": "auto",  # the score's style, or auto: by the video's pace
    "loudness": MixConfig().loudness_lufs,  # the mix's integrated loudness, LUFS (EBU R128 by default)
    "room": True,  # indoor shots ring in their room (the CLI's --no-room turns it off)
    "air": True,  # far sounds lose their highs (--no-air)
}


def check_options(given: dict) -> dict:
    """Every option with its default filled in and its value normalised; InputError naming the option."""
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise InputError(f"unknown option {', '.join(unknown)}; allowed: {', '.join(DEFAULTS)}")
    options = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    for name in ("surface", "footwear"):
        if options[name]:
            normalise = normalise_surface if name == "surface" else normalise_footwear
            try:
                options[name] = normalise(str(options[name]))
            except InputError as exc:
                raise InputError(f"{name}: {exc}") from None
    if not 0.0 <= float(options["min_confidence"]) <= 1.0:
        raise InputError(f"min_confidence: {options['min_confidence']} is outside 0..1")
    try:
        options["export"] = list(parse_formats(options["export"]))
    except InputError as exc:
        raise InputError(f"export: {exc}") from None
    if options["events_only"] and "preview" in options["export"]:
        if given.get("export") is not None:
            raise InputError("export: preview needs the sound: it cannot go with events_only")
        options["export"].remove("preview")  # "every format" without sound has no preview
    if options["start_timecode"]:
        try:
            timecode_to_frames(options["start_timecode"], 30)
        except ValueError as exc:
            raise InputError(f"start_timecode: {exc}") from None
    if isinstance(options["layers"], str):
        options["layers"] = [n.strip().lower() for n in options["layers"].split(",") if n.strip()]
    checks = {"layers": lambda v: list(check_layers(tuple(v))), "fabric": lambda v: normalise_fabric(str(v)),
              "material": lambda v: format_material_spec(*parse_material_spec(str(v))) if v else None,
              "ambience": lambda v: normalise_ambience(str(v)) if v else None, "music": _music,
              "loudness": _loudness}
    for name, check in checks.items():
        try:
            options[name] = check(options[name])
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from None
    if not options["layers"]:
        raise InputError(f"layers: name at least one of {', '.join(LAYERS)}")
    if options["preview_size"] is not None:
        options["preview_size"] = list(_size(options["preview_size"]))
    return options


def _music(value) -> str:
    style = str(value).strip().lower()
    if style != "auto" and style not in MUSIC_STYLES:
        raise InputError(f"{value!r} is not a style; use auto or one of: {', '.join(MUSIC_STYLES)}")
    return style


def _loudness(value) -> float:
    low, high = LOUDNESS_RANGE_LUFS
    try:
        lufs = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a loudness in LUFS, e.g. -23") from None
    if not low <= lufs <= high:
        raise InputError(f"{lufs:g} LUFS is outside {low:g}..{high:g}")
    return lufs


def _size(value) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in (value.lower().split("x") if isinstance(value, str) else value))
    except (TypeError, ValueError):
        raise InputError(f"preview_size: {value!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise InputError(f"preview_size: {value!r}: each side must be 16..8192 px")
    return width - width % 2, height - height % 2


def analysis_options(options: dict, cache_dir: Path, *, workers: int = 1) -> AnalysisOptions:
    contacts = replace(ContactConfig(), min_confidence=float(options["min_confidence"]), scuffs=bool(options["scuffs"]))
    return AnalysisOptions(contacts=contacts, estimate_scene=bool(options["scene"]), cache_dir=str(cache_dir),
                           detect_actions=bool(options.get("actions", True)), workers=workers)


def _materials(options: dict) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The job's material option (checked and spelled one way when the job was made): for every hit and impact,
    and per kind."""
    return parse_material_spec(options["material"]) if options.get("material") else (None, ())


def render_options(options: dict) -> RenderOptions:
    return RenderOptions(surface=options["surface"], footwear=options["footwear"], seed=int(options["seed"]),
                         keep_audio=bool(options["keep_audio"]), stems_per_person=bool(options["stems_per_person"]),
                         layers=tuple(options.get("layers", LAYERS)), fabric=options.get("fabric", "cotton"),
                         material=_materials(options)[0], kind_materials=_materials(options)[1],
                         ambience=options.get("ambience"),
                         music=options.get("music", "auto"),
                         mix=replace(MixConfig(), loudness_lufs=float(options.get("loudness", MixConfig().loudness_lufs))),
                         space=SpaceOptions(room=bool(options.get("room", True)), air=bool(options.get("air", True))))


def export_options(options: dict) -> ExportOptions:
    size = tuple(options["preview_size"]) if options["preview_size"] else None
    return ExportOptions(formats=tuple(options["export"]), start_timecode=options["start_timecode"], preview_size=size)
