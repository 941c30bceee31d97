"""The body's other audible events: claps, slaps, falls, sit-downs, kneels, and impacts seen in motion.

Everything is measured in body heights (per second), so it holds at any distance and
resolution; under a moving camera, positions are first mapped into the shot's first
frame (vision.camera), as contact detection does for the feet.

- clap: the two hands (wrist and index finger) close fast and meet: their distance
  reaches a minimum under `meet_distance` (also in the metric world landmarks when they
  are known, so hands passing at different depths are not a meeting), with the hands
  back on their own sides afterwards (crossed arms swap them). Timed where the closing
  hands reach the meeting distance at their approach speed, between frames.
- slap: a hand moving fast relative to the thigh that stops dead against it.
- fall, sit, kneel: the hip midpoint comes down fast and stops, and stays: it arrives
  at `sit_speed` or more (a slow squat glides to its bottom), the legs fold under it
  (the hip comes down towards the ankles: a jump's whole body comes down together) and
  it then rests. A fall is a big drop that arrives fast; a kneel is one that rests with
  a knee at ankle level; the rest are sit-downs. A jump's landing is the footsteps
  layer's: a landing contact within `landing_window_s` drops the event.
- hit, impact: `vision.motion`'s impacts. One at a person's hand is that person's hit
  (unless a clap or slap already has it); at their feet near a contact of theirs it is
  the footstep (dropped); on the rest of their body it is their movement (dropped,
  the moves layer's); anywhere else it is an impact of no person.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, median_filter

from foleystudio.timebase import frame_rate, nearest_frame, video_frame_at
from foleystudio.vision.camera import apply, is_moving
from foleystudio.vision.contacts import ContactEvents
from foleystudio.vision.feet import LEG_TO_BODY
from foleystudio.vision.landmarks import FOOT, LEFT_HIP, LEFT_SHOULDER, RIGHT_HIP, RIGHT_SHOULDER
from foleystudio.vision.motion import MotionEvent, MotionEvents
from foleystudio.vision.pose import Poses, PoseTrack

KINDS = ("clap", "hit", "fall", "sit", "kneel", "slap", "impact")
HANDS = {"left": (15, 19), "right": (16, 20)}  # wrist, index finger
HAND_POINTS = (15, 16, 17, 18, 19, 20, 21, 22)
FOOT_POINTS = (27, 28, 29, 30, 31, 32)
TORSO_TO_BODY = 1 / 0.288  # stature / shoulder-to-hip height (Drillis & Contini: shoulder 0.818, hip 0.530)


@dataclass(frozen=True)
class ActionEvent:
    t_s: float  # seconds from the first video frame (picture time of the impact)
    frame: int  # index of the video frame nearest t_s
    kind: str  # one of KINDS
    person: int  # the person's id, -1 for an impact of no person
    x: float  # normalised position of the sound in the frame, 0 = left edge
    y: float  # 0 = top edge
    strength: float  # 0..1: how hard
    confidence: float  # 0..1: how sure the detector is it happened, then
    body_px: float  # apparent body height in display pixels (distance); 0 when no person


@dataclass(frozen=True)
class ActionEvents:
    events: tuple[ActionEvent, ...]  # sorted by time

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


@dataclass(frozen=True)
class ActionConfig:
    min_visibility: float = 0.3  # landmarks seen less than this are not trusted (as contacts)
    # claps
    meet_distance: float = 0.08  # body heights (~14 cm) between the hand points (mid-palm) at the meeting: palms
    #                              together are ~4 cm apart, MediaPipe's hands on a blurred clap ~10 cm
    meet_world_m: float = 0.2  # ... and at most this in the world landmarks (their depth is rough, ~10 cm)
    hand_visibility: float = 0.5  # both hands seen at least this well at the meeting (MediaPipe's "probably seen")
    clap_speed: float = 0.6  # body heights/s (~1 m/s) the hands must close at: a soft clap closes at ~1.5 m/s
    clap_window_s: float = 0.25  # the approach is looked for over this long before the meeting
    clap_travel: float = 0.06  # body heights the distance must shrink by over that window (~10 cm)
    clap_rearm: float = 0.04  # body heights the hands must part by before they can clap again
    clap_full_speed: float = 3.0  # body heights/s (~5 m/s) closing speed that is full strength
    # slaps
    slap_speed: float = 1.5  # body heights/s (~2.6 m/s) a hand must move at relative to the thigh
    slap_sustain: float = 0.7  # ... not slower than this share of the interval before (a hit arrives at full speed;
    #                            the slack is landmark jitter, ~0.15 body heights/s)
    slap_stop_ratio: float = 0.3  # ... and then at most this share of it: it stopped dead
    slap_distance: float = 0.07  # body heights (~12 cm: half a thigh's depth and a hand) from the hip-knee line,
    #                              after coming from at least twice as far
    slap_visibility: float = 0.6  # the hand must be seen this well (MediaPipe: ~0.5 for a hand behind the body)
    # falls, sit-downs, kneels
    move_speed: float = 0.2  # body heights/s of the hip that is moving (a walk's bob is ~0.05, a run's ~0.3)
    sit_speed: float = 0.35  # body heights/s (~0.6 m/s) the hip must still have when it arrives (a slow squat's
    #                          last 0.1 s is under 0.15; dropping onto a chair ~0.6-1)
    sit_drop: float = 0.12  # body heights (~20 cm) the hip must come down by (a chair from standing: ~0.25)
    fall_drop: float = 0.3  # body heights (~50 cm): hip from standing to the floor is ~0.45
    fall_speed: float = 1.0  # body heights/s (~1.75 m/s) at arrival; a free fall from hip height ends at ~2.4
    min_fold: float = 0.08  # body heights the hip must come closer to the ankles by: the legs fold under it
    kneel_height: float = 0.06  # body heights: a knee this close to its ankle's level (or lower) is down
    arrive_window_s: float = 0.1  # the arrival speed is the mean over this long before the stop
    still_s: float = 0.25  # the hip must then rest this long (a jump's crouch comes straight back up) ...
    still_band: float = 0.025  # ... within this many body heights (~4 cm) of where it came to rest: 5x the
    #                            jitter of the hips' midpoint at twice MediaPipe's usual (1.2 % of a leg a landmark)
    landing_window_s: float = 0.1  # a landing contact of the person this close: the footsteps layer has it
    # impacts from motion (vision.motion)
    hand_radius: float = 0.1  # body heights around a hand point where an impact is that hand's
    foot_radius: float = 0.12  # ... around a foot point: that foot's
    body_radius: float = 0.08  # ... around a limb, the torso or the head: the body moving (the moves layer's)
    contact_window_s: float = 0.15  # a foot impact this close to a contact of the person is that footstep
    merge_window_s: float = 0.12  # an impact at a hand this close to the person's clap or slap is that event
    edge_margin: float = 0.08  # share of the frame's width or height: an impact of no one this close to an edge is
    #                            something leaving the picture (its motion stops where it can no longer be seen;
    #                            a sprinter running out of hato_a3's frame read as an impact at x = 0.05)
    min_confidence: float = 0.0  # events below this confidence are dropped


def detect_actions(
    poses: Poses, motion: MotionEvents | None, *, contacts: ContactEvents | None = None,
    config: ActionConfig = ActionConfig(),
) -> ActionEvents:
    """Claps, slaps, falls, sit-downs and kneels of every tracked person, and impacts seen in motion."""
    moving = poses.camera is not None and is_moving(poses.camera, poses.width, poses.height)
    landings = [c for c in (contacts or ()) if c.kind == "landing"]
    events: list[ActionEvent] = []
    for track in poses.tracks:
        if track.present.sum() < 3:
            continue
        to_ground = poses.camera_of(track) if moving else None
        body = _Body(track, poses.width, poses.height, to_ground, config)
        mine = _claps(body, config) + _slaps(body, config) + _drops(body, config)
        events += [e for e in mine if not _is_landing(e, landings, config)]
    events += _motion_impacts(motion, poses, events, contacts, config)
    events.sort(key=lambda e: (e.t_s, e.person, e.kind))
    return ActionEvents(tuple(e for e in events if e.confidence >= config.min_confidence))


class _Body:
    """One track: its points in display px (in the ground frame, and as pictured), its body size and times."""

    def __init__(self, track: PoseTrack, width: int, height: int, to_ground: np.ndarray | None, config: ActionConfig):
        self.track, self.width, self.height = track, width, height
        self.t = track.t_s
        xy = track.image[:, :, :2].astype(np.float64)
        self.picture = xy  # display px, for where the sound is
        self.ground = apply(to_ground, xy) if to_ground is not None else xy
        self.seen = track.visibility >= config.min_visibility
        self.body_px = body_size_px(track, config.min_visibility)
        self.world = track.world.astype(np.float64)

    def point(self, ix: tuple[int, ...] | int, *, picture: bool = False) -> np.ndarray:
        """(n, 2) mean of the seen landmarks `ix` (NaN where none is seen), display px."""
        src = self.picture if picture else self.ground
        ix = (ix,) if isinstance(ix, int) else ix
        pts = np.where(self.seen[:, ix, None], src[:, ix], np.nan)
        with _quiet():
            return np.nanmean(pts, axis=1)

    def event(self, t_s: float, kind: str, row: int, where: np.ndarray, strength: float,
              confidence: float) -> ActionEvent:
        x, y = where
        x = float(np.clip(x / self.width, 0, 1)) if np.isfinite(x) else 0.5
        y = float(np.clip(y / self.height, 0, 1)) if np.isfinite(y) else 0.5
        return ActionEvent(
            t_s=round(float(t_s), 6), frame=video_frame_at(self.track.frames, self.t, t_s), kind=kind,
            person=self.track.person, x=round(x, 4), y=round(y, 4),
            strength=round(float(np.clip(strength, 0.05, 1)), 3),
            confidence=round(float(np.clip(confidence, 0, 1)), 3), body_px=round(float(self.body_px[row]), 1),
        )


def body_size_px(track: PoseTrack, min_visibility: float = 0.3) -> np.ndarray:
    """(n,) the person's standing height in display px: from the legs or the torso, whichever is longer.

    Each frame's estimate is the larger of leg length x LEG_TO_BODY and shoulder-to-hip x
    TORSO_TO_BODY (a seated or cropped person has a torso; a bent one has legs); the
    largest over a second either side (a fall or a bow foreshortens both for a while).
    """
    img, vis = track.image[:, :, :2].astype(np.float64), track.visibility
    seen = vis >= min_visibility
    legs = []
    for ix in FOOT.values():
        ok = seen[:, ix["hip"]] & seen[:, ix["knee"]] & seen[:, ix["ankle"]]
        length = (np.linalg.norm(img[:, ix["hip"]] - img[:, ix["knee"]], axis=1)
                  + np.linalg.norm(img[:, ix["knee"]] - img[:, ix["ankle"]], axis=1))
        legs.append(np.where(ok, length, np.nan))
    shoulders = 0.5 * (img[:, LEFT_SHOULDER] + img[:, RIGHT_SHOULDER])
    hips = 0.5 * (img[:, LEFT_HIP] + img[:, RIGHT_HIP])
    torso = np.linalg.norm(shoulders - hips, axis=1)
    with _quiet():
        est = np.nanmax(np.stack([legs[0] * LEG_TO_BODY, legs[1] * LEG_TO_BODY, torso * TORSO_TO_BODY]), axis=0)
    finite = np.isfinite(est)
    if not finite.any():
        return np.ones(len(track))
    est = np.interp(np.arange(len(est)), np.flatnonzero(finite), est[finite])
    t = track.t_s
    fps = frame_rate(t)
    est = median_filter(est, size=5, mode="nearest")
    return np.maximum(maximum_filter1d(est, size=2 * round(fps) + 1, mode="nearest"), 1.0)


# ---------------------------------------------------------------------------------------------- claps


def _claps(b: _Body, cfg: ActionConfig) -> list[ActionEvent]:
    left, right = b.point(HANDS["left"]), b.point(HANDS["right"])
    gap_px = left - right
    d = np.linalg.norm(gap_px, axis=1) / b.body_px
    world = np.linalg.norm(b.world[:, list(HANDS["left"])].mean(axis=1) - b.world[:, list(HANDS["right"])].mean(axis=1),
                           axis=1)
    t = b.t
    out: list[ActionEvent] = []
    together = False  # after a clap, until the hands part again
    n = len(d)
    for k in range(2, n):
        if not np.isfinite(d[k]):
            continue
        if together:
            together = d[k] <= cfg.meet_distance + cfg.clap_rearm
            continue
        if d[k] > cfg.meet_distance or (k + 1 < n and d[k + 1] < d[k]):
            continue  # apart, or not yet the closest frame of the meeting
        rows = np.flatnonzero((t > t[k] - cfg.clap_window_s) & (t <= t[k]))
        if rows.size < 2 or not np.isfinite(d[rows]).all():
            continue
        closing = -np.diff(d[rows]) / np.diff(t[rows])
        if closing.max() < cfg.clap_speed or d[rows].max() - d[k] < cfg.clap_travel:
            continue  # they drifted together: no clap
        if np.isfinite(world[k]) and world[k] > cfg.meet_world_m:
            continue  # far apart in depth: passing, not meeting
        if b.track.visibility[k, [15, 16, 19, 20]].min() < cfg.hand_visibility or not _inside(b, HAND_POINTS[:6], k):
            continue  # a hand hidden or out of the picture: MediaPipe guesses it, often onto the other one
        if _swapped(gap_px, k):
            continue  # the hands crossed over: arms folding, not a clap
        t_meet = _arrival(t, d, k, rest=d[k])
        where = 0.5 * (b.point(HANDS["left"], picture=True)[k] + b.point(HANDS["right"], picture=True)[k])
        vis = float(np.min(b.track.visibility[rows][:, [15, 16]]))
        sharp = min(1.0, float(closing.max()) / max(2 * cfg.clap_speed, 1e-6))
        depth = 1.0 if np.isfinite(world[k]) else 0.7
        out.append(b.event(t_meet, "clap", k, where, np.sqrt(closing.max() / cfg.clap_full_speed),
                           vis * (0.5 + 0.5 * sharp) * depth))
        together = True
    return out


def _inside(b: _Body, ix: tuple[int, ...], k: int, margin: float = 0.01) -> bool:
    """Landmarks `ix` of row k are in the picture, `margin` of its size in from the edges."""
    x, y = b.picture[k, list(ix), 0], b.picture[k, list(ix), 1]
    return bool(np.all((x >= margin * b.width) & (x <= (1 - margin) * b.width)
                       & (y >= margin * b.height) & (y <= (1 - margin) * b.height)))


def _swapped(gap_px: np.ndarray, k: int, span: int = 3) -> bool:
    """The left hand's side of the right one flipped from `span` frames before k to `span` after: they crossed."""
    before, after = gap_px[max(k - span, 0)], gap_px[min(k + span, len(gap_px) - 1)]
    if not (np.isfinite(before).all() and np.isfinite(after).all()):
        return False
    return float(after @ before) < 0.0


def _arrival(t: np.ndarray, y: np.ndarray, k: int, *, rest: float, full_share: float = 0.7) -> float:
    """When y, travelling at its approach speed, reached its rest level `rest` (by frame k).

    The approach speed is the second fastest over the few intervals before k; the last frame still
    moving at least `full_share` of it is the last one seen on the way, and the time it
    needed from there at that speed, within the interval that follows, is the arrival. A
    stop part-way through an interval only shows as a shorter last step: it is timed there.
    """
    lo = max(1, k - 4)
    rows = np.arange(lo, k + 1)
    if not np.isfinite(y[lo - 1 : k + 1]).all():
        return float(t[k])
    sign = 1.0 if rest >= y[lo - 1] else -1.0
    speed = sign * (y[rows] - y[rows - 1]) / (t[rows] - t[rows - 1])
    v_full = float(np.sort(speed)[-2]) if speed.size > 2 else float(speed.max())  # one jittered step is no speed
    if v_full <= 0:
        return float(t[k])
    j = int(rows[np.flatnonzero(speed >= full_share * v_full)[-1]])
    if j + 1 >= len(t):
        return float(t[j])
    return float(t[j] + np.clip(sign * (rest - y[j]) / v_full, 0.0, t[j + 1] - t[j]))


# ---------------------------------------------------------------------------------------------- slaps


def _slaps(b: _Body, cfg: ActionConfig) -> list[ActionEvent]:
    """A well-seen hand that comes at the thigh fast for a few frames, at full speed, and stops dead on it."""
    out: list[ActionEvent] = []
    t = b.t
    hips = {"left": b.point(23), "right": b.point(24)}
    knees = {"left": b.point(25), "right": b.point(26)}
    for side, ix in HANDS.items():
        hand = b.point(ix)
        rel = (hand - 0.5 * (hips[side] + knees[side])) / b.body_px[:, None]
        v = np.full(len(t), np.nan)
        v[1:] = np.linalg.norm(np.diff(rel, axis=0), axis=1) / np.diff(t)  # the interval ending at each row
        near = np.array([min(_to_segment(hand[k], hips[s][k], knees[s][k]) for s in ("left", "right"))
                         for k in range(len(t))]) / b.body_px
        seen = b.track.visibility[:, list(ix)].min(axis=1)
        last = -np.inf
        for k in range(3, len(t) - 2):
            early, prev, here, u1, u2 = v[k - 2 : k + 3]
            if not np.isfinite([early, prev, here, u1, u2]).all() or t[k] - last < 0.2:
                continue
            if min(prev, here) < cfg.slap_speed or early < 0.5 * cfg.slap_speed or here < cfg.slap_sustain * prev:
                continue  # not fast for long enough (one jittered frame), or already braking (a muscle stop)
            approach = 0.5 * (prev + here)
            if u1 <= cfg.slap_stop_ratio * approach and u2 <= 2 * cfg.slap_stop_ratio * approach:
                phi = 0.0  # stopped at the end of interval k, and stays
            elif u1 <= 0.9 * approach and u2 <= cfg.slap_stop_ratio * approach:
                phi = u1 / approach  # stopped part-way through the next one
            else:
                continue
            row = k + 1 if phi > 0.5 else k
            if not (near[row] <= cfg.slap_distance and near[k - 2] - near[row] >= cfg.slap_distance):
                continue  # it did not come at the thigh and end on it
            vis = float(np.min(seen[k - 2 : k + 2]))
            if vis < cfg.slap_visibility:
                continue  # a hidden hand's landmarks jump about
            t_hit = t[k] + phi * (t[k + 1] - t[k])
            stopped = 1.0 - max(u1 if phi == 0 else u2, 0.0) / approach
            out.append(b.event(t_hit, "slap", row, b.point(ix, picture=True)[row],
                               np.sqrt(approach / (2 * cfg.slap_speed)), vis * stopped))
            last = t_hit
    return out


def _to_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Distance from p to the segment a-b (NaN if any is unseen)."""
    ab = b - a
    u = float(np.clip((p - a) @ ab / max(float(ab @ ab), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(p - (a + u * ab)))


# ---------------------------------------------------------------------------------------------- falls


def _drops(b: _Body, cfg: ActionConfig) -> list[ActionEvent]:
    """The hip coming down fast, the legs folding under it, and resting: fall, kneel or sit."""
    t = b.t
    hip = b.point((LEFT_HIP, RIGHT_HIP))
    y = hip[:, 1] / b.body_px  # body heights, down is up
    ankles = b.point((27, 28))[:, 1] / b.body_px
    vy = np.full(len(t), np.nan)
    vy[1:] = np.diff(y) / np.diff(t)  # the interval ending at each row
    moving = np.nan_to_num(vy, nan=0.0) > cfg.move_speed
    out: list[ActionEvent] = []
    k = 1
    while k < len(t):
        if not moving[k]:
            k += 1
            continue
        a = k
        while k < len(t) and moving[k]:
            k += 1
        s = k  # first row whose interval is not moving down: the hip arrived during it
        if out and t[a] - out[-1].t_s < cfg.still_s:
            continue  # the hip resting after the last one (a jittered frame reads as a little drop)
        scale = b.body_px / b.body_px[a - 1]  # one body size through the event (a bent body reads smaller)
        event = _drop_event(b, cfg, y * scale, vy, ankles * scale, a, s)
        if event is not None:
            out.append(event)
    return out


def _drop_event(b: _Body, cfg: ActionConfig, y, vy, ankles, a: int, s: int) -> ActionEvent | None:
    t = b.t
    rest = (t >= t[min(s, len(t) - 1)]) & (t <= t[min(s, len(t) - 1)] + cfg.still_s)
    rest_rows = np.flatnonzero(rest)
    if s >= len(t) or t[rest_rows[-1]] - t[s] < 0.8 * cfg.still_s:
        return None  # the track ends before we can tell it rests
    y_rest = float(np.median(y[rest_rows[:3]]))
    if not np.isfinite(y[rest_rows]).all() or np.abs(y[rest_rows] - y_rest).max() > cfg.still_band:
        return None  # it does not rest (a jump's crouch goes back up, a stagger goes on)
    start = np.flatnonzero((t >= t[a] - 0.3) & (t <= t[a]))
    y_top = float(np.nanmin(y[start])) if np.isfinite(y[start]).any() else np.nan
    drop = y_rest - y_top
    arrive = (t > t[s - 1] - cfg.arrive_window_s) & (t <= t[s - 1])
    arrive_speed = float(np.nanmean(vy[arrive])) if np.isfinite(vy[arrive]).any() else 0.0
    if not (drop >= cfg.sit_drop and arrive_speed >= cfg.sit_speed):
        return None
    fold = _fold(y, ankles, start, rest_rows)
    if np.isfinite(fold) and fold < cfg.min_fold:
        return None  # the whole body came down together: a jump's flight, a camera tilt
    if drop >= cfg.fall_drop and arrive_speed >= cfg.fall_speed:
        kind = "fall"
    elif _knee_down(b, rest_rows, cfg):
        kind = "kneel"
    else:
        kind = "sit"
    t_stop = _arrival(t, y, s, rest=y_rest)
    where = b.point((LEFT_HIP, RIGHT_HIP), picture=True)[s]
    seen = float(np.nanmin(b.track.visibility[a : s + 1][:, [LEFT_HIP, RIGHT_HIP]]))
    sure = seen * (1.0 if np.isfinite(fold) else 0.6) * min(1.0, arrive_speed / max(2 * cfg.sit_speed, 1e-6))
    strength = np.sqrt(arrive_speed / (2.0 * cfg.fall_speed)) * min(1.0, drop / cfg.fall_drop) ** 0.5
    return b.event(t_stop, kind, s, where, strength, sure)


def _fold(y: np.ndarray, ankles: np.ndarray, start: np.ndarray, rest: np.ndarray) -> float:
    """How much closer the hip came to the ankles (body heights); NaN when the ankles are not seen."""
    before, after = ankles[start] - y[start], ankles[rest] - y[rest]
    if not (np.isfinite(before).any() and np.isfinite(after).any()):
        return float("nan")
    return float(np.nanmedian(before) - np.nanmedian(after))


def _knee_down(b: _Body, rows: np.ndarray, cfg: ActionConfig) -> bool:
    for ix in FOOT.values():
        knee, ankle = b.point(ix["knee"])[rows, 1], b.point(ix["ankle"])[rows, 1]
        gap = (ankle - knee) / b.body_px[rows]  # how far the knee is above its ankle
        if np.isfinite(gap).any() and float(np.nanmedian(gap)) <= cfg.kneel_height:
            return True
    return False


def _is_landing(e: ActionEvent, landings, cfg: ActionConfig) -> bool:
    if e.kind not in ("fall", "sit", "kneel"):
        return False
    return any(c.person == e.person and abs(c.t_s - e.t_s) <= cfg.landing_window_s for c in landings)


# ---------------------------------------------------------------------------------------------- motion


def _motion_impacts(motion: MotionEvents | None, poses: Poses, found: list[ActionEvent],
                    contacts: ContactEvents | None, cfg: ActionConfig) -> list[ActionEvent]:
    """Impacts from vision.motion, given to the person whose hand made them or to nobody."""
    if motion is None:
        return []
    sizes = {tr.person: body_size_px(tr, cfg.min_visibility) for tr in poses.tracks}
    out = []
    for m in motion:
        owner, part = _whose(m, poses, sizes, cfg)
        if part == "body":
            continue  # a person's own movement stopping: the moves layer's
        if part == "foot" and any(c.person == owner and abs(c.t_s - m.t_s) <= cfg.contact_window_s
                                  for c in (contacts or ())):
            continue  # the footstep
        if part == "hand" and any(e.person == owner and e.kind in ("clap", "slap")
                                  and abs(e.t_s - m.t_s) <= cfg.merge_window_s for e in found):
            continue  # the same clap or slap, seen twice
        if part == "none" and min(m.x, 1.0 - m.x, m.y, 1.0 - m.y) < cfg.edge_margin:
            continue  # leaving the picture, not stopping
        kind = "hit" if part == "hand" else "impact"
        track = next((tr for tr in poses.tracks if tr.person == owner), None)
        body_px = float(sizes[owner][nearest_frame(track.t_s, m.t_s)]) if track is not None else 0.0
        out.append(ActionEvent(t_s=m.t_s, frame=m.frame, kind=kind, person=owner, x=m.x, y=m.y,
                               strength=m.strength, confidence=m.confidence, body_px=round(body_px, 1)))
    return out


def _whose(m: MotionEvent, poses: Poses, sizes: dict[int, np.ndarray], cfg: ActionConfig) -> tuple[int, str]:
    """(person, "hand" | "foot" | "body") nearest the impact, or (-1, "none") when it is on nobody."""
    p = np.array([m.x * poses.width, m.y * poses.height])
    best = (-1, "none", np.inf)
    for tr in poses.tracks:
        k = nearest_frame(tr.t_s, m.t_s)
        if abs(tr.t_s[k] - m.t_s) > 0.1 or not tr.present[k]:
            continue
        body = float(sizes[tr.person][k])
        pts = tr.image[k, :, :2].astype(np.float64)
        seen = (tr.visibility[k] >= cfg.min_visibility) & np.isfinite(pts[:, 0])
        for part, radius, dist in (
            ("hand", cfg.hand_radius, _nearest_point(p, pts, seen, HAND_POINTS)),
            ("foot", cfg.foot_radius, _nearest_point(p, pts, seen, FOOT_POINTS)),
            ("body", cfg.body_radius, _nearest_bone(p, pts, seen)),
        ):
            share = dist / body / radius
            if share <= 1.0:
                if share < best[2]:
                    best = (tr.person, part, share)
                break
    return best[0], best[1]


BONES = ((11, 12), (23, 24), (11, 23), (12, 24), (11, 24), (12, 23), (11, 13), (13, 15), (12, 14), (14, 16),
         (23, 25), (25, 27), (24, 26), (26, 28), (0, 11), (0, 12), (7, 8))  # the torso's diagonals fill it


def _nearest_point(p: np.ndarray, pts: np.ndarray, seen: np.ndarray, ix: tuple[int, ...]) -> float:
    d = [float(np.linalg.norm(pts[i] - p)) for i in ix if seen[i]]
    return min(d, default=np.inf)


def _nearest_bone(p: np.ndarray, pts: np.ndarray, seen: np.ndarray) -> float:
    d = [_to_segment(p, pts[a], pts[b]) for a, b in BONES if seen[a] and seen[b]]
    return min(d, default=np.inf)


@contextlib.contextmanager
def _quiet():
    """All-NaN slices are expected (unseen landmarks): no RuntimeWarning for them."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
