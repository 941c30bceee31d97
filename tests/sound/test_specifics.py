"""The specifics layer: each action event's sound lands on its sample, sounds like its material, pans, scales."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from foleystudio.errors import InputError
from foleystudio.materials import HIT_MATERIALS
from foleystudio.sound.specifics import SpecificsOptions, render_event, render_specifics
from foleystudio.timebase import seconds_to_sample
from foleystudio.vision.actions import KINDS, ActionEvent
from tests.sound.helpers import energy_onset

SR = 48_000


def _event(t_s=0.5123, kind="hit", x=0.5, strength=0.7, body_px=400.0, person=0) -> ActionEvent:
    return ActionEvent(t_s=t_s, frame=round(t_s * 30), kind=kind, person=person, x=x, y=0.6, strength=strength,
                       confidence=1.0, body_px=body_px)


def _render(events, n_s=3.0, **kw):
    return render_specifics(events, n_samples=int(n_s * SR), sr=SR, seed=kw.pop("seed", 0), **kw).audio


def _rms(x) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)))


def _decay_s(x: np.ndarray, db: float = 30.0) -> float:
    """Time from the peak of the 10 ms energy until it is `db` below it."""
    e = np.convolve(np.asarray(x, np.float64) ** 2, np.ones(480) / 480, mode="same")
    level = 10 * np.log10(e / e.max() + 1e-30)
    peak = int(np.argmax(level))
    below = np.flatnonzero(level[peak:] < -db)
    return below[0] / SR if below.size else len(x) / SR


def _centroid_hz(x: np.ndarray) -> float:
    f, p = signal.welch(x, SR, nperseg=2048)
    return float((f * p).sum() / p.sum())


@pytest.mark.parametrize("kind", KINDS)
def test_each_sound_starts_on_its_event_s_sample(kind):
    t = 0.5123
    audio = _render([_event(t, kind)])
    start = seconds_to_sample(t, SR)
    assert not audio[:start].any()  # nothing before the event
    assert audio[start, 0] != 0.0 and audio[start, 1] != 0.0  # the attack is that sample
    limit = 0.5e-3 if kind in ("clap", "hit", "impact", "slap") else 1.5e-3  # a body's thud rises in its first ms
    assert energy_onset(audio[:, 0], SR) - start <= limit * SR


def test_metal_rings_far_longer_than_wood():
    wood = _render([_event()], options=SpecificsOptions(material="wood"))[:, 0]
    metal = _render([_event()], options=SpecificsOptions(material="metal"))[:, 0]
    assert _decay_s(metal) > 5 * _decay_s(wood)
    assert 0.03 < _decay_s(wood) < 0.2 and _decay_s(metal) > 0.8


def test_materials_sound_different():
    centroids = {m: _centroid_hz(render_event("hit", 0.7, m, np.random.default_rng(0), SR)) for m in HIT_MATERIALS}
    assert centroids["glass"] > centroids["metal"] > centroids["wood"] > centroids["soft"]
    assert centroids["stone"] > centroids["wood"]


@pytest.mark.parametrize("kind", KINDS)
def test_strength_raises_the_level(kind):
    levels = [_rms(_render([_event(kind=kind, strength=s)])) for s in (0.1, 0.5, 0.9)]
    assert levels[0] < levels[1] < levels[2]
    assert 20 * np.log10(levels[2] / levels[0]) > 10


def test_strength_brightens_a_hit():
    soft, hard = (_centroid_hz(render_event("hit", s, "wood", np.random.default_rng(3), SR)) for s in (0.1, 1.0))
    assert hard > 1.1 * soft


@pytest.mark.parametrize("x, louder", [(0.05, 0), (0.95, 1)])
def test_pan_follows_x(x, louder):
    audio = _render([_event(x=x)])
    a, b = _rms(audio[:, louder]), _rms(audio[:, 1 - louder])
    assert 20 * np.log10(a / b) > 10


def test_a_centred_event_is_equal_in_both_channels():
    audio = _render([_event(x=0.5, kind="clap")])
    assert np.array_equal(audio[:, 0], audio[:, 1])


def test_a_smaller_body_is_further_away_and_quieter():
    near, far = _event(0.5, body_px=600.0), _event(1.5, body_px=150.0)
    audio = _render([near, far])[:, 0]
    quiet = _rms(audio[int(1.5 * SR):]) / _rms(audio[int(0.5 * SR): int(1.5 * SR)])
    assert 20 * np.log10(quiet) < -9  # 4x smaller: -12 dB (the two hits vary a little)


def test_an_impact_of_nobody_is_not_set_back():
    alone = _render([_event(kind="impact", person=-1, body_px=0.0)])
    assert np.isfinite(alone).all() and _rms(alone) > 0


def test_deterministic_for_a_seed_and_one_event_does_not_change_another():
    events = [_event(0.3, "clap"), _event(1.0, "fall"), _event(2.0, "hit")]
    a, b = _render(events, seed=5), _render(events, seed=5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, _render(events, seed=6))
    moved = _render([events[0], events[1], _event(2.4, "hit")], seed=5)
    end = int(1.9 * SR)
    assert np.array_equal(a[:end], moved[:end])  # the first two render the same


def test_a_material_per_event():
    events = [_event(0.2, "impact"), _event(1.2, "impact")]
    audio = _render(events, materials=["wood", "metal"])[:, 0]
    assert _decay_s(audio[int(1.2 * SR):]) > 5 * _decay_s(audio[int(0.2 * SR): int(1.2 * SR)])
    with pytest.raises(ValueError):
        _render(events, materials=["wood"])
    with pytest.raises(InputError, match="wood"):
        _render(events, materials=["wood", "jelly"])


def test_stem_shape_and_events_at_the_edges():
    stem = render_specifics([_event(0.0, "clap"), _event(0.999, "hit")], n_samples=SR, sr=SR, seed=0)
    assert stem.name == "specifics" and stem.sr == SR
    assert stem.audio.shape == (SR, 2) and stem.audio.dtype == np.float32
    assert stem.audio[0].all() and np.abs(stem.audio).max() <= 1.0
    assert not render_specifics([], n_samples=100, sr=SR).audio.any()
