"""Heel strikes from the gait cycle in the world landmarks: `gait_strikes`.

Walking and running carry each foot forward of the pelvis before it lands and
behind it before it lifts (Zeni, Richards & Higginson, Gait & Posture 2008): the
heel strike is where the leading foot is farthest ahead. The signal used here is
the signed distance between the two heels along the direction the body faces, in
the hip-centred world landmarks (metres): it peaks at each left strike and dips at
each right one, whatever the direction the person walks relative to the camera.
Walking towards or away from the camera, where the feet barely move across the
picture, it is as plain as side-on.

It knows nothing of jumps (no forward swing) and little of a person standing, so it
is a second opinion next to the picture's stop-and-drop test in `vision.contacts`,
not a detector of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import find_peaks

from foleystudio.timebase import frame_rate
from foleystudio.vision.landmarks import FOOT
from foleystudio.vision.pose import PoseTrack


@dataclass(frozen=True)
class GaitConfig:
    min_split_m: float = 0.2  # feet at least this far apart along the facing direction at a strike
    min_swing_m: float = 0.4  # the split swings through at least this much between strikes (prominence)
    min_stride_s: float = 0.3  # the same foot strikes no faster (a sprint's stride is ~0.45 s)
    facing_window_s: float = 1.0  # the facing direction is smoothed over this long (people turn slowly)
    edge_s: float = 0.1  # a strike needs the feet seen this long on both sides of it


@dataclass(frozen=True)
class Strike:
    index: int  # row of the track nearest the strike
    t_s: float  # time of the strike, interpolated between frames
    foot: str
    split_m: float  # how far ahead of the other heel this heel was
    swing_m: float  # prominence of the peak: how clear the cycle is here


def gait_strikes(track: PoseTrack, config: GaitConfig = GaitConfig()) -> list[Strike]:
    """Heel strikes of both feet, sorted by time; [] when the track shows no gait cycle."""
    n = len(track.t_s)
    if n < 5:
        return []
    split = heel_split_m(track, config)
    finite = np.isfinite(split)
    if finite.sum() < 5:
        return []
    fps = frame_rate(track.t_s)
    distance = max(1, int(round(config.min_stride_s * fps)))
    margin = max(1, int(round(config.edge_s * fps)))
    strikes = []
    for foot, sign in (("left", 1.0), ("right", -1.0)):
        signal = np.where(finite, sign * split, -np.inf)
        peaks, props = find_peaks(signal, height=config.min_split_m, prominence=config.min_swing_m, distance=distance)
        for k, prominence in zip(peaks, props["prominences"]):
            around = signal[max(0, k - margin) : k + margin + 1]
            if not (margin <= k < n - margin and np.isfinite(around).all()):
                continue  # a peak at the edge of the track or of a gap is the edge, not a strike
            strikes.append(Strike(int(k), _vertex_time(track.t_s, signal, int(k)), foot, float(signal[k]), float(prominence)))
    return sorted(strikes, key=lambda s: s.t_s)


def heel_split_m(track: PoseTrack, config: GaitConfig = GaitConfig()) -> np.ndarray:
    """(n,) left heel minus right heel along the facing direction, metres; NaN where unseen.

    The facing direction is horizontal and at right angles to the line between the hips,
    pointing where the toes point. One-frame landmark glitches are taken out with a
    three-frame median.
    """
    w = track.world.astype(np.float64)
    left, right = FOOT["left"], FOOT["right"]
    hips = w[:, right["hip"]] - w[:, left["hip"]]
    facing = np.stack([-hips[:, 2], np.zeros(len(w)), hips[:, 0]], axis=1)
    toes = (w[:, left["toe"]] - w[:, left["heel"]]) + (w[:, right["toe"]] - w[:, right["heel"]])
    along = np.sum(facing * toes, axis=1)
    fps = frame_rate(track.t_s)
    window = max(3, int(round(config.facing_window_s * fps)) | 1)
    sign = np.sign(_running_sum(np.nan_to_num(along), window))
    norm = np.linalg.norm(facing, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        facing = facing * (sign / norm)[:, None]
    heel_gap = w[:, left["heel"]] - w[:, right["heel"]]
    split = np.sum(heel_gap * facing, axis=1)
    split[~track.present] = np.nan
    split[sign == 0] = np.nan
    return _nan_median3(split)


def _running_sum(x: np.ndarray, window: int) -> np.ndarray:
    """(len(x),) sums over `window` rows centred on each (zeros beyond the ends), also when x is shorter."""
    start = (window - 1) // 2
    return np.convolve(x, np.ones(window), mode="full")[start : start + len(x)]


def _nan_median3(x: np.ndarray) -> np.ndarray:
    finite = np.isfinite(x)
    filled = median_filter(np.where(finite, x, 0.0), size=3, mode="nearest")
    return np.where(finite, filled, np.nan)


def _vertex_time(t: np.ndarray, y: np.ndarray, k: int) -> float:
    """Time of a peak at row k, refined by the parabola through k-1, k, k+1."""
    a, b, c = y[k - 1], y[k], y[k + 1]
    denom = a - 2 * b + c
    offset = 0.0 if denom >= 0 else float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))
    if offset >= 0:
        return float(t[k] + offset * (t[k + 1] - t[k]))
    return float(t[k] + offset * (t[k] - t[k - 1]))
