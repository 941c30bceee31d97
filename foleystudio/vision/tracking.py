"""Who is who across frames: pose regions, smoothing, duplicates and re-identification.

Pure geometry and bookkeeping for `vision.pose`, which owns the model calls. Pixel
values here are in the analysed image (the decoded frame, before any scaling back to
display pixels). A person's *scale* is the diameter of the circle around the whole
body that BlazePose itself uses (twice the distance from the hip centre to the
model's scale point), so every threshold below is relative to body size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

# Landmarks that say where the body is: shoulders, hips, knees, ankles.
BODY = np.array([11, 12, 23, 24, 25, 26, 27, 28])
TORSO = (11, 12, 24, 23)  # shoulders then hips, a quadrilateral
ROI_ENLARGE = 1.25  # BlazePose's own crop: 1.25x the body circle, square


@dataclass(frozen=True)
class Roi:
    """A square, rotated crop for the landmark model, in analysed-image pixels."""

    cx: float
    cy: float
    size: float  # side of the square
    angle: float  # radians; 0 = upright body

    def moved(self, dx: float, dy: float) -> Roi:
        return Roi(self.cx + dx, self.cy + dy, self.size, self.angle)


def roi_from_points(center: np.ndarray, scale_point: np.ndarray, *, enlarge: float = ROI_ENLARGE) -> Roi:
    """BlazePose's crop rule: centred on the hips, 2x the hip-to-scale-point distance, upright."""
    dx, dy = float(scale_point[0] - center[0]), float(scale_point[1] - center[1])
    size = 2.0 * math.hypot(dx, dy) * enlarge
    angle = math.pi / 2 - math.atan2(-dy, dx)
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    return Roi(float(center[0]), float(center[1]), size, angle)


@dataclass(frozen=True)
class View:
    """A square window of the frame the person detector looks through."""

    x0: int
    y0: int
    side_x: int
    side_y: int


def discovery_views(width: int, height: int, *, levels: int = 3) -> list[View]:
    """The full frame, then overlapping squares of the short side, then of half of it.

    The pose detector sees 224x224 pixels and finds people whose body spans a good part
    of its input; smaller windows magnify smaller (further) people. The order mixes
    sizes so that a round robin over the list reaches every scale early.
    """
    per_level: list[list[View]] = [[View(0, 0, width, height)]]
    side = min(width, height)
    for level in range(1, levels):
        if level == 1 and max(width, height) < 1.2 * side:
            continue  # square-ish frame: the full view is already this level
        side_l = max(96, side >> (level - 1))
        xs = _starts(width, side_l)
        ys = _starts(height, side_l)
        per_level.append([View(x, y, side_l, side_l) for y in ys for x in xs])
        if side_l == 96:
            break
    order: list[View] = []
    longest = max(len(v) for v in per_level)
    for i in range(longest):
        for views in per_level:
            if i < len(views):
                order.append(views[i])
    return order


def _starts(length: int, side: int, overlap: float = 0.3) -> list[int]:
    if side >= length:
        return [0]
    n = math.ceil((length - side) / (side * (1 - overlap))) + 1
    return [round(i * (length - side) / (n - 1)) for i in range(n)]


class OneEuro:
    """The 1-euro filter (Casiez et al., CHI 2012) over an array of values at once.

    Speed-adaptive low-pass: heavy smoothing when still, little lag when moving. With
    `value_scale`, speed is measured in body sizes per second, as BlazePose does.
    """

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float = 1.0):
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.x: np.ndarray | None = None
        self.dx: np.ndarray | None = None
        self.t_s = 0.0

    def reset(self) -> None:
        self.x = None

    def __call__(self, value: np.ndarray, t_s: float, value_scale: float = 1.0) -> np.ndarray:
        if self.x is None or t_s <= self.t_s:
            self.x, self.dx, self.t_s = value.copy(), np.zeros_like(value), t_s
            return value
        dt = t_s - self.t_s
        speed = (value - self.x) * value_scale / dt
        self.dx = self.dx + _alpha(self.d_cutoff_hz, dt) * (speed - self.dx)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self.dx)
        self.x = self.x + _alpha(cutoff, dt) * (value - self.x)
        self.t_s = t_s
        return self.x


def _alpha(cutoff_hz, dt: float):
    tau = 1.0 / (2 * np.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class PoseSmoother:
    """BlazePose's own landmark filtering, but on real timestamps (any frame rate).

    Constants are those of MediaPipe's pose_landmark_filtering graph: image landmarks
    1-euro(0.05 Hz, beta 80), world landmarks 1-euro(0.1 Hz, beta 40), the two crop
    landmarks 1-euro(0.01 Hz, beta 10), visibility a low-pass of 0.1 per 30 fps frame.
    """

    VISIBILITY_TAU_S = 0.316  # alpha 0.1 at 30 fps: -1/30 / ln(0.9)

    def __init__(self, smooth_landmarks: bool = True):
        self.smooth = smooth_landmarks
        self.image = OneEuro(0.05, 80.0)
        self.world = OneEuro(0.1, 40.0)
        self.aux = OneEuro(0.01, 10.0)
        self.vis: np.ndarray | None = None
        self.t_s = 0.0

    def __call__(self, t_s: float, image: np.ndarray, world: np.ndarray, vis: np.ndarray, aux: np.ndarray):
        scale = body_scale(aux)
        aux = self.aux(aux, t_s, 1.0 / max(scale, 1.0))
        if self.smooth:
            image = self.image(image, t_s, 1.0 / max(scale, 1.0))
            world = self.world(world, t_s)
            if self.vis is None or t_s <= self.t_s:
                self.vis = vis.copy()
            else:
                a = 1.0 - math.exp(-(t_s - self.t_s) / self.VISIBILITY_TAU_S)
                self.vis = self.vis + a * (vis - self.vis)
            vis = self.vis
        self.t_s = t_s
        return image, world, vis, aux


def body_scale(aux: np.ndarray) -> float:
    """Diameter of the body circle from the model's two crop landmarks (hips, scale point)."""
    return 2.0 * float(np.hypot(*(aux[1, :2] - aux[0, :2])))


def pose_distance(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    """Median distance between the body landmarks of two poses, in body scales."""
    d = np.hypot(*(a[BODY, :2] - b[BODY, :2]).T)
    return float(np.median(d)) / max(scale, 1.0)


def appearance(rgb: np.ndarray, image_px: np.ndarray) -> np.ndarray | None:
    """Hue-saturation histogram of the torso: what the person wears, cheap to compare."""
    quad = image_px[list(TORSO), :2]
    centre = quad.mean(axis=0)
    quad = centre + 0.8 * (quad - centre)  # stay inside the body
    x0, y0 = np.floor(quad.min(axis=0)).astype(int)
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 1
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    patch = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad - (x0, y0)).astype(np.int32), 1)
    hist = cv2.calcHist([patch], [0, 1], mask, [12, 4], [0, 180, 0, 256]).ravel()
    total = hist.sum()
    return hist / total if total > 0 else None


def appearance_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Hellinger (Bhattacharyya) distance in [0, 1]; 0.5 when either side is unknown."""
    if a is None or b is None:
        return 0.5
    bc = float(np.sum(np.sqrt(a * b)))
    return math.sqrt(max(0.0, 1.0 - bc))


@dataclass
class Identity:
    """What is remembered of one person: where, how big, how fast, what they wear."""

    person: int
    t_s: float  # last time seen
    center: np.ndarray  # (2,) hip centre, px
    scale: float  # body circle diameter, px
    image: np.ndarray  # (33, 3) last landmarks, px
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # px/s, smoothed
    look: np.ndarray | None = None  # appearance histogram, running mean
    lost_t_s: float | None = None  # when it was lost; None while tracked

    def predict(self, t_s: float, max_s: float = 0.5) -> np.ndarray:
        """Where the hips are expected at `t_s`, dead-reckoned for at most `max_s`."""
        return self.center + self.velocity * min(max(t_s - self.t_s, 0.0), max_s)

    def update(self, t_s: float, center: np.ndarray, scale: float, image: np.ndarray, look: np.ndarray | None) -> None:
        dt = t_s - self.t_s
        if dt > 0:
            a = min(1.0, dt / 0.2)  # velocity over about the last 0.2 s
            self.velocity = self.velocity + a * ((center - self.center) / dt - self.velocity)
        self.t_s, self.center, self.scale, self.image = t_s, center, scale, image
        if look is not None:
            self.look = look if self.look is None else 0.9 * self.look + 0.1 * look
        self.lost_t_s = None


def duplicates(people: list[Identity], looks: dict[int, np.ndarray | None], *, max_distance: float = 0.15) -> set[int]:
    """Persons to drop because another track sits on the same body.

    Two trackers converge when people overlap. Of a pair, the one whose remembered
    appearance matches what is now under both is the rightful owner; when that is
    unclear (within 0.05), the older track (lower id) stays.
    """
    drop: set[int] = set()
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if a.person in drop or b.person in drop:
                continue
            if pose_distance(a.image, b.image, min(a.scale, b.scale)) > max_distance:
                continue
            seen = looks.get(a.person) if looks.get(a.person) is not None else looks.get(b.person)
            da, db = appearance_distance(a.look, seen), appearance_distance(b.look, seen)
            older, newer = (a, b) if a.person < b.person else (b, a)
            d_old, d_new = (da, db) if older is a else (db, da)
            drop.add(older.person if d_old > d_new + 0.05 else newer.person)
    return drop


def reidentify(
    found: list[tuple[np.ndarray, float, np.ndarray | None]],
    lost: list[Identity],
    t_s: float,
    *,
    window_s: float = 2.0,
    max_look_distance: float = 0.5,
) -> list[int | None]:
    """Give newly found people (hip centre, scale, look) the id of a recently lost one.

    A lost person is a match when the new one is where they were heading (within half a
    body scale plus one scale per second of absence), about the same size, and dressed
    alike. Pairs are assigned one-to-one at least cost.
    """
    out: list[int | None] = [None] * len(found)
    cands = [p for p in lost if p.lost_t_s is not None and t_s - p.lost_t_s <= window_s]
    if not found or not cands:
        return out
    big = 1e6
    cost = np.full((len(found), len(cands)), big)
    for i, (center, scale, look) in enumerate(found):
        for j, p in enumerate(cands):
            gap_s = max(t_s - p.t_s, 0.0)
            dist = float(np.hypot(*(center - p.predict(t_s)))) / max(p.scale, 1.0)
            ratio = max(scale, p.scale) / max(min(scale, p.scale), 1.0)
            look_d = appearance_distance(look, p.look)
            if dist > 0.5 + 1.0 * gap_s or ratio > 1.6 or look_d > max_look_distance:
                continue
            cost[i, j] = dist / (0.5 + gap_s) + 2.0 * look_d + (ratio - 1.0)
    rows, cols = linear_sum_assignment(cost)
    for i, j in zip(rows, cols):
        if cost[i, j] < big:
            out[i] = cands[j].person
    return out


def keep_track(visibility: np.ndarray, present: np.ndarray, t_s: np.ndarray, *, min_s: float, min_vis: float = 0.5) -> bool:
    """A track matters when its feet are seen for at least `min_s` of video."""
    if present.sum() < 2:
        return False
    feet = visibility[:, 27:33].max(axis=1) >= min_vis
    dt = np.diff(t_s, append=t_s[-1] + (np.median(np.diff(t_s)) if len(t_s) > 1 else 0.0))
    return float(dt[present & feet].sum()) >= min_s
