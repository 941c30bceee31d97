"""`foley eval`: score contact detection on every clip with ground truth, new vs old.

    foley eval                                   # ../shared/gt + ../shared/media (or $FOLEY_SHARED)
    foley eval --gt DIR --media DIR              # material the project has never seen
    foley eval --clip hato_b12 --json out.json   # one clip, report saved as JSON
    foley eval --layer specifics --gt DIR --media DIR   # claps, hits, falls... against specifics-gt.1
    foley eval --variants all                    # each clip mirrored, scaled, resampled, cropped, grey... too
    foley eval --no-held-out                     # without fitting the thresholds leaving each group out

The table goes to stdout, progress to stderr. Errors are `FoleyError`s, raised for the
main entry point to print as one line.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from foleystudio.errors import InputError
from foleystudio.export.atomic import write_json

# Detector settings `foley eval` passes through when ContactConfig has them.
PASSTHROUGH = ("sensitivity", "min_confidence", "scuffs")
LAYERS = ("footsteps", "specifics")
VARIANT_NAMES = ("reencoded", "mirror", "360p", "480p", "24fps", "25fps", "60fps", "crop", "grey", "compressed",
                 "repeated")  # eval.variants.VARIANTS' names (not imported here: --help stays quick)


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "eval",
        help="score foot-contact detection (or the specifics layer) against ground truth",
        description=(
            "Run contact detection on every clip that has ground truth (schema footstep-gt.1) and print "
            "precision, recall, F1 at +-67 and +-33 ms, median absolute and signed timing error, "
            "per clip and overall, beside the old hip-heel peak picker. With --layer specifics, analyse "
            "every clip with specifics truth (schema specifics-gt.1) and score its claps, slaps, hits, falls, "
            "sit-downs, kneels and impacts the same way, with the false specifics per 10 s of quiet clips."
        ),
    )
    parser.add_argument("--layer", choices=LAYERS, default="footsteps",
                        help="what to score: foot contacts (footstep-gt.1) or the specifics (specifics-gt.1) "
                             "(default: footsteps)")
    parser.add_argument(
        "--shared", metavar="DIR", help="folder with gt/ and media/ (default: $FOLEY_SHARED or ../shared)"
    )
    parser.add_argument(
        "--gt", metavar="DIR",
        help="ground-truth folder, one JSON per clip (default: SHARED/gt; SHARED/gt/specifics for --layer specifics)"
    )
    parser.add_argument(
        "--media", metavar="DIR", help="folder with the clips the JSON 'video' fields name (default: SHARED/media)"
    )
    parser.add_argument("--clip", action="append", default=[], metavar="NAME", help="only this clip (repeatable)")
    parser.add_argument("--json", metavar="OUT.json", help="also save the full report (matches, misses) as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--tolerance-ms", type=float, default=67.0, metavar="MS",
                        help="a detection within this of a truth event matches it (default: 67; the strict "
                             "score stays at +-33 ms, or this if smaller)")
    parser.add_argument("--sensitivity", type=float, metavar="S", help="detector sensitivity (passed to ContactConfig)")
    parser.add_argument(
        "--min-confidence", type=float, metavar="MIN", help="detector's confidence threshold (passed to ContactConfig)"
    )
    parser.add_argument("--scuffs", action="store_const", const=True,
                        help="score scuffs too, as `foley --scuffs` reports them (default: as `foley`, without)")
    parser.add_argument(
        "--confident-at",
        type=float,
        default=0.5,
        metavar="C",
        help="also report the precision of the predictions with confidence >= C (default 0.5)",
    )
    parser.add_argument("--no-cache", action="store_true", help="estimate poses again instead of reading the cache")
    parser.add_argument(
        "--fail-under", type=float, metavar="F1", help="exit 1 when the new detector's overall F1 is below this"
    )
    parser.add_argument("--workers", type=_workers, default="1", metavar="N|auto",
                        help="processes analysing one clip at once, each on a chunk of it, as `foley --workers` "
                             "(default: 1)")
    parser.add_argument(
        "--variants", type=_variants, metavar="all|NAME,NAME",
        help="also score every clip's variants, the same clip with another picture, against the original: "
             f"{', '.join(VARIANT_NAMES)}, or all (default: none; only with --layer footsteps)",
    )
    parser.add_argument("--variants-dir", metavar="DIR",
                        help="where the variants are built, once per clip and variant (default: the cache's "
                             "variants/ folder, $FOLEY_CACHE/variants)")
    parser.add_argument("--no-held-out", dest="held_out", action="store_false",
                        help="leave out the held-out table (by default the detector's thresholds are also "
                             "fitted leaving each group of clips out, and scored on the group left out, with "
                             "precision by confidence band; only with --layer footsteps and two groups or more)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    from foleystudio.eval.run import find_pairs
    from foleystudio.eval.specifics import SCHEMA, load_specifics_truth

    variants = getattr(args, "variants", None)
    if variants and args.layer != "footsteps":
        print("foley eval: error: --variants scores foot contacts only; leave out --layer specifics", file=sys.stderr)
        return 2
    gt_dir, media_dir = _dirs(args)
    json_path = _json_path(args.json)
    if not 0.0 <= args.confident_at <= 1.0:
        raise InputError(f"--confident-at: expected a confidence in [0, 1], got {args.confident_at:g}")
    variants_dir = getattr(args, "variants_dir", None)
    if variants_dir and Path(variants_dir).exists() and not Path(variants_dir).is_dir():
        raise InputError(f"--variants-dir: {variants_dir} is not a directory")
    scoring = _scoring(args)
    config = _contact_config(args)
    if args.layer == "specifics":
        pairs = find_pairs(gt_dir, media_dir, only=args.clip, load=load_specifics_truth, schema=SCHEMA)
    else:
        pairs = find_pairs(gt_dir, media_dir, only=args.clip)
    progress = _Progress(quiet=args.quiet)
    common = dict(scoring=scoring, use_cache=not args.no_cache, workers=args.workers, callback=progress)
    try:
        report, table, f1 = _evaluate(args, pairs, config, common)
    finally:
        progress.close()
    print(table)
    if json_path is not None:
        write_json(json_path, report.to_dict())
    if args.fail_under is not None and f1 < args.fail_under:
        print(f"eval: overall F1 {f1:.3f} is below --fail-under {args.fail_under:g}", file=sys.stderr)
        return 1
    return 0


def _evaluate(args: argparse.Namespace, pairs, config, common: dict):
    """(the report, its table, the overall F1 --fail-under checks: the original clips' with --variants)."""
    from foleystudio.eval.report import format_specifics_table, format_table
    from foleystudio.eval.run import evaluate
    from foleystudio.eval.specifics_run import evaluate_specifics

    if args.layer == "specifics":
        report = evaluate_specifics(pairs, contacts=config, **common)
        return report, format_specifics_table(report, markdown=args.markdown), report.overall.score.f1
    if getattr(args, "variants", None):
        from foleystudio.eval.variants_run import evaluate_variants, format_variants_table

        report = evaluate_variants(pairs, args.variants, config=config, variants_dir=args.variants_dir, **common)
        return report, format_variants_table(report, markdown=args.markdown), report.original.new.f1
    from foleystudio.eval.report import format_held_out

    report = evaluate(pairs, config=config, held_out=getattr(args, "held_out", True), **common)
    table = format_table(report, markdown=args.markdown)
    if report.held_out is not None:
        table += ("\n\n" if args.markdown else "\n") + format_held_out(report.held_out, markdown=args.markdown)
    return report, table, report.new.f1


def _variants(text: str):
    from foleystudio.eval.variants import parse_variants

    try:
        return parse_variants(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _scoring(args: argparse.Namespace):
    from foleystudio.eval.scoring import ScoringConfig

    tolerance_ms = args.tolerance_ms
    if not 0.0 < tolerance_ms <= 1000.0:
        raise InputError(f"--tolerance-ms: expected milliseconds in (0, 1000], got {tolerance_ms:g}")
    strict_s = min(ScoringConfig.strict_tolerance_s, tolerance_ms / 1000.0)
    return ScoringConfig(tolerance_s=tolerance_ms / 1000.0, strict_tolerance_s=strict_s,
                         confident_at=args.confident_at)


def _workers(text: str) -> int:
    from foleystudio.chunking import parse_workers

    try:
        return parse_workers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def default_shared_dir() -> Path:
    """$FOLEY_SHARED, else ../shared from the working directory, else ../shared beside this checkout."""
    if os.environ.get("FOLEY_SHARED"):
        return Path(os.environ["FOLEY_SHARED"])
    here = Path.cwd().parent / "shared"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2].parent / "shared"


def _dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    shared = Path(args.shared) if args.shared else None
    if shared is not None and not shared.is_dir():
        raise InputError(f"--shared: {shared} is not a directory")
    if args.gt and args.media:
        return Path(args.gt), Path(args.media)
    shared = shared or default_shared_dir()
    gt = shared / "gt" / "specifics" if getattr(args, "layer", "footsteps") == "specifics" else shared / "gt"
    return Path(args.gt) if args.gt else gt, Path(args.media) if args.media else shared / "media"


def _json_path(value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if path.is_dir():
        raise InputError(f"--json: {path} is a directory, expected a file name")
    if not path.parent.is_dir():
        raise InputError(f"--json: folder {path.parent} does not exist")
    return path


def _contact_config(args: argparse.Namespace):
    from foleystudio.vision.contacts import ContactConfig

    fields = {f.name for f in dataclasses.fields(ContactConfig)}
    changes = {}
    for name in PASSTHROUGH:
        value = getattr(args, name, None)
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if name not in fields:
            raise InputError(f"{flag}: the detector has no {name!r} setting (it has: {', '.join(sorted(fields))})")
        changes[name] = value
    try:
        return dataclasses.replace(ContactConfig(), **changes)
    except (ValueError, TypeError) as exc:
        raise InputError(f"detector settings {changes}: {exc}") from None



class _Progress:
    """Turns evaluate()'s callback into one tqdm bar over all frames of all clips (stderr)."""

    def __init__(self, *, quiet: bool):
        self.quiet = quiet
        self.bar = None
        self.prefix = ""  # the variant being scored, if any
        self.clip_frames = 0
        self.clip_done = 0

    def __call__(self, event: dict) -> None:
        if self.quiet:
            return
        stage = event.get("stage")
        if stage == "eval":
            from tqdm import tqdm

            self.close()  # --variants: one evaluation after another, a bar each
            self.bar = tqdm(
                total=event["total_frames"], unit="frame", file=sys.stderr, dynamic_ncols=True, leave=False
            )
        elif self.bar is None:
            return
        elif stage == "clip":
            self.clip_frames, self.clip_done = event["n_frames"], 0
            self.bar.set_description(f"{self.prefix}{event['clip']} ({event['index'] + 1}/{event['clips']})")
        elif stage == "variant":  # built (or found built) next; its evaluation's bar comes after
            self.prefix = f"{event['variant']}: "
            self.bar.set_description(f"building {self.prefix}{event['clip']} ({event['index'] + 1}/{event['clips']})")
        elif stage == "pose":
            done = self.clip_frames if event.get("cached") else min(self.clip_frames, event.get("frame", 0) + 1)
            self._advance(done)
        elif stage == "clip_done":
            self._advance(self.clip_frames)
        elif stage == "held_out":
            self.bar.set_description(f"fitting without {event['group']} ({event['index'] + 1}/{event['groups']})")

    def _advance(self, done: int) -> None:
        if done > self.clip_done:
            self.bar.update(done - self.clip_done)
            self.clip_done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
