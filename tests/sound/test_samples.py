"""Sample-library backend: layout, onset-aligned steps, no repeats, resampling, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from foleystudio.errors import InputError
from foleystudio.sound.backends import get_backend
from foleystudio.sound.samples import SampleBackend, SampleOptions, scan_library
from foleystudio.sound.types import StepRequest
from tests.sound.helpers import energy_onset

SR = 48000


def _click_file(path, sr: int, click_s: float, seed: int, length_s: float = 0.6):
    """Quiet noise, then a decaying noise burst starting exactly at click_s."""
    rng = np.random.default_rng(seed)
    n = int(length_s * sr)
    x = rng.standard_normal(n) * 1e-4
    i0 = int(round(click_s * sr))
    t = np.arange(n - i0) / sr
    x[i0:] += rng.standard_normal(n - i0) * np.exp(-t / 0.03) * 0.5
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), x.astype(np.float32), sr)
    return path


@pytest.fixture()
def library(tmp_path):
    """wood/boots (44.1 kHz), wood/pack_a (any), gravel/ (files at top level), _private/ (skipped)."""
    root = tmp_path / "lib"
    for i in range(3):
        _click_file(root / "wood" / "boots" / f"b{i}.wav", 44100, 0.2 + 0.01 * i, i)
        _click_file(root / "wood" / "pack_a" / f"a{i}.flac", 48000, 0.05, 10 + i)
    _click_file(root / "gravel" / "g0.wav", 32000, 0.1, 20)
    _click_file(root / "_private" / "x" / "p.wav", 48000, 0.1, 30)
    _click_file(root / "lava" / "x.wav", 48000, 0.1, 31)
    return root


def test_scan_layout(library):
    files, skipped = scan_library(library)
    assert sorted(files) == [("gravel", "any"), ("wood", "any"), ("wood", "boots")]
    assert len(files[("wood", "boots")]) == 3 and skipped == ["lava"]


def test_attack_lands_on_onset_after_resampling(library):
    backend = SampleBackend(library, sr=SR, options=SampleOptions(pitch_range_st=0.0))
    for surface, shoe in (("wood", "boots"), ("wood", "sneakers"), ("gravel", "heels")):
        for seed in range(4):
            s = backend.render_step(StepRequest(surface, shoe), np.random.default_rng(seed))
            assert s.audio.dtype == np.float32 and np.max(np.abs(s.audio)) <= 1.0
            assert abs(energy_onset(s.audio) - s.onset) <= SR // 1000, (surface, shoe, seed)
            # 5 ms of pre-roll kept before the attack, at the backend's rate.
            assert abs(s.onset - int(0.005 * SR)) <= SR // 1000


def test_footwear_folder_preferred_then_any(library):
    backend = SampleBackend(library, sr=SR)
    backend.render_step(StepRequest("wood", "boots"), np.random.default_rng(0))
    assert backend.last_path.parent.name == "boots"
    backend.render_step(StepRequest("wood", "heels"), np.random.default_rng(0))
    assert backend.last_path.parent.name == "pack_a"


def test_never_the_same_recording_twice_in_a_row(library):
    backend = SampleBackend(library, sr=SR)
    picks = []
    for seed in range(30):
        backend.render_step(StepRequest("wood", "boots"), np.random.default_rng(seed))
        picks.append(backend.last_path.name)
    assert all(a != b for a, b in zip(picks, picks[1:]))
    assert set(picks) == {"b0.wav", "b1.wav", "b2.wav"}


def test_deterministic(library):
    a = [SampleBackend(library).render_step(StepRequest("wood", "boots", kind=k), np.random.default_rng(4)).audio
         for k in ("step", "landing", "scuff")]
    b = [SampleBackend(library).render_step(StepRequest("wood", "boots", kind=k), np.random.default_rng(4)).audio
         for k in ("step", "landing", "scuff")]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_errors(tmp_path, library):
    with pytest.raises(InputError, match="not a directory"):
        get_backend("samples", library=str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no recordings"):
        get_backend("samples", library=str(tmp_path / "empty"))
    with pytest.raises(InputError, match="--library"):
        get_backend("samples")
    backend = get_backend("samples", library=str(library))
    with pytest.raises(InputError, match="gravel, wood"):
        backend.render_step(StepRequest("snow", "boots"), np.random.default_rng(0))


def test_real_recordings(shared):
    backend = get_backend("samples", library=str(shared / "sounds"))
    assert {"concrete", "wood", "grass", "gravel", "snow", "water"} <= set(backend.surfaces)
    for surface in backend.surfaces:
        for seed in range(3):
            s = backend.render_step(StepRequest(surface, "sneakers", strength=0.8), np.random.default_rng(seed))
            assert s.audio.size > 0.05 * SR and 0 < np.max(np.abs(s.audio)) <= 1.0
            # Nothing loud before the reported attack, and the step is under way 1 ms after it.
            m = SR // 1000
            env = np.convolve(s.audio.astype(np.float64) ** 2, np.ones(m) / m, mode="same")
            peak = env.max()
            if s.onset > 2 * m:
                assert env[: s.onset - m].max() < peak * 10 ** (-15 / 10), (surface, seed)
            assert env[s.onset : s.onset + 2 * m].max() > peak * 10 ** (-22 / 10), (surface, seed)
