"""The detector on every clip with ground truth in ../shared/gt: the floor it must not fall below.

The issue's targets: overall F1 at +-67 ms of at least 0.92, median absolute error under
25 ms, no clip below 0.80. Today: 0.92 overall, 16 ms, the lowest clip (sports2d_demo, two
people, jumping jacks and a backflip) 0.84; the old peak picker 0.35. The overall floor is
0.90 so that one event more or less on a re-estimated pose (45 truth events) does not turn
the suite red; the per-clip floor is the target itself.
"""

from __future__ import annotations

import pytest

from foleystudio.eval.run import evaluate, find_pairs

pytestmark = pytest.mark.clips


@pytest.fixture(scope="module")
def report(shared):
    return evaluate(find_pairs(shared / "gt", shared / "media"))


def test_overall_f1_floor_and_beats_the_old_peak_picker(report):
    assert report.new.f1 >= 0.90, report.new
    assert report.new.f1 >= report.old.f1 + 0.2
    assert report.new.mae_ms <= 25.0


def test_no_clip_below_the_floor(report):
    for clip in report.clips:
        assert clip.new.f1 >= 0.80, (clip.name, clip.new)


def test_the_negatives_stay_silent(report):
    """A raised foot that never comes down (tfjs_jump) and a runner kneeling in the blocks (hato_a14)."""
    for name in ("tfjs_jump", "hato_a14"):
        clip = next(c for c in report.clips if c.name.startswith(name))
        assert clip.new.n_pred == 0, (clip.name, clip.new)
