"""The old hip-heel peak picker, re-implemented from its description as the comparison point.

The systems this project grew from found footsteps like this (issue 3): sample the pose
track at 10 fps; per foot, take the hip-heel distance in the image and min-max normalise
it over the whole track; a touchdown is a peak of that curve (the leg is longest when the
heel lands in front of the body), found with scipy's find_peaks at height 0.1, prominence
0.05 and a distance of 5 samples; then make left and right alternate. It knows one gait
(walking, seen from the side) and has no notion of confidence, which is what the new
detector is measured against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from foleystudio.timebase import nearest_frame
from foleystudio.vision.contacts import ContactEvent, ContactEvents
from foleystudio.vision.landmarks import FOOT
from foleystudio.vision.pose import Poses, PoseTrack


@dataclass(frozen=True)
class BaselineConfig:
    sample_fps: float = 10.0  # the old system looked at 10 frames per second
    distance: str = "euclidean"  # hip-heel distance in the image plane; "vertical": heel y - hip y
    peak_height: float = 0.1  # find_peaks height on the 0..1 normalised curve (old setting)
    peak_prominence: float = 0.05  # old setting
    peak_distance: int = 5  # samples at sample_fps, i.e. 0.5 s between peaks of one foot (old setting)
    alternate: bool = True  # keep one peak per run of same-foot peaks (the highest)


def baseline_contacts(poses: Poses, *, config: BaselineConfig = BaselineConfig()) -> ContactEvents:
    """Touchdowns of every tracked person by the old hip-heel peak picker."""
    if config.distance not in ("euclidean", "vertical"):
        raise ValueError(f"BaselineConfig.distance must be 'euclidean' or 'vertical', got {config.distance!r}")
    events: list[ContactEvent] = []
    for track in poses.tracks:
        events.extend(_track_contacts(track, poses.width, poses.height, config))
    events.sort(key=lambda e: (e.t_s, e.person, e.foot))
    return ContactEvents(events=tuple(events))


def sample_indices(t_s: np.ndarray, sample_fps: float) -> np.ndarray:
    """Indices into a track's frames nearest a regular grid at `sample_fps` (exact under VFR)."""
    if not len(t_s):
        return np.zeros(0, dtype=np.int64)
    n = int(np.floor((t_s[-1] - t_s[0]) * sample_fps + 1e-9)) + 1
    grid_s = t_s[0] + np.arange(n) / sample_fps
    return np.unique([nearest_frame(t_s, float(t)) for t in grid_s]).astype(np.int64)


def hip_heel_distance(track: PoseTrack, foot: str, distance: str = "euclidean") -> np.ndarray:
    """(n,) hip-heel distance in display pixels for every frame of the track (NaN where unseen)."""
    hip = track.image[:, FOOT[foot]["hip"], :2].astype(np.float64)
    heel = track.image[:, FOOT[foot]["heel"], :2].astype(np.float64)
    if distance == "vertical":
        return heel[:, 1] - hip[:, 1]  # image y grows downwards: larger = heel further below the hip
    return np.hypot(*(heel - hip).T)


def normalise(signal: np.ndarray) -> np.ndarray | None:
    """Fill gaps linearly, then min-max to 0..1; None when there is nothing to pick from."""
    valid = np.isfinite(signal)
    if valid.sum() < 3:
        return None
    x = np.arange(len(signal))
    filled = np.interp(x, x[valid], signal[valid])
    span = filled.max() - filled.min()
    if span <= 0:
        return None
    return (filled - filled.min()) / span


def _track_contacts(track: PoseTrack, width: int, height: int, config: BaselineConfig) -> list[ContactEvent]:
    idx = sample_indices(track.t_s, config.sample_fps)
    peaks: list[tuple[int, str, float, float]] = []  # (sample index, foot, height, prominence)
    for foot in ("left", "right"):
        curve = normalise(hip_heel_distance(track, foot, config.distance)[idx])
        if curve is None:
            continue
        found, props = find_peaks(
            curve, height=config.peak_height, prominence=config.peak_prominence, distance=config.peak_distance
        )
        heights, prominences = props["peak_heights"], props["prominences"]
        peaks.extend((int(k), foot, float(h), float(p)) for k, h, p in zip(found, heights, prominences))
    peaks.sort()
    if config.alternate:
        peaks = alternate(peaks)
    return [_event(track, int(idx[k]), foot, h, p, width, height) for k, foot, h, p in peaks]


def alternate(peaks: list[tuple[int, str, float, float]]) -> list[tuple[int, str, float, float]]:
    """Left and right must alternate: of each run of consecutive same-foot peaks keep the highest."""
    kept: list[tuple[int, str, float, float]] = []
    for peak in peaks:
        if kept and kept[-1][1] == peak[1]:
            if peak[2] > kept[-1][2]:
                kept[-1] = peak
            continue
        kept.append(peak)
    return kept


def _event(
    track: PoseTrack, i: int, foot: str, height: float, prominence: float, width: int, height_px: int
) -> ContactEvent:
    heel = track.image[i, FOOT[foot]["heel"]]
    ys = track.image[i, :, 1]
    body_px = float(np.nanmax(ys) - np.nanmin(ys)) if np.isfinite(ys).any() else float("nan")
    return ContactEvent(
        t_s=float(track.t_s[i]),
        frame=int(track.frames[i]),
        person=track.person,
        foot=foot,
        kind="step",
        confidence=float(height),  # the old picker had none; the normalised peak height stands in
        strength=float(min(1.0, prominence)),
        x=float(heel[0]) / width if width else float("nan"),
        y=float(heel[1]) / height_px if height_px else float("nan"),
        body_px=body_px,
    )
