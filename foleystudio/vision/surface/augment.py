"""Augmentation that turns flat texture swatches into what a camera sees of a floor.

A swatch is a material seen straight on, evenly lit, sharp. A ground crop next to a
foot is seen at a grazing angle (squashed, farther ground covers more texture per
pixel), small (30-90 px), blurred by motion and compression, lit by the sun or a
lamp, sometimes shadowed. `augment_patch` draws one such view; `synth_rubber` draws
the rubber running-track texture the CC0 set lacks, `synth_grass` the lawns it has only
four lush swatches of. All are deterministic given `rng`.
"""

from __future__ import annotations

import cv2
import numpy as np


def augment_patch(source: np.ndarray, rng: np.random.Generator, *, out_px: int = 64, camera: bool = True) -> np.ndarray:
    """One random camera-like view (RGB uint8, out_px wide) of an RGB uint8 texture.

    camera=False: only a rotated crop, seen straight on (how the swatches and tiles look).
    """
    patch = _rotated_crop(source, rng)
    if not camera:
        return cv2.resize(patch, (out_px, out_px), interpolation=cv2.INTER_AREA)
    patch = _ground_view(patch, rng, out_px)
    patch = _low_resolution(patch, rng)
    patch = _colour_jitter(patch, rng)
    if rng.random() < 0.25:
        patch = _shadow(patch, rng)
    return _degrade(patch, rng)


def _rotated_crop(source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = source.shape[:2]
    angle = float(rng.uniform(0, 360))
    rad = np.deg2rad(angle % 90)
    # Largest axis-aligned square inside the rotated swatch: no border pixels.
    inner = int(min(h, w) / (abs(np.cos(rad)) + abs(np.sin(rad))))
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turned = cv2.warpAffine(source, rot, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    side = int(rng.uniform(0.45, 1.0) * inner)  # how much ground the crop covers
    side = max(16, min(side, inner))
    y0 = (h - inner) // 2 + int(rng.integers(0, inner - side + 1))
    x0 = (w - inner) // 2 + int(rng.integers(0, inner - side + 1))
    return turned[y0 : y0 + side, x0 : x0 + side]


def _ground_view(patch: np.ndarray, rng: np.random.Generator, out_px: int) -> np.ndarray:
    """Perspective of a ground plane: the far (top) edge spans more texture than the near one."""
    side = patch.shape[0]
    squash = float(rng.uniform(0.3, 1.0))  # 1 = seen from above, 0.3 = grazing (side-on sprint camera)
    inset = float(rng.uniform(0.0, 0.25)) * side  # near edge narrower in texture space
    src = np.float32([[0, 0], [side, 0], [side - inset, side], [inset, side]])
    out_h = max(8, int(round(out_px * squash)))
    dst = np.float32([[0, 0], [out_px, 0], [out_px, out_h], [0, out_h]])
    warp = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(patch, warp, (out_px, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)


def _low_resolution(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most ground crops are 20-50 px tall in the stored frames: lose detail as they do."""
    if rng.random() < 0.3:
        return patch
    h, w = patch.shape[:2]
    f = float(rng.uniform(0.2, 0.8))
    small = cv2.resize(patch, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _colour_jitter(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    x = patch.astype(np.float32) / 255.0
    x = x ** float(rng.uniform(0.7, 1.4))  # exposure curve
    x = x * float(rng.uniform(0.6, 1.35))  # brightness
    x = x * rng.uniform(0.9, 1.1, size=3).astype(np.float32)  # white balance
    mean = x.mean()
    x = (x - mean) * float(rng.uniform(0.75, 1.2)) + mean  # contrast
    grey = x.mean(axis=2, keepdims=True)
    sat = 0.0 if rng.random() < 0.06 else float(rng.uniform(0.65, 1.3))  # some film is black and white
    x = grey + (x - grey) * sat
    return (np.clip(x, 0, 1) * 255).astype(np.uint8)


def person_hole(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """(h, w) bool ground mask with a leg (a bar from the top) and a foot (an ellipse) cut out,
    as the person is masked out next to a contact; sometimes the other leg, sometimes nothing."""
    mask = np.ones((h, w), dtype=bool)
    if rng.random() < 0.3:
        return mask
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx = float(rng.uniform(0.2, 0.8)) * w
    leg_w = float(rng.uniform(0.08, 0.25)) * w
    foot_y = float(rng.uniform(0.2, 0.6)) * h
    mask &= ~((np.abs(xx - cx) < leg_w / 2) & (yy < foot_y))
    foot_cx = cx + float(rng.uniform(-0.1, 0.1)) * w
    mask &= ~(((xx - foot_cx) / (leg_w * float(rng.uniform(0.8, 1.6)))) ** 2 + ((yy - foot_y) / (0.12 * h)) ** 2 < 1)
    if rng.random() < 0.3:
        other = float(rng.uniform(0.1, 0.9)) * w
        mask &= ~((np.abs(xx - other) < leg_w / 2) & (yy < float(rng.uniform(0.2, 0.7)) * h))
    return mask


def _shadow(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = patch.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    d = (xx - w / 2) * np.cos(theta) + (yy - h / 2) * np.sin(theta) - rng.uniform(-0.3, 0.3) * w
    edge = 1.0 / (1.0 + np.exp(-d / rng.uniform(1.0, 6.0)))
    gain = 1.0 - float(rng.uniform(0.3, 0.6)) * edge
    return np.clip(patch.astype(np.float32) * gain[..., None], 0, 255).astype(np.uint8)


def _degrade(patch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        patch = cv2.GaussianBlur(patch, (0, 0), float(rng.uniform(0.3, 1.2)))
    if rng.random() < 0.5:
        noise = rng.normal(0, rng.uniform(1.0, 5.0), size=patch.shape)
        patch = np.clip(patch.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", patch, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 90))])
        if ok:
            patch = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return patch


# Rubber track colours as (hue deg, saturation, value): tartan terracotta dominates
# real tracks; blue, green and black are sports-hall and treadmill rubber.
_RUBBER_COLOURS = (
    ((2.0, 18.0), (0.35, 0.7), (0.35, 0.8), 0.6),
    ((200.0, 225.0), (0.35, 0.7), (0.3, 0.7), 0.12),
    ((90.0, 150.0), (0.25, 0.6), (0.25, 0.6), 0.1),
    ((0.0, 360.0), (0.0, 0.12), (0.08, 0.3), 0.18),
)


def synth_rubber(rng: np.random.Generator, *, size_px: int = 128) -> np.ndarray:
    """A poured-rubber (EPDM granule) surface: fine speckle on a flat colour, sometimes a painted line."""
    weights = np.array([c[3] for c in _RUBBER_COLOURS])
    hue_r, sat_r, val_r, _ = _RUBBER_COLOURS[int(rng.choice(len(weights), p=weights / weights.sum()))]
    hue, sat, val = rng.uniform(*hue_r), rng.uniform(*sat_r), rng.uniform(*val_r)
    granule_px = float(rng.uniform(0.6, 2.0))
    fine = cv2.GaussianBlur(rng.normal(0, 1, (size_px, size_px)).astype(np.float32), (0, 0), granule_px)
    fine /= fine.std() + 1e-6
    coarse = cv2.GaussianBlur(rng.normal(0, 1, (size_px, size_px)).astype(np.float32), (0, 0), size_px / 8)
    coarse /= coarse.std() + 1e-6
    v = val * (1 + rng.uniform(0.04, 0.14) * fine + rng.uniform(0.0, 0.06) * coarse)
    s = sat * (1 + 0.1 * fine)
    hsv = np.stack([np.full_like(v, hue / 2.0), np.clip(s, 0, 1) * 255, np.clip(v, 0, 1) * 255], axis=-1)
    rgb = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    flecks = rng.random((size_px, size_px)) < rng.uniform(0.0, 0.03)  # contrasting granules
    rgb[flecks] = np.clip(rgb[flecks].astype(np.int16) + int(rng.integers(-60, 60)), 0, 255).astype(np.uint8)
    if rng.random() < 0.25:
        _paint_line(rgb, rng)
    return rgb


def _paint_line(rgb: np.ndarray, rng: np.random.Generator) -> None:
    size = rgb.shape[0]
    width = int(rng.integers(2, max(3, size // 16)))
    pos = int(rng.integers(0, size - width))
    line = np.full((size, width, 3), int(rng.integers(200, 250)), dtype=np.uint8)
    if rng.random() < 0.5:
        rgb[:, pos : pos + width] = line
    else:
        rgb[pos : pos + width, :] = line.transpose(1, 0, 2)


# Lawn colours as (hue deg, saturation, value, share): green lawns, yellow-green ones in
# sun, and dry summer grass. The four CC0 grass swatches are all deep green.
_GRASS_COLOURS = (
    ((85.0, 130.0), (0.35, 0.85), (0.25, 0.65), 0.5),
    ((60.0, 85.0), (0.4, 0.9), (0.35, 0.8), 0.3),
    ((40.0, 60.0), (0.25, 0.6), (0.35, 0.75), 0.2),
)
_BLADE_DRAW_SCALE = 2  # blades drawn at twice the size, then reduced: thin anti-aliased strokes


def synth_grass(rng: np.random.Generator, *, size_px: int = 128) -> np.ndarray:
    """A lawn seen from above: dense short blades of varied shade over darker thatch, mown
    (blades lean one way) or rough, sometimes with dry blades and soil showing through."""
    weights = np.array([c[3] for c in _GRASS_COLOURS])
    hue_r, sat_r, val_r, _ = _GRASS_COLOURS[int(rng.choice(len(weights), p=weights / weights.sum()))]
    hue, sat, val = rng.uniform(*hue_r), rng.uniform(*sat_r), rng.uniform(*val_r)
    n = size_px * _BLADE_DRAW_SCALE
    blades = np.full((n, n), rng.uniform(0.4, 0.7), dtype=np.float32)  # the thatch between blades
    count = int(rng.uniform(4.0, 9.0) * n * n / 400)
    lean, spread = float(rng.uniform(0, np.pi)), float(rng.uniform(0.3, np.pi))
    length = float(rng.uniform(3, 10)) * _BLADE_DRAW_SCALE
    for _ in range(count):
        x, y = rng.uniform(0, n, 2)
        angle = lean + rng.normal(0, spread)
        reach = length * rng.uniform(0.5, 1.5)
        tip = (int(x + reach * np.cos(angle)), int(y + reach * np.sin(angle)))
        cv2.line(blades, (int(x), int(y)), tip, float(rng.uniform(0.55, 1.15)), int(rng.integers(1, 3)), cv2.LINE_AA)
    blades = cv2.resize(blades, (size_px, size_px), interpolation=cv2.INTER_AREA)
    coarse = cv2.GaussianBlur(rng.normal(0, 1, (size_px, size_px)).astype(np.float32), (0, 0), size_px / 6)
    coarse /= coarse.std() + 1e-6
    v = val * blades * (1 + rng.uniform(0.05, 0.2) * coarse)
    h = hue + rng.normal(0, 4, (size_px, size_px)).astype(np.float32) * rng.uniform(0.3, 1.0) + 8 * coarse * rng.uniform(0, 1)
    s = sat * (0.8 + 0.3 * blades)
    if rng.random() < 0.4:  # dry blades and bare soil
        dry = cv2.GaussianBlur(rng.random((size_px, size_px)).astype(np.float32), (0, 0), float(rng.uniform(1, 6)))
        dry = (dry > np.quantile(dry, 1 - rng.uniform(0.05, 0.3))).astype(np.float32)
        h = h * (1 - dry) + rng.uniform(35, 50) * dry
        s = s * (1 - 0.5 * dry)
    hsv = np.stack([np.mod(h, 360) / 2.0, np.clip(s, 0, 1) * 255, np.clip(v, 0, 1) * 255], axis=-1)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
