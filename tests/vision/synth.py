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

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from foleystudio.vision.pose import Poses, PoseTrack
from tests.vision.synth_motion import (  # noqa: F401  (re-exported: the tests build scenes from these)
    FEET,
    G,
    SPRINT,
    UP,
    Body,
    Gait,
    GaitShape,
    Jumps,
    Kinematics,
    OneFoot,
    Stand,
    _ankle,
    _left_of,
)
LEG_POINTS = tuple(range(23, 33))  # hips, knees, ankles, heels, toes: what a leg-label swap exchanges
LEFT_RIGHT = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20),
              (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)]


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
