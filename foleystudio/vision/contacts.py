"""Foot contacts from pose tracks: when each foot meets the ground.

The physics: a foot in swing moves fast in the picture; at touchdown the first part of
the foot to land (heel when walking, forefoot when sprinting) stops and stays put for
the stance. So per foot we follow the slower of heel and toe (in leg lengths per second
so it does not depend on distance or resolution), cut the track into swing and stance
with hysteresis, and take each stance that follows a real swing. A stance is refused
when the foot never really left the ground (it travelled less than `min_excursion`),
when it stopped in the air (higher than the other foot in MediaPipe's metric world
landmarks, still rising into the stop, or above the stances around it: the top of a
jump); such a stop is part of the flight, so the next one is measured from the real
lift-off. A stop that begins above the level the foot then rests at (the pause at the top
of a small hop running into its landing, a foot held up and set down slowly) begins when
the sole reaches that level. The touchdown time is when the descending sole reached the
floor level of the stance that follows and stopped gliding over it, interpolated between
frames; strength is its downward speed then. MediaPipe's left/right swaps are undone first (feet.py).

A second, independent opinion comes from the gait cycle (gait.py): the heel strike is
where the leading foot is farthest ahead of the other along the facing direction, in
the world landmarks. A touchdown both see is timed between the two and made surer; a
strike the picture missed is added when its cycle is clear (walking towards or away
from the camera, a foot hidden at the stop); a picture touchdown in the middle of a
clear stride of the same foot is kept as a doubt, at lower confidence. A strike where the
picture sees the foot swing on, faster than the other foot, is no landing (a foot that runs
out of the picture ends its track mid-stride).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from foleystudio.timebase import frame_rate, video_frame_at
from foleystudio.vision.camera import is_moving
from foleystudio.vision.feet import FootSignals, foot_signals, jitter_speed
from foleystudio.vision.gait import GaitConfig, Strike, gait_strikes
from foleystudio.vision.pose import Poses, PoseTrack
from foleystudio.vision.steady import display_jitter, resolved, steady_contacts

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
    swing_speed: float = 1.0  # leg lengths/s a foot must exceed to be in the air (walking swing peaks ~4;
    #                           walking toward the camera, foreshortened, ~1.2)
    stance_speed: float = 0.6  # leg lengths/s below which a foot has stopped (0.6% jitter reads ~0.3)
    relative_swing: float = 0.3  # swing threshold also >= this share of the foot's 95th-percentile speed
    relative_stance: float = 0.12  # stance threshold rises with the gait: sprint stances jitter more
    min_excursion: float = 0.1  # leg lengths the foot centre must travel from lift-off (an 8 cm hop is ~0.09)
    max_height_m: float = 0.10  # a stopped foot higher than this above the lower foot is in the air
    max_rise: float = 0.05  # leg lengths the sole may rise over the last frames into a stop (top of a jump)
    hover_height: float = 0.08  # leg lengths above its resting level a stopped foot is still in the air
    apex_margin: float = 0.09  # leg lengths a stance may sit above the stances before and after it
    min_stance_s: float = 0.05  # stopped for at least this long (sprint contacts last ~0.1 s)
    min_interval_s: float = 0.18  # same foot cannot land twice faster (sprint cadence ~5 steps/s per both feet)
    landing_window_s: float = 0.07  # left and right down within two frames at 30 fps: a two-footed landing
    mirror_distance: float = 0.1  # leg lengths: a left and a right landing this close are one foot drawn twice...
    mirror_visibility: float = 0.5  # ... when one of the two is seen less than this (MediaPipe copies a hidden foot)
    min_visibility: float = 0.3  # landmarks less visible than this are not trusted for timing
    min_confidence: float = 0.0  # events below this confidence are dropped (the CLI's --min-confidence)
    strength_speed: float = 3.0  # downward speed (leg lengths/s, ~2.7 m/s: a jump landing) that is full strength
    strength_swing_speed: float = 12.0  # swing peak (leg lengths/s) of a sprint, full strength
    ground_tolerance: float = 0.04  # leg lengths above the stance's floor level that count as down
    glide_tolerance: float = 0.04  # leg lengths from its resting place a foot may still be and count as down
    glide_share: float = 0.5  # ... or this share of a frame's travel at the swing's peak speed (tracking lag)
    max_refine_frames: int = 3  # how far back from the first stopped frame the touchdown may move
    gait: GaitConfig = GaitConfig()  # heel strikes from the gait cycle (vision.gait), the second opinion
    gait_window_s: float = 0.15  # a picture touchdown and a gait strike this close are the same contact
    gait_weight: float = 0.5  # share of the gait strike's time in a contact both saw
    gait_alone_swing_m: float = 0.8  # a strike the picture missed counts when its cycle swings this much
    gait_alone_confidence: float = 0.6  # ... at this confidence at most
    off_cycle_factor: float = 0.5  # confidence of a picture touchdown between the strikes of a clear gait
    scuff_clearance: float = 0.02  # leg lengths (~2 cm): a sole that never rose more than this over its path
    #                                slid along the floor: a scuff, not a step (a walking toe clears ~5 cm)
    scuffs: bool = False  # report those as kind "scuff" (opt-in); False: drop them (over the dev clips' 84
    #                       variants 9 of 30 had a true contact within 67 ms; most were a low step or jitter)
    scuff_confidence: float = 0.4  # a scuff's confidence at most: under the 0.5 that reads as sure ("check me")
    pixel_jitter: float = 1.0  # pixels of the analysed picture a landmark jitters by at least (its resolution)
    resolution_margin: float = 1.0  # a stop is told from that jitter when the stance speed is this many times the
    #                                 speed it reads; under it, the events of a person too small are less sure
    steady_draws: int = 8  # the detector runs again on this many copies of a track with pixel_jitter of noise ...
    steady_share: float = 0.5  # ... and an event found again in fewer than this share of them is dropped (steady.py)


def detect_contacts(poses: Poses, *, config: ContactConfig = ContactConfig()) -> ContactEvents:
    """Touchdowns of every foot of every tracked person, sorted by time."""
    events: list[ContactEvent] = []
    moving = poses.camera is not None and is_moving(poses.camera, poses.width, poses.height)
    for track in poses.tracks:
        to_ground = poses.camera_of(track) if moving else None
        strikes = gait_strikes(track, config.gait)  # world landmarks: the same in every draw of the steady vote
        events.extend(steady_contacts(
            track, partial(_track_contacts, width=poses.width, height=poses.height, config=config, to_ground=to_ground,
                           strikes=strikes),
            jitter_px=display_jitter(poses.width, poses.height, config.pixel_jitter), draws=config.steady_draws,
            share=config.steady_share, window_s=config.min_interval_s / 2))
    events.sort(key=lambda e: (e.t_s, e.person, e.foot))
    return ContactEvents(tuple(e for e in events if e.confidence >= config.min_confidence))


def _track_contacts(
    track: PoseTrack, width: int, height: int, config: ContactConfig, strikes: list[Strike],
    to_ground: np.ndarray | None = None,
) -> list[ContactEvent]:
    if track.present.sum() < 3:
        return []
    sig = foot_signals(track, to_ground=to_ground)
    found: list[ContactEvent] = []
    scuffs: list[ContactEvent] = []
    for foot in ("left", "right"):
        stances = _stances_of(sig, foot, config)
        for i, seg in enumerate(stances):
            if _in_air(sig, foot, stances, i, config):
                if i + 1 < len(stances):  # the flight goes on: the next stop is reached from the real lift-off
                    nxt = stances[i + 1]
                    stances[i + 1] = replace(nxt, lift_off=seg.lift_off, swing_from=seg.swing_from,
                                             peak=max(seg.peak, nxt.peak))
                continue
            if not _is_touchdown(track, sig, foot, seg, config):
                continue
            if seg.lift_off is not None and _clearance(sig, foot, seg.lift_off, seg.start) < config.scuff_clearance:
                if config.scuffs:
                    scuffs.append(_scuff(track, sig, foot, seg, width, height, config))
                continue  # slid there: no landing to hear
            found.append(_event(track, sig, foot, seg, width, height, config))
    found = _with_gait(track, sig, found, strikes, width, height, config)
    steps = _mark_landings(_drop_mirrors(_thin(found, config), track, sig, width, height, config), config)
    events = steps + scuffs
    if not events:
        return events
    fps = frame_rate(track.t_s)
    jitter_px = display_jitter(width, height, config.pixel_jitter)
    stance = {foot: _thresholds(sig, foot, config)[1] for foot in sig.speed}
    return [resolved(e, jitter_speed(sig, _row_at(track, e.t_s), fps, jitter_px),
                     stance.get(e.foot, config.stance_speed), config.resolution_margin) for e in events]


def _clearance(sig: FootSignals, foot: str, lift_off: int, touch: int) -> float:
    """How far the sole rose above its path along the floor, in leg lengths.

    The floor between where the foot left and where it stopped is the straight line
    between the two in the picture. That holds for a path across the picture; one mostly
    up or down it (towards the camera, where perspective bends the path, or down from
    the top of a jump) is not judged: infinite clearance.
    """
    y = _sole_y(sig, foot)[lift_off : touch + 1]
    x = sig.centre[foot][lift_off : touch + 1, 0]
    if y.size < 3 or not np.isfinite(y[[0, -1]]).all() or not np.isfinite(x[[0, -1]]).all():
        return float("inf")  # too little seen to call it a drag
    if abs(x[-1] - x[0]) < 2 * abs(y[-1] - y[0]):
        return float("inf")  # mostly up or down the picture (towards the camera, down from a jump): cannot tell
    floor = np.linspace(y[0], y[-1], y.size)
    return float(np.nanmax(floor - y) / sig.leg_px[touch])


def _scuff(
    track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, width: int, height: int, config: ContactConfig
) -> ContactEvent:
    """A foot that slid to its new place: one scuff from the moment it started moving."""
    k = seg.swing_from
    vis = float(np.min(sig.visibility[foot][k : seg.start + 1]))
    confidence = min(max(vis, 0.0), config.scuff_confidence) * (0.5 if vis < config.min_visibility else 1.0)
    return _contact(track, sig, foot, k, float(track.t_s[k]), "scuff", confidence,
                    min(1.0, seg.peak / config.strength_swing_speed), width, height)


def _contact(
    track: PoseTrack, sig: FootSignals, foot: str, k: int, t_s: float, kind: str, confidence: float,
    strength: float, width: int, height: int,
) -> ContactEvent:
    """The event of `foot` at time t_s, placed and sized from the track's row k."""
    x, y = _where(sig, foot, k, width, height)
    return ContactEvent(
        t_s=round(t_s, 6),
        frame=video_frame_at(track.frames, track.t_s, t_s),
        person=track.person,
        foot=foot,
        kind=kind,
        confidence=round(confidence, 3),
        strength=round(strength, 3),
        x=x,
        y=y,
        body_px=round(float(sig.body_px[k]), 1),
    )


def _with_gait(
    track: PoseTrack, sig: FootSignals, found: list[ContactEvent], strikes: list[Strike], width: int, height: int,
    config: ContactConfig,
) -> list[ContactEvent]:
    """Join the picture's touchdowns with the gait cycle's heel `strikes` (vision.gait).

    Both saw it: one contact, its time between the two, more confident. Only the gait
    cycle saw it (a foot hidden at the stop, a walk towards the camera where the feet
    barely move across the picture): a contact at the strike when the cycle is clear.
    Only the picture saw it while the same foot is in a clear gait cycle around it: a
    doubt (landmark jitter mid-stance), kept at a lower confidence. Jumps and stamps
    have no cycle and pass untouched.
    """
    if not strikes:
        return found
    out: list[ContactEvent] = []
    used: set[int] = set()
    for e in found:
        near = [i for i, s in enumerate(strikes)
                if s.foot == e.foot and i not in used and abs(s.t_s - e.t_s) <= config.gait_window_s]
        if near:
            i = min(near, key=lambda i: abs(strikes[i].t_s - e.t_s))
            used.add(i)
            s = strikes[i]
            t_s = (1 - config.gait_weight) * e.t_s + config.gait_weight * s.t_s
            sure = 1 - (1 - e.confidence) * (1 - _strike_confidence(s, sig, config))
            out.append(replace(e, t_s=round(t_s, 6), frame=video_frame_at(track.frames, track.t_s, t_s),
                               confidence=round(sure, 3)))
        elif _in_cycle(strikes, e, config):
            out.append(replace(e, confidence=round(e.confidence * config.off_cycle_factor, 3)))
        else:
            out.append(e)
    for i, s in enumerate(strikes):
        if i not in used and s.swing_m >= config.gait_alone_swing_m and not _swinging_through(sig, s, config):
            out.append(_strike_event(track, sig, s, width, height, config))
    return out


def _swinging_through(sig: FootSignals, s: Strike, config: ContactConfig) -> bool:
    """The picture sees the foot swing on through the strike, faster than the other foot: not a landing.

    A landing foot is never much faster than the other one: both stand still at a walk's
    strike, and a runner's other foot is then in its swing. Both move alike with a pan the
    camera path did not take out. Where it happens: a foot that runs out of the picture,
    whose landmarks fall back, puts the widest split of the feet in mid-swing.
    """
    rows = slice(s.index, s.index + sig.lag + 2)
    other = "right" if s.foot == "left" else "left"
    mine, theirs = sig.speed[s.foot][rows], sig.speed[other][rows]
    if not (np.isfinite(mine).all() and np.isfinite(theirs).any()):
        return False
    swing = _thresholds(sig, s.foot, config)[0]
    return float(np.min(mine)) > swing and float(np.median(mine)) > 2.0 * float(np.nanmedian(theirs))


def _strike_confidence(s: Strike, sig: FootSignals, config: ContactConfig) -> float:
    clarity = min(1.0, s.swing_m / (2 * config.gait_alone_swing_m)) if np.isfinite(s.swing_m) else 1.0
    rows = slice(max(0, s.index - sig.lag * 3), s.index + sig.lag + 1)
    seen = np.concatenate([sig.visibility["left"][rows], sig.visibility["right"][rows]])
    vis = float(np.min(seen)) if seen.size else 0.0  # both heels make the split; the approach, not one frame
    return float(np.clip(config.gait_alone_confidence * clarity * vis / 0.5, 0.0, config.gait_alone_confidence))


def _in_cycle(strikes: list[Strike], e: ContactEvent, config: ContactConfig) -> bool:
    """The same foot has clear strikes shortly before and after e: e falls mid-stride."""
    mine = [s.t_s for s in strikes if s.foot == e.foot and s.swing_m >= config.gait_alone_swing_m]
    stride = 2.0  # seconds: longer than any walking stride
    return any(0 < e.t_s - t < stride for t in mine) and any(0 < t - e.t_s < stride for t in mine)


def _strike_event(
    track: PoseTrack, sig: FootSignals, s: Strike, width: int, height: int, config: ContactConfig
) -> ContactEvent:
    swing_peak = float(np.nanmax(sig.speed[s.foot][max(0, s.index - 10) : s.index + 1], initial=0.0))
    return _contact(track, sig, s.foot, s.index, s.t_s, "step", _strike_confidence(s, sig, config),
                    _strength(0.0, swing_peak, config), width, height)


def _row_at(track: PoseTrack, t_s: float) -> int:
    """The track's row nearest t_s."""
    return int(np.argmin(np.abs(track.t_s - t_s)))


def _where(sig: FootSignals, foot: str, k: int, width: int, height: int) -> tuple[float, float]:
    """Normalised position of the foot's sole at row k; the frame centre where it is unseen."""
    x_px, y_px = sig.sole_point(foot, k)
    if not (np.isfinite(x_px) and np.isfinite(y_px)):
        return 0.5, 0.5
    return round(float(np.clip(x_px / width, 0, 1)), 4), round(float(np.clip(y_px / height, 0, 1)), 4)


@dataclass(frozen=True)
class _Stance:
    start: int  # first stopped frame after a swing
    end: int  # last frame before the next swing (or loss)
    lift_off: int | None  # last stopped frame before the swing, None at the start of the track
    swing_from: int  # first frame of the swing
    peak: float  # fastest speed in the swing, leg lengths/s


def _stances_of(sig: FootSignals, foot: str, config: ContactConfig) -> list[_Stance]:
    speed = sig.speed[foot]
    if np.isfinite(speed).sum() < 3:
        return []
    swing, stance = _thresholds(sig, foot, config)
    return [_settle(seg, sig, foot, config) for seg in _merge_shuffles(_stances(speed, swing, stance), sig, foot, config)]


def _thresholds(sig: FootSignals, foot: str, config: ContactConfig) -> tuple[float, float]:
    """(swing, stance) speeds of this foot, leg lengths/s: raised with its gait (a sprint jitters more)."""
    finite = sig.speed[foot][np.isfinite(sig.speed[foot])]
    p95 = float(np.percentile(finite, 95)) if finite.size else 0.0
    swing = max(config.swing_speed, config.relative_swing * p95)
    return swing, min(max(config.stance_speed, config.relative_stance * p95), 0.6 * swing)


def _settle(seg: _Stance, sig: FootSignals, foot: str, config: ContactConfig) -> _Stance:
    """A stop that begins above where the foot comes to rest begins when the foot gets there.

    At the top of a small jump (jumping jacks, a hop) the feet hang almost still for a frame
    or two before they drop; the slow speeds of the apex and the landing run together into
    one "stance". The sole's height tells them apart: the foot is down when it reaches the
    level it rests at over the second half of the stop.
    """
    y = _sole_y(sig, foot)
    rest_rows = y[(seg.start + seg.end + 1) // 2 : seg.end + 1]
    if not np.isfinite(y[seg.start]) or not np.isfinite(rest_rows).any():
        return seg
    rest = float(np.nanmedian(rest_rows))
    leg = sig.leg_px[seg.start]
    if rest - y[seg.start] <= config.hover_height * leg:
        return seg
    down = np.flatnonzero(y[seg.start + 1 : seg.end + 1] >= rest - config.ground_tolerance * leg)
    return replace(seg, start=seg.start + 1 + int(down[0])) if down.size else seg


def _merge_shuffles(stances: list[_Stance], sig: FootSignals, foot: str, config: ContactConfig) -> list[_Stance]:
    """A stance after a "swing" that never took the foot anywhere continues the one before.

    Landmark jitter on a planted foot (a sprinter's forefoot under motion blur, a foot
    half hidden by the other leg) can read as one fast frame: without this the stance is
    cut in two pieces, each too short to count, and a real touchdown is lost.
    """
    out: list[_Stance] = []
    for seg in stances:
        if out and seg.lift_off is not None and out[-1].end >= seg.lift_off - 1:
            if _excursion(sig, foot, seg.lift_off, seg.start) < config.min_excursion:
                out[-1] = replace(out[-1], end=seg.end)
                continue
        out.append(seg)
    return out


def _stances(speed: np.ndarray, swing: float, stance: float) -> list[_Stance]:
    """Stance phases that follow a swing, with hysteresis between the two thresholds."""
    out = []
    state = "unknown"
    last_stopped = None
    swing_from = lift_off = None
    peak = 0.0
    n = len(speed)
    k = 0
    while k < n:
        s = speed[k]
        if not np.isfinite(s):
            state, last_stopped, peak = "unknown", None, 0.0  # lost: no touchdown invented on reappearance
        elif s > swing:
            if state != "swing":
                lift_off, swing_from, peak = last_stopped, k, 0.0
            state = "swing"
            peak = max(peak, float(s))
        elif s < stance:
            if state == "swing":
                end = k
                while end + 1 < n and np.isfinite(speed[end + 1]) and speed[end + 1] <= swing:
                    end += 1
                out.append(_Stance(start=k, end=end, lift_off=lift_off, swing_from=swing_from, peak=peak))
                last_stopped = end
                state = "stance"
                k = end + 1
                continue
            state = "stance"
            last_stopped = k
        k += 1
    return out


def _is_touchdown(track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, config: ContactConfig) -> bool:
    """The stop lasted and the foot really went somewhere to get there."""
    t = track.t_s
    k = seg.start
    if t[min(seg.end + 1, len(t) - 1)] - t[k] < config.min_stance_s:
        return False
    origin = seg.lift_off if seg.lift_off is not None else seg.swing_from  # a track may start mid-swing
    # too little travel: never really left the ground (or too little of the swing was seen): jitter, a shuffle
    return _excursion(sig, foot, origin, k) >= _required_excursion(sig, foot, origin, k, config)


def _in_air(sig: FootSignals, foot: str, stances: list[_Stance], i: int, config: ContactConfig) -> bool:
    """The foot stopped without reaching the ground: the top of a jump, a foot held up."""
    seg = stances[i]
    k = seg.start
    height_m = sig.height_m[foot][k]
    if np.isfinite(height_m) and height_m > config.max_height_m:
        return True  # stopped above the standing foot
    leg = sig.leg_px[k]
    sole_y = _sole_y(sig, foot)
    before = sole_y[max(0, k - 2 * sig.lag) : k + 1]
    before = before[np.isfinite(before)]
    if before.size >= 2 and before[0] - before[-1] > config.max_rise * leg:
        return True  # still rising into the stop
    level = _level(sole_y, seg)
    neighbours = [_level(sole_y, stances[j]) for j in (i - 1, i + 1) if 0 <= j < len(stances)]
    neighbours = [v for v in neighbours if np.isfinite(v)]
    # higher in the picture than the stances on either side: in flight
    return len(neighbours) == 2 and all(level < v - config.apex_margin * leg for v in neighbours)


def _sole_y(sig: FootSignals, foot: str) -> np.ndarray:
    return np.fmax(sig.points[foot][:, 0, 1], sig.points[foot][:, 1, 1])


def _level(sole_y: np.ndarray, seg: _Stance) -> float:
    values = sole_y[seg.start : seg.end + 1]
    return float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan")


def _excursion(sig: FootSignals, foot: str, lift_off: int, touch: int) -> float:
    """How far the swing took the foot, in leg lengths: the step or the jump, the larger.

    The step is the foot centre's travel from lift-off to touchdown; the jump is how far
    the sole rose above where it left. A foot that wanders and comes back to the same
    place (landmark jitter on a foot hidden behind the other leg) scores neither.
    """
    rows = slice(lift_off, touch + 1)
    leg = sig.leg_px[rows]
    centre = sig.centre[foot][rows]
    step = np.linalg.norm(centre[-1] - centre[0]) / leg[-1]
    sole = _sole_y(sig, foot)[rows]
    rise = (sole[0] - sole) / leg
    values = [v for v in (step, np.nanmax(rise) if np.isfinite(rise).any() else np.nan) if np.isfinite(v)]
    return float(max(values)) if values else 0.0


def _required_excursion(sig: FootSignals, foot: str, lift_off: int, touch: int, config: ContactConfig) -> float:
    """min_excursion, raised where MediaPipe barely sees the foot: weak evidence needs more motion."""
    vis = sig.visibility[foot][lift_off : touch + 1]
    seen = float(np.min(vis)) if vis.size else 0.0
    return config.min_excursion / float(np.clip(seen, config.min_visibility, 1.0))


def _touchdown(track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, config: ContactConfig) -> tuple[float, int]:
    """(time, frame index) the sole came down onto the floor and stopped travelling over it.

    Going back from the first stopped frame (at most max_refine_frames), a frame is down
    when the sole is within ground_tolerance of the floor (its median height over the
    stance that follows) and within glide_tolerance of where it comes to rest. The
    touchdown is where the last frame that was not down crossed into it, interpolated
    between the two frames on whichever of the two conditions it failed.

    The floor test times a sprint: MediaPipe's foot trails a fast foot by about a frame,
    so the first stopped frame comes late while the sole is already at the floor. The
    glide test keeps a walking heel that skims in low from being called down while it
    still slides forward (1-3 frames early without it).
    """
    t = track.t_s
    k = seg.start
    y = _sole_y(sig, foot)
    leg = sig.leg_px[k]
    part = sig.sole[foot][k]
    rest = sig.points[foot][k, part, 0]
    floor = float(np.nanmedian(y[k : seg.end + 1])) - config.ground_tolerance * leg
    frame_s = float(t[k] - t[k - 1]) if k > 0 else 1 / 30
    swing = sig.speed[foot][seg.swing_from : k]
    pace = float(np.nanmedian(swing)) if np.isfinite(swing).any() else 0.0  # robust to a one-frame glitch
    glide = max(config.glide_tolerance, config.glide_share * pace * frame_s) * leg

    def misses(m: int) -> tuple[float, float]:  # how far frame m is from being down (<= 0: down)
        return floor - y[m], abs(sig.points[foot][m, part, 0] - rest) - glide

    first = max(0, k - config.max_refine_frames)
    j = k
    while j - 1 >= first and all(np.isfinite(misses(j - 1))) and max(misses(j - 1)) <= 0:
        j -= 1
    if j < 1 or not all(np.isfinite(misses(j - 1) + misses(j))):
        return float(t[j]), j
    before, at = misses(j - 1), misses(j)
    frac = 0.0
    for b, a in zip(before, at):
        if b > 0 and b > a:
            frac = max(frac, b / (b - a))
    return float(t[j - 1] + np.clip(frac, 0.0, 1.0) * (t[j] - t[j - 1])), j


def _descent_speed(t: np.ndarray, sig: FootSignals, foot: str, m: int) -> float:
    """Fastest downward speed of the sole over the two intervals into frame m, leg lengths/s."""
    y = _sole_y(sig, foot) / sig.leg_px
    rates = [(y[i] - y[i - 1]) / (t[i] - t[i - 1]) for i in range(max(1, m - 1), m + 1) if np.isfinite(y[i] - y[i - 1])]
    return max([0.0, *rates])


def _event(
    track: PoseTrack, sig: FootSignals, foot: str, seg: _Stance, width: int, height: int, config: ContactConfig
) -> ContactEvent:
    t = track.t_s
    k = seg.start
    t_touch, j = _touchdown(track, sig, foot, seg, config)
    approach = _descent_speed(t, sig, foot, j)
    approach_rows = slice(max(0, seg.swing_from), k + 1)
    vis = float(np.min(sig.visibility[foot][approach_rows][-3:]))  # the approach, not just the stop
    sharpness = min(1.0, seg.peak / (2.0 * config.swing_speed))
    height_term = 1.0
    if np.isfinite(sig.height_m[foot][k]):
        height_term = 1.0 - min(1.0, max(0.0, sig.height_m[foot][k]) / config.max_height_m) * 0.5
    confidence = float(np.clip(vis, 0.0, 1.0) * (0.5 + 0.5 * sharpness) * height_term)
    if vis < config.min_visibility:
        confidence *= 0.5
    return _contact(track, sig, foot, k, t_touch, "step", confidence, _strength(approach, seg.peak, config),
                    width, height)


def _strength(descent: float, swing_peak: float, config: ContactConfig) -> float:
    """0..1 from the sole's downward speed at touchdown and the swing's peak speed.

    The downward speed is the impact; the swing speed says how fast the person moves
    (a brisk walk, a sprint), which the few frames around a gliding heel strike do not.
    sqrt: impact energy grows with v^2 while loudness grows with log v; it keeps a
    walking step near 0.7, a sprint near 1 and a jump landing between.
    """
    energy = 0.7 * descent / config.strength_speed + 0.3 * swing_peak / config.strength_swing_speed
    return float(np.clip(np.sqrt(energy), 0.05, 1.0))


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


def _drop_mirrors(
    events: list[ContactEvent], track: PoseTrack, sig: FootSignals, width: int, height: int, config: ContactConfig
) -> list[ContactEvent]:
    """A left and a right touchdown at the same time and place, one foot barely seen: one foot drawn twice.

    MediaPipe puts a hidden foot where the visible one is, so the copy lands with it; keep
    the surer. Two well-seen feet landing together (a jump with the feet closed) are two.
    """
    out = list(events)
    leg = float(np.nanmedian(sig.leg_px))
    i = 0
    while i < len(out) - 1:
        a, b = out[i], out[i + 1]
        if a.foot != b.foot and b.t_s - a.t_s <= config.landing_window_s:
            apart = np.hypot((a.x - b.x) * width, (a.y - b.y) * height)
            seen = min(_seen_at(track, sig, e) for e in (a, b))
            if np.isfinite(leg) and apart < config.mirror_distance * leg and seen < config.mirror_visibility:
                del out[i + (a.confidence >= b.confidence)]
                continue
        i += 1
    return out


def _seen_at(track: PoseTrack, sig: FootSignals, e: ContactEvent) -> float:
    """The foot's visibility over the frames into its touchdown (a copy of a hidden foot is seen little)."""
    k = _row_at(track, e.t_s)
    vis = sig.visibility[e.foot][max(0, k - sig.lag) : k + 1]
    return float(np.min(vis)) if vis.size else 0.0


def _mark_landings(events: list[ContactEvent], config: ContactConfig) -> list[ContactEvent]:
    """A left and a right touchdown within landing_window_s of each other: a two-footed landing."""
    out = list(events)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.foot != b.foot and b.t_s - a.t_s <= config.landing_window_s:
            out[i] = replace(a, kind="landing")
            out[i + 1] = replace(b, kind="landing")
    return out
