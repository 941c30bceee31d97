"""`foley VIDEO [-o OUT]`: analyse, render and mux, with a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from foleystudio import __version__
from foleystudio.api import (
    AnalysisOptions,
    ExportOptions,
    RenderOptions,
    analyse,
    export,
    export_paths,
    output_paths,
    render,
    start_frame,
)
from foleystudio.chunking import MIN_CHUNK_S, default_workers, parse_workers
from foleystudio.errors import ExportError, InputError
from foleystudio.media.probe import probe_video
from foleystudio.native_log import user_stderr
from foleystudio.sound.backends import BACKENDS, NEURAL_BACKENDS
from foleystudio.sound.neural import check_neural
from foleystudio.sound.neural_beds import check_bed_model
from foleystudio.edits.cues import read_cues
from foleystudio.edits.document import LEVEL_RANGE_DB
from foleystudio.edits.events import LAYERS, read_events
from foleystudio.export import FORMATS, parse_formats
from foleystudio.materials import (AMBIENCES, FABRICS, FOOTWEAR, HIT_MATERIALS, SURFACES, normalise_ambience,
                                   normalise_footwear, normalise_surface, parse_material_spec)
from foleystudio.rendering import LOUDNESS_RANGE_LUFS
from foleystudio.sound.mix import MixConfig
from foleystudio.sound.room import SpaceOptions
from foleystudio.sound.music import STYLES as MUSIC_STYLES
from foleystudio.vision.surface.clip import LAYOUT as CLIP_LAYOUT
from foleystudio.vision.surface.clip import check_clip, load_clip
from foleystudio.vision.contacts import ContactConfig

EPILOG = """outputs, next to OUT (default ./VIDEO_foley.mp4):
  OUT                        the input's video stream (copied, not re-encoded) + 48 kHz stereo AAC
  OUT.events.json            every event of every layer (schema foleystudio.events.1)
  OUT.<layer>.wav            a stem per layer (footsteps, specifics, moves, ambience, music; original with
                             --keep-audio): Broadcast WAV, 48 kHz 24-bit, as long as the video
  OUT.mix.wav                their sum, mastered to --loudness (EBU R128 -23 LUFS, -1 dBTP by default)
with --export (each beside OUT, named from it):
  csv      OUT.events.csv             events with SMPTE timecode, to read or edit and bring back
  otio     OUT.otio                   OpenTimelineIO: video, stems on tracks, events as markers
  edl      OUT.edl                    CMX 3600: the video, events as locators
  fcpxml   OUT.fcp.xml                Final Cut Pro 7 XML (Premiere, Resolve): video, stems, markers
  rpp      OUT.rpp                    REAPER project: video, stems, markers
  markers  OUT.markers.reaper.csv, OUT.markers.audition.csv   marker lists for REAPER and Audition
  preview  OUT.preview.mp4            the picture annotated with skeletons and events, with the mix
edited events come back with: foley render VIDEO --events OUT.events.csv (or .json, .otio)
other commands: foley render --help, foley picture --help, foley eval --help, foley sounds --help"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="foley",
        description="Give a silent video synchronized, spatialized Foley: footsteps, specifics and moves.",
        epilog=EPILOG,
        formatter_class=Formatter,
    )
    p.add_argument("video", metavar="VIDEO", help="input video file")
    add_soundtrack_options(p)
    p.add_argument("--events-only", action="store_true", help="only detect contacts and write OUT.events.json")
    p.add_argument("--version", action="version", version=f"foleystudio {__version__}")
    return p


def add_soundtrack_options(p: argparse.ArgumentParser) -> None:
    """The options `foley VIDEO` and `foley render VIDEO --events FILE` share."""
    p.add_argument("-o", "--output", metavar="OUT", help="output video (default: ./<VIDEO name>_foley.mp4)")
    p.add_argument("--surface", default=None, metavar="S",
                   help=f"ground for every step (default: estimated where confident, else concrete); one of: "
                        f"{', '.join(SURFACES)}")
    p.add_argument("--footwear", default=None, metavar="F",
                   help=f"footwear for every step (default: estimated where confident, else sneakers); one of: "
                        f"{', '.join(FOOTWEAR)}, leather")
    p.add_argument("--cues", metavar="FILE",
                   help="cue sheet (.json or .csv): time ranges, optionally per person, with their own "
                        "surface/footwear; wins over --surface/--footwear")
    p.add_argument("--no-scene", action="store_true", help="do not look at the ground (faster; defaults apply)")
    p.add_argument("--clip-dir", metavar="DIR",
                   help="estimate the ground, indoor/outdoor and the environment with a local open_clip model "
                        f"instead of the built-in classifier; DIR holds {CLIP_LAYOUT} (needs: pip install '.[clip]')")
    p.add_argument("--backend", default="procedural", choices=BACKENDS, help="how steps are made")
    p.add_argument("--library", metavar="DIR", help="sample library for --backend samples: DIR/<surface>/<footwear|any>/*.wav")
    p.add_argument("--model-dir", metavar="DIR",
                   help="local diffusers pipeline folder for --backend stable-audio|audioldm2 (needs: make neural)")
    p.add_argument("--lora", metavar="DIR", help="optional PEFT adapter folder for a neural backend")
    p.add_argument("--layers", type=_layers, default=",".join(LAYERS), metavar="LIST",
                   help="the layers to make, comma-separated: footsteps, specifics (claps, hits, falls, impacts "
                        "seen in motion), moves (the clothes), ambience (the place's bed), music (a temp score)")
    p.add_argument("--level", type=_level, action="append", default=[], metavar="LAYER=DB",
                   help="a layer's level in dB relative to the others, e.g. --level moves=-6 (repeatable; "
                        "default: 0 for each)")
    p.add_argument("--fabric", default="cotton", choices=FABRICS, help="what the moves layer's clothes are")
    p.add_argument("--material", default=None, metavar="M|KIND=M,...",
                   help=f"what hits and impacts strike: {', '.join(HIT_MATERIALS)}; for every one (metal), per kind "
                        f"(hit=wood,impact=metal) or both (metal,hit=wood); an edited event list's or a cue sheet's "
                        f"material wins (default: a neutral knock)")
    p.add_argument("--ambience", default=None, metavar="KIND",
                   help=f"one bed for every shot: {', '.join(AMBIENCES)} (default: each shot's from its picture; "
                        "a cue sheet's ambience wins in its time range)")
    p.add_argument("--ambience-level", type=_db, default=None, metavar="DB",
                   help="the ambience's level in dB against its calibrated place under the Foley (default: 0; "
                        "the same as --level ambience=DB)")
    p.add_argument("--no-ambience", action="store_true", help="no ambience layer")
    p.add_argument("--music", default="auto", choices=("auto", *MUSIC_STYLES),
                   help="the temp score's style; auto: by the video's pace (cuts and motion)")
    p.add_argument("--no-music", action="store_true", help="no music layer")
    p.add_argument("--loudness", type=lufs, default=MixConfig().loudness_lufs, metavar="LUFS",
                   help="the mix's integrated loudness, true peak at most -1 dBTP: -23 EBU R128, -24 ATSC A/85, "
                        "-16 web")
    p.add_argument("--ambience-model", metavar="DIR",
                   help="render the beds with a local AudioLDM2 diffusers folder from prompts built from each shot's "
                        "picture, instead of procedurally (slow on a CPU; needs: make neural)")
    p.add_argument("--music-model", metavar="DIR",
                   help="render the score with a local MusicGen folder (transformers) from a prompt built from its "
                        "plan, instead of procedurally (needs: make neural)")
    p.add_argument("--no-room", action="store_true",
                   help="no room reverberation on indoor shots (it is sized from the shot's bed: small or large)")
    p.add_argument("--no-air", action="store_true", help="far sounds keep their highs (no air absorption)")
    p.add_argument("--no-actions", action="store_true",
                   help="do not look for claps, hits, falls or impacts (the specifics layer is then silent)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same soundtrack")
    p.add_argument("--keep-audio", action="store_true",
                   help="mix the input's own audio under the Foley, ducked where the Foley plays (a stem of its own)")
    p.add_argument("--min-confidence", type=_unit, default=ContactConfig().min_confidence,
                   help="drop contacts less confident than this (0..1)")
    p.add_argument("--scuffs", action=argparse.BooleanOptionalAction, default=ContactConfig().scuffs,
                   help="also hear scuffs (a foot read as sliding along the floor instead of stepping; a guess, at "
                        f"confidence {ContactConfig().scuff_confidence:g} at most)")
    p.add_argument("--export", metavar="LIST", default="",
                   help=f"also write these, comma-separated, beside OUT: {', '.join(FORMATS)}, or all (see below)")
    p.add_argument("--start-timecode", metavar="TC",
                   help="the timeline's first frame, HH:MM:SS:FF (;FF drop-frame) for timecodes, timelines and the "
                        "stems' BWF time reference (default: the source's own timecode, else 00:00:00:00)")
    p.add_argument("--stems-per-person", action="store_true",
                   help="also one footstep stem per person (OUT.footsteps.personN.wav)")
    p.add_argument("--preview-size", metavar="WxH", type=_size,
                   help="size of the annotated preview (--export preview; default: the source's)")
    p.add_argument("--no-cache", action="store_true", help="recompute the analysis even if cached")
    p.add_argument("--workers", type=_workers, default="1", metavar="N|auto",
                   help=f"processes analysing one video at once, each on a chunk of it (videos of {2 * MIN_CHUNK_S:g} s "
                        f"or more; auto: one per CPU, {default_workers()} here). Faster on long videos; the events "
                        "match one process's to the frame but for a few near each joint")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.backend == "samples" and not args.library:
        parser.error("--backend samples needs --library DIR")
    if args.backend in NEURAL_BACKENDS and not args.model_dir:
        parser.error(f"--backend {args.backend} needs --model-dir DIR (a local diffusers pipeline folder)")
    if args.lora and args.backend not in NEURAL_BACKENDS:
        parser.error("--lora applies only to --backend " + " or ".join(NEURAL_BACKENDS))
    if args.clip_dir and args.no_scene:
        parser.error("--clip-dir has nothing to do with --no-scene: the scene is what CLIP estimates")
    try:
        formats = parse_formats(args.export)
    except InputError as exc:
        parser.error(f"--export: {exc}")
    events_only = getattr(args, "events_only", False)
    if events_only and "preview" in formats:
        parser.error("--export preview needs the sound: it cannot go with --events-only")
    if args.preview_size and "preview" not in formats:
        parser.error("--preview-size applies only with --export preview (or all)")
    if args.backend in NEURAL_BACKENDS:
        check_neural(args.backend, args.model_dir, args.lora)  # refuse a bad model folder before any work
    surface = normalise_surface(args.surface) if args.surface else None  # refuse typos before any work
    footwear = normalise_footwear(args.footwear) if args.footwear else None
    material, kind_materials = parse_material_spec(args.material) if args.material else (None, ())
    ambience = normalise_ambience(args.ambience) if args.ambience else None
    layers = tuple(layer for layer in args.layers if not (layer == "ambience" and args.no_ambience)
                   and not (layer == "music" and args.no_music))
    if not layers:
        parser.error("--no-ambience/--no-music leave no layer of --layers to make")
    levels = tuple(args.level) + ((("ambience", args.ambience_level),) if args.ambience_level is not None else ())
    cues = read_cues(args.cues) if args.cues else None
    if args.clip_dir:
        check_clip(args.clip_dir)
    for kind, folder in (("ambience", args.ambience_model), ("music", args.music_model)):
        if folder:
            check_bed_model(kind, folder)  # a bad folder is refused before any work
    info = probe_video(args.video)
    edited = read_events(args.events, duration_s=info.duration_s) if getattr(args, "events", None) else None
    exports = ExportOptions(formats=formats, start_timecode=args.start_timecode, preview_size=args.preview_size)
    start_frame(info, exports.start_timecode)  # a bad timecode is refused before any work
    out = Path(args.output) if args.output else Path.cwd() / f"{Path(args.video).stem}_foley.mp4"
    _check_output(out, Path(args.video), formats)
    if args.keep_audio and not info.has_audio:
        raise InputError(f"{args.video}: --keep-audio given but the video has no audio track")
    if args.clip_dir:
        load_clip(args.clip_dir)  # an unloadable model fails here, not after the pose pass (cached for the scene)

    options = AnalysisOptions(contacts=replace(ContactConfig(), min_confidence=args.min_confidence,
                                               scuffs=args.scuffs),
                              estimate_scene=not args.no_scene, use_cache=not args.no_cache, clip_dir=args.clip_dir,
                              detect_actions=not args.no_actions, workers=args.workers)
    render_options = RenderOptions(surface=surface, footwear=footwear, cues=cues, backend=args.backend,
                                   library=args.library, model_dir=args.model_dir, lora=args.lora, seed=args.seed,
                                   keep_audio=args.keep_audio, events=edited, stems_per_person=args.stems_per_person,
                                   layers=layers, levels=levels, fabric=args.fabric, material=material,
                                   kind_materials=kind_materials,
                                   ambience=ambience, music=args.music,
                                   space=SpaceOptions(room=not args.no_room, air=not args.no_air),
                                   ambience_model=args.ambience_model, music_model=args.music_model,
                                   mix=replace(MixConfig(), loudness_lufs=args.loudness))
    with _Progress(enabled=not args.quiet, total=info.n_frames) as progress:
        analysis = analyse(args.video, options, callback=progress, info=info)
        rendered = None if events_only else render(analysis, render_options)
        outputs = export(analysis, rendered, out, options=render_options, exports=exports, callback=progress)
    if not args.quiet:
        events = rendered.events if rendered is not None else analysis.contacts.events
        people = len({e.person for e in events})
        source = f" (edited: {edited.source})" if edited is not None else ""
        actions = rendered.actions if rendered is not None else analysis.actions.events
        kinds = ", ".join(f"{sum(a.kind == k for a in actions)} {k}" for k in dict.fromkeys(a.kind for a in actions))
        print(f"{len(events)} contacts from {people} people in {info.duration_s:.1f} s{source}; "
              f"{len(actions)} specifics{': ' + kinds if kinds else ''}", file=sys.stderr)
        for path in (outputs.video, *outputs.stems, outputs.mix, outputs.events, *outputs.files):
            if path:
                print(f"wrote {path}", file=sys.stderr)
    return 0


def _check_output(out: Path, video: Path, formats: tuple[str, ...] = ()) -> None:
    directory = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ExportError(f"{out}: is a directory; give a file name like {out / (video.stem + '_foley.mp4')}")
    if not directory.is_dir():
        raise ExportError(f"{directory}: output directory does not exist")
    try:  # os.access says yes to root even on read-only mounts: try for real
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".foley-write-test-"):
            pass
    except OSError as exc:
        raise ExportError(f"{directory}: output directory is not writable ({exc.strerror})") from None
    if out.resolve() == video.resolve():
        raise ExportError(f"{out}: the output would overwrite the input; choose another -o")
    for path in (*output_paths(out)[:2], *export_paths(out, formats)):
        if path.resolve() == video.resolve():
            raise ExportError(f"{path}: an output would overwrite the input; choose another -o")
        if path.exists() and not os.access(path, os.W_OK):
            raise ExportError(f"{path}: exists and is not writable")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 16..8192 px")
    return width - width % 2, height - height % 2  # H.264 in 4:2:0 needs even sides


def _layers(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in LAYERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: the layers are {', '.join(LAYERS)}")
    return names


def _db(text: str) -> float:
    return _level(f"ambience={text}")[1]


def lufs(text: str) -> float:
    """--loudness: a target in LUFS within LOUDNESS_RANGE_LUFS (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a loudness in LUFS, e.g. -23") from None
    if not LOUDNESS_RANGE_LUFS[0] <= value <= LOUDNESS_RANGE_LUFS[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: the loudness must be {LOUDNESS_RANGE_LUFS[0]:g}.."
                                         f"{LOUDNESS_RANGE_LUFS[1]:g} LUFS")
    return value


def _level(text: str) -> tuple[str, float]:
    layer, sep, db = text.partition("=")
    layer = layer.strip().lower()
    if not sep or layer not in LAYERS:
        raise argparse.ArgumentTypeError(f"{text!r} is not LAYER=DB with a layer of {', '.join(LAYERS)}")
    try:
        value = float(db)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {db!r} is not a number of dB") from None
    low, high = LEVEL_RANGE_DB  # what an edits document takes, too
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text!r}: the level must be {low:g}..{high:g} dB")
    return layer, value


def _workers(text: str) -> int:
    try:
        return parse_workers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..1")
    return value


class Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows defaults, except for flags and options whose help already says what an unset value means."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False or "default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Progress:
    """Turns the API's progress callbacks into a tqdm bar on stderr, one bar per stage."""

    def __init__(self, *, enabled: bool, total: int):
        self.enabled = enabled
        self.total = total
        self.bar = None
        self.stage = None
        if enabled:
            user_stderr()  # the terminal's stream, taken now: the first bar starts while pose mutes fd 2

    def __enter__(self):
        return self

    def __call__(self, event: dict) -> None:
        if not self.enabled or not ({"frame", "shot"} & event.keys()):
            return  # a stage with nothing to count (the analysis read from the cache) gets no bar
        stage = event.get("stage", "")
        if stage != self.stage:
            self._start(stage, event)
        if "frame" in event and self.bar is not None:
            self.bar.update(max(0, event["frame"] + 1 - self.bar.n))
        elif "shot" in event and self.bar is not None:
            self.bar.update(1)

    def _start(self, stage: str, event: dict) -> None:
        from tqdm import tqdm

        if self.bar is not None:
            self.bar.close()
        self.stage = stage
        label = {"pose": "pose", "decode": "frames", "scene": "ground"}.get(stage, stage)
        if event.get("cached"):
            label += " (cached)"
        if event.get("chunks"):
            label += f" ({event['chunks']} chunks at once)"
        total = event.get("total", self.total) if "frame" in event else None
        unit = "frame" if "frame" in event else "shot"
        self.bar = tqdm(total=total, unit=unit, desc=label, file=user_stderr(), leave=False, dynamic_ncols=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False
