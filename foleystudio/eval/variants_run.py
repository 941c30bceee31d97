"""Score the detector on every clip's variants (eval/variants.py) beside the clip itself: `foley eval --variants`.

    report = evaluate_variants(find_pairs(gt_dir, media_dir), parse_variants("all"))
    print(format_variants_table(report))

Each variant is scored with eval/run.py's `evaluate`, as the originals are, against its own
copy of the truth (`variant_truth`). A clip/variant whose F1 falls more than `max_drop`
(0.05, issue 18) below the clip's own is marked. Progress goes to `callback(dict)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from foleystudio.api import AnalysisOptions, analyse_poses
from foleystudio.cache import default_cache_dir
from foleystudio.eval.report import markdown_table, num, text_table
from foleystudio.eval.run import (
    Callback,
    ClipPair,
    EvalReport,
    checked_info,
    evaluate,
    jsonable,
)
from foleystudio.eval.scoring import ScoringConfig
from foleystudio.eval.variants import (
    FULL_FRAME,
    Box,
    CropConfig,
    Variant,
    cached_variant,
    crop_box,
    people_box,
    variant_truth,
)
from foleystudio.vision.contacts import ContactConfig

SCHEMA = "foleystudio.eval-variants.1"
MAX_DROP = 0.05  # issue 18: every variant within 0.05 F1 of the original


@dataclass(frozen=True)
class VariantResult:
    variant: Variant
    report: EvalReport  # its clips in the originals' order
    boxes: tuple[Box, ...]  # per clip, the source region the variant shows (the full frame but for crop)


@dataclass(frozen=True)
class VariantsReport:
    original: EvalReport
    variants: tuple[VariantResult, ...]
    max_drop: float = MAX_DROP

    def below(self, result: VariantResult) -> tuple[bool, ...]:
        """Per clip: its F1 in `result` is more than `max_drop` under its original F1."""
        return tuple(v.new.f1 < o.new.f1 - self.max_drop - 1e-9
                     for o, v in zip(self.original.clips, result.report.clips))

    def to_dict(self) -> dict:
        """JSON-ready form (schema foleystudio.eval-variants.1): the originals' report and each variant's; NaN becomes
        null."""
        f1 = self.original.new.f1
        return jsonable({
            "schema": SCHEMA,
            "max_drop": self.max_drop,
            "original": self.original.to_dict(),
            "variants": [
                {
                    "name": r.variant.name,
                    "what": r.variant.what,
                    "f1": r.report.new.f1,
                    "delta_f1": r.report.new.f1 - f1,
                    "clips": [
                        {"name": v.name, "video": v.video, "box": list(box), "f1": v.new.f1,
                         "original_f1": o.new.f1, "delta_f1": v.new.f1 - o.new.f1, "below": low}
                        for o, v, box, low in zip(self.original.clips, r.report.clips, r.boxes, self.below(r))
                    ],
                    "report": r.report.to_dict(),  # every clip's matches and misses, as `foley eval --json`
                }
                for r in self.variants
            ],
        })


def evaluate_variants(
    pairs: Sequence[ClipPair],
    variants: Sequence[Variant],
    *,
    config: ContactConfig = ContactConfig(),
    scoring: ScoringConfig = ScoringConfig(),
    crop: CropConfig = CropConfig(),
    use_cache: bool = True,
    cache_dir: str | None = None,
    variants_dir: str | None = None,
    workers: int = 1,
    callback: Callback | None = None,
) -> VariantsReport:
    """Score every clip, then every variant of every clip (built into `variants_dir`, once)."""
    common = {"config": config, "scoring": scoring, "use_cache": use_cache, "cache_dir": cache_dir,
              "workers": workers, "callback": callback}
    infos = [checked_info(pair) for pair in pairs]  # every clip probed before any work
    original = evaluate(pairs, **common)
    folder = Path(variants_dir) if variants_dir else default_cache_dir() / "variants"
    options = AnalysisOptions(contacts=config, use_cache=use_cache, cache_dir=cache_dir, workers=workers)
    crops: list[Box] | None = None
    results = []
    for variant in variants:
        if variant.crop and crops is None:  # where people are: the originals' poses, from the cache just filled
            crops = [crop_box(people_box(analyse_poses(info, options), crop), crop) for info in infos]
        boxes = tuple(crops) if crops is not None and variant.crop else (FULL_FRAME,) * len(pairs)
        built = []
        for index, (pair, info, box) in enumerate(zip(pairs, infos, boxes)):
            if callback:
                callback({"stage": "variant", "variant": variant.name, "clip": pair.gt.name, "index": index,
                          "clips": len(pairs)})
            video = cached_variant(info, variant, folder, box=box)
            built.append(ClipPair(gt=variant_truth(pair.gt, variant, box=box), video=str(video)))
        results.append(VariantResult(variant=variant, report=evaluate(built, **common), boxes=boxes))
    return VariantsReport(original=original, variants=tuple(results))


def format_variants_table(report: VariantsReport, *, markdown: bool = False) -> str:
    """One row per variant: pooled F1, its difference from the originals', and each clip's F1 ('!' marks a drop
    of more than max_drop from that clip's own)."""
    names = [c.name for c in report.original.clips]
    header = ["variant", "F1", "dF1", *names]
    base = report.original.new.f1
    original = ["original", num(base), "", *[num(c.new.f1) for c in report.original.clips]]
    rows = [original]
    for r in report.variants:
        cells = [num(v.new.f1) + (" !" if low else "") for v, low in zip(r.report.clips, report.below(r))]
        rows.append([r.variant.name, num(r.report.new.f1), _signed(r.report.new.f1 - base), *cells])
    notes = [
        (f"F1 at +-{report.original.scoring.tolerance_s * 1000:.0f} ms, counts pooled over the clips; dF1 = "
         f"variant minus original; ! = more than {report.max_drop:g} below that clip's original F1"),
        *[f"{r.variant.name}: {r.variant.what}" for r in report.variants],
    ]
    if markdown:
        return markdown_table(header, rows) + "\n\n" + "\n".join(f"- {n}" for n in notes)
    n_low = sum(sum(report.below(r)) for r in report.variants)
    summary = f"{n_low} clip/variant pairs more than {report.max_drop:g} below their original"
    return "\n".join([*text_table(header, [original], rows[1:]), summary, *notes])


def _signed(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:+.2f}"
