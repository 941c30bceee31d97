"""Procedural footsteps: interface, determinism, sample-accurate attacks, variation, distinctness."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from foleystudio.errors import InputError
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES
from foleystudio.sound.backends import get_backend
from foleystudio.sound.features import LogisticRegression, step_features
from foleystudio.sound.procedural.models import FOOTWEAR_MODELS, SURFACE_MODELS
from foleystudio.sound.procedural.plan import plan_step
from foleystudio.sound.types import FootstepBackend, StepRequest
from tests.sound.helpers import energy_onset

SR = 48000


@pytest.fixture()
def backend():
    return get_backend("procedural", sr=SR)


def test_gravel_boots_renders(backend):
    assert isinstance(backend, FootstepBackend)
    assert backend.name == "procedural" and backend.sr == SR
    sound = backend.render_step(StepRequest("gravel", "boots"), np.random.default_rng(0))
    assert sound.audio.dtype == np.float32 and sound.audio.ndim == 1
    assert 0.1 * SR < sound.audio.size < 2 * SR
    assert 0 < np.max(np.abs(sound.audio)) <= 1.0
    assert 0 <= sound.onset < sound.audio.size
    assert np.all(sound.audio[: max(0, sound.onset - 48)] == 0.0) or sound.onset < 48


def test_every_surface_and_footwear_render(backend):
    for surface in ENGINE_SURFACES:
        for footwear in ENGINE_FOOTWEAR:
            a = backend.render_step(StepRequest(surface, footwear), np.random.default_rng(1)).audio
            assert np.all(np.isfinite(a)) and 0.01 < np.max(np.abs(a)) <= 1.0, (surface, footwear)


def test_same_seed_same_audio():
    reqs = [StepRequest("wood", "heels"), StepRequest("gravel", "boots", "run"), StepRequest("water", "barefoot")]
    runs = []
    for _ in range(2):
        b = get_backend("procedural")
        runs.append([b.render_step(r, np.random.default_rng(7)).audio for r in reqs])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_consecutive_steps_never_identical(backend):
    # Even with the same generator state the backend never repeats the previous variation.
    req = StepRequest("concrete", "leather")
    a = backend.render_step(req, np.random.default_rng(3)).audio
    b = backend.render_step(req, np.random.default_rng(3)).audio
    n = min(a.size, b.size)
    assert not np.allclose(a[:n], b[:n], atol=1e-3)
    corrs = []
    prev = a
    for seed in range(6):
        cur = backend.render_step(req, np.random.default_rng(seed + 10)).audio
        n = min(cur.size, prev.size)
        corrs.append(np.corrcoef(cur[:n], prev[:n])[0, 1])
        prev = cur
    assert max(corrs) < 0.95


@pytest.mark.parametrize("kind,gait", [("step", "walk"), ("step", "run"), ("landing", "walk"), ("scuff", "walk")])
def test_attack_is_at_onset_within_1ms(backend, kind, gait):
    errors = []
    for surface in ENGINE_SURFACES:
        for footwear in ENGINE_FOOTWEAR:
            for strength in (0.1, 0.9):
                req = StepRequest(surface, footwear, gait, kind, strength)
                s = backend.render_step(req, np.random.default_rng(zlib.crc32(f"{surface}/{footwear}".encode())))
                errors.append(abs(energy_onset(s.audio) - s.onset) / SR)
    assert max(errors) <= 0.001


def test_heel_toe_rolloff_and_run_shorter():
    rng = np.random.default_rng(0)
    surface, shoe = SURFACE_MODELS["concrete"], FOOTWEAR_MODELS["leather"]
    for _ in range(50):
        walk = plan_step("walk", "step", 0.5, surface, shoe, rng)
        run = plan_step("run", "step", 0.5, surface, shoe, rng)
        land = plan_step("walk", "landing", 0.5, surface, shoe, rng)
        assert 0.04 <= walk.impacts[1].t_s <= 0.12 and walk.impacts[0].t_s == 0.0
        assert 0.04 <= run.impacts[1].t_s < walk.impacts[1].t_s + 0.03
        assert run.impacts[0].pulse_s < walk.impacts[0].pulse_s * 1.2  # harder: shorter contact
        assert len(land.impacts) >= 4 and land.level_db > walk.level_db  # two feet, heavier


def _mean_over_seeds(backend, req, fn, seeds=range(8)):
    return float(np.mean([fn(backend.render_step(req, np.random.default_rng(s))) for s in seeds]))


def _centroid_hz(sound) -> float:
    x = sound.audio[sound.onset : sound.onset + SR // 5]
    p = np.abs(np.fft.rfft(x)) ** 2
    return float((p * np.fft.rfftfreq(x.size, 1 / SR)).sum() / p.sum())


def test_strength_scales_level_and_brightness(backend):
    for surface in ("concrete", "gravel"):
        soft = StepRequest(surface, "leather", strength=0.1)
        hard = StepRequest(surface, "leather", strength=0.9)
        peak = lambda s: float(np.max(np.abs(s.audio)))
        assert _mean_over_seeds(backend, hard, peak) > 2.0 * _mean_over_seeds(backend, soft, peak)
        assert _mean_over_seeds(backend, hard, _centroid_hz) > 1.1 * _mean_over_seeds(backend, soft, _centroid_hz)


def test_landing_heavier_and_scuff_longer(backend):
    rms = lambda s: float(np.sqrt(np.mean(s.audio**2)))
    step = StepRequest("wood", "boots")
    land = StepRequest("wood", "boots", kind="landing")
    assert _mean_over_seeds(backend, land, rms) > _mean_over_seeds(backend, step, rms)

    def spread_s(s):  # time the energy stays within 20 dB of its peak
        m = SR // 200
        e = np.convolve(s.audio.astype(np.float64) ** 2, np.ones(m) / m, mode="same")
        loud = np.flatnonzero(e > e.max() * 0.01)
        return (loud[-1] - loud[0]) / SR

    scuff = StepRequest("concrete", "sneakers", kind="scuff")
    assert _mean_over_seeds(backend, scuff, spread_s) > 0.1


@pytest.mark.parametrize(
    "field,value", [("surface", "lava"), ("footwear", "skates"), ("gait", "crawl"), ("kind", "hop")]
)
def test_unknown_values_name_the_allowed_ones(backend, field, value):
    fields = dict(surface="wood", footwear="boots", gait="walk", kind="step")
    fields[field] = value
    with pytest.raises(InputError) as err:
        backend.render_step(StepRequest(**fields), np.random.default_rng(0))
    assert value in str(err.value) and "allowed" in str(err.value)


def test_unknown_backend():
    with pytest.raises(InputError, match="procedural"):
        get_backend("orchestra")


def test_aliases():
    b = get_backend("procedural")
    a = b.render_step(StepRequest("Wood Floor", "Sneaker"), np.random.default_rng(0))
    assert a.audio.size > 0


def _features(surfaces, footwear, seed, per):
    b = get_backend("procedural")
    x, surf_labels, shoe_labels = [], [], []
    for si, surface in enumerate(surfaces):
        for fi, shoe in enumerate(footwear):
            for i in range(per):
                rng = np.random.default_rng([seed, si, fi, i])
                s = b.render_step(StepRequest(surface, shoe, strength=float(rng.uniform(0.3, 0.8))), rng)
                x.append(step_features(s.audio, SR, s.onset))
                surf_labels.append(surface)
                shoe_labels.append(shoe)
    return np.array(x), surf_labels, shoe_labels


def test_surfaces_are_distinct_across_seeds():
    xa, ya, _ = _features(ENGINE_SURFACES, ("sneakers", "leather", "boots"), seed=1, per=2)
    xb, yb, _ = _features(ENGINE_SURFACES, ("sneakers", "leather", "boots"), seed=2, per=2)
    pred = LogisticRegression().fit(xa, ya).predict(xb)
    assert np.mean(np.array(pred) == np.array(yb)) >= 0.85


def test_footwear_distinct_on_concrete():
    xa, _, ya = _features(("concrete",), ENGINE_FOOTWEAR, seed=1, per=8)
    xb, _, yb = _features(("concrete",), ENGINE_FOOTWEAR, seed=2, per=8)
    pred = LogisticRegression().fit(xa, ya).predict(xb)
    assert np.mean(np.array(pred) == np.array(yb)) >= 0.7
