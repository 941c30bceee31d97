"""Gain laws of the stereo placement, as properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from foleystudio.sound.spatial import distance_gain, pan_gains, reference_size

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


def test_centred_source_gives_equal_channels_at_minus_3_db():
    left, right = pan_gains(0.5)
    assert left == right
    assert 20 * math.log10(left) == pytest.approx(-3.0103, abs=1e-3)


@given(unit, st.floats(min_value=0.0, max_value=1.0))
def test_constant_power(x, width):
    left, right = pan_gains(x, width)
    assert left**2 + right**2 == pytest.approx(1.0, abs=1e-12)


@given(unit)
def test_mirror_symmetry(x):
    l1, r1 = pan_gains(x)
    l2, r2 = pan_gains(1.0 - x)
    assert np.isclose(l1, r2) and np.isclose(r1, l2)


@given(unit, unit)
def test_pan_is_monotonic(a, b):
    lo, hi = sorted((a, b))
    assert pan_gains(lo)[1] <= pan_gains(hi)[1] + 1e-12
    assert pan_gains(lo)[0] >= pan_gains(hi)[0] - 1e-12


def test_hard_positions():
    left, right = pan_gains(0.0)
    assert left == 1.0 and abs(right) < 1e-12
    left, right = pan_gains(1.0)
    assert abs(left) < 1e-12 and right == 1.0


def test_width_narrows_toward_centre():
    assert pan_gains(0.0, 0.0) == pan_gains(0.5)


@given(st.floats(min_value=1.0, max_value=4000.0), st.floats(min_value=1.0, max_value=4000.0))
def test_distance_gain_is_size_ratio_clamped(body, ref):
    g = distance_gain(body, ref, min_gain_db=-24.0)
    expected_db = min(0.0, max(-24.0, 20 * math.log10(body / ref)))
    assert 20 * math.log10(g) == pytest.approx(expected_db, abs=1e-9)


def test_half_the_size_is_minus_6_db_and_largest_is_0_db():
    assert 20 * math.log10(distance_gain(100, 200)) == pytest.approx(-6.0206, abs=1e-4)
    assert distance_gain(200, 200) == 1.0
    assert distance_gain(400, 200) == 1.0  # never louder than the reference
    assert distance_gain(float("nan"), 200) == 1.0


def test_reference_size_ignores_nans():
    assert reference_size(np.array([np.nan, 100.0, 200.0]), 100.0) == 200.0
    assert reference_size(np.array([np.nan])) == 0.0
