"""Per-foot kinematic signals from a pose track, the raw material of contact detection.

All speeds are in leg lengths per second (hip-knee + knee-ankle, in pixels, smoothed
over a second), so they do not depend on the person's distance or the video size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from foleystudio.vision.landmarks import FOOT
from foleystudio.vision.pose import PoseTrack

LEG_TO_BODY = 1.9  # body height / leg length (anthropometric tables: leg ~0.53 of stature)
SWAP_PRIOR = 0.05  # leg lengths: cost of disagreeing with MediaPipe's own left/right label


@dataclass(frozen=True, eq=False)
class FootSignals:
    speed: dict[str, np.ndarray]  # (n,) forward speed of the slower of heel and toe, leg lengths/s
    approach: dict[str, np.ndarray]  # (n,) backward speed of that point, leg lengths/s
    gap: dict[str, np.ndarray]  # (n,) distance moved since the previous frame, leg lengths
    position: dict[str, np.ndarray]  # (n, 2) that point in display pixels
    sole: dict[str, np.ndarray]  # (n, 2) lowest point of the foot (heel or toe, larger y), display pixels
    height_m: dict[str, np.ndarray]  # (n,) metres above the other foot (world landmarks), >= 0
    visibility: dict[str, np.ndarray]  # (n,) mean visibility of heel and toe
    leg_px: np.ndarray  # (n,) smoothed leg length in pixels
    body_px: np.ndarray  # (n,) apparent body height in pixels


def foot_signals(track: PoseTrack) -> FootSignals:
    image, world, vis = unswap_feet(track.image, track.world, track.visibility)
    t = track.t_s
    leg_px = _leg_length_px(image, t)
    dt = np.diff(t)
    speed, approach, gap, position, sole, visibility, lowest = {}, {}, {}, {}, {}, {}, {}
    for foot, ix in FOOT.items():
        pts = np.stack([image[:, ix["heel"], :2], image[:, ix["toe"], :2]], axis=1)  # (n, 2, 2)
        step = np.linalg.norm(np.diff(pts, axis=0), axis=2) / leg_px[1:, None]  # (n-1, 2) leg lengths
        fwd = np.full((len(t), 2), np.nan)
        fwd[:-1] = step / dt[:, None]
        bwd = np.full((len(t), 2), np.nan)
        bwd[1:] = step / dt[:, None]
        slower = np.where(np.nan_to_num(fwd[:, 0], nan=np.inf) <= np.nan_to_num(fwd[:, 1], nan=np.inf), 0, 1)
        rows = np.arange(len(t))
        speed[foot] = fwd[rows, slower]
        approach[foot] = bwd[rows, slower]
        g = np.full(len(t), np.nan)
        g[1:] = step[rows[1:] - 1, slower[1:]]
        gap[foot] = g
        position[foot] = pts[rows, slower]
        sole[foot] = pts[rows, np.where(np.nan_to_num(pts[:, 0, 1]) >= np.nan_to_num(pts[:, 1, 1]), 0, 1)]
        visibility[foot] = 0.5 * (vis[:, ix["heel"]] + vis[:, ix["toe"]])
        lowest[foot] = np.fmax(world[:, ix["heel"], 1], world[:, ix["toe"], 1])  # y is down
    height_m = {
        "left": np.clip(lowest["right"] - lowest["left"], 0, None),
        "right": np.clip(lowest["left"] - lowest["right"], 0, None),
    }
    return FootSignals(
        speed=speed,
        approach=approach,
        gap=gap,
        position=position,
        sole=sole,
        height_m=height_m,
        visibility=visibility,
        leg_px=leg_px,
        body_px=leg_px * LEG_TO_BODY,
    )


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
    fps = (len(t) - 1) / max(t[-1] - t[0], 1e-6) if len(t) > 1 else 30.0
    window = max(3, int(round(fps)) | 1)  # one second
    return np.maximum(median_filter(leg, size=window, mode="nearest"), 1.0)


def unswap_feet(image: np.ndarray, world: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undo MediaPipe's frame-to-frame left/right leg swaps by motion continuity.

    A two-state Viterbi (labels as given / swapped) whose transition cost is how far
    the knee, ankle, heel and toe points jump between frames; a small prior keeps the
    model's own labels where motion cannot tell.
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
    swapped = as_is[:, ::-1]
    states = (as_is, swapped)
    cost = np.array([0.0, SWAP_PRIOR])
    back = np.zeros((n, 2), dtype=np.int8)
    for k in range(1, n):
        new = np.empty(2)
        for s in range(2):
            moves = [np.nansum(np.linalg.norm(states[s][k] - states[p][k - 1], axis=-1)) for p in range(2)]
            total = cost + np.array(moves)
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
    for a, b in zip(FOOT["left"].values(), FOOT["right"].values()):
        if a in (FOOT["left"]["hip"],):
            continue
        perm[a], perm[b] = b, a
    rows = np.flatnonzero(path)
    image, world, vis = image.copy(), world.copy(), vis.copy()
    image[rows] = image[rows][:, perm]
    world[rows] = world[rows][:, perm]
    vis[rows] = vis[rows][:, perm]
    return image, world, vis
