"""Onsets in a clip's sound (eval.onsets) on signals whose answer is known: clicks and bursts in noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foleystudio.errors import InputError
from foleystudio.eval.onsets import OnsetConfig, clip_onsets, detect_onsets
from tests.conftest import make_video

SR = 24_000
CLICKS_S = (0.5123, 1.2, 2.00004, 3.3337, 4.5)


def noise(seconds: float, *, level: float = 0.01, seed: int = 0, sr: int = SR) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, level, int(seconds * sr))


def add_click(y: np.ndarray, t_s: float, *, amplitude: float = 0.8, sr: int = SR) -> None:
    y[int(round(t_s * sr))] += amplitude


def add_burst(y: np.ndarray, t_s: float, *, amplitude: float = 0.3, seed: int = 1, sr: int = SR) -> None:
    """A knock: 10 ms of noise decaying with a 2 ms time constant, starting at t_s."""
    i, n = int(round(t_s * sr)), int(0.01 * sr)
    y[i : i + n] += amplitude * np.random.default_rng(seed).normal(0, 1, n) * np.exp(-np.arange(n) / (0.002 * sr))


@pytest.mark.parametrize("add", [add_click, add_burst], ids=["clicks", "bursts"])
def test_clicks_in_noise_are_found_within_2_ms(add):
    y = noise(5.0)
    for t in CLICKS_S:
        add(y, t)
    found = detect_onsets(y, SR)
    assert len(found) == len(CLICKS_S), found
    assert np.max(np.abs(np.subtract(found.times_s, CLICKS_S))) < 0.002
    assert all(s >= OnsetConfig.min_strength_db for s in found.strengths_db)


def test_a_louder_click_is_stronger():
    y = noise(2.0)
    add_click(y, 0.5, amplitude=0.5)
    add_click(y, 1.5, amplitude=1.5)
    weak, strong = detect_onsets(y, SR).strengths_db
    assert strong > weak + 3


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sr", [24_000, 48_000])
def test_none_in_steady_noise(seed, sr):
    assert len(detect_onsets(noise(20.0, seed=seed, sr=sr), sr)) == 0


def test_none_in_silence_or_a_signal_shorter_than_a_frame():
    assert len(detect_onsets(np.zeros(SR), SR)) == 0
    assert len(detect_onsets(np.ones(10), SR)) == 0


def test_clicks_closer_than_the_gap_are_one_onset_at_the_stronger():
    y = noise(2.0)
    add_click(y, 1.0, amplitude=1.2)
    add_click(y, 1.02, amplitude=0.5)  # 20 ms later: a reflection, under min_gap_s
    found = detect_onsets(y, SR)
    assert len(found) == 1 and abs(found.times_s[0] - 1.0) < 0.002


def test_stereo_is_read_as_its_mix():
    y = noise(2.0)
    add_click(y, 0.75)
    mono = detect_onsets(y, SR)
    stereo = detect_onsets(np.stack([y, y], axis=1), SR)
    assert stereo.times_s == pytest.approx(mono.times_s)


@settings(max_examples=25, deadline=None)
@given(clicks=st.lists(st.floats(0.2, 2.6), min_size=1, max_size=4).filter(
           lambda ts: all(abs(a - b) > 0.1 for i, a in enumerate(ts) for b in ts[i + 1:])),
       shift=st.integers(0, SR // 10), seed=st.integers(0, 1000))
def test_onset_times_shift_with_the_signal(clicks, shift, seed):
    y = noise(3.0, seed=seed)
    for t in clicks:
        add_click(y, t)
    before = detect_onsets(y, SR)
    later = detect_onsets(np.concatenate([noise(shift / SR, seed=seed + 1), y]), SR)
    assert len(before) == len(later) == len(clicks)
    assert np.subtract(later.times_s, before.times_s) == pytest.approx(shift / SR, abs=0.25e-3)


def test_a_clip_without_sound_is_refused(tmp_path):
    video = make_video(tmp_path / "silent.mp4", n_frames=10)
    with pytest.raises(InputError, match="has no audio track"):
        clip_onsets(video)
