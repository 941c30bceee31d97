"""The ground next to a foot: where to look and what to mask out.

Geometry is in units of the apparent body height B (ContactEvent.body_px) so it
holds at any distance: the ground patch spans 0.7 B across the foot and from 0.08 B
above it (behind the foot, further away) to 0.2 B below (nearer the camera). The
person is cut out with MediaPipe's selfie segmentation (in the mediapipe wheel), run
on a square around the person where that model works (on a whole frame with a small
person it misses most of the body), optionally joined by the leg polyline of a pose;
large dark blobs (the cast shadow of a runner in sunlight) are left out too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import cv2
import numpy as np

from foleystudio.errors import ModelError
from foleystudio.native_log import muted_native_stderr
from foleystudio.vision.mediapipe_import import import_mediapipe

SEGMENTER_INPUT_PX = 256  # the general selfie model's input size


@dataclass(frozen=True)
class GroundConfig:
    half_width_body: float = 0.35  # patch half-width in body heights (a stride is ~0.4 B)
    above_body: float = 0.08  # patch top above the foot point
    below_body: float = 0.2  # patch bottom below the foot point
    min_side_px: int = 24  # far-away people: never look at fewer pixels than this
    person_threshold: float = 0.3  # segmentation score above which a pixel is the person
    dilate_body: float = 0.02  # grow the person mask by this (soft edges, motion blur)
    foot_half_width_body: float = 0.06  # the foot itself: a box this wide ...
    foot_height_body: float = 0.07  # ... and this tall above the foot point
    min_foot_px: int = 40  # fewer person pixels on the foot (~6x7 px) say nothing about shoes: no guess
    skin_barefoot: float = 0.45  # share of skin-coloured foot pixels for bare feet
    skin_shoes: float = 0.12  # below this, shoes
    min_saturation: float = 0.08  # greyer frames (black and white film): skin cannot be seen
    max_ground_skin: float = 0.25  # ground around the foot this skin-coloured (a red track): no footwear guess
    shadow_ratio: float = 0.6  # darker than this share of the patch median: maybe a cast shadow
    max_shadow_share: float = 0.6  # more of the patch than this dark: it is the ground, not a shadow


@dataclass(frozen=True, eq=False)
class GroundPatch:
    rgb: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) bool, True = ground (person and out-of-frame removed)
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the frame it was cut from

    @property
    def valid_fraction(self) -> float:
        return float(self.mask.mean()) if self.mask.size else 0.0


def ground_box(x_px: float, y_px: float, body_px: float, width: int, height: int, config: GroundConfig) -> tuple[int, int, int, int]:
    """Patch box (x0, y0, x1, y1), clipped to the frame."""
    half = max(config.half_width_body * body_px, config.min_side_px / 2)
    above = max(config.above_body * body_px, config.min_side_px / 4)
    below = max(config.below_body * body_px, config.min_side_px * 3 / 4)
    x0, x1 = int(round(x_px - half)), int(round(x_px + half))
    y0, y1 = int(round(y_px - above)), int(round(y_px + below))
    return max(0, x0), max(0, y0), min(width, x1), min(height, y1)


def cut_patch(
    rgb: np.ndarray, person: np.ndarray | None, box: tuple[int, int, int, int], *, config: GroundConfig = GroundConfig()
) -> GroundPatch | None:
    """The patch in `box` with the person and their cast shadow left out of its mask."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    patch = rgb[y0:y1, x0:x1]
    mask = np.ones((y1 - y0, x1 - x0), dtype=bool) if person is None else ~person[y0:y1, x0:x1]
    mask &= ~cast_shadow(patch, mask, config)
    return GroundPatch(rgb=patch, mask=mask, box=box)


def cast_shadow(patch: np.ndarray, valid: np.ndarray, config: GroundConfig = GroundConfig()) -> np.ndarray:
    """Large regions much darker than the rest (a runner's shadow in sunlight), not thin dark lines
    (grout, plank seams), which belong to the surface."""
    if valid.sum() < 16:
        return np.zeros_like(valid)
    value = patch.max(axis=2).astype(np.float32)
    dark = (value < config.shadow_ratio * float(np.median(value[valid]))) & valid
    side = max(3, int(round(min(patch.shape[:2]) * 0.12)) | 1)  # wider than a seam, narrower than a shadow
    blobs = cv2.morphologyEx(dark.astype(np.uint8), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))) > 0
    if blobs.sum() > config.max_shadow_share * valid.sum():
        return np.zeros_like(valid)  # mostly dark: that is the ground's own colour
    return blobs


class PersonSegmenter:
    """MediaPipe selfie segmentation on a square around one person; use as a context manager."""

    def __init__(self, config: GroundConfig = GroundConfig()):
        self.config = config
        self._model = None

    def __enter__(self) -> PersonSegmenter:
        os.environ.setdefault("GLOG_minloglevel", "2")
        try:
            with muted_native_stderr():
                import_mediapipe()  # without matplotlib
                from mediapipe.python.solutions import selfie_segmentation

                self._model = selfie_segmentation.SelfieSegmentation(model_selection=0)
        except (ImportError, RuntimeError, FileNotFoundError) as exc:
            raise ModelError(f"MediaPipe selfie segmentation could not be loaded: {exc}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None

    def person_mask(self, rgb: np.ndarray, x_px: float, y_px: float, body_px: float) -> np.ndarray:
        """(h, w) bool mask of the person standing with a foot at (x_px, y_px)."""
        h, w = rgb.shape[:2]
        side = max(16, int(round(1.45 * body_px)))
        cx, top = int(round(x_px)), int(round(y_px - 1.2 * body_px))
        x0, y0 = cx - side // 2, top
        pad = side
        padded = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        crop = padded[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side]
        square = cv2.resize(crop, (SEGMENTER_INPUT_PX, SEGMENTER_INPUT_PX), interpolation=cv2.INTER_AREA)
        with muted_native_stderr():
            result = self._model.process(square)
        score = cv2.resize(result.segmentation_mask, (side, side), interpolation=cv2.INTER_LINEAR)
        full = np.zeros((h + 2 * pad, w + 2 * pad), dtype=np.float32)
        full[y0 + pad : y0 + pad + side, x0 + pad : x0 + pad + side] = score
        mask = full[pad : pad + h, pad : pad + w] > self.config.person_threshold
        grow = max(1, int(round(self.config.dilate_body * body_px)))
        return cv2.dilate(mask.astype(np.uint8), np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)) > 0


def leg_mask(shape: tuple[int, int], points_px: list[np.ndarray], body_px: float) -> np.ndarray:
    """Thick polylines through leg landmarks (hip, knee, ankle, heel, toe) of each leg."""
    mask = np.zeros(shape[:2], dtype=np.uint8)
    thickness = max(2, int(round(0.09 * body_px)))
    for pts in points_px:
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) >= 2:
            cv2.polylines(mask, [np.round(pts).astype(np.int32)], False, 1, thickness)
    return mask > 0
