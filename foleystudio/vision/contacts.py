"""Foot contacts from pose tracks: when each foot meets the ground.

The physics: a foot in swing moves fast in the picture; at touchdown the first part of
the foot to land (heel when walking, forefoot when sprinting) stops and stays put for
the stance. So per foot we follow the slower of heel and toe (forward difference, in
leg lengths per second so it does not depend on distance or resolution), cut the track
into swing and stance with hysteresis, and call the first stopped frame after a swing a
touchdown. The arrival time inside the last frame interval is interpolated from the
approach speed. A foot that stops in the air (raised leg) is rejected by its height
above the other foot in MediaPipe's metric world landmarks. MediaPipe sometimes swaps
left and right in side views; the swaps are undone first by motion continuity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.vision.feet import FootSignals, foot_signals
from foleystudio.vision.pose import Poses, PoseTrack

KINDS = ("step", "landing", "scuff")
FEET = ("left", "right", "unknown")


@dataclass(frozen=True)
class ContactEvent:
    t_s: float  # seconds from the first video frame (picture time of the touchdown)
    frame: int  # 0-based index of the video frame nearest t_s
    person: int
    foot: str  # one of FEET
    kind: str  # one of KINDS
    confidence: float  # 0..1: how sure the detector is this contact is real and well timed
    strength: float  # 0..1: how hard the foot lands (approach speed, normalised)
    x: float  # normalised horizontal position of the foot in the frame, 0 = left edge
    y: float  # normalised vertical position, 0 = top edge
    body_px: float  # apparent body height in display pixels around the contact (for distance)


@dataclass(frozen=True)
class ContactEvents:
    events: tuple[ContactEvent, ...]  # sorted by time

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


@dataclass(frozen=True)
class ContactConfig:
    swing_speed: float = 1.6  # leg lengths/s a foot must exceed to be in the air (walking swing peaks ~4)
    stance_speed: float = 0.9  # leg lengths/s below which a foot has stopped (landmark jitter ~0.3)
    relative_swing: float = 0.3  # swing threshold also >= this share of the foot's 95th-percentile speed
    max_height_m: float = 0.10  # a stopped foot higher than this above the lower foot is in the air
    min_stance_s: float = 0.05  # stopped for at least this long (sprint contacts last ~0.1 s)
    min_interval_s: float = 0.18  # same foot cannot land twice faster (sprint cadence ~5 steps/s per both feet)
    landing_window_s: float = 0.07  # left and right down within two frames at 30 fps: a two-footed landing
    min_visibility: float = 0.3  # landmarks less visible than this are not trusted for timing
    min_confidence: float = 0.0  # events below this confidence are dropped (the CLI's --min-confidence)
    strength_speed: float = 6.0  # approach speed (leg lengths/s) that counts as full strength


def detect_contacts(poses: Poses, *, config: ContactConfig = ContactConfig()) -> ContactEvents:
    """Touchdowns of every foot of every tracked person, sorted by time."""
    events: list[ContactEvent] = []
    for track in poses.tracks:
        events.extend(_track_contacts(track, poses.width, poses.height, config))
    events.sort(key=lambda e: (e.t_s, e.person, e.foot))
    return ContactEvents(tuple(e for e in events if e.confidence >= config.min_confidence))


def _track_contacts(track: PoseTrack, width: int, height: int, config: ContactConfig) -> list[ContactEvent]:
    if track.present.sum() < 3:
        return []
    signals = foot_signals(track)
    found: list[ContactEvent] = []
    for foot in ("left", "right"):
        found.extend(_foot_contacts(track, signals, foot, width, height, config))
    return _mark_landings(_thin(found, config), config)


def _foot_contacts(
    track: PoseTrack, sig: FootSignals, foot: str, width: int, height: int, config: ContactConfig
) -> list[ContactEvent]:
    speed = sig.speed[foot]  # (n,) leg lengths/s, forward difference; NaN when unseen
    finite = speed[np.isfinite(speed)]
    if finite.size < 3:
        return []
    swing = max(config.swing_speed, config.relative_swing * float(np.percentile(finite, 95)))
    stance = min(config.stance_speed, 0.6 * swing)
    t = track.t_s
    events = []
    airborne = False
    peak = 0.0
    n = len(t)
    for k in range(n):
        s = speed[k]
        if not np.isfinite(s):
            airborne = False  # lost: do not invent a touchdown on reappearance
            continue
        if s > swing:
            airborne = True
            peak = max(peak, s)
            continue
        if not (airborne and s < stance):
            continue
        airborne = False
        stance_end = k
        while stance_end + 1 < n and np.isfinite(speed[stance_end + 1]) and speed[stance_end + 1] < swing:
            stance_end += 1
        if t[min(stance_end + 1, n - 1)] - t[k] < config.min_stance_s:
            peak = 0.0
            continue
        height_m = sig.height_m[foot][k]
        if np.isfinite(height_m) and height_m > config.max_height_m:
            peak = 0.0
            continue
        events.append(_event(track, sig, foot, k, peak, swing, width, height, config))
        peak = 0.0
    return events


def _event(
    track: PoseTrack, sig: FootSignals, foot: str, k: int, peak: float, swing: float, width: int, height: int,
    config: ContactConfig,
) -> ContactEvent:
    t = track.t_s
    t_touch = float(t[k])
    if k >= 1 and np.isfinite(sig.approach[foot][k - 1]):
        # The foot covered the last gap at its approach speed: arrival inside the interval.
        dt = float(t[k] - t[k - 1])
        gap = sig.gap[foot][k]
        v_in = sig.approach[foot][k - 1]
        frac = min(1.0, gap / v_in / dt) if v_in > 0 else 1.0
        t_touch = float(t[k - 1] + frac * dt)
    vis = float(sig.visibility[foot][k])
    sharpness = min(1.0, peak / (2.0 * swing))
    height_term = 1.0
    if np.isfinite(sig.height_m[foot][k]):
        height_term = 1.0 - min(1.0, max(0.0, sig.height_m[foot][k]) / config.max_height_m) * 0.5
    confidence = float(np.clip(vis, 0.0, 1.0) * (0.5 + 0.5 * sharpness) * height_term)
    if vis < config.min_visibility:
        confidence *= 0.5
    x_px, y_px = sig.position[foot][k]
    frame = int(track.frames[int(np.argmin(np.abs(t - t_touch)))])
    return ContactEvent(
        t_s=round(t_touch, 6),
        frame=frame,
        person=track.person,
        foot=foot,
        kind="step",
        confidence=round(confidence, 3),
        strength=round(float(np.clip(peak / config.strength_speed, 0.05, 1.0)), 3),
        x=round(float(np.clip(x_px / width, 0, 1)), 4),
        y=round(float(np.clip(y_px / height, 0, 1)), 4),
        body_px=round(float(sig.body_px[k]), 1),
    )


def _thin(events: list[ContactEvent], config: ContactConfig) -> list[ContactEvent]:
    """Same foot twice within min_interval_s: keep the more confident."""
    kept: list[ContactEvent] = []
    for e in sorted(events, key=lambda e: (e.foot, e.t_s)):
        if kept and kept[-1].foot == e.foot and e.t_s - kept[-1].t_s < config.min_interval_s:
            if e.confidence > kept[-1].confidence:
                kept[-1] = e
            continue
        kept.append(e)
    return sorted(kept, key=lambda e: e.t_s)


def _mark_landings(events: list[ContactEvent], config: ContactConfig) -> list[ContactEvent]:
    """A left and a right touchdown within landing_window_s of each other: a two-footed landing."""
    out = list(events)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.foot != b.foot and b.t_s - a.t_s <= config.landing_window_s:
            out[i] = _replace_kind(a, "landing")
            out[i + 1] = _replace_kind(b, "landing")
    return out


def _replace_kind(e: ContactEvent, kind: str) -> ContactEvent:
    from dataclasses import replace

    return replace(e, kind=kind)
