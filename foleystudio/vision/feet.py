"""Per-foot kinematic signals from a pose track, the raw material of contact detection.

Positions are in display pixels; speeds and distances are in leg lengths (hip-knee +
knee-ankle, smoothed over a second) per second, so they do not depend on the person's
distance or the video size. Speeds are taken over ~33 ms whatever the frame rate, so
landmark jitter reads the same at 60 fps as at 30.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from foleystudio.timebase import frame_rate
from foleystudio.vision.camera import apply, invert
from foleystudio.vision.landmarks import FOOT
from foleystudio.vision.pose import PoseTrack

LEG_TO_BODY = 1.9  # body height / leg length (anthropometric tables: leg ~0.53 of stature)
SWAP_PRIOR = 0.05  # leg lengths: cost of disagreeing with MediaPipe's own left/right label
UNSEEN_COST = 0.5  # leg lengths: cost of matching a seen point to an unseen one in the swap check
SPEED_SPAN_S = 1 / 30  # speeds over at least this span: one frame at 30 fps, two at 60


@dataclass(frozen=True, eq=False)
class FootSignals:
    points: dict[str, np.ndarray]  # (n, 2, 2): heel and toe, display pixels (left/right swaps undone)
    centre: dict[str, np.ndarray]  # (n, 2): midpoint of heel and toe
    speed: dict[str, np.ndarray]  # (n,) forward speed of the lower of heel and toe, leg lengths/s
    sole: dict[str, np.ndarray]  # (n,) int: 0 where the heel is the lower point (larger y), 1 the toe
    height_m: dict[str, np.ndarray]  # (n,) metres above the other foot (world landmarks), >= 0
    visibility: dict[str, np.ndarray]  # (n,) mean visibility of heel and toe, 0 where unseen
    leg_px: np.ndarray  # (n,) smoothed leg length in pixels
    body_px: np.ndarray  # (n,) apparent body height in pixels
    lag: int  # frames spanned by a speed
    to_picture: np.ndarray | None = None  # (n, 2, 3) when the points are in the ground frame (a moving camera)

    def sole_point(self, foot: str, k: int) -> np.ndarray:
        """The lower of heel and toe at row k, in the picture's display pixels."""
        point = self.points[foot][k, self.sole[foot][k]]
        if self.to_picture is None:
            return point
        return apply(self.to_picture[k : k + 1], point[None, None])[0, 0]


def foot_signals(track: PoseTrack, *, to_ground: np.ndarray | None = None) -> FootSignals:
    """The signals of `track`; with `to_ground` (n, 2, 3, vision.camera) positions and speeds are on the ground.

    The picture of a panning camera slides under a planted foot; mapped through the camera
    path into its shot's first frame, the foot is still again.
    """
    image = track.image
    if to_ground is not None:
        image = image.copy()
        image[:, :, :2] = apply(to_ground, image[:, :, :2].astype(np.float64))
    image, world, vis = unswap_feet(image, track.world, track.visibility)
    t = track.t_s
    n = len(t)
    leg_px = _leg_length_px(image, t)
    fps = frame_rate(t)
    lag = max(1, int(round(SPEED_SPAN_S * fps)))
    points, centre, speed, sole, visibility, lowest = {}, {}, {}, {}, {}, {}
    for foot, ix in FOOT.items():
        pts = np.stack([image[:, ix["heel"], :2], image[:, ix["toe"], :2]], axis=1)  # (n, 2, 2)
        fwd = np.full((n, 2), np.nan)
        if n > lag:
            moved = np.linalg.norm(pts[lag:] - pts[:-lag], axis=2) / leg_px[:-lag, None]
            fwd[:-lag] = moved / (t[lag:] - t[:-lag])[:, None]
        points[foot] = pts
        centre[foot] = pts.mean(axis=1)
        sole[foot] = np.where(np.nan_to_num(pts[:, 0, 1], nan=-np.inf) >= np.nan_to_num(pts[:, 1, 1], nan=-np.inf), 0, 1)
        # The part that lands is the lower one: a walking heel, a sprinting forefoot. A toe that
        # hangs still above the floor while the heel glides in has not landed.
        speed[foot] = fwd[np.arange(n), sole[foot]]
        visibility[foot] = np.nan_to_num(0.5 * (vis[:, ix["heel"]] + vis[:, ix["toe"]]))
        lowest[foot] = np.fmax(world[:, ix["heel"], 1], world[:, ix["toe"], 1])  # y is down
    height_m = {
        "left": np.clip(lowest["right"] - lowest["left"], 0, None),
        "right": np.clip(lowest["left"] - lowest["right"], 0, None),
    }
    return FootSignals(points=points, centre=centre, speed=speed, sole=sole, height_m=height_m,
                       visibility=visibility, leg_px=leg_px, body_px=leg_px * LEG_TO_BODY, lag=lag,
                       to_picture=invert(to_ground) if to_ground is not None else None)


def _leg_length_px(image: np.ndarray, t: np.ndarray) -> np.ndarray:
    lengths = []
    for ix in FOOT.values():
        thigh = np.linalg.norm(image[:, ix["hip"], :2] - image[:, ix["knee"], :2], axis=1)
        shank = np.linalg.norm(image[:, ix["knee"], :2] - image[:, ix["ankle"], :2], axis=1)
        lengths.append(thigh + shank)
    leg = np.fmax(lengths[0], lengths[1])  # the less foreshortened leg (NaN only if both are)
    finite = np.isfinite(leg)
    if not finite.any():
        return np.ones(len(t))
    leg = np.interp(np.arange(len(t)), np.flatnonzero(finite), leg[finite])
    fps = frame_rate(t)
    window = max(3, int(round(fps)) | 1)  # one second
    return np.maximum(median_filter(leg, size=window, mode="nearest"), 1.0)


def unswap_feet(image: np.ndarray, world: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undo MediaPipe's frame-to-frame left/right leg swaps by motion continuity.

    A two-state Viterbi (labels as given / swapped) whose transition cost is how far
    the knee, ankle, heel and toe points jump between frames; a point matched to an
    unseen one costs UNSEEN_COST, so hiding a foot does not make swapping free; a
    small prior keeps the model's own labels where motion cannot tell.
    """
    left = [FOOT["left"][k] for k in ("knee", "ankle", "heel", "toe")]
    right = [FOOT["right"][k] for k in ("knee", "ankle", "heel", "toe")]
    n = len(image)
    if n < 2:
        return image, world, vis
    leg = np.nanmedian(np.linalg.norm(image[:, left[0], :2] - image[:, left[1], :2], axis=1))
    scale = leg if np.isfinite(leg) and leg > 0 else 1.0
    pos = image[:, :, :2] / scale
    as_is = np.stack([pos[:, left], pos[:, right]], axis=1)  # (n, 2 feet, 4, 2)
    states = (as_is, as_is[:, ::-1])
    # moves[k, s, p]: from state p at frame k to state s at frame k + 1, every frame at once
    moves = np.stack([np.stack([_jumps(states[s][1:], states[p][:-1]) for p in range(2)], axis=1)
                      for s in range(2)], axis=1)
    cost = np.array([0.0, SWAP_PRIOR])
    back = np.zeros((n, 2), dtype=np.int8)
    for k in range(1, n):
        new = np.empty(2)
        for s in range(2):
            total = cost + moves[k - 1, s]
            back[k, s] = int(np.argmin(total))
            new[s] = total[back[k, s]] + (SWAP_PRIOR if s else 0.0)
        cost = new
    path = np.zeros(n, dtype=np.int8)
    path[-1] = int(np.argmin(cost))
    for k in range(n - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    if not path.any():
        return image, world, vis
    perm = np.arange(image.shape[1])
    for part in ("knee", "ankle", "heel", "toe"):
        a, b = FOOT["left"][part], FOOT["right"][part]
        perm[a], perm[b] = b, a
    rows = np.flatnonzero(path)
    image, world, vis = image.copy(), world.copy(), vis.copy()
    image[rows] = image[rows][:, perm]
    world[rows] = world[rows][:, perm]
    vis[rows] = vis[rows][:, perm]
    return image, world, vis


def _jumps(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """(m,) per row of (m, ..., 2) points: the summed distance between corresponding points (the same sums, in the
    same order, as one row at a time); a seen point against an unseen one costs UNSEEN_COST."""
    m = len(now)
    d = np.sqrt(np.sum((now - before) ** 2, axis=-1)).reshape(m, -1)
    one_sided = (np.isfinite(now[..., 0]) != np.isfinite(before[..., 0])).reshape(m, -1)
    return np.sum(np.where(np.isnan(d), 0.0, d), axis=1) + UNSEEN_COST * one_sided.sum(axis=1)


def jitter_speed(sig: FootSignals, row: int, fps: float, jitter_px: float) -> float:
    """The speed, in leg lengths a second, that a landmark jittering by `jitter_px` display pixels reads as over
    one speed span at `row` (0 where the leg is not measured).

    A landmark jitters by at least about a pixel of the picture the pose model was given, whatever the person's
    size: sqrt(2) px over the span. For a leg of 50 px at 30 fps that is 0.85 leg/s, above the 0.6 under which a
    foot counts as stopped, so a small person's stops and starts come from jitter as much as from their feet.
    """
    leg = float(sig.leg_px[row]) if np.isfinite(sig.leg_px[row]) else float(np.nanmedian(sig.leg_px))
    if not np.isfinite(leg) or leg <= 0:
        return 0.0
    return float(np.sqrt(2.0) * jitter_px / leg * fps / sig.lag)
