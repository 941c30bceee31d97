"""The detector on every clip with ground truth in ../shared/gt: the floor it must not fall below.

These floors guard what the detector reaches today (overall F1 0.87 at +-67 ms, median
absolute error 18 ms; the old peak picker 0.35); they are not the issue's 0.92 target,
which the closing note reports as not yet met.
"""

from __future__ import annotations

import pytest

from foleystudio.eval.run import evaluate, find_pairs

pytestmark = pytest.mark.clips


@pytest.fixture(scope="module")
def report(shared):
    return evaluate(find_pairs(shared / "gt", shared / "media"))


def test_overall_f1_floor_and_beats_the_old_peak_picker(report):
    assert report.new.f1 >= 0.85, report.new
    assert report.new.f1 >= report.old.f1 + 0.2
    assert report.new.mae_ms <= 25.0


def test_every_sprint_clip_with_steps_is_mostly_right(report):
    for clip in report.clips:
        if clip.name.startswith("hato") and clip.new.n_truth:
            assert clip.new.f1 >= 0.7, (clip.name, clip.new)


def test_the_negatives_stay_silent(report):
    """A raised foot that never comes down (tfjs_jump) and a runner kneeling in the blocks (hato_a14)."""
    for name in ("tfjs_jump", "hato_a14"):
        clip = next(c for c in report.clips if c.name.startswith(name))
        assert clip.new.n_pred == 0, (clip.name, clip.new)
