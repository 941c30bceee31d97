"""Kinematics of the synthetic figure: body proportions, gaits, jumps, standing (see synth.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d, minimum_filter1d

G = 9.81
FEET = ("left", "right")
UP = np.array([0.0, 1.0, 0.0])


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
    hover_s: float = 0.0  # the feet hang still at the top this long (how smoothed landmarks draw a small hop)
    body: Body = Body()
    seed: int = 0

    def kinematics(self, t: np.ndarray) -> Kinematics:
        origin, f, left = self.axes()
        b = self.body
        rise_s = np.sqrt(2.0 * self.height_m / G)
        flight = 2.0 * rise_s + self.hover_s
        push_s, absorb_s = 0.12, 0.09  # heel rise before takeoff; heel down after landing
        lift_rad, land_rad = -0.7, -0.45
        takeoff = self.first_takeoff_s + np.arange(self.jumps) * (flight + self.ground_s)
        heel, toe, pitch, contacts = {}, {}, {}, []
        spread = np.zeros(len(t))
        for foot in FEET:
            sign = 1 if foot == "left" else -1
            fl = flight + (self.asymmetry_s if foot == "right" else 0.0)
            up = (fl - self.hover_s) / 2  # ballistic up, a hover at the top, ballistic down
            v0 = G * up
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
                b_u = np.where(u < up, u, np.maximum(up, u - self.hover_s))  # time on the ballistic arc
                lift[m] = v0 * b_u - 0.5 * G * b_u**2 + self.tuck_m * np.sin(np.pi * u / fl) ** 2
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


def _ease_in(u):
    """0 -> 1, starting at rest and arriving at full speed (a foot set down, not stopped in the air)."""
    return 1.0 - np.cos(0.5 * np.pi * np.clip(u, 0.0, 1.0))


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
    set_down: tuple[float, float, float] | None = None  # (lift at, lower at, lower for) s: the right foot is
    #   snatched up from the floor in 0.15 s, held, and set down again slowly: one contact, at the end
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
        raised = self.raised_m + drift_h
        contacts = []
        if self.set_down is not None:  # on the floor, up fast, held still, down slowly, on the floor
            lift_at, lower_at, lower_s = self.set_down
            up = _smooth((t - lift_at) / 0.15) * (1 - _ease_in((t - lower_at) / lower_s))
            raised, drift_f, pitch["right"] = self.raised_m * up, np.zeros(n), -0.3 * up
            contacts.append((lower_at + lower_s, "right", "step",
                             origin - 0.06 * b.height_m * left - 0.1 * b.foot_m * f))
        heel["right"] = (origin - 0.06 * b.height_m * left - 0.1 * b.foot_m * f + drift_f[:, None] * f
                         + raised[:, None] * UP)
        toe["right"] = heel["right"] + b.foot_m * (np.cos(pitch["right"])[:, None] * f
                                                   + np.sin(pitch["right"])[:, None] * UP)
        sway = 0.008 * np.sin(2 * np.pi * 0.5 * t)[:, None] * left + 0.02 * b.height_m * left
        pelvis = _pelvis_height(origin + sway, heel, toe, pitch, f, left, b, 0.985 * b.hip_m)
        return Kinematics(pelvis, f, heel, toe, pitch, arm_swing=np.zeros(n), arm_raise=np.full(n, 0.5),
                          elbow=0.2, lean=0.02, contacts=contacts)
