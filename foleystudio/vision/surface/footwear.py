"""Bare feet or shoes, from the colour of the foot where the picture shows it.

Evidence is the share of skin-coloured pixels (a YCrCb box) among the person's pixels
on the foot. There is none when the foot is a few pixels, when the film is grey, or
when the ground around the foot is itself skin-coloured (a tartan track, a wooden
floor): there the colour cannot tell a foot from the floor.
"""

from __future__ import annotations

import cv2
import numpy as np

from foleystudio.vision.landmarks import FOOT, NOSE
from foleystudio.vision.pose import Poses
from foleystudio.vision.surface.ground import GroundConfig

BODY_PER_NOSE_TO_FOOT = 1.12  # head top to sole over nose to sole (adult proportions)
MIN_FOOT_VISIBILITY = 0.5  # heel and toe landmarks less visible than this are not used


def footwear_evidence(
    rgb: np.ndarray, person: np.ndarray | None, x_px: float, y_px: float, body_px: float, config: GroundConfig
) -> float | None:
    """Share of skin-coloured pixels on the foot (0..1), or None when the picture cannot say."""
    if person is None:
        return None
    h, w = rgb.shape[:2]
    half = max(2, int(round(config.foot_half_width_body * body_px)))
    tall = max(2, int(round(config.foot_height_body * body_px)))
    x0, x1 = max(0, int(x_px) - half), min(w, int(x_px) + half + 1)
    y0, y1 = max(0, int(y_px) - tall), min(h, int(y_px) + 2)
    if x1 <= x0 or y1 <= y0:
        return None
    foot = person[y0:y1, x0:x1]
    if foot.sum() < config.min_foot_px:
        return None
    if _frame_saturation(rgb) < config.min_saturation:
        return None
    skin = _skin(rgb[y0:y1, x0:x1])
    # The ground around the foot must not itself look like skin (tartan, terracotta, wood).
    gx0, gx1 = max(0, int(x_px) - 3 * half), min(w, int(x_px) + 3 * half + 1)
    gy0, gy1 = max(0, int(y_px) - tall), min(h, int(y_px) + tall)
    around = ~person[gy0:gy1, gx0:gx1]
    if around.sum() >= config.min_foot_px and _skin(rgb[gy0:gy1, gx0:gx1])[around].mean() > config.max_ground_skin:
        return None
    return float(skin[foot].mean())


def _skin(rgb: np.ndarray) -> np.ndarray:
    ycrcb = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.int16)
    y, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    return (y > 50) & (cr >= 136) & (cr <= 175) & (cb >= 80) & (cb <= 130)  # a common YCrCb skin box


def _frame_saturation(rgb: np.ndarray) -> float:
    small = cv2.resize(rgb, (64, 36), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_RGB2HSV)[..., 1].mean() / 255.0)


def feet_in_frame(poses: Poses, person: int | None, frame_index: int, scale: float) -> list[tuple[int, float, float, float]]:
    """(person, x_px, y_px, body_px) of every well-seen foot in a frame, in pixels of an image `scale` x display."""
    out = []
    for track in poses.tracks:
        if person is not None and track.person != person:
            continue
        rows = np.nonzero(track.frames == frame_index)[0]
        if rows.size == 0 or not track.present[rows[0]]:
            continue
        pts, vis = track.image[rows[0]], track.visibility[rows[0]]
        for ids in FOOT.values():
            heel_toe = [ids["heel"], ids["toe"]]
            if vis[heel_toe].min() < MIN_FOOT_VISIBILITY:
                continue
            x, y = pts[heel_toe, :2].mean(axis=0)
            body = (y - pts[NOSE, 1]) * BODY_PER_NOSE_TO_FOOT
            if np.isfinite(body) and body > 0:
                out.append((track.person, float(x * scale), float(y * scale), float(body * scale)))
    return out
