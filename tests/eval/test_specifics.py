"""specifics-gt.1: what the reader refuses, and the scores of known answers."""

from __future__ import annotations

import json
import math

import pytest

from foleystudio.errors import InputError
from foleystudio.eval.run import find_pairs
from foleystudio.eval.scoring import ScoringConfig
from foleystudio.eval.specifics import (
    SCHEMA,
    load_specifics_truth,
    parse_specifics_truth,
    pool_specifics,
    score_specifics,
)
from foleystudio.vision.actions import ActionEvent


def doc(**changes) -> dict:
    base = {"schema": SCHEMA, "video": "clap.mp4", "fps": 30, "labelled_by": "by ear", "licence": "CC0",
            "source": "made here", "events": [{"t": 1.0, "kind": "clap"}, {"t": 0.5}]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def found(t_s: float, kind: str = "clap", confidence: float = 0.9) -> ActionEvent:
    return ActionEvent(t_s=t_s, frame=round(t_s * 30), kind=kind, person=0, x=0.5, y=0.5, strength=0.5,
                       confidence=confidence, body_px=100.0)


def truth(times, *, kinds=None, quiet=False):
    events = [{"t": t, **({"kind": kinds[i]} if kinds else {})} for i, t in enumerate(times)]
    return parse_specifics_truth(doc(events=events, quiet=quiet))


def test_a_good_file_is_read_sorted_with_its_fields(tmp_path):
    path = tmp_path / "clap.json"
    path.write_text(json.dumps(doc(events=[{"t": 1.0, "kind": "clap", "note": "both hands"}, {"t": 0.5}])))
    gt = load_specifics_truth(path)
    assert gt.name == "clap" and gt.video == "clap.mp4" and gt.fps == 30.0 and not gt.quiet
    assert [(e.t_s, e.kind, e.note) for e in gt.events] == [(0.5, "any", ""), (1.0, "clap", "both hands")]
    assert (gt.labelled_by, gt.licence, gt.source) == ("by ear", "CC0", "made here")


@pytest.mark.parametrize("data, match", [
    ([], "top level.*expected a JSON object"),
    (doc(schema="footstep-gt.1"), "schema: expected 'specifics-gt.1', got 'footstep-gt.1'"),
    (doc(schema=...), "schema: expected 'specifics-gt.1', got None"),
    (doc(video=""), "video: expected the clip's file name"),
    (doc(labelled_by=...), "labelled_by: expected how the events were labelled"),
    (doc(events=...), r"events: missing \(use \[\]"),
    (doc(events={"t": 1}), "events: expected a list"),
    (doc(events=[1.0]), r"events\[0\]: expected an object"),
    (doc(events=[{"kind": "clap"}]), r"events\[0\].t: missing"),
    (doc(events=[{"t": -0.1}]), r"events\[0\].t: expected a value in \[0, 1e\+06\]"),
    (doc(events=[{"t": "1.0"}]), r"events\[0\].t: expected a number, got '1.0'"),
    (doc(events=[{"t": 1.0, "kind": "step"}]), r"events\[0\].kind: expected one of clap, .*, any, got 'step'"),
    (doc(events=[{"t": 1.0, "note": 3}]), r"events\[0\].note: expected a string"),
    (doc(quiet="yes"), "quiet: expected true or false"),
    (doc(quiet=True), "quiet: a quiet clip has no specifics, but events lists 2"),
    (doc(fps=0), "fps: expected a value in"),
    (doc(licence=None), "licence: expected a string"),
])
def test_a_bad_file_is_refused_naming_the_field(data, match):
    with pytest.raises(InputError, match=match):
        parse_specifics_truth(data, source_name="bad.json")


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="no such ground-truth file"):
        load_specifics_truth(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "specifics-gt.1",')
    with pytest.raises(InputError, match=r"broken.json: not valid JSON \(line 1"):
        load_specifics_truth(broken)


def test_perfect_late_and_missed_specifics_score_as_known():
    gt = truth([1.0, 2.0, 3.0, 4.0], kinds=["clap", "any", "hit", "fall"])
    score = score_specifics(gt, [found(1.01), found(2.02, "hit"), found(3.05, "slap"), found(6.0)], duration_s=8.0)
    s = score.score
    assert (s.n_truth, s.n_pred, s.tp, s.tp_strict) == (4, 4, 3, 2)
    assert (s.precision, s.recall) == (0.75, 0.75)
    assert s.f1_strict == pytest.approx(0.5)
    assert s.mae_ms == pytest.approx(20.0) and s.bias_ms == pytest.approx(20.0)
    assert s.missed_s == (4.0,) and s.false_s == (6.0,)
    assert (score.kinds_checked, score.kinds_right) == (2, 1)  # the clap found as a clap, the hit as a slap
    assert math.isnan(score.false_per_10s)


def test_the_tolerance_sets_what_matches():
    gt = truth([1.0])
    assert score_specifics(gt, [found(1.05)], duration_s=2.0).score.tp == 1
    assert score_specifics(gt, [found(1.05)], duration_s=2.0, config=ScoringConfig(tolerance_s=0.04)).score.tp == 0


def test_matching_is_one_to_one():
    score = score_specifics(truth([1.0]), [found(0.99), found(1.01)], duration_s=2.0).score
    assert (score.tp, score.n_pred, score.precision, score.recall) == (1, 2, 0.5, 1.0)


def test_quiet_clips_count_false_specifics_per_10_s_and_pool():
    quiet = score_specifics(truth([], quiet=True), [found(1.0), found(3.0)], duration_s=5.0)
    assert quiet.false_per_10s == pytest.approx(4.0)
    assert quiet.score.precision == 0.0 and quiet.score.recall == 1.0
    silent = score_specifics(truth([], quiet=True), [], duration_s=15.0)
    assert silent.false_per_10s == 0.0 and silent.score.f1 == 1.0
    busy = score_specifics(truth([1.0]), [found(1.0), found(2.0)], duration_s=100.0)
    pooled = pool_specifics([quiet, silent, busy])
    assert pooled.false_per_10s == pytest.approx(1.0)  # 2 false in 20 quiet seconds; busy's are not counted
    assert (pooled.score.n_truth, pooled.score.n_pred, pooled.score.tp) == (1, 4, 1)


def test_pairs_are_found_with_the_specifics_reader(tmp_path):
    gt_dir, media_dir = tmp_path / "gt", tmp_path / "media"
    gt_dir.mkdir()
    media_dir.mkdir()
    (media_dir / "clap.mp4").write_bytes(b"")
    (gt_dir / "clap.json").write_text(json.dumps(doc()))
    pairs = find_pairs(gt_dir, media_dir, load=load_specifics_truth, schema=SCHEMA)
    assert [p.gt.name for p in pairs] == ["clap"] and pairs[0].video == str(media_dir / "clap.mp4")
    (gt_dir / "walk.json").write_text(json.dumps({"schema": "footstep-gt.1", "video": "clap.mp4", "events": []}))
    with pytest.raises(InputError, match="walk.json: schema: expected 'specifics-gt.1'"):
        find_pairs(gt_dir, media_dir, load=load_specifics_truth, schema=SCHEMA)
    with pytest.raises(InputError, match="no ground-truth files .*specifics-gt.1"):
        find_pairs(media_dir, media_dir, load=load_specifics_truth, schema=SCHEMA)
