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
    relative_stance: float = 0.12  # stance threshold rises with the gait: sprint stances jitter more
    min_excursion: float = 0.2  # leg lengths the foot must travel from lift-off: shuffles and jitter are not steps
    ground_tolerance: float = 0.04  # leg lengths above the stance's ground level that count as down
    max_refine_frames: int = 3  # how far back from the first stopped frame the touchdown may move
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
    p95 = float(np.percentile(finite, 95))
    swing = max(config.swing_speed, config.relative_swing * p95)
    stance = min(max(config.stance_speed, config.relative_stance * p95), 0.6 * swing)
    events = []
    for seg in _stances(speed, swing, stance):
        k, end = seg.start, seg.end
        t = track.t_s
        if t[min(end + 1, len(t) - 1)] - t[k] < config.min_stance_s:
            continue
        if seg.lift_off is not None:
            excursion = _excursion(sig, foot, seg.lift_off, k)
            if excursion < config.min_excursion:
                continue
        height_m = sig.height_m[foot][k]
        if np.isfinite(height_m) and height_m > config.max_height_m:
            continue
        events.append(_event(track, sig, foot, seg, swing, width, height, config))
    return events


@dataclass(frozen=True)
class _Stance:
    start: int  # first stopped frame after a swing
    end: int  # last frame before the next swing (or loss)
    lift_off: int | None  # last stopped frame before the swing, None at the start of the track
    peak: float  # fastest speed in the swing, leg lengths/s


def _stances(speed: np.ndarray, swing: float, stance: float) -> list[_Stance]:
    """Stance phases that follow a swing, with hysteresis between the two thresholds."""
    out = []
    state = "unknown"
    last_stopped = None
    swing_from = None
    peak = 0.0
    n = len(speed)
    k = 0
    while k < n:
        s = speed[k]
        if not np.isfinite(s):
            state, last_stopped, peak = "unknown", None, 0.0  # lost: no touchdown invented on reappearance
        elif s > swing:
            if state != "swing":
                swing_from = last_stopped
                peak = 0.0
            state = "swing"
            peak = max(peak, float(s))
        elif s < stance:
            if state == "swing":
                end = k
                while end + 1 < n and np.isfinite(speed[end + 1]) and speed[end + 1] <= swing:
                    end += 1
                out.append(_Stance(start=k, end=end, lift_off=swing_from, peak=peak))
                last_stopped = end
                state = "stance"
                k = end + 1
                continue
            state = "stance"
            last_stopped = k
        k += 1
    return out


def _excursion(sig: FootSignals, foot: str, lift_off: int, touch: int) -> float:
    """Farthest the foot got from where it left the ground, in leg lengths."""
    path = sig.position[foot][lift_off : touch + 1]
    d = np.linalg.norm(path - path[0], axis=1) / sig.leg_px[lift_off : touch + 1]
    return float(np.nanmax(d)) if np.isfinite(d).any() else 0.0


def _touchdown_time(track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, config: ContactConfig) -> float:
    """When the sole reached the ground level of the stance that follows (sub-frame).

    The ground under the foot is the sole's median height over the stance; going back
    from the first stopped frame, the touchdown is where the descending sole crossed
    that level (less a tolerance), interpolated between frames. Without a usable
    height profile, the arrival is interpolated from the approach speed.
    """
    t = track.t_s
    k = seg.start
    y = sig.sole[foot][:, 1]
    leg = sig.leg_px[k]
    ground = float(np.nanmedian(y[k : seg.end + 1]))
    level = ground - config.ground_tolerance * leg
    first = max(0, k - config.max_refine_frames)
    j = k
    while j - 1 >= first and np.isfinite(y[j - 1]) and y[j - 1] >= level:
        j -= 1
    if j >= 1 and np.isfinite(y[j - 1]) and np.isfinite(y[j]) and y[j] > y[j - 1]:
        frac = (level - y[j - 1]) / (y[j] - y[j - 1])
        return float(t[j - 1] + np.clip(frac, 0.0, 1.0) * (t[j] - t[j - 1]))
    if k >= 1 and np.isfinite(sig.approach[foot][k - 1]) and sig.approach[foot][k - 1] > 0:
        dt = float(t[k] - t[k - 1])
        frac = min(1.0, sig.gap[foot][k] / sig.approach[foot][k - 1] / dt)
        return float(t[k - 1] + frac * dt)
    return float(t[k])


def _event(
    track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, swing: float, width: int, height: int,
    config: ContactConfig,
) -> ContactEvent:
    t = track.t_s
    k = seg.start
    t_touch = _touchdown_time(track, sig, foot, seg, config)
    vis = float(sig.visibility[foot][k])
    sharpness = min(1.0, seg.peak / (2.0 * swing))
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
        strength=round(float(np.clip(seg.peak / config.strength_speed, 0.05, 1.0)), 3),
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
