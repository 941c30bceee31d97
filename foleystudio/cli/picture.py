"""`foley picture IMAGE --duration 20 -o bed.wav`: an ambience bed and a temp score from one still image."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from foleystudio.cli.run import LOUDNESS_RANGE_LUFS, Formatter, lufs
from foleystudio.export.atomic import write_json
from foleystudio.export.bwf import BextInfo, write_bwf
from foleystudio.materials import AMBIENCES
from foleystudio.picture import MAX_DURATION_S, picture_sound
from foleystudio.sound.mix import MixConfig
from foleystudio.sound.music import STYLES, TEMPO_RANGE_BPM
from foleystudio.sound.neural_beds import check_bed_model

DESCRIPTION = """Sound for a still picture: the place's ambience bed, chosen from what the picture shows
(indoors or out, sky, vegetation, water, buildings, light), and a temp score whose key, mode
and brightness follow the picture's light and colour. Writes OUT (the mix, mastered to
--loudness), OUT's name + .ambience.wav and .music.wav (the stems; they add up to the mix)
and + .picture.json (what was seen, the description and the text-to-audio prompt, which are
also printed)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("picture", help="an ambience and a music bed from one still image", description=DESCRIPTION,
                       formatter_class=Formatter)
    p.add_argument("image", metavar="IMAGE", help="a still picture: PNG, JPEG, WebP, BMP or TIFF")
    p.add_argument("--duration", type=_duration, default=20.0, metavar="S", help="seconds of sound")
    p.add_argument("-o", "--output", metavar="OUT", help="the mix, a WAV (default: ./<IMAGE name>_bed.wav)")
    p.add_argument("--ambience", default=None, metavar="KIND",
                   help=f"the bed, instead of the picture's: {', '.join(AMBIENCES)} (default: from the picture)")
    p.add_argument("--music", default="auto", choices=("auto", *STYLES),
                   help="the score's style; auto: ambient (a picture has no pace)")
    p.add_argument("--no-music", action="store_true", help="the bed alone")
    p.add_argument("--tempo", type=float, default=None, metavar="BPM", help="the score's tempo (default: the style's)")
    p.add_argument("--loudness", type=lufs, default=MixConfig().loudness_lufs, metavar="LUFS",
                   help=f"the mix's integrated loudness ({LOUDNESS_RANGE_LUFS[0]:g}..{LOUDNESS_RANGE_LUFS[1]:g}), "
                        "true peak at most -1 dBTP")
    p.add_argument("--ambience-model", metavar="DIR", help="generate the bed with a local AudioLDM2 folder from the "
                                                          "printed prompt (needs: make neural)")
    p.add_argument("--music-model", metavar="DIR", help="generate the score with a local MusicGen folder")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same sound")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(parser=p)


def _duration(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.5 <= value <= MAX_DURATION_S:
        raise argparse.ArgumentTypeError(f"{text!r}: 0.5..{MAX_DURATION_S:g} s")
    return value


def _bext(image: str, layer: str) -> BextInfo:
    return BextInfo(description=f"foleystudio {layer} for the picture {Path(image).name}")


def run(args: argparse.Namespace) -> int:
    out = Path(args.output) if args.output else Path.cwd() / f"{Path(args.image).stem}_bed.wav"
    if out.suffix.lower() != ".wav":
        args.parser.error(f"-o {out}: the output is a WAV file (name.wav)")
    low, high = TEMPO_RANGE_BPM
    if args.tempo is not None and not low <= args.tempo <= high:
        args.parser.error(f"--tempo {args.tempo:g}: {low:g}..{high:g} bpm")
    for kind, folder in (("ambience", args.ambience_model), ("music", args.music_model)):
        if folder:
            check_bed_model(kind, folder)
    made = picture_sound(args.image, args.duration, ambience=args.ambience,
                         music=None if args.no_music else args.music, tempo_bpm=args.tempo, seed=args.seed,
                         mix=MixConfig(loudness_lufs=args.loudness), ambience_model=args.ambience_model,
                         music_model=args.music_model)
    base = out.with_suffix("")
    written = [out]
    write_bwf(out, made.mix, made.sr, _bext(args.image, "mix"))
    for stem in made.stems:
        path = Path(f"{base}.{stem.name}.wav")
        write_bwf(path, stem.audio, stem.sr, _bext(args.image, stem.name))
        written.append(path)
    record = Path(f"{base}.picture.json")
    write_json(record, made.record())
    written.append(record)
    if not args.quiet:
        print(made.description)
        print(f"prompt: {made.prompt}")
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
    return 0
