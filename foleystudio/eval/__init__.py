"""Scoring foot contacts against ground truth (schema footstep-gt.1): `foley eval`.

    gt = load_ground_truth("clip.json")
    score = score_clip(gt, analysis.contacts)          # precision, recall, F1, timing error
    report = evaluate(find_pairs(gt_dir, media_dir))   # every clip, new detector vs old baseline

The specifics layer against truth of schema specifics-gt.1 (`foley eval --layer specifics`):

    truth = load_specifics_truth("clip.json")
    score = score_specifics(truth, analysis.actions, duration_s=analysis.info.duration_s)
    onsets = clip_onsets("clip.mp4")                   # where a labeller drafts that truth from

The detector's thresholds fitted leaving each source of clips out, and scored on it (`foley eval` does this):

    report = evaluate(find_pairs(gt_dir, media_dir), held_out=True)
    report.held_out.held_out.f1, report.held_out.fitted.f1, report.held_out.bands_held_out

The same clips with another picture (`foley eval --variants`): mirrored, scaled, resampled, cropped...

    report = evaluate_variants(find_pairs(gt_dir, media_dir), parse_variants("all"))
"""

from foleystudio.eval.baseline import BaselineConfig, baseline_contacts
from foleystudio.eval.groundtruth import GroundTruth, IgnoreRegion, TruthEvent, load_ground_truth, parse_ground_truth
from foleystudio.eval.heldout import HeldOutReport, held_out
from foleystudio.eval.run import ClipPair, ClipResult, EvalReport, evaluate, find_pairs
from foleystudio.eval.onsets import OnsetConfig, Onsets, clip_onsets, detect_onsets
from foleystudio.eval.scoring import Match, Score, ScoringConfig, match_times, pool_scores, score_clip
from foleystudio.eval.specifics import (
    SpecificsScore,
    SpecificsTruth,
    SpecificTruth,
    load_specifics_truth,
    parse_specifics_truth,
    pool_specifics,
    score_specifics,
)
from foleystudio.eval.specifics_run import SpecificsReport, evaluate_specifics
from foleystudio.eval.variants import VARIANTS, Variant, parse_variants, variant_truth
from foleystudio.eval.variants_run import VariantsReport, evaluate_variants

__all__ = [
    "BaselineConfig",
    "ClipPair",
    "ClipResult",
    "EvalReport",
    "GroundTruth",
    "HeldOutReport",
    "IgnoreRegion",
    "Match",
    "OnsetConfig",
    "Onsets",
    "Score",
    "ScoringConfig",
    "SpecificTruth",
    "SpecificsReport",
    "SpecificsScore",
    "SpecificsTruth",
    "TruthEvent",
    "VARIANTS",
    "Variant",
    "VariantsReport",
    "baseline_contacts",
    "clip_onsets",
    "detect_onsets",
    "evaluate",
    "evaluate_specifics",
    "evaluate_variants",
    "find_pairs",
    "held_out",
    "load_ground_truth",
    "load_specifics_truth",
    "match_times",
    "parse_ground_truth",
    "parse_specifics_truth",
    "parse_variants",
    "pool_scores",
    "pool_specifics",
    "score_clip",
    "score_specifics",
    "variant_truth",
]
