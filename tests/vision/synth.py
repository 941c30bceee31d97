"""Synthetic BlazePose tracks whose foot contacts are known to the microsecond.

A kinematic figure with textbook segment proportions (Drillis & Contini: thigh and
shank 0.245 and 0.246 of stature, foot 0.152, hip joint 0.53 above the floor) walks,
runs, jumps or stands in a 3D scene filmed by a still pinhole camera. Each foot is a
rigid heel-toe segment: in stance the part that landed first stays put (heel rocker,
foot flat, then the toe as the heel rises); in swing the landing part follows a smooth
spline through a few keyframes and comes down with a chosen approach velocity. Knees
come from two-segment inverse kinematics, so the image leg length behaves like a real
one. Landmarks are sampled at the frame times of a constant or variable-rate video
and given MediaPipe's faults on request: jitter, a frame or two of left/right leg
swap, an occluded foot (NaN, a lagging guess, or a copy of the other foot at low
visibility), and a person who is not yet (or no longer) in the picture.

Scene coordinates: metres, x to the right, y up, z away from the camera, the floor
at y = 0. Every touchdown is a `Contact` at the continuous time the landing part of
the foot meets the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d, minimum_filter1d
from scipy.optimize import linear_sum_assignment

from foleystudio.vision.pose import Poses, PoseTrack

G = 9.81
FEET = ("left", "right")
UP = np.array([0.0, 1.0, 0.0])
LEG_POINTS = tuple(range(23, 33))  # hips, knees, ankles, heels, toes: what a leg-label swap exchanges
LEFT_RIGHT = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
              (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)]


@dataclass(frozen=True)
class Body:
    """Segment lengths as shares of stature (Drillis & Contini via Winter's tables)."""

    height_m: float = 1.75

    @property
    def thigh_m(self) -> float:
        return 0.245 * self.height_m

    @property
    def shank_m(self) -> float:
        return 0.246 * self.height_m

    @property
    def leg_m(self) -> float:  # what the detector calls a leg length: hip-knee + knee-ankle
        return self.thigh_m + self.shank_m

    @property
    def foot_m(self) -> float:  # heel to toe landmark
        return 0.152 * self.height_m

    @property
    def ankle_m(self) -> float:  # ankle joint above the sole
        return 0.039 * self.height_m

    @property
    def hip_m(self) -> float:  # hip joint above the floor, standing
        return 0.530 * self.height_m


@dataclass(frozen=True)
class Contact:
    t_s: float  # when the landing part of the foot meets the floor
    person: int
    foot: str
    kind: str  # "step" or "landing" (both feet, from a jump)
    x: float  # that point in the picture at t_s, normalised to the width
    y: float  # ... and to the height
    approach_mps: float  # its speed just before touchdown
    body_px: float  # the person's stature in the picture there
    seen: bool  # the person is in the picture and the foot not occluded around the touchdown


@dataclass(frozen=True, eq=False)
class Clip:
    poses: Poses
    contacts: tuple[Contact, ...]
    fps: float  # nominal frame rate

    def expected(self, person: int | None = None) -> list[Contact]:
        """The touchdowns a detector can be asked to find."""
        return [c for c in self.contacts if c.seen and (person is None or c.person == person)]


# ---------------------------------------------------------------------------------------------- kinematics


@dataclass
class Kinematics:
    """A figure over time in scene coordinates; feet as heel and toe points."""

    pelvis: np.ndarray  # (n, 3) between the hip joints
    forward: np.ndarray  # (3,) unit, horizontal: where the figure faces
    heel: dict[str, np.ndarray]  # (n, 3) per foot
    toe: dict[str, np.ndarray]
    pitch: dict[str, np.ndarray]  # (n,) rad, toe up positive
    arm_swing: np.ndarray  # (n,) rad, left arm forward positive; the right arm mirrors it
    arm_raise: np.ndarray  # (n,) rad, both arms out to the side (jumping jacks)
    elbow: float = 0.3  # rad of elbow flexion
    lean: float = 0.03  # trunk lean forward, share of stature
    contacts: list[tuple[float, str, str, np.ndarray]] = field(default_factory=list)  # (t, foot, kind, point)


def _left_of(forward: np.ndarray) -> np.ndarray:
    return np.array([-forward[2], 0.0, forward[0]])  # the figure's left, seen from above


@dataclass(frozen=True)
class _Placement:
    origin: tuple[float, float] = (0.0, 5.0)  # (x, z) of the pelvis on the floor at t = 0
    heading: tuple[float, float] = (1.0, 0.0)  # (x, z) direction the figure faces

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = np.array([self.heading[0], 0.0, self.heading[1]], float)
        f /= np.linalg.norm(f)
        return np.array([self.origin[0], 0.0, self.origin[1]]), f, _left_of(f)


@dataclass(frozen=True)
class GaitShape:
    """One foot's cycle. Fractions are of the stance or of the swing; heights of stature."""

    duty: float  # stance share of the cycle
    strike: str  # "heel" or "toe": the part that lands first (and the one the swing keyframes)
    stance_pitch: tuple[tuple[float, float, float], ...]  # (fraction of stance, pitch rad, rate rad/s)
    swing: tuple[tuple[float, float, float, float], ...]  # (fraction of swing, share of the travel, height, pitch)
    approach_mps: tuple[float, float]  # forward and downward speed of the landing part at touchdown...
    speed_mps: float  # ... at this speed of travel (it grows in proportion with the speed)
    ahead: float  # the foot lands this share of a step ahead of the pelvis
    hip: float  # pelvis height when the legs allow it, share of the standing hip height
    width: float  # half step width, share of stature
    arm_rad: float
    elbow: float
    lean: float


# Walking: heel strike at ~20 deg of dorsiflexion, foot flat at ~8 % of the cycle, heel
# rise at ~34 %, toe-off at 62 % at ~57 deg (Perry's gait phases). Swing heel rises to
# ~0.25 m in early swing and comes in at 0.5 m/s forward, 0.25 m/s down (terminal swing
# decelerates the foot: Winter 1992, Lanshammar & Strandberg).
WALK = GaitShape(
    duty=0.62, strike="heel",
    stance_pitch=((0.0, 0.35, -1.5), (0.14, 0.0, 0.0), (0.55, 0.0, 0.0), (1.0, -1.0, -4.0)),
    swing=((0.3, 0.2, 0.14, -0.55), (0.75, 0.9, 0.035, 0.15)),
    approach_mps=(0.5, 0.25), speed_mps=1.3, ahead=0.45, hip=0.99, width=0.03, arm_rad=0.3, elbow=0.3, lean=0.02,
)

# Sprinting: forefoot strike, ~0.1 s contacts, heel never down, toe-off at ~60 deg; the
# swing foot is kicked up behind (toe ~0.5 m) and pawed back so it lands at ~1.5 m/s
# forward and down.
SPRINT = GaitShape(
    duty=0.225, strike="toe",
    stance_pitch=((0.0, -0.25, 3.0), (0.4, -0.08, 0.0), (1.0, -1.1, -12.0)),
    swing=((0.35, 0.3, 0.28, -1.3), (0.72, 0.8, 0.16, -0.5)),
    approach_mps=(1.5, 1.5), speed_mps=7.0, ahead=0.2, hip=0.96, width=0.01, arm_rad=0.9, elbow=1.6, lean=0.12,
)


@dataclass(frozen=True)
class Gait(_Placement):
    """Walking or running in a straight line at a steady speed."""

    shape: GaitShape = WALK
    speed_mps: float = 1.3
    cadence_hz: float = 1.8  # steps per second, both feet
    first_step_s: float = 0.1  # the left foot's first touchdown (earlier ones are before the clip)
    variability: float = 0.02  # step-to-step timing spread, share of a step (healthy gait: 2-3 %)
    approach_mps: tuple[float, float] | None = None  # overrides the shape's touchdown velocity
    body: Body = Body()
    seed: int = 0

    def kinematics(self, t: np.ndarray) -> Kinematics:
        origin, f, left = self.axes()
        shape, steps = self.shape, self._steps()
        heel, toe, pitch, contacts = self._feet(t, steps)
        # the pelvis goes as high as the feet on the floor let it, smoothed like a body would
        grid = np.arange(t[0] - 0.5, t[-1] + 0.5, 0.002)
        g_heel, g_toe, g_pitch, _ = self._feet(grid, steps)
        g_pelvis = origin + (self.speed_mps * grid)[:, None] * f
        nominal = shape.hip * self.body.hip_m
        allowed = _pelvis_height(g_pelvis, g_heel, g_toe, g_pitch, f, left, self.body, nominal)[:, 1]
        if shape.duty < 0.5:  # running: the stance leg also gives a little under load
            allowed = allowed - 0.02 * self.body.height_m * _grounded_share(g_heel, g_toe)
        k = 40  # 80 ms either side
        allowed = minimum_filter1d(allowed, 2 * k + 1, mode="nearest")
        height = gaussian_filter1d(allowed, k / 2, mode="nearest")
        pelvis = origin + (self.speed_mps * t)[:, None] * f
        pelvis[:, 1] = np.interp(t, grid, height)
        phase = 2 * np.pi * (t - steps[3]) * self.cadence_hz / 2
        return Kinematics(pelvis, f, heel, toe, pitch, arm_swing=-shape.arm_rad * np.cos(phase),
                          arm_raise=np.zeros_like(t), elbow=shape.elbow, lean=shape.lean, contacts=contacts)

    def feet(self, t: np.ndarray):
        return self._feet(t, self._steps())[:2]

    def _steps(self) -> np.ndarray:
        """Touchdown times, left and right in turn (left first), for a minute from before t = 0."""
        rng = np.random.default_rng(self.seed)
        step_s = 1.0 / self.cadence_hz
        n = int(60.0 / step_s) + 8
        steps = self.first_step_s + step_s * (np.arange(-4, n - 4) + self.variability * rng.standard_normal(n))
        return np.maximum.accumulate(steps)

    def _feet(self, t: np.ndarray, steps: np.ndarray):
        origin, f, left = self.axes()
        shape = self.shape
        step_m = self.speed_mps / self.cadence_hz
        approach = self.approach_mps or tuple(a * self.speed_mps / shape.speed_mps for a in shape.approach_mps)
        heel, toe, pitch, contacts = {}, {}, {}, []
        for j, foot in enumerate(FEET):
            on = steps[j::2]
            landing = self.speed_mps * on + shape.ahead * step_m  # the landing part's spot, along the heading
            s, h, p = _cyclic_foot(t, on, landing, shape, approach, self.body)
            side = (1 if foot == "left" else -1) * shape.width * self.body.height_m
            base = origin + side * left
            heel[foot] = base + s * f + h * UP
            toe[foot] = heel[foot] + self.body.foot_m * (np.cos(p)[:, None] * f + np.sin(p)[:, None] * UP)
            pitch[foot] = p
            contacts += [(float(tc), foot, "step", base + sc * f) for tc, sc in zip(on, landing)]
        return heel, toe, pitch, contacts


def _grounded_share(heel, toe) -> np.ndarray:
    """1 where some foot is on the floor, else 0."""
    return np.any([np.minimum(heel[f][:, 1], toe[f][:, 1]) < 1e-6 for f in FEET], axis=0).astype(float)


def _cyclic_foot(t, on, landing, shape: GaitShape, approach, body: Body):
    """Heel position along the heading, heel height and pitch of one foot over all its cycles."""
    foot = body.foot_m
    s, h, p = np.full(len(t), np.nan), np.full(len(t), np.nan), np.full(len(t), np.nan)
    keys = np.array(shape.stance_pitch)
    p_off, w_off = keys[-1, 1], keys[-1, 2]
    for i in range(len(on) - 1):
        off = on[i] + shape.duty * (on[i + 1] - on[i])
        stance, swing = (t >= on[i]) & (t < off), (t >= off) & (t < on[i + 1])
        if not (stance.any() or swing.any()):
            continue
        # stance: pitch from the keyframes; the landing part pivots while the toe is up, the toe once the heel is up
        heel_fp = landing[i] - (foot if shape.strike == "toe" else 0.0)
        pm = _hermite(on[i] + keys[:, 0] * (off - on[i]), keys[:, 1], keys[:, 2], t[stance])
        up = pm > 0
        s[stance] = np.where(up, heel_fp, heel_fp + foot - foot * np.cos(pm))
        h[stance] = np.where(up, 0.0, -foot * np.sin(pm))
        p[stance] = pm
        # swing: the landing part through the keyframes, from where it is at toe-off to its next spot
        if shape.strike == "heel":
            start = np.array([heel_fp + foot - foot * np.cos(p_off), -foot * np.sin(p_off)])
            v0 = foot * w_off * np.array([np.sin(p_off), -np.cos(p_off)])
        else:
            start, v0 = np.array([heel_fp + foot, 0.0]), np.zeros(2)
        end = landing[i + 1]
        tk = off + np.array([0.0] + [k[0] for k in shape.swing] + [1.0]) * (on[i + 1] - off)
        sk = [start[0]] + [start[0] + k[1] * (end - start[0]) for k in shape.swing] + [end]
        hk = [start[1]] + [k[2] * body.height_m for k in shape.swing] + [0.0]
        pk = [p_off] + [k[3] for k in shape.swing] + [keys[0, 1]]
        ts = t[swing]
        sx = _spline(tk, sk, v0[0], approach[0], ts)
        sy = _spline(tk, hk, v0[1], -approach[1], ts)
        ps = _spline(tk, pk, w_off, keys[0, 2], ts)
        if shape.strike == "heel":
            s[swing], h[swing] = sx, sy
        else:  # keyframes are of the toe: the heel is a foot length behind it
            s[swing], h[swing] = sx - foot * np.cos(ps), sy - foot * np.sin(ps)
        p[swing] = ps
    return s[:, None], h[:, None], p


def _spline(tk, yk, v_start, v_end, t):
    """Cubic spline through (tk, yk), continuous to the second derivative, with the given end slopes."""
    tk, yk = np.asarray(tk, float), np.asarray(yk, float)
    h, d = np.diff(tk), np.diff(yk) / np.diff(tk)
    n = len(tk)
    a, b = np.zeros((n, n)), np.zeros(n)
    a[0, 0], a[-1, -1], b[0], b[-1] = 1.0, 1.0, v_start, v_end
    for i in range(1, n - 1):
        a[i, i - 1: i + 2] = h[i], 2 * (h[i - 1] + h[i]), h[i - 1]
        b[i] = 3 * (h[i] * d[i - 1] + h[i - 1] * d[i])
    return _hermite(tk, yk, np.linalg.solve(a, b), t)


def _hermite(tk, yk, mk, t):
    """Piecewise cubic through values yk with slopes mk at tk."""
    tk, yk, mk = np.asarray(tk, float), np.asarray(yk, float), np.asarray(mk, float)
    i = np.clip(np.searchsorted(tk, t, side="right") - 1, 0, len(tk) - 2)
    h = tk[i + 1] - tk[i]
    u = (t - tk[i]) / h
    return ((2 * u**3 - 3 * u**2 + 1) * yk[i] + (u**3 - 2 * u**2 + u) * h * mk[i]
            + (-2 * u**3 + 3 * u**2) * yk[i + 1] + (u**3 - u**2) * h * mk[i + 1])


def _ankle(heel, pitch, forward, body: Body):
    foot_dir = np.cos(pitch)[:, None] * forward + np.sin(pitch)[:, None] * UP
    foot_up = -np.sin(pitch)[:, None] * forward + np.cos(pitch)[:, None] * UP
    return heel + 0.2 * body.foot_m * foot_dir + body.ankle_m * foot_up


def _pelvis_height(pelvis, heel, toe, pitch, forward, left, body: Body, nominal_m, dip=None, airborne=False):
    """Pelvis at its nominal height, lowered where a foot on the floor (any foot: `airborne`) could not reach it."""
    reach = 0.995 * body.leg_m
    height = np.full(len(pelvis), nominal_m)
    for sign, foot in ((1, "left"), (-1, "right")):
        ankle = _ankle(heel[foot], pitch[foot], forward, body)
        hip = pelvis + sign * 0.05 * body.height_m * left
        d = ankle - hip
        flat2 = d[:, 0] ** 2 + d[:, 2] ** 2
        grounded = airborne | (np.minimum(heel[foot][:, 1], toe[foot][:, 1]) < 1e-6)
        allowed = ankle[:, 1] + np.sqrt(np.clip(reach**2 - flat2, 0.0, None))
        height = np.where(grounded, np.minimum(height, allowed), height)
    if dip is not None:
        height = height - dip
    out = pelvis.copy()
    out[:, 1] = height
    return out


@dataclass(frozen=True)
class Jumps(_Placement):
    """Jumps in place (or jumping jacks): two-footed takeoffs and landings, toes first."""

    heading: tuple[float, float] = (0.0, -1.0)  # facing the camera
    first_takeoff_s: float = 0.6
    jumps: int = 4
    height_m: float = 0.2  # toe clearance at the apex
    ground_s: float = 0.5  # from landing to the next takeoff
    asymmetry_s: float = 0.012  # the right foot lands this much after the left
    tuck_m: float = 0.0  # feet pulled up towards the body in the air (symmetric about the apex)
    jacks: bool = False  # feet land apart and together in turn, arms go up and down
    body: Body = Body()
    seed: int = 0

    def kinematics(self, t: np.ndarray) -> Kinematics:
        origin, f, left = self.axes()
        b = self.body
        flight = 2.0 * np.sqrt(2.0 * self.height_m / G)
        push_s, absorb_s = 0.12, 0.09  # heel rise before takeoff; heel down after landing
        lift_rad, land_rad = -0.7, -0.45
        takeoff = self.first_takeoff_s + np.arange(self.jumps) * (flight + self.ground_s)
        heel, toe, pitch, contacts = {}, {}, {}, []
        spread = np.zeros(len(t))
        for foot in FEET:
            sign = 1 if foot == "left" else -1
            fl = flight + (self.asymmetry_s if foot == "right" else 0.0)
            v0 = G * fl / 2
            lift = np.zeros(len(t))
            p = np.zeros(len(t))
            lateral = np.full(len(t), 0.06 * b.height_m)
            for i, t0 in enumerate(takeoff):
                t1 = t0 + fl
                w_lat = (0.06 if i % 2 else 0.2) * b.height_m if self.jacks else 0.06 * b.height_m
                w_prev = (0.2 if i % 2 else 0.06) * b.height_m if self.jacks else 0.06 * b.height_m
                m = (t >= t0 - push_s) & (t < t0)
                p[m] = lift_rad * _smooth((t[m] - (t0 - push_s)) / push_s)
                m = (t >= t0) & (t < t1)
                u = t[m] - t0
                lift[m] = v0 * u - 0.5 * G * u**2 + self.tuck_m * np.sin(np.pi * u / fl) ** 2
                p[m] = lift_rad + (land_rad - lift_rad) * _smooth(u / fl)
                lateral[m] = w_prev + (w_lat - w_prev) * _smooth(u / fl)
                m = (t >= t1) & (t < t1 + absorb_s)
                p[m] = land_rad * (1 - _smooth((t[m] - t1) / absorb_s))
                lateral[t >= t1] = w_lat
                point = origin + sign * w_lat * left + 0.5 * b.foot_m * f
                contacts.append((float(t1), foot, "landing", point))
            # toe fixed on the floor (or lifted); heel behind it by the pitch
            toe_pt = origin + sign * lateral[:, None] * left + 0.5 * b.foot_m * f + lift[:, None] * UP
            heel[foot] = toe_pt - b.foot_m * (np.cos(p)[:, None] * f + np.sin(p)[:, None] * UP)
            toe[foot] = toe_pt
            pitch[foot] = p
            if foot == "left":
                spread = (lateral - 0.06 * b.height_m) / (0.14 * b.height_m)
        dip = np.zeros(len(t))
        for t0 in takeoff:  # crouch while on the floor: after each landing and before each takeoff
            for a, z in ((t0 - 0.35, t0), (t0 + flight, t0 + flight + min(self.ground_s, 0.35))):
                m = (t >= a) & (t < z)
                dip[m] = np.maximum(dip[m], 0.1 * b.height_m * np.sin(np.pi * (t[m] - a) / (z - a)))
        pelvis = np.tile(origin, (len(t), 1))
        pelvis = _pelvis_height(pelvis, heel, toe, pitch, f, left, b, 9.0, dip, airborne=True)  # legs straight
        arm = np.pi * 0.8 * spread if self.jacks else np.zeros(len(t))
        return Kinematics(pelvis, f, heel, toe, pitch, arm_swing=np.zeros(len(t)), arm_raise=arm,
                          elbow=0.2, lean=0.02, contacts=contacts)


def _smooth(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


@dataclass(frozen=True)
class Stand(_Placement):
    """Standing with both feet down: swaying, or squatting (no contacts either way)."""

    heading: tuple[float, float] = (0.0, -1.0)
    squat_period_s: float | None = None  # one squat (down and up) this long, repeated
    squat_depth: float = 0.3  # pelvis drop at the bottom, share of stature
    body: Body = Body()

    def kinematics(self, t: np.ndarray) -> Kinematics:
        origin, f, left = self.axes()
        b = self.body
        heel, toe, pitch = {}, {}, {}
        for foot, sign in (("left", 1), ("right", -1)):
            heel[foot] = np.tile(origin + sign * 0.06 * b.height_m * left - 0.3 * b.foot_m * f, (len(t), 1))
            toe[foot] = heel[foot] + b.foot_m * f
            pitch[foot] = np.zeros(len(t))
        sway = 0.01 * np.sin(2 * np.pi * 0.3 * t)[:, None] * left + 0.008 * np.sin(2 * np.pi * 0.17 * t)[:, None] * f
        drop = np.zeros(len(t))
        if self.squat_period_s:
            drop = self.squat_depth * b.height_m * 0.5 * (1 - np.cos(2 * np.pi * t / self.squat_period_s))
        pelvis = origin + sway - (0.5 * drop)[:, None] * f
        pelvis = _pelvis_height(pelvis, heel, toe, pitch, f, left, b, 0.985 * b.hip_m, drop)
        arms = 1.3 * drop / max(self.squat_depth * b.height_m, 1e-9)  # arms forward for balance
        return Kinematics(pelvis, f, heel, toe, pitch, arm_swing=arms, arm_raise=np.zeros(len(t)),
                          elbow=0.2, lean=0.02 + 0.2 * drop / b.height_m)


@dataclass(frozen=True)
class OneFoot(_Placement):
    """Balancing on the left foot; the right one is held up and drifts (no contacts)."""

    heading: tuple[float, float] = (1.0, 0.0)
    raised_m: float = 0.25  # heel of the raised foot above the floor
    wobble_m: float = 0.03  # slow drift of the raised foot
    swing_m: float = 0.0  # the raised leg swung back and forth this far (stops at each end, in the air)
    body: Body = Body()

    def kinematics(self, t: np.ndarray) -> Kinematics:
        origin, f, left = self.axes()
        b = self.body
        n = len(t)
        heel = {"left": np.tile(origin + 0.03 * b.height_m * left - 0.3 * b.foot_m * f, (n, 1))}
        toe = {"left": heel["left"] + b.foot_m * f}
        pitch = {"left": np.zeros(n), "right": -0.3 + 0.05 * np.sin(2 * np.pi * 0.4 * t)}
        drift_f = self.wobble_m * (np.sin(2 * np.pi * 0.7 * t) + 0.5 * np.sin(2 * np.pi * 1.3 * t + 1))
        drift_f = drift_f + self.swing_m * np.sin(2 * np.pi * 0.6 * t)
        drift_h = 0.6 * self.wobble_m * np.sin(2 * np.pi * 0.9 * t + 0.5)
        heel["right"] = (origin - 0.06 * b.height_m * left - 0.1 * b.foot_m * f + drift_f[:, None] * f
                         + (self.raised_m + drift_h)[:, None] * UP)
        toe["right"] = heel["right"] + b.foot_m * (np.cos(pitch["right"])[:, None] * f
                                                   + np.sin(pitch["right"])[:, None] * UP)
        sway = 0.008 * np.sin(2 * np.pi * 0.5 * t)[:, None] * left + 0.02 * b.height_m * left
        pelvis = _pelvis_height(origin + sway, heel, toe, pitch, f, left, b, 0.985 * b.hip_m)
        return Kinematics(pelvis, f, heel, toe, pitch, arm_swing=np.zeros(n), arm_raise=np.full(n, 0.5),
                          elbow=0.2, lean=0.02)


# ---------------------------------------------------------------------------------------------- skeleton


def skeleton(kin: Kinematics, body: Body) -> np.ndarray:
    """(n, 33, 3) BlazePose landmarks in scene coordinates."""
    n = len(kin.pelvis)
    H = body.height_m
    f, left = kin.forward, _left_of(kin.forward)
    pts = np.zeros((n, 33, 3))
    P = kin.pelvis
    lean = np.reshape(kin.lean, (-1, 1)) * H
    chest = P + (0.29 * H) * UP + lean * f
    head = P + (0.40 * H) * UP + (1.4 * lean + 0.04 * H) * f
    pts[:, 0] = head + 0.03 * H * f
    for i, (up, side, fwd) in {1: (0.02, 0.015, 0.025), 2: (0.02, 0.022, 0.025), 3: (0.02, 0.03, 0.02),
                               7: (0.01, 0.045, -0.01), 9: (-0.025, 0.012, 0.025)}.items():
        for k, sign in ((i, 1), (i + 3 if i < 4 else i + 1, -1)):
            pts[:, k] = head + (up * H) * UP + (sign * side * H) * left + (fwd * H) * f
    for sign, sh, el, wr, hands in ((1, 11, 13, 15, (17, 19, 21)), (-1, 12, 14, 16, (18, 20, 22))):
        pts[:, sh] = chest + (sign * 0.1 * H) * left
        swing = sign * kin.arm_swing
        upper = (-np.cos(swing)[:, None] * UP + np.sin(swing)[:, None] * f) * np.cos(kin.arm_raise)[:, None] \
            + (sign * np.sin(kin.arm_raise))[:, None] * left
        pts[:, el] = pts[:, sh] + 0.186 * H * upper
        fore = upper * np.cos(kin.elbow) + f * np.sin(kin.elbow)
        fore /= np.linalg.norm(fore, axis=1, keepdims=True)
        pts[:, wr] = pts[:, el] + 0.146 * H * fore
        for k, off in zip(hands, (-0.012, 0.012, 0.0)):
            pts[:, k] = pts[:, wr] + 0.06 * H * fore + (off * H) * left
    for sign, foot, hip, knee, ankle, hl, tp in ((1, "left", 23, 25, 27, 29, 31), (-1, "right", 24, 26, 28, 30, 32)):
        pts[:, hip] = P + (sign * 0.05 * H) * left
        pts[:, hl] = kin.heel[foot]
        pts[:, tp] = kin.toe[foot]
        pts[:, ankle] = _ankle(kin.heel[foot], kin.pitch[foot], f, body)
        pts[:, knee] = _knee(pts[:, hip], pts[:, ankle], f, body)
    return pts


def _knee(hip, ankle, forward, body: Body):
    """Two-segment inverse kinematics, the knee bent forward; a leg stretched too far goes straight."""
    d_vec = ankle - hip
    d = np.linalg.norm(d_vec, axis=1, keepdims=True)
    u = d_vec / d
    w = forward - (u @ forward)[:, None] * u
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    a = np.clip((body.thigh_m**2 - body.shank_m**2 + d**2) / (2 * d), 0.0, body.thigh_m)
    b = np.sqrt(np.clip(body.thigh_m**2 - a**2, 0.0, None))
    return hip + a * u + b * w


# ---------------------------------------------------------------------------------------------- camera


@dataclass(frozen=True)
class Camera:
    """A still pinhole camera at (0, height_m, 0) looking along +z."""

    width: int = 1920
    height: int = 1080
    focal_px: float = 1500.0
    height_m: float = 1.0

    @classmethod
    def framing(cls, width: int, height: int, person_px: float, distance_m: float, body: Body = Body(),
                camera_height_m: float = 1.0) -> Camera:
        """A camera that shows a person `distance_m` away `person_px` tall."""
        return cls(width, height, person_px * distance_m / body.height_m, camera_height_m)

    def project(self, pts: np.ndarray, depth_m=None) -> np.ndarray:
        """Scene points (..., 3) to display px x, y and z: depth in front of `depth_m` (MediaPipe: the hips), in px."""
        z = pts[..., 2]
        x = self.width / 2 + self.focal_px * pts[..., 0] / z
        y = self.height / 2 - self.focal_px * (pts[..., 1] - self.height_m) / z
        ref = z if depth_m is None else depth_m
        return np.stack([x, y, self.focal_px * (z - ref) / ref], axis=-1)

    def half_width_m(self, distance_m: float) -> float:
        return self.width / 2 * distance_m / self.focal_px


# ---------------------------------------------------------------------------------------------- faults


@dataclass(frozen=True)
class Occlusion:
    foot: str
    start_s: float
    end_s: float
    mode: str = "guess"  # "nan": no landmarks; "guess": a lagging estimate; "mirror": a copy of the other foot
    visibility: float = 0.15


@dataclass(frozen=True)
class Faults:
    noise: float = 0.006  # landmark jitter, share of the leg length in the picture (MediaPipe: ~0.5-1 %)
    world_noise_m: float = 0.01
    swaps: int = 0  # episodes of one or two frames with the leg labels exchanged
    occlusions: tuple[Occlusion, ...] = ()
    seen_s: tuple[float, float] | None = None  # the person is tracked only in this window
    margin: float = 0.0  # the pelvis must be this share of the width inside the picture to be tracked


@dataclass(frozen=True)
class Person:
    motion: Gait | Jumps | Stand | OneFoot
    faults: Faults = Faults()
    id: int = 0


def frame_times(fps: float, duration_s: float, *, jitter: float = 0.0, drop: float = 0.0, seed: int = 0) -> np.ndarray:
    """Presentation times from 0: constant rate, or intervals spread by +-jitter with dropped frames."""
    n = int(round(duration_s * fps))
    if jitter == 0 and drop == 0:
        return np.arange(n) / fps
    rng = np.random.default_rng(seed + 1000)
    step = (1 + jitter * rng.uniform(-1, 1, n - 1)) / fps
    step = np.where(rng.uniform(size=n - 1) < drop, 2 * step, step)
    return np.r_[0.0, np.cumsum(step)]


def render(people: list[Person], camera: Camera, t: np.ndarray, *, fps: float, seed: int = 0) -> Clip:
    """Sample every person at the frame times `t`, with their faults."""
    rng = np.random.default_rng(seed)
    tracks, contacts = [], []
    for person in people:
        body = person.motion.body
        kin = person.motion.kinematics(t)
        scene = skeleton(kin, body)
        image = camera.project(scene, kin.pelvis[:, None, 2])
        pelvis_img = camera.project(kin.pelvis)
        world = scene - kin.pelvis[:, None, :]
        world[..., 1] *= -1  # MediaPipe's world landmarks: y down
        leg_px = body.leg_m * camera.focal_px / kin.pelvis[:, 2]
        vis = _visibility(kin, camera, image, rng)
        present = _present(person.faults, camera, t, pelvis_img)
        image, world, vis, occluded = _faults(person.faults, t, image, world, vis, leg_px, rng)
        image[~present], world[~present], vis[~present] = np.nan, np.nan, 0.0
        tracks.append(PoseTrack(person.id, np.arange(len(t)), t.copy(), image.astype(np.float32),
                                world.astype(np.float32), vis.astype(np.float32)))
        contacts += _contacts(person, kin, camera, t, present, occluded)
    poses = Poses(camera.width, camera.height, np.arange(len(t)), t.copy(), tuple(tracks))
    return Clip(poses, tuple(sorted(contacts, key=lambda c: (c.t_s, c.person, c.foot))), fps)


def _visibility(kin: Kinematics, camera: Camera, image: np.ndarray, rng) -> np.ndarray:
    """High for the side facing the camera, lower for the far side; low outside the picture."""
    n = len(image)
    vis = np.full((n, 33), 0.97)
    facing = kin.forward[0]  # side view: one side faces the camera
    far = 0.85 - 0.1 * abs(facing)
    for a, b in LEFT_RIGHT:  # in a side view walking right (+x), the left side is the far one
        if facing > 0.3:
            vis[:, a] = far
        elif facing < -0.3:
            vis[:, b] = far
    vis += rng.normal(0, 0.015, vis.shape)
    x, y = image[..., 0], image[..., 1]
    outside = (x < 0) | (x > camera.width) | (y < 0) | (y > camera.height)
    vis[outside] = 0.1
    return np.clip(vis, 0.0, 1.0)


def _present(faults: Faults, camera: Camera, t: np.ndarray, pelvis_img: np.ndarray) -> np.ndarray:
    x = pelvis_img[:, 0]
    present = (x > faults.margin * camera.width) & (x < (1 - faults.margin) * camera.width)
    if faults.seen_s is not None:
        present &= (t >= faults.seen_s[0]) & (t <= faults.seen_s[1])
    return present


def _faults(faults: Faults, t, image, world, vis, leg_px, rng):
    image = image + rng.normal(0, 1, image.shape) * (faults.noise * leg_px)[:, None, None]
    world = world + rng.normal(0, faults.world_noise_m, world.shape)
    occluded = {foot: np.zeros(len(t), bool) for foot in FEET}
    for occ in faults.occlusions:
        m = (t >= occ.start_s) & (t < occ.end_s)
        occluded[occ.foot] |= m
        idx = [25, 27, 29, 31] if occ.foot == "left" else [26, 28, 30, 32]
        other = [26, 28, 30, 32] if occ.foot == "left" else [25, 27, 29, 31]
        jitter = rng.normal(0, 1, (m.sum(), 4, 3)) * leg_px[m, None, None]
        if occ.mode == "nan":
            image[np.ix_(m, idx)] = np.nan
            world[np.ix_(m, idx)] = np.nan
        elif occ.mode == "mirror":  # the model puts the hidden leg where the visible one is
            image[np.ix_(m, idx)] = image[np.ix_(m, other)] + 0.01 * jitter
            world[np.ix_(m, idx)] = world[np.ix_(m, other)]
        else:  # a guess that lags the truth by ~0.2 s and wanders
            k = max(1, int(round(0.2 / np.median(np.diff(t)))))
            src = np.clip(np.flatnonzero(m) - k, 0, len(t) - 1)
            image[np.ix_(m, idx)] = image[np.ix_(src, idx)] + 0.02 * jitter
            world[np.ix_(m, idx)] = world[np.ix_(src, idx)]
        vis[np.ix_(m, idx)] = occ.visibility * rng.uniform(0.7, 1.3, (m.sum(), 4))
    n = len(t)
    for _ in range(faults.swaps):
        k = int(rng.integers(n // 10, n - n // 10))
        rows = slice(k, k + int(rng.integers(1, 3)))
        for a, b in zip(LEG_POINTS[0::2], LEG_POINTS[1::2]):
            for arr in (image, world, vis):
                arr[rows, [a, b]] = arr[rows, [b, a]]
    return image, world, vis, occluded


def _contacts(person: Person, kin: Kinematics, camera: Camera, t, present, occluded) -> list[Contact]:
    out = []
    kept = [c for c in kin.contacts if t[0] <= c[0] <= t[-1]]
    speeds = _approach(person.motion, [(tc, foot) for tc, foot, _, _ in kept])
    for (tc, foot, kind, point), speed in zip(kept, speeds):
        near = (t >= tc - 0.2) & (t <= tc + 0.1)
        x, y, _ = camera.project(point) / np.array([camera.width, camera.height, 1.0])
        seen = (bool(present[near].all() and not occluded[foot][near].any()) and tc - t[0] > 0.2
                and t[-1] - tc > 0.1 and 0 <= x <= 1 and 0 <= y <= 1)
        body_px = camera.focal_px * person.motion.body.height_m / point[2]
        out.append(Contact(round(tc, 6), person.id, foot, kind, float(x), float(y), speed, float(body_px), seen))
    return out


def _approach(motion, touchdowns: list[tuple[float, str]]) -> list[float]:
    """Speed of the first part down over the last millisecond before each touchdown (m/s)."""
    if not touchdowns:
        return []
    probe = np.sort(np.concatenate([[tc - 2e-3, tc - 1e-3] for tc, _ in touchdowns]))
    if isinstance(motion, Gait):
        heel, toe = motion.feet(probe)  # the same feet, without the pelvis
    else:
        kin = motion.kinematics(probe)
        heel, toe = kin.heel, kin.toe
    out = []
    for tc, foot in touchdowns:
        k = np.searchsorted(probe, tc - 2e-3 - 1e-9)
        lowest = heel[foot][k:k + 2] if heel[foot][k, 1] <= toe[foot][k, 1] else toe[foot][k:k + 2]
        out.append(float(np.linalg.norm(lowest[1] - lowest[0]) / 1e-3))
    return out


# ---------------------------------------------------------------------------------------------- scenes


def side_view(motion_at, *, fps=30.0, size=(1920, 1080), person_px=None, distance_m=6.0, duration_s=5.0,
              jitter=0.0, drop=0.0, faults=Faults(), seed=0) -> Clip:
    """One person filmed from the side; `motion_at(half_width_m)` places them in the shot."""
    person_px = person_px or 0.45 * size[1]
    camera = Camera.framing(*size, person_px, distance_m)
    motion = motion_at(camera.half_width_m(distance_m))
    t = frame_times(fps, duration_s, jitter=jitter, drop=drop, seed=seed)
    return render([Person(motion, faults)], camera, t, fps=fps, seed=seed)


def walking(direction="right", *, fps=30.0, size=(1920, 1080), person_px=None, duration_s=5.0, jitter=0.0,
            drop=0.0, faults=Faults(), seed=0, **gait) -> Clip:
    """Walking across the picture (right or left, passing the middle half way) or towards or away from the camera.

    Across: `person_px` tall (default: as large as lets the whole walk be seen).
    """
    speed = gait.get("speed_mps", 1.3)
    if direction in ("right", "left"):
        sign = 1 if direction == "right" else -1
        walk_m = speed * duration_s
        person_px = person_px or min(0.45 * size[1], Body().height_m * size[0] / (walk_m + 1.5))
        return side_view(
            lambda half: Gait(origin=(-sign * walk_m / 2, 6.0), heading=(sign, 0.0), seed=seed, **gait),
            fps=fps, size=size, person_px=person_px, duration_s=duration_s, jitter=jitter, drop=drop,
            faults=faults, seed=seed)
    near_m, far_m = 4.5, 4.5 + speed * duration_s
    camera = Camera.framing(*size, 0.75 * size[1], near_m)  # three quarters of the height when nearest
    start, heading = ((0.3, far_m), (0.0, -1.0)) if direction == "toward" else ((0.3, near_m), (0.0, 1.0))
    t = frame_times(fps, duration_s, jitter=jitter, drop=drop, seed=seed)
    walker = Person(Gait(origin=start, heading=heading, seed=seed, **gait), faults)
    return render([walker], camera, t, fps=fps, seed=seed)


def running(*, fps=30.0, size=(1920, 1080), duration_s=2.4, faults=Faults(), seed=0, **gait) -> Clip:
    """Sprinting across a wide shot (~4.5 steps/s, 0.1 s contacts, flight between steps)."""
    gait = {"shape": SPRINT, "speed_mps": 7.0, "cadence_hz": 4.5, **gait}
    d = gait["speed_mps"] * duration_s
    return side_view(lambda half: Gait(origin=(-d / 2, 14.0), heading=(1.0, 0.0), seed=seed, **gait),
                     fps=fps, size=size, person_px=Body().height_m * size[0] / (d + 2.0), distance_m=14.0,
                     duration_s=duration_s, faults=faults, seed=seed)


def facing(motion, *, fps=30.0, size=(1920, 1080), duration_s=4.0, faults=Faults(), seed=0) -> Clip:
    """One person in the middle of the picture, 5 m away (the default origin), facing the camera."""
    camera = Camera.framing(*size, 0.6 * size[1], 5.0)
    t = frame_times(fps, duration_s, seed=seed)
    return render([Person(motion, faults)], camera, t, fps=fps, seed=seed)


# ---------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Match:
    pairs: list[tuple[Contact, object]]  # (truth, event), truth that a detector can see
    missed: list[Contact]  # seen truth no event matched
    extra: list  # events that match no truth at all (false positives)
    ignored: list  # events matched to a contact nobody could see (clip edges, occlusion): not scored

    @property
    def errors_s(self) -> np.ndarray:
        return np.array([e.t_s - c.t_s for c, e in self.pairs])


def match(events, contacts, tol_s) -> Match:
    """One-to-one assignment of events to contacts (same person and foot) minimising |dt|.

    `tol_s`: seconds, or a function of the contact (e.g. the frame interval around it).
    Events matched to contacts that are not `seen` are neither hits nor false positives.
    """
    events, contacts = list(events), list(contacts)
    tol = tol_s if callable(tol_s) else (lambda c: tol_s)
    cost = np.full((len(contacts), len(events)), 1e6)
    for i, c in enumerate(contacts):
        for j, e in enumerate(events):
            if e.person == c.person and e.foot == c.foot and abs(e.t_s - c.t_s) <= tol(c) + 1e-9:
                cost[i, j] = abs(e.t_s - c.t_s) + (0.0 if c.seen else 1e-3)  # prefer a seen contact on a tie
    hit: dict[int, int] = {}
    if contacts and events:
        for i, j in zip(*linear_sum_assignment(cost)):
            if cost[i, j] < 1e6:
                hit[i] = j
    used = set(hit.values())
    return Match(
        pairs=[(contacts[i], events[j]) for i, j in hit.items() if contacts[i].seen],
        missed=[c for i, c in enumerate(contacts) if c.seen and i not in hit],
        extra=[e for j, e in enumerate(events) if j not in used],
        ignored=[events[j] for i, j in hit.items() if not contacts[i].seen],
    )
