"""Known answers of the wavelet scattering features (features.py, version 3)."""

from __future__ import annotations

import cv2
import numpy as np

from foleystudio.vision.surface.features import (
    SCAT_J,
    SCAT_L,
    feature_length,
    prepare_patch,
    scattering_length,
    surface_features,
)


def scattering(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    return surface_features(rgb, mask)[-scattering_length() :]


def energy(f: np.ndarray) -> np.ndarray:
    return f[:SCAT_J]  # log first-order energy per scale, first in the scattering block


def first_harmonic(f: np.ndarray) -> np.ndarray:
    return f[SCAT_J : SCAT_J + SCAT_J * (SCAT_L // 2)].reshape(SCAT_J, SCAT_L // 2)[:, 0]


def stripes(period_px: float, angle_deg: float = 0.0, size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    t = np.deg2rad(angle_deg)
    wave = 0.5 + 0.35 * np.sin(2 * np.pi * (xx * np.cos(t) + yy * np.sin(t)) / period_px)
    return np.repeat((wave * 255).astype(np.uint8)[..., None], 3, axis=2)


def texture(seed: int, size: int = 64, grain_px: float = 1.5) -> np.ndarray:
    """Grainy blobs with some colour: a random but reproducible ground-like texture."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size, 3)).astype(np.float32), (0, 0), grain_px)
    base = np.array([120, 100, 80], np.float32)
    return np.clip(base + 40 * noise, 0, 255).astype(np.uint8)


def test_length_and_determinism():
    assert scattering_length() == 90 and feature_length() == 156 + 90
    patch = texture(0)
    a, b = scattering(patch), scattering(patch)
    assert a.shape == (90,) and np.isfinite(a).all() and np.array_equal(a, b)
    assert np.isfinite(scattering(np.full((30, 30, 3), 90, np.uint8))).all()  # flat: no texture at all


def test_a_quarter_turn_gives_the_same_scattering():
    # exact on the full-resolution scales; the down-sampled coarse grids are not quite symmetric
    other = scattering(stripes(7.0, angle_deg=10))
    for seed in range(3):
        patch = texture(seed)
        f, g = scattering(patch), scattering(np.ascontiguousarray(np.rot90(patch)))
        assert np.allclose(f[:2], g[:2], atol=1e-4) and np.abs(f - g).max() < 0.08
        assert np.linalg.norm(f - g) < 0.05 * np.linalg.norm(f - other)


def test_an_oblique_turn_gives_nearly_the_same_scattering():
    big = texture(6, size=160)
    turned = cv2.warpAffine(big, cv2.getRotationMatrix2D((80, 80), 30, 1.0), (160, 160), flags=cv2.INTER_LINEAR)
    f, g = scattering(big[48:112, 48:112]), scattering(turned[48:112, 48:112])
    coarser = scattering(texture(6, size=160, grain_px=4.0)[48:112, 48:112])  # another grain: the distance that matters
    assert np.linalg.norm(f - g) < 0.6 * np.linalg.norm(f - coarser)


def test_energy_peaks_at_the_scale_of_the_stripes():
    # the wavelet of scale j oscillates with a period of ~2.7 * 2**j px
    for period, scale in ((5.3, 1), (10.7, 2), (21.0, 3)):
        assert int(np.argmax(energy(scattering(stripes(period, angle_deg=20))))) == scale


def test_stripes_are_directional_and_grain_is_not():
    directional = first_harmonic(scattering(stripes(10.7)))[2]
    grain = first_harmonic(scattering(texture(4)))[2]
    assert directional > 0.5 and grain < 0.2


def test_the_person_hole_is_in_painted_and_left_out():
    patch = texture(5)
    hole = patch.copy()
    hole[:40, 20:34] = (200, 30, 30)  # a red leg
    mask = np.ones((64, 64), bool)
    mask[:42, 18:36] = False
    prepared, valid = prepare_patch(hole, mask)
    assert not valid[:40, 20:34].any() and valid[50:].all()
    assert np.abs(prepared[:40, 20:34].astype(int) - (200, 30, 30)).sum(axis=2).min() > 60  # in-painted, not red
    clean, painted, red = scattering(patch), scattering(hole, mask), scattering(hole)
    assert np.linalg.norm(painted - clean) < np.linalg.norm(red - clean)
