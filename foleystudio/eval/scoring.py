"""Precision, recall, F1 and timing error of predicted contacts against ground truth.

A prediction matches at most one truth event and the reverse: the matching is the
optimal one-to-one assignment on |t_pred - t_truth| (scipy's linear_sum_assignment) that
first has the most pairs within the tolerance and then the smallest total error. A
greedy nearest-first matching can lose pairs that the optimal one keeps.

Matching is on time alone: the detector's person ids and the labeller's are not the same
numbering, and most labels have `foot: unknown`.

Conventions for empty sets (so that a clip with no contacts scores sensibly):
precision is 1.0 when there are no predictions (nothing false was said), recall is 1.0
when there is no truth (nothing was missed), and F1 = 2 tp / (n_pred + n_truth), which is
1.0 when both are empty (n = 0: a correct silence) and 0.0 when only one side is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from foleystudio.eval.groundtruth import GroundTruth, IgnoreRegion, TruthEvent
from foleystudio.vision.contacts import ContactEvent

_EPS_S = 1e-9  # float slack so that an error of exactly the tolerance counts as a match


@dataclass(frozen=True)
class ScoringConfig:
    tolerance_s: float = 0.067  # issue 3: two frames at 30 fps
    strict_tolerance_s: float = 0.033  # issue 3: one frame at 30 fps
    confident_at: float = 0.5  # issue 3: "precision at confidence >= 0.5 vs all"
    # Every kind the detector reports is scored: a scuff where no foot touched is a false sound like a
    # false step (issue 18). A scuff where the truth has a step matches it, as a sound at the right time.
    kinds: tuple[str, ...] = ("step", "landing", "scuff")


@dataclass(frozen=True)
class Match:
    pairs: tuple[tuple[int, int], ...]  # (truth index, prediction index), by truth index
    errors_s: tuple[float, ...]  # t_pred - t_truth of each pair


@dataclass(frozen=True)
class Score:
    n_truth: int  # truth events scored (outside the ignore ranges)
    n_pred: int  # predictions scored (outside the ignore ranges)
    tp: int  # matches within the tolerance
    tp_strict: int  # matches within the strict tolerance (a separate matching)
    n_confident: int  # predictions with confidence >= ScoringConfig.confident_at
    tp_confident: int  # matches among those alone
    errors_s: tuple[float, ...]  # t_pred - t_truth of every match within the tolerance
    missed_s: tuple[float, ...] = ()  # truth times left unmatched (per clip only; empty when pooled)
    false_s: tuple[float, ...] = ()  # prediction times left unmatched (per clip only)

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.n_pred)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.n_truth)

    @property
    def f1(self) -> float:
        return _f1(self.tp, self.n_pred, self.n_truth)

    @property
    def f1_strict(self) -> float:
        return _f1(self.tp_strict, self.n_pred, self.n_truth)

    @property
    def precision_confident(self) -> float:
        return _ratio(self.tp_confident, self.n_confident)

    @property
    def mae_ms(self) -> float:
        """Median absolute timing error of the matches, NaN when there are none."""
        return float(np.median(np.abs(self.errors_s))) * 1000.0 if self.errors_s else math.nan

    @property
    def bias_ms(self) -> float:
        """Median signed error (prediction minus truth): > 0 means the detector is late."""
        return float(np.median(self.errors_s)) * 1000.0 if self.errors_s else math.nan


def match_times(truth_s: Sequence[float], pred_s: Sequence[float], *, tolerance_s: float) -> Match:
    """Optimal one-to-one matching of two lists of times within +-`tolerance_s`."""
    truth = np.asarray(truth_s, dtype=np.float64)
    pred = np.asarray(pred_s, dtype=np.float64)
    pairs: list[tuple[int, int]] = []
    for t_idx, p_idx in _components(truth, pred, tolerance_s):
        cost = np.abs(pred[p_idx][None, :] - truth[t_idx][:, None])
        valid = cost <= tolerance_s + _EPS_S
        # Any pair outside the tolerance costs more than all valid pairs together, so the
        # assignment first maximises the number of valid pairs, then minimises their error.
        outside = tolerance_s * (min(len(t_idx), len(p_idx)) + 1) + 1.0
        rows, cols = linear_sum_assignment(np.where(valid, cost, outside))
        pairs.extend((int(t_idx[r]), int(p_idx[c])) for r, c in zip(rows, cols) if valid[r, c])
    pairs.sort()
    return Match(pairs=tuple(pairs), errors_s=tuple(float(pred[p] - truth[t]) for t, p in pairs))


def score_clip(
    gt: GroundTruth, predictions: Iterable[ContactEvent], *, config: ScoringConfig = ScoringConfig()
) -> Score:
    """Score one clip's predictions against its ground truth (ignore ranges applied on both sides)."""
    return _scored(gt, predictions, config)[0]


def prediction_hits(
    gt: GroundTruth, predictions: Iterable[ContactEvent], *, config: ScoringConfig = ScoringConfig()
) -> list[tuple[float, bool]]:
    """(confidence, matched a truth event) of each prediction `score_clip` scores, in time order."""
    _, match, preds = _scored(gt, predictions, config)
    matched = {p for _, p in match.pairs}
    return [(p.confidence, i in matched) for i, p in enumerate(preds)]


def _scored(gt: GroundTruth, predictions: Iterable[ContactEvent], config: ScoringConfig):
    truth = [e for e in gt.events if e.kind in config.kinds and _truth_scored(e, gt)]
    preds = [p for p in predictions if p.kind in config.kinds and _prediction_scored(p, gt)]
    tolerance_s, strict_s = clip_tolerances_s(gt, config)
    score, match = score_times(
        [e.t_s for e in truth],
        [p.t_s for p in preds],
        [p.confidence for p in preds],
        tolerance_s=tolerance_s,
        strict_tolerance_s=strict_s,
        confident_at=config.confident_at,
    )
    return score, match, preds


def score_times(
    truth_s: Sequence[float],
    pred_s: Sequence[float],
    confidences: Sequence[float],
    *,
    tolerance_s: float,
    strict_tolerance_s: float,
    confident_at: float,
) -> tuple[Score, Match]:
    """The Score of predicted times (each with its confidence) against true times, and its loose Match."""
    loose = match_times(truth_s, pred_s, tolerance_s=tolerance_s)
    strict = match_times(truth_s, pred_s, tolerance_s=strict_tolerance_s)
    confident_s = [t for t, c in zip(pred_s, confidences) if c >= confident_at]
    confident = match_times(truth_s, confident_s, tolerance_s=tolerance_s)
    matched_truth = {t for t, _ in loose.pairs}
    matched_pred = {p for _, p in loose.pairs}
    score = Score(
        n_truth=len(truth_s),
        n_pred=len(pred_s),
        tp=len(loose.pairs),
        tp_strict=len(strict.pairs),
        n_confident=len(confident_s),
        tp_confident=len(confident.pairs),
        errors_s=loose.errors_s,
        missed_s=tuple(t for i, t in enumerate(truth_s) if i not in matched_truth),
        false_s=tuple(t for i, t in enumerate(pred_s) if i not in matched_pred),
    )
    return score, loose


def clip_tolerances_s(gt: GroundTruth, config: ScoringConfig = ScoringConfig()) -> tuple[float, float]:
    """(tolerance, strict tolerance) for this clip: never below the clip's own `tolerance_s`."""
    floor_s = gt.tolerance_s or 0.0
    return max(config.tolerance_s, floor_s), max(config.strict_tolerance_s, floor_s)


def pool_scores(scores: Iterable[Score]) -> Score:
    """Overall score: counts and matched errors pooled across clips (not a mean of F1s)."""
    scores = list(scores)
    return Score(
        n_truth=sum(s.n_truth for s in scores),
        n_pred=sum(s.n_pred for s in scores),
        tp=sum(s.tp for s in scores),
        tp_strict=sum(s.tp_strict for s in scores),
        n_confident=sum(s.n_confident for s in scores),
        tp_confident=sum(s.tp_confident for s in scores),
        errors_s=tuple(e for s in scores for e in s.errors_s),
    )


def _truth_scored(event: TruthEvent, gt: GroundTruth) -> bool:
    if _in_ranges(event.t_s, gt.ignore_s):
        return False
    for region in gt.ignore_regions:
        if region.t0_s <= event.t_s <= region.t1_s and _band_hits(event.y_band, region):
            return False
    return True


def _prediction_scored(event: ContactEvent, gt: GroundTruth) -> bool:
    if _in_ranges(event.t_s, gt.ignore_s):
        return False
    y = event.y
    has_y = y is not None and math.isfinite(y)
    for region in gt.ignore_regions:
        # gt README: a prediction whose y lies in the band is dropped; one without y is dropped too.
        if region.t0_s <= event.t_s <= region.t1_s and (not has_y or region.y0 <= y <= region.y1):
            return False
    return True


def _band_hits(y_band: tuple[float, float] | None, region: IgnoreRegion) -> bool:
    """A truth event without y_band is dropped like a prediction without y; one whose band
    overlaps the region's is dropped, since predictions from that person may be dropped."""
    if y_band is None:
        return True
    return y_band[0] <= region.y1 and region.y0 <= y_band[1]


def _in_ranges(t_s: float, ranges: Iterable[tuple[float, float]]) -> bool:
    return any(t0 <= t_s <= t1 for t0, t1 in ranges)


def _components(truth: np.ndarray, pred: np.ndarray, tolerance_s: float):
    """Split both lists into groups that no pair within the tolerance can cross.

    Sorting all times together, a gap wider than the tolerance separates groups, so each
    group is matched on its own: the cost matrices stay small on long videos.
    """
    if not len(truth) or not len(pred):
        return
    times = np.concatenate([truth, pred])
    is_pred = np.concatenate([np.zeros(len(truth), bool), np.ones(len(pred), bool)])
    index = np.concatenate([np.arange(len(truth)), np.arange(len(pred))])
    order = np.argsort(times, kind="stable")
    breaks = np.flatnonzero(np.diff(times[order]) > tolerance_s + _EPS_S) + 1
    for group in np.split(order, breaks):
        t_idx = index[group[~is_pred[group]]]
        p_idx = index[group[is_pred[group]]]
        if len(t_idx) and len(p_idx):
            yield t_idx, p_idx


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _f1(tp: int, n_pred: int, n_truth: int) -> float:
    return 2.0 * tp / (n_pred + n_truth) if n_pred + n_truth else 1.0
