"""Thresholds fitted held out (eval.heldout): known answers with a detector whose best setting each clip names.

The fake detector finds a clip's truth exactly when `swing_speed` is the clip's own best value and says
something 0.5 s off every truth event otherwise, so which settings a fold chooses, and what the group left
out then scores, follow from the groups' sizes alone.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from foleystudio.eval.groundtruth import parse_ground_truth
from foleystudio.eval.heldout import Fold, HeldOutClip, Knob, fit, group_of, held_out, held_out_dict
from foleystudio.eval.report import format_held_out
from foleystudio.eval.scoring import Score, ScoringConfig, prediction_hits, score_clip
from foleystudio.vision.contacts import ContactConfig, ContactEvent

SWING = Knob("swing_speed", (0.5, 1.0, 2.0))  # shipped: 1.0
SHIPPED = ContactConfig()


def truth(name: str, times: list[float]):
    data = {"schema": "footstep-gt.1", "video": f"{name}.mp4", "fps": 30.0, "duration_s": 10.0,
            "events": [{"t": t} for t in times]}
    return parse_ground_truth(data, source_name=f"{name}.json")


def clip(name: str, best: float, times: list[float]) -> HeldOutClip:
    return HeldOutClip(name, group_of(name), truth(name, times), poses=best)  # the fake reads poses as its best


def event(t: float, confidence: float = 0.9) -> ContactEvent:
    return ContactEvent(t, round(t * 30), 0, "left", "step", confidence, 0.5, 0.5, 0.9, 300.0)


def fake(config: ContactConfig, c: HeldOutClip):
    off = 0.0 if config.swing_speed == c.poses else 0.5
    return [event(e.t_s + off) for e in c.gt.events]


def scorer(config: ContactConfig, c: HeldOutClip) -> Score:
    return score_clip(c.gt, fake(config, c))


def test_a_group_is_the_source_before_the_first_underscore():
    assert group_of("hato_a14") == group_of("hato_b12") == "hato"
    assert group_of("sports2d_demo") == "sports2d"
    assert group_of("walk") == "walk"


def test_the_fit_finds_the_best_value_and_keeps_the_shipped_one_on_a_tie():
    clips = [clip("a_1", 2.0, [1.0, 2.0, 3.0]), clip("b_1", 0.5, [1.0])]
    config, f1 = fit(clips, scorer, knobs=[SWING])
    assert config.swing_speed == 2.0 and f1 == pytest.approx(2 * 3 / 8)  # 3 of 4 right, 4 said
    indifferent, f1 = fit(clips, lambda cfg, c: score_clip(c.gt, [event(1.0)]), knobs=[SWING])
    assert indifferent == SHIPPED and 0 < f1 < 1


def test_each_group_is_scored_with_what_the_others_chose():
    # hato (two clips, 4 events) and tfjs (4 events) work at 2.0; sports2d (3 events) at 0.5.
    clips = [clip("hato_a1", 2.0, [1.0, 2.0]), clip("hato_b1", 2.0, [1.5, 2.5]),
             clip("sports2d_x", 0.5, [1.0, 2.0, 3.0]), clip("tfjs_y", 2.0, [4.0, 5.0, 6.0, 7.0])]
    report = held_out(clips, knobs=[SWING], detector=fake)
    chosen = {f.group: dict(f.settings).get("swing_speed") for f in report.folds}
    assert chosen == {"hato": 2.0, "sports2d": 2.0, "tfjs": 2.0}  # whichever group is left out, 4 events beat 3
    assert [f.fitted_on for f in report.folds] == [("sports2d", "tfjs"), ("hato", "tfjs"), ("hato", "sports2d")]
    assert report.everything == Fold("", ("hato", "sports2d", "tfjs"), (("swing_speed", 2.0),),
                                     pytest.approx(2 * 8 / 22))
    held = {c.name: c.held_out.f1 for c in report.clips}
    assert held == {"hato_a1": 1.0, "hato_b1": 1.0, "sports2d_x": 0.0, "tfjs_y": 1.0}
    assert all(c.shipped.f1 == 0.0 for c in report.clips)  # nobody works at the shipped 1.0
    assert report.held_out.tp == 8 and report.fitted.tp == 8 and report.shipped.tp == 0
    with_tfjs_small = [*clips[:3], clip("tfjs_y", 2.0, [4.0, 5.0])]  # now hato out leaves sports2d's 3 against 2
    assert dict(held_out(with_tfjs_small, knobs=[SWING], detector=fake).folds[0].settings) == {"swing_speed": 0.5}


def test_a_group_alone_in_its_view_is_held_out_honestly():
    """When the left-out group is the only one that works at its value, held out it scores 0 while the fit on
    every group, which may follow it, scores it 1: the fitted figure flatters."""
    clips = [clip("a_1", 2.0, [1.0]), clip("b_1", 0.5, [1.0, 2.0, 3.0])]
    report = held_out(clips, knobs=[SWING], detector=fake)
    by_name = {c.name: c for c in report.clips}
    assert by_name["b_1"].fitted.f1 == 1.0 and by_name["b_1"].held_out.f1 == 0.0
    assert by_name["a_1"].held_out.f1 == 0.0  # fitted on b alone
    assert report.fitted.tp == 3 and report.held_out.tp == 0


def test_precision_by_confidence_band():
    gt = truth("a_1", [1.0, 2.0, 3.0])

    def confident(config, c):
        said = [event(1.0, 0.95), event(2.0, 0.85), event(2.6, 0.81), event(3.0, 0.5), event(5.0, 0.1),
                event(6.0, 1.0)]
        return said if c.name == "a_1" else []

    report = held_out([HeldOutClip("a_1", "a", gt, None), HeldOutClip("b_1", "b", truth("b_1", []), None)],
                      knobs=[SWING], detector=confident)
    bands = {round(b.low, 1): (b.n, b.right) for b in report.bands_held_out}
    assert bands == {0.0: (1, 0), 0.2: (0, 0), 0.4: (1, 1), 0.6: (0, 0), 0.8: (4, 2)}  # 1.0 is in the top band
    assert report.bands_shipped == report.bands_held_out
    assert report.bands_held_out[-1].precision == 0.5


def test_prediction_hits_follow_the_matching_and_the_ignored_ranges():
    gt = replace(truth("a_1", [1.0, 2.0]), ignore_s=((4.0, 5.0),))
    hits = prediction_hits(gt, [event(1.01, 0.7), event(1.03, 0.6), event(2.2, 0.5), event(4.5, 0.4)])
    assert hits == [(0.7, True), (0.6, False), (0.5, False)]  # one match per truth event; 4.5 s is ignored
    scuffs = prediction_hits(gt, [replace(event(2.0), kind="scuff")], config=ScoringConfig(kinds=("step",)))
    assert scuffs == []


def test_the_report_as_json_and_tables():
    clips = [clip("hato_a1", 2.0, [1.0, 2.0]), clip("sports2d_x", 0.5, [1.0])]
    report = held_out(clips, knobs=[SWING], detector=fake)
    data = held_out_dict(report)
    assert [c["name"] for c in data["clips"]] == ["hato_a1", "sports2d_x"]
    assert data["overall"]["held_out"]["tp"] == report.held_out.tp
    assert {f["group"] for f in data["folds"]} == {"hato", "sports2d"}
    assert len(data["calibration"]["held_out"]) == 5
    text = format_held_out(report)
    assert "F1 held out" in text and "swing_speed 1->2" in text and "precision by confidence band" in text
    markdown = format_held_out(report, markdown=True)
    assert markdown.startswith("| clip | group | n truth | F1 shipped | F1 fitted | F1 held out |")
