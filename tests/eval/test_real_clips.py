"""The detector on every clip with ground truth in ../shared/gt: the floor it must not fall below.

The issue's targets: overall F1 at +-67 ms of at least 0.92, median absolute error under
25 ms, no clip below 0.80. Every event the detector reports is scored (scuffs too, when asked for:
a scuff where no foot touched is a false sound). Today: 0.92 overall (45 truth events, 46 said),
16 ms, the lowest clip sports2d_demo (two people, jumping jacks and a backflip) 0.84; the old peak
picker 0.35. The overall floor is 0.90 so that one event more or less on a re-estimated pose does not
turn the suite red; the per-clip floor is the target itself, and a clip under it is a strict xfail
that says by how much.

The same run fits the detector's thresholds leaving each source of clips out (eval.heldout): the
held-out figure is the one unseen footage can expect, and it must not fall under the floor either;
its events of confidence 0.8 or more must be right (today 35 of 35; the target 95 %, the floor 90 %).
"""

from __future__ import annotations

import pytest

from foleystudio.eval.run import evaluate, find_pairs

pytestmark = pytest.mark.clips
UNDER_THE_TARGET: dict[str, str] = {}  # clip -> why it is under the per-clip target (a strict xfail)


@pytest.fixture(scope="module")
def report(shared):
    return evaluate(find_pairs(shared / "gt", shared / "media"), held_out=True)


def test_every_clip_and_contact_is_scored(report):
    assert len(report.clips) == 7
    assert report.new.n_truth == 45
    assert sum(c.new.n_truth == 0 for c in report.clips) == 2  # hato_a14 and tfjs_jump: nothing to find


def test_overall_f1_floor_and_beats_the_old_peak_picker(report):
    assert report.new.f1 >= 0.90, report.new
    assert report.new.f1 >= report.old.f1 + 0.2
    assert report.new.mae_ms <= 25.0


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=UNDER_THE_TARGET[name]))
    if name in UNDER_THE_TARGET else name
    for name in ("hato_a14", "hato_a15", "hato_a3", "hato_b12", "hato_b15", "sports2d_demo", "tfjs_jump")
])
def test_no_clip_below_the_floor(report, name):
    clip = next(c for c in report.clips if c.name == name)
    assert clip.new.f1 >= 0.80, (clip.name, clip.new)


def test_the_negatives_stay_silent(report):
    """A raised foot that never comes down (tfjs_jump) and a runner kneeling in the blocks (hato_a14)."""
    for name in ("tfjs_jump", "hato_a14"):
        clip = next(c for c in report.clips if c.name.startswith(name))
        assert clip.new.n_pred == 0, (clip.name, clip.new)


def test_thresholds_fitted_held_out(report):
    held = report.held_out
    assert [f.group for f in held.folds] == ["hato", "sports2d", "tfjs"]
    for fold in held.folds:
        assert fold.group not in fold.fitted_on
    assert held.shipped.tp == report.new.tp and held.shipped.n_pred == report.new.n_pred  # the same detector
    assert held.fitted.f1 >= held.shipped.f1  # the search starts from the shipped settings and only climbs
    assert held.held_out.f1 >= 0.90, held.held_out
    assert sum(b.n for b in held.bands_held_out) == held.held_out.n_pred
    trusted = held.bands_held_out[-1]  # 0.8-1.0
    assert trusted.n >= 30 and trusted.precision >= 0.90, trusted
