"""Scoring foot contacts against ground truth (schema footstep-gt.1): `foley eval`.

    gt = load_ground_truth("clip.json")
    score = score_clip(gt, analysis.contacts)          # precision, recall, F1, timing error
    report = evaluate(find_pairs(gt_dir, media_dir))   # every clip, new detector vs old baseline
"""

from foleystudio.eval.baseline import BaselineConfig, baseline_contacts
from foleystudio.eval.groundtruth import GroundTruth, IgnoreRegion, TruthEvent, load_ground_truth, parse_ground_truth
from foleystudio.eval.run import ClipPair, ClipResult, EvalReport, evaluate, find_pairs
from foleystudio.eval.scoring import Match, Score, ScoringConfig, match_times, pool_scores, score_clip

__all__ = [
    "BaselineConfig",
    "ClipPair",
    "ClipResult",
    "EvalReport",
    "GroundTruth",
    "IgnoreRegion",
    "Match",
    "Score",
    "ScoringConfig",
    "TruthEvent",
    "baseline_contacts",
    "evaluate",
    "find_pairs",
    "load_ground_truth",
    "match_times",
    "parse_ground_truth",
    "pool_scores",
    "score_clip",
]
