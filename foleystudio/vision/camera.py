"""Camera motion: how the picture moves from frame to frame (pan, tilt, zoom, roll).

A foot on the ground is still *on the ground*, not in the picture: when the camera pans
to follow a runner, a planted foot slides across the frame. `CameraTracker` follows
corner points of the background (the people masked out) from each frame to the next
with pyramidal Lucas-Kanade flow and fits one similarity transform (shift, scale,
rotation) to them with RANSAC, so a minority of points on moving things does not
count. Chained, these map every frame's pixels into the first frame of its shot: the
ground frame in which contact detection measures a foot's speed.

A still camera gives the identity (motion below `still_px` at the working size is
taken as none, so jitter does not accumulate), as does a frame with too few
background points to tell (a close-up, a blank frame) or a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from foleystudio.media.frames import HELD_THUMB_PX, Frame, grey_thumbnail

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class CameraConfig:
    max_side_px: int = 320  # frames are tracked at this size (transforms come back in display pixels)
    max_points: int = 200  # corners followed per frame
    min_points: int = 24  # fewer background points (or RANSAC inliers) than this: no estimate
    min_inlier_share: float = 0.5  # the fitted motion must explain at least this share of the points
    ransac_px: float = 1.0  # inlier distance at the working size
    still_px: float = 0.15  # at the working size: a motion moving no corner of the frame further is none
    person_margin: float = 0.15  # person boxes grow by this share of their size before masking


class CameraTracker:
    """Fed every analysed frame in order (with where the people are); `path` gives the transforms."""

    def __init__(self, config: CameraConfig = CameraConfig()):
        self.config = config
        self._prev: np.ndarray | None = None  # grey at the working size
        self._prev_mask: np.ndarray | None = None
        self._scale = 1.0  # working px per frame px
        self._chain = np.eye(3)
        self._path: list[np.ndarray] = []
        self._starts: list[bool] = []  # the path started over at this frame

    def add(self, frame: Frame, boxes: list[tuple[float, float, float, float]] = (), *, cut: bool = False) -> None:
        """One frame; `boxes` (x0, y0, x1, y1, display px) are masked out; `cut` starts a new ground frame."""
        grey, scale = self._working(frame)
        mask = self._mask(grey.shape, boxes, scale * frame.scale)
        step = None if cut or self._prev is None else self._step(self._prev, grey, self._prev_mask)
        self._starts.append(step is None)
        if step is None:
            self._chain = np.eye(3)
        else:
            to_display = np.diag([1 / (scale * frame.scale), 1 / (scale * frame.scale), 1.0])
            to_work = np.linalg.inv(to_display)
            self._chain = self._chain @ (to_display @ step @ to_work)  # this frame -> previous -> ... -> reference
        self._path.append(self._chain[:2].copy())
        self._prev, self._prev_mask = grey, mask

    def path(self) -> np.ndarray:
        """(n, 2, 3): display pixels of each frame -> display pixels of its shot's first frame."""
        return np.array(self._path, dtype=np.float64).reshape(-1, 2, 3)

    def starts(self) -> np.ndarray:
        """(n,) bool: frames where the path starts over (a cut, the first frame, or a step that could not be fitted)."""
        return np.array(self._starts, dtype=bool)

    def _working(self, frame: Frame) -> tuple[np.ndarray, float]:
        """The frame in grey at the working size (the one `mark_held` made, where it is that size), and the scale."""
        h, w = frame.rgb.shape[:2]
        side = self.config.max_side_px
        scale = min(1.0, side / max(h, w))
        same = frame.grey is not None and HELD_THUMB_PX == side
        return (frame.grey if same else grey_thumbnail(frame.rgb, side)), scale

    def _mask(self, shape: tuple[int, int], boxes, display_to_work: float) -> np.ndarray:
        mask = np.full(shape, 255, np.uint8)
        grow = self.config.person_margin
        for x0, y0, x1, y1 in boxes:
            if not np.all(np.isfinite([x0, y0, x1, y1])):
                continue
            dx, dy = grow * (x1 - x0), grow * (y1 - y0)
            a = np.array([x0 - dx, y0 - dy]) * display_to_work
            b = np.array([x1 + dx, y1 + dy]) * display_to_work
            mask[max(0, int(a[1])): max(0, int(np.ceil(b[1]))), max(0, int(a[0])): max(0, int(np.ceil(b[0])))] = 0
        return mask

    def _step(self, prev: np.ndarray, grey: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
        """3x3 map from this frame's working pixels to the previous frame's; None when it cannot tell."""
        cfg = self.config
        if prev.shape != grey.shape:
            return None
        corners = cv2.goodFeaturesToTrack(prev, maxCorners=cfg.max_points, qualityLevel=0.01, minDistance=7,
                                          mask=mask, blockSize=7)
        if corners is None or len(corners) < cfg.min_points:
            return None
        moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, grey, corners, None, winSize=(21, 21), maxLevel=3)
        ok = status.ravel() == 1
        if ok.sum() < cfg.min_points:
            return None
        before, after = corners[ok].reshape(-1, 2), moved[ok].reshape(-1, 2)
        fit, inliers = cv2.estimateAffinePartial2D(after, before, method=cv2.RANSAC,
                                                   ransacReprojThreshold=cfg.ransac_px, maxIters=500, confidence=0.99)
        if fit is None or inliers is None:
            return None
        support = int(inliers.sum())
        if support < cfg.min_points or support < cfg.min_inlier_share * len(before):
            return None  # no one motion explains the picture: leave it still rather than guess
        h, w = grey.shape
        frame_corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64)
        shift = frame_corners @ fit[:, :2].T + fit[:, 2] - frame_corners
        if np.abs(shift).max() < cfg.still_px:
            return np.eye(3)
        return np.vstack([fit, [0.0, 0.0, 1.0]])


def joined_path(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """One camera path from chunks' (path, starts, owned) in order, where `owned` marks a chunk's own frames
    (after its warm-up, which overlaps the chunk before). A chunk's path starts over at its first frame; frames
    before its next start are carried onto the path before it through the last frame both chunks saw."""
    out: list[np.ndarray] = []
    for path, starts, owned in parts:
        full = np.concatenate([path, np.broadcast_to([[[0.0, 0.0, 1.0]]], (len(path), 1, 3))], axis=1)
        first = int(np.argmax(owned)) if owned.any() else len(path)
        if out and first > 0:
            # the frame before this chunk's own: the last chunk's path and this one's both reach it
            prev = np.vstack([out[-1], [0.0, 0.0, 1.0]])
            carry = prev @ np.linalg.inv(full[first - 1])
            restart = np.nonzero(starts[first:])[0]
            end = first + (int(restart[0]) if restart.size else len(path) - first)
            full[first:end] = carry @ full[first:end]
        out.extend(full[owned, :2])
    return np.array(out, dtype=np.float64).reshape(-1, 2, 3)


def apply(transforms: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (n, ..., 2) through per-row transforms (n, 2, 3); NaN stays NaN."""
    a = transforms[:, :, :2]
    b = transforms[:, :, 2]
    shape = points.shape
    flat = points.reshape(shape[0], -1, 2)
    out = np.einsum("nij,nkj->nki", a, flat) + b[:, None, :]
    return out.reshape(shape)


def invert(transforms: np.ndarray) -> np.ndarray:
    """The inverse of each (2, 3) similarity transform."""
    full = np.concatenate([transforms, np.broadcast_to([[[0.0, 0.0, 1.0]]], (len(transforms), 1, 3))], axis=1)
    return np.linalg.inv(full)[:, :2, :]


def is_moving(transforms: np.ndarray | None, width: int, height: int, *, px: float = 2.0) -> bool:
    """Whether the picture ever moves more than `px` display pixels at a corner (for reports)."""
    if transforms is None or len(transforms) == 0:
        return False
    corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], np.float64)
    moved = apply(transforms, np.broadcast_to(corners, (len(transforms), 4, 2)).copy()) - corners
    return bool(np.abs(moved).max() > px)
