"""The procedural steps' low end (40-130 Hz share of the step's energy) matches real steps.

The measure is benchmarks/spectral_balance.py (band energy share: level-free, so what
comparing peak-normalised steps amounts to); its table prints every band. Real steps
come from ../shared/sounds, cut into single steps; procedural ones from the engine with
the benchmark's default seeds, so a failure here reads the same as the table.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tests.conftest import PROJECT, shared_dir

SR = 48000
LOW_TOLERANCE_DB = 4.0  # the goal; every surface now lands within 2.8 dB (see the table)
SURFACES = ("carpet", "concrete", "grass", "gravel", "leaves", "marble", "metal", "mud", "sand", "snow",
            "water", "wood")  # engine surfaces with real recordings (stone -> concrete, ice -> marble)


def _benchmark():
    spec = importlib.util.spec_from_file_location("spectral_balance", PROJECT / "benchmarks" / "spectral_balance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _benchmark()


@pytest.fixture(scope="module")
def real() -> dict[str, np.ndarray]:
    """Median band shares of the real steps per engine surface (decoded once per module)."""
    steps = bench.real_steps(shared_dir() / "sounds", SR)
    return {surface: np.median([v for _, v in rows], axis=0) for surface, rows in steps.items()}


def test_every_surface_with_recordings_is_measured(real):
    assert set(real) == set(SURFACES)


@pytest.mark.parametrize("surface", SURFACES)
def test_low_end_share_is_within_tolerance_of_real_steps(real, surface):
    procedural = np.median(bench.render_set(surface, range(4), sr=SR), axis=0)
    diff = procedural[bench.LOW] - real[surface][bench.LOW]
    assert abs(diff) <= LOW_TOLERANCE_DB, (
        f"{surface}: 40-130 Hz share {procedural[bench.LOW]:.1f} dB, real {real[surface][bench.LOW]:.1f} dB"
    )


def test_band_shares_of_a_tone_and_their_level_independence():
    t = np.arange(SR // 2) / SR
    shares = bench.band_shares_db(np.sin(2 * np.pi * 80.0 * t) * np.hanning(t.size), SR)
    assert shares[bench.LOW] == pytest.approx(0.0, abs=0.01)  # all of an 80 Hz tone's energy
    assert np.all(shares[1:] < -40.0)
    # Level-free: a peak normalisation (any gain) changes nothing.
    x = np.random.default_rng(0).standard_normal(SR // 2)
    np.testing.assert_allclose(bench.band_shares_db(0.01 * x, SR), bench.band_shares_db(x, SR), atol=1e-9)


def test_split_steps_finds_each_step_at_its_attack():
    rng = np.random.default_rng(0)
    x = 1e-4 * rng.standard_normal(2 * SR)
    starts_s = (0.2, 0.75, 1.4)
    for k, s in enumerate(starts_s):
        n = int(0.15 * SR)
        i = int(s * SR)
        x[i : i + n] += (0.5 + 0.2 * k) * rng.standard_normal(n) * np.exp(-np.arange(n) / (0.03 * SR))
    steps = bench.split_steps(x.astype(np.float32), SR)
    assert len(steps) == len(starts_s)
    for (start, stop), s in zip(steps, starts_s):
        assert abs(start + int(bench.PRE_S * SR) - int(s * SR)) <= int(0.001 * SR)  # PRE_S before the attack
        assert stop <= start + int(bench.STEP_S * SR)
    assert all(stop <= nxt for (_, stop), (nxt, _) in zip(steps, steps[1:]))  # no step holds the next
