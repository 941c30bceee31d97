"""The detector on every clip with ground truth in ../shared/gt: the floor it must not fall below.

These floors guard what the detector reaches today (overall F1 0.82 at +-67 ms, median
absolute error 20 ms; the old peak picker 0.35); they are not the issue's 0.92 target,
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
    assert report.new.f1 >= 0.78, report.new
    assert report.new.f1 >= report.old.f1 + 0.2
    assert report.new.mae_ms <= 25.0


def test_every_sprint_clip_with_steps_is_mostly_right(report):
    for clip in report.clips:
        if clip.name.startswith("hato") and clip.new.n_truth:
            assert clip.new.f1 >= 0.7, (clip.name, clip.new)


def test_the_negative_with_a_raised_foot_stays_silent(report):
    jump = next(c for c in report.clips if c.name.startswith("tfjs_jump"))
    assert jump.new.n_pred == 0
