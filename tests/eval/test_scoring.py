import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foleystudio.eval.groundtruth import parse_ground_truth
from foleystudio.eval.scoring import ScoringConfig, match_times, pool_scores, score_clip
from foleystudio.vision.contacts import ContactEvent

TRUTH_S = [0.5, 1.0, 1.5, 2.0, 2.5]


def gt(times, *, ignore=(), regions=(), tolerance_s=None, y_bands=None, kinds=None):
    events = []
    for i, t in enumerate(times):
        event = {"t": t, "kind": kinds[i] if kinds else "step"}
        if y_bands and y_bands[i] is not None:
            event["y_band"] = y_bands[i]
        events.append(event)
    data = {"schema": "footstep-gt.1", "video": "clip.mp4", "events": events, "ignore": [list(r) for r in ignore]}
    if regions:
        data["ignore_regions"] = [list(r) for r in regions]
    if tolerance_s is not None:
        data["tolerance_s"] = tolerance_s
    return parse_ground_truth(data, source_name="test.json")


def pred(t, *, y=0.8, confidence=1.0, kind="step"):
    return ContactEvent(
        t_s=t, frame=round(t * 30), person=0, foot="left", kind=kind,
        confidence=confidence, strength=0.5, x=0.5, y=y, body_px=300.0,
    )


def test_perfect_predictions():
    score = score_clip(gt(TRUTH_S), [pred(t) for t in TRUTH_S])
    assert (score.precision, score.recall, score.f1, score.f1_strict) == (1.0, 1.0, 1.0, 1.0)
    assert score.mae_ms == 0.0 and score.bias_ms == 0.0
    assert score.n_truth == score.n_pred == score.tp == 5
    assert score.missed_s == () and score.false_s == ()


def test_50_ms_late_counts_at_67_not_at_33():
    score = score_clip(gt(TRUTH_S), [pred(t + 0.050) for t in TRUTH_S])
    assert score.f1 == 1.0
    assert score.f1_strict == 0.0
    assert score.mae_ms == pytest.approx(50.0)
    assert score.bias_ms == pytest.approx(50.0)  # prediction minus truth: late is positive


def test_early_predictions_have_negative_bias():
    score = score_clip(gt(TRUTH_S), [pred(t - 0.020) for t in TRUTH_S])
    assert score.bias_ms == pytest.approx(-20.0) and score.mae_ms == pytest.approx(20.0)
    assert score.f1_strict == 1.0


def test_tolerance_edge_is_inclusive():
    assert len(match_times([1.0], [1.067], tolerance_s=0.067).pairs) == 1
    assert len(match_times([1.0], [1.0671], tolerance_s=0.067).pairs) == 0


def test_one_prediction_cannot_match_two_truths():
    score = score_clip(gt([1.0, 1.02]), [pred(1.01)])
    assert score.tp == 1
    assert score.precision == 1.0 and score.recall == 0.5
    assert len(score.missed_s) == 1
    two = score_clip(gt([1.0]), [pred(0.99), pred(1.01)])
    assert two.tp == 1 and two.precision == 0.5 and two.recall == 1.0


def _greedy_matches(truth, preds, tol):
    pairs = sorted((abs(p - t), i, j) for i, t in enumerate(truth) for j, p in enumerate(preds) if abs(p - t) <= tol)
    used_t, used_p, n = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_t and j not in used_p:
            used_t.add(i), used_p.add(j)
            n += 1
    return n


def test_optimal_beats_greedy():
    truth, preds = [1.0, 1.06], [1.05, 1.115]
    # Nearest-first takes (1.06, 1.05), 10 ms, and leaves 1.0 and 1.115 with nothing in reach.
    assert _greedy_matches(truth, preds, 0.067) == 1
    match = match_times(truth, preds, tolerance_s=0.067)
    assert match.pairs == ((0, 0), (1, 1))
    assert match.errors_s == pytest.approx((0.05, 0.055))


def test_among_maximal_matchings_the_smallest_error_wins():
    match = match_times([1.0, 1.1], [1.03, 1.09], tolerance_s=0.067)
    assert match.pairs == ((0, 0), (1, 1))  # 30 + 10 ms, not 90 (out of reach) or crossing


def test_ignore_ranges_drop_both_sides():
    truth = [0.5, 1.0, 3.5, 5.0]
    preds = [pred(0.5), pred(1.0), pred(3.2), pred(3.8), pred(5.0)]  # 3.2 and 3.8 are in the ignored range
    score = score_clip(gt(truth, ignore=[(3.0, 4.0)]), preds)
    assert score.n_truth == 3 and score.n_pred == 3 and score.f1 == 1.0
    edges = score_clip(gt([1.0], ignore=[(3.0, 4.0)]), [pred(3.0), pred(4.0), pred(1.0)])
    assert edges.n_pred == 1  # range ends are inside


def test_ignore_regions_use_y():
    region = (1.0, 2.0, 0.0, 0.5)  # person in the top half unscored between 1 and 2 s
    preds = [
        pred(1.5, y=0.3),  # in the band during the range: dropped
        pred(1.6, y=0.8),  # the other person: kept, matches the truth at 1.6
        pred(1.7, y=float("nan")),  # no y during the range: dropped
        pred(3.0, y=0.3),  # in the band but outside the time range: kept, matches 3.0
    ]
    truth = gt([1.45, 1.6, 1.8, 3.0], regions=[region], y_bands=[[0.2, 0.4], [0.6, 0.9], None, [0.2, 0.4]])
    score = score_clip(truth, preds)
    # Truth 1.45 (band overlaps) and 1.8 (no band during the range) are dropped too.
    assert score.n_truth == 2 and score.n_pred == 2 and score.tp == 2


def test_ignore_region_band_overlap_drops_truth():
    region = (0.0, 2.0, 0.4, 0.6)
    partly = gt([1.0], regions=[region], y_bands=[[0.55, 0.9]])
    assert score_clip(partly, []).n_truth == 0
    clear = gt([1.0], regions=[region], y_bands=[[0.65, 0.9]])
    assert score_clip(clear, []).n_truth == 1


def test_both_empty_is_a_perfect_score_with_n_zero():
    score = score_clip(gt([]), [])
    assert (score.n_truth, score.n_pred, score.tp) == (0, 0, 0)
    assert (score.precision, score.recall, score.f1, score.f1_strict) == (1.0, 1.0, 1.0, 1.0)
    assert math.isnan(score.mae_ms) and math.isnan(score.bias_ms)


def test_empty_truth_with_predictions():
    score = score_clip(gt([]), [pred(1.0), pred(2.0)])
    assert (score.precision, score.recall, score.f1) == (0.0, 1.0, 0.0)
    assert score.false_s == (1.0, 2.0)


def test_truth_without_predictions():
    score = score_clip(gt([1.0, 2.0]), [])
    assert (score.precision, score.recall, score.f1) == (1.0, 0.0, 0.0)
    assert score.missed_s == (1.0, 2.0)


def test_clip_tolerance_raises_both_tolerances():
    preds = [pred(t + 0.080) for t in TRUTH_S]
    assert score_clip(gt(TRUTH_S), preds).f1 == 0.0
    low_fps = score_clip(gt(TRUTH_S, tolerance_s=0.1), preds)
    assert low_fps.f1 == 1.0 and low_fps.f1_strict == 1.0
    tight = score_clip(gt(TRUTH_S, tolerance_s=0.01), [pred(t + 0.050) for t in TRUTH_S])
    assert tight.f1 == 1.0  # never below the default


def test_precision_of_confident_predictions():
    preds = [pred(1.0, confidence=0.9), pred(2.0, confidence=0.5), pred(3.0, confidence=0.2), pred(4.0, confidence=0.1)]
    score = score_clip(gt([1.0, 2.0]), preds)
    assert score.precision == 0.5
    assert score.n_confident == 2 and score.precision_confident == 1.0  # >= 0.5 is confident
    strict = score_clip(gt([1.0, 2.0]), preds, config=ScoringConfig(confident_at=0.95))
    assert strict.n_confident == 0 and strict.precision_confident == 1.0


def test_every_reported_kind_is_scored_scuffs_included():
    score = score_clip(gt([1.0]), [pred(1.0), pred(1.5, kind="scuff")])
    assert score.n_pred == 2 and score.precision == 0.5  # a scuff where no foot touched is a false sound
    steps_only = score_clip(gt([1.0]), [pred(1.0), pred(1.5, kind="scuff")], config=ScoringConfig(kinds=("step",)))
    assert steps_only.n_pred == 1 and steps_only.f1 == 1.0
    landing = score_clip(gt([1.0], kinds=["landing"]), [pred(1.0, kind="landing")])
    assert landing.f1 == 1.0


def test_pooled_counts_not_mean_of_f1():
    a = score_clip(gt([1.0]), [pred(1.0)])  # F1 1
    b = score_clip(gt([1.0, 2.0, 3.0]), [])  # F1 0
    pooled = pool_scores([a, b])
    assert (pooled.n_truth, pooled.n_pred, pooled.tp) == (4, 1, 1)
    assert pooled.f1 == pytest.approx(2 * 1 / (1 + 4))
    assert pool_scores([]).f1 == 1.0


def test_long_lists_match_quickly():
    rng = np.random.default_rng(0)
    truth = np.cumsum(rng.uniform(0.2, 0.6, 3000))
    preds = truth + rng.normal(0.0, 0.015, len(truth))
    match = match_times(truth, preds, tolerance_s=0.067)
    assert len(match.pairs) == len(truth)


def _brute_force(truth, preds, tol):
    """(most pairs, least total error) over every one-to-one assignment."""
    best = (0, 0.0)
    n = min(len(truth), len(preds))
    for k in range(n, 0, -1):
        for ti in itertools.combinations(range(len(truth)), k):
            for pj in itertools.permutations(range(len(preds)), k):
                errs = [abs(preds[j] - truth[i]) for i, j in zip(ti, pj)]
                if all(e <= tol + 1e-9 for e in errs):
                    cand = (k, sum(errs))
                    if best[0] < k or (best[0] == k and cand[1] < best[1]):
                        best = cand
        if best[0] == k:
            return best
    return best


times = st.lists(st.floats(0.0, 0.5, allow_nan=False).map(lambda x: round(x, 3)), max_size=5)


@settings(max_examples=150, deadline=None)
@given(times, times)
def test_matching_is_maximal_then_minimal(truth, preds):
    match = match_times(truth, preds, tolerance_s=0.067)
    count, total = _brute_force(truth, preds, 0.067)
    assert len(match.pairs) == count
    assert sum(abs(e) for e in match.errors_s) == pytest.approx(total, abs=1e-9)
    assert len({t for t, _ in match.pairs}) == len({p for _, p in match.pairs}) == count
