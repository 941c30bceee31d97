"""Who is who across frames: crops, where to look, smoothing, duplicates, re-identification.

Pure geometry and bookkeeping for `vision.pose`, which owns the model calls. Pixels are
those of the analysed (decoded) image. A person's *scale* is the diameter of the circle
BlazePose draws around the whole body (twice the hip centre to its scale point), so the
thresholds below are relative to body size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

# Landmarks that say where the body is: shoulders, hips, knees, ankles.
BODY = np.array([11, 12, 23, 24, 25, 26, 27, 28])
ROI_ENLARGE = 1.25  # BlazePose's own crop: 1.25x the body circle, square


@dataclass(frozen=True)
class Roi:
    """A square, rotated crop for the landmark model, in analysed-image pixels."""

    cx: float
    cy: float
    size: float  # side of the square
    angle: float  # radians; 0 = upright body


def roi_from_points(center: np.ndarray, scale_point: np.ndarray, *, enlarge: float = ROI_ENLARGE) -> Roi:
    """BlazePose's crop rule: centred on the hips, 2x the hip-to-scale-point distance, upright."""
    dx, dy = float(scale_point[0] - center[0]), float(scale_point[1] - center[1])
    angle = (math.pi / 2 - math.atan2(-dy, dx) + math.pi) % (2 * math.pi) - math.pi  # in [-pi, pi)
    return Roi(float(center[0]), float(center[1]), 2.0 * math.hypot(dx, dy) * enlarge, angle)


@dataclass(frozen=True)
class View:
    """A square window of the frame the person detector looks through."""

    x0: int
    y0: int
    side_x: int
    side_y: int


def discovery_views(width: int, height: int, *, levels: int = 3) -> list[View]:
    """Windows for the person detector, in the order a round robin should visit them.

    The detector sees 224x224 pixels and misses people much smaller than its input, so
    there are three sizes: the full frame, overlapping squares of the short side, and
    squares of half that. Coarse windows take every other turn (people walking in are big).
    """
    coarse = [View(0, 0, width, height)]
    fine: list[View] = []
    side = min(width, height)
    for level in range(1, levels):
        if level == 1 and max(width, height) < 1.2 * side:
            continue  # square-ish frame: the full view is already this level
        side_l = max(96, side >> (level - 1))
        views = [View(x, y, side_l, side_l) for y in _starts(height, side_l) for x in _starts(width, side_l)]
        (coarse if level == 1 else fine).extend(views)
    if not fine:
        return coarse
    n = max(len(fine), len(coarse))
    return [v for i in range(n) for v in (coarse[i % len(coarse)], fine[i % len(fine)])]


def _starts(length: int, side: int, overlap: float = 0.3) -> list[int]:
    if side >= length:
        return [0]
    n = math.ceil((length - side) / (side * (1 - overlap))) + 1
    return [round(i * (length - side) / (n - 1)) for i in range(n)]


def window_around(center: np.ndarray, scale: float, width: int, height: int) -> View:
    """A detector window on where someone is expected: 2.5 body scales, inside the frame."""
    side = int(min(max(2.5 * scale, 96), width, height))
    x0 = int(np.clip(center[0] - side / 2, 0, width - side))
    y0 = int(np.clip(center[1] - side / 2, 0, height - side))
    return View(x0, y0, side, side)


def motion_view(before: np.ndarray, now: np.ndarray, followed: list[Roi], width: int, height: int) -> View | None:
    """A detector window on the biggest moving thing outside the crops of `followed`.

    `before` and `now` are grey thumbnails (`thumbnail`) a discovery tick apart. With a
    still camera this finds someone walking in long before a round robin of windows
    would; with a moving one it returns a large window, which is harmless.
    """
    sx, sy = now.shape[1] / width, now.shape[0] / height
    moving = (cv2.absdiff(before, now) > 24).astype(np.uint8)  # 24 of 255: above codec noise
    for r in followed:
        x0, y0, half = int((r.cx - r.size / 2) * sx), int((r.cy - r.size / 2) * sy), r.size / 2
        moving[max(y0, 0) : int(np.ceil((r.cy + half) * sy)), max(x0, 0) : int(np.ceil((r.cx + half) * sx))] = 0
    moving = cv2.dilate(moving, np.ones((3, 3), np.uint8), iterations=2)  # join the limbs of one body
    n, _, stats, _ = cv2.connectedComponentsWithStats(moving)
    x, y, bw, bh, area = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))] if n > 1 else (0, 0, 0, 0, 0)
    if area < 12:
        return None  # nothing, or compression noise and leaves
    center = np.array([(x + bw / 2) / sx, (y + bh / 2) / sy])
    return window_around(center, max(bh / sy, bw / sx), width, height)


def thumbnail(rgb: np.ndarray, width_px: int = 160) -> np.ndarray:
    """Small grey copy of a frame for motion and cut tests (0.2 ms for 1280x720)."""
    size = (width_px, max(1, round(rgb.shape[0] * width_px / rgb.shape[1])))
    small = cv2.resize(cv2.resize(rgb, (2 * size[0], 2 * size[1])), size, interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (3, 3), 0)


def near(roi: Roi, others: list[Roi]) -> bool:
    """The same person as one of `others`: hips within a fifth of a crop (a quarter of a body
    height; two people side by side stand further apart), similar size."""
    return any(
        max(roi.size, o.size) < 2 * min(roi.size, o.size) and math.hypot(roi.cx - o.cx, roi.cy - o.cy) < o.size / 5
        for o in others
    )


class Scout:
    """Watches the picture: shot cuts, and where the person detector should look.

    `cut` is called on every frame. `windows` on each discovery tick: everywhere on the
    first tick (and after a cut); then one window per tick, alternating between the next
    of `discovery_views` and the biggest motion nobody is followed on, plus a window
    where each recently lost person is expected.
    """

    def __init__(self):
        self.views: list[View] = []
        self.turn = 0
        self.thumb: np.ndarray | None = None  # this frame
        self.tick_thumb: np.ndarray | None = None  # the last tick's frame

    def cut(self, rgb: np.ndarray, threshold: float = 0.6) -> bool:
        """The picture changed completely since the last frame (a cut scores ~1.0; sun
        flares, flips and pans on the dev clips at most 0.25)."""
        before, self.thumb = self.thumb, thumbnail(rgb)
        if before is None or before.shape != self.thumb.shape:
            return False
        z = [(a - a.mean()) / (a.std() + 1e-3) for a in (self.thumb.astype(np.float32), before.astype(np.float32))]
        return float(np.abs(z[0] - z[1]).mean()) > threshold  # structure, not exposure

    def windows(self, followed: list[Roi], expected: list[tuple[np.ndarray, float]], w: int, h: int) -> list[View]:
        before, self.tick_thumb = self.tick_thumb, self.thumb
        if not self.views:
            self.views = discovery_views(w, h)
            return list(self.views)
        self.turn += 1
        view = motion_view(before, self.thumb, followed, w, h) if self.turn % 2 and before is not None else None
        if view is None:
            view = self.views[(self.turn // 2) % len(self.views)]
        return [view] + [window_around(center, scale, w, h) for center, scale in expected]


@dataclass
class Observation:
    """One landmark-model result, in analysed-image pixels."""

    image: np.ndarray  # (33, 3)
    world: np.ndarray  # (33, 3) metres
    vis: np.ndarray  # (33,)
    aux: np.ndarray  # (2, 3): hip centre and scale point, for the next crop
    presence: float  # the model's own "a person is here", 0..1

    @property
    def center(self) -> np.ndarray:
        return self.aux[0, :2].copy()

    @property
    def scale(self) -> float:
        return body_scale(self.aux)


class OneEuro:
    """The 1-euro filter (Casiez et al., CHI 2012) over an array of values at once.

    Speed-adaptive low-pass: heavy smoothing when still, little lag when moving. With
    `value_scale`, speed is measured in body sizes per second, as BlazePose does.
    """

    def __init__(self, min_cutoff_hz: float, beta: float, d_cutoff_hz: float = 1.0):
        self.min_cutoff_hz, self.beta, self.d_cutoff_hz = min_cutoff_hz, beta, d_cutoff_hz
        self.x = self.dx = None  # the filtered value and its speed
        self.t_s = 0.0

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
    return 1.0 / (1.0 + 1.0 / (2 * np.pi * cutoff_hz * dt))  # exponential smoothing factor


class PoseSmoother:
    """BlazePose's own landmark filtering, but on real timestamps (any frame rate).

    Constants are those of MediaPipe's pose_landmark_filtering graph: image landmarks
    1-euro(0.05 Hz, beta 80), world landmarks 1-euro(0.1 Hz, beta 40), the two crop
    landmarks 1-euro(0.01 Hz, beta 10), visibility a low-pass of 0.1 per 30 fps frame.
    """

    VISIBILITY_TAU_S = 0.316  # alpha 0.1 at 30 fps: -1/30 / ln(0.9)

    def __init__(self, smooth_landmarks: bool = True):
        self.smooth = smooth_landmarks
        self.image, self.world, self.aux = OneEuro(0.05, 80.0), OneEuro(0.1, 40.0), OneEuro(0.01, 10.0)
        self.vis: np.ndarray | None = None
        self.t_s = 0.0

    def __call__(self, t_s: float, image: np.ndarray, world: np.ndarray, vis: np.ndarray, aux: np.ndarray):
        scale = body_scale(aux)
        aux = self.aux(aux, t_s, 1.0 / max(scale, 1.0))
        if self.smooth:
            image = self.image(image, t_s, 1.0 / max(scale, 1.0))
            world = self.world(world, t_s)
            a = 1.0 - math.exp(-max(t_s - self.t_s, 1e-9) / self.VISIBILITY_TAU_S)
            self.vis = vis = vis if self.vis is None else self.vis + a * (vis - self.vis)
        self.t_s = t_s
        return image, world, vis, aux


def body_scale(aux: np.ndarray) -> float:
    """Diameter of the body circle from the model's two crop landmarks (hips, scale point)."""
    return 2.0 * float(np.hypot(*(aux[1, :2] - aux[0, :2])))


def pose_distance(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    """Median distance between the body landmarks of two poses, in body scales."""
    d = np.hypot(*(a[BODY, :2] - b[BODY, :2]).T)
    return float(np.median(d)) / max(scale, 1.0)


def box_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller of the two bodies' landmark boxes, in [0, 1]."""
    pts_a, pts_b = a[BODY, :2], b[BODY, :2]
    lo = np.maximum(pts_a.min(axis=0), pts_b.min(axis=0))
    hi = np.minimum(pts_a.max(axis=0), pts_b.max(axis=0))
    inter = float(np.prod(np.clip(hi - lo, 0, None)))
    area = min(float(np.prod(np.ptp(pts_a, axis=0))), float(np.prod(np.ptp(pts_b, axis=0))))
    return inter / area if area > 0 else 0.0


def appearance(rgb: np.ndarray, image_px: np.ndarray) -> np.ndarray | None:
    """What the person wears: colour names of the torso and of the thighs, 24 bins.

    Saturated pixels vote for one of 8 hues; grey ones for one of 4 brightness bins
    (hue means nothing there). Each region is shrunk towards its centre to keep the
    background out. None when the body is too small or off the frame.
    """
    torso, thighs = image_px[[11, 12, 24, 23], :2], image_px[[23, 24, 26, 25], :2]
    h, w = rgb.shape[:2]
    both = image_px[[11, 12, 23, 24, 25, 26], :2]
    x0, y0 = np.clip(np.floor(both.min(axis=0)).astype(int), 0, (w, h))
    x1, y1 = np.clip(np.ceil(both.max(axis=0)).astype(int) + 1, 0, (w, h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2HSV)
    parts = []
    for quad, shrink in ((torso, 0.7), (thighs, 0.6)):
        centre = quad.mean(axis=0)
        poly = np.round(centre + shrink * (quad - centre) - (x0, y0)).astype(np.int32)
        px = hsv[cv2.fillConvexPoly(np.zeros(hsv.shape[:2], np.uint8), poly, 1) > 0].astype(np.int32)
        if len(px) < 8:
            return None
        chroma = (px[:, 1] >= 60) & (px[:, 2] >= 50)
        hist = np.concatenate(
            [np.bincount(px[chroma, 0] * 8 // 180, minlength=8), np.bincount(px[~chroma, 2] // 64, minlength=4)]
        ).astype(np.float64)
        parts.append(hist / hist.sum())
    return np.concatenate(parts) / len(parts)


def appearance_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Hellinger (Bhattacharyya) distance in [0, 1]; 0.5 when either side is unknown."""
    if a is None or b is None:
        return 0.5
    return math.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(a * b)))))


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
    look_t_s: float = -math.inf  # when the look was last updated

    def predict(self, t_s: float, max_s: float = 0.5) -> np.ndarray:
        """Where the hips are expected at `t_s` (dead-reckoned for at most `max_s`)."""
        return self.center + self.velocity * min(max(t_s - self.t_s, 0.0), max_s)

    def update(self, t_s: float, center: np.ndarray, scale: float, image: np.ndarray, look: np.ndarray | None) -> None:
        dt = t_s - self.t_s
        if dt > 0:
            a = min(1.0, dt / 0.2)  # velocity over about the last 0.2 s
            self.velocity = self.velocity + a * ((center - self.center) / dt - self.velocity)
        self.t_s, self.center, self.scale, self.image = t_s, center, scale, image
        if look is not None:
            self.look = look if self.look is None else 0.9 * self.look + 0.1 * look
            self.look_t_s = t_s
        self.lost_t_s = None


def same_body(a: np.ndarray, a_scale: float, b: np.ndarray, b_scale: float) -> bool:
    """Two poses on one body: landmarks together, or one box mostly inside the other."""
    return pose_distance(a, b, min(a_scale, b_scale)) <= 0.15 or box_overlap(a, b) > 0.6


def plausible(obs: Observation, width: int, height: int, *, min_scale: float) -> bool:
    """A pose worth following: big enough, hips near the frame, torso seen."""
    scale = obs.scale
    if not min_scale <= scale <= 4 * max(width, height):
        return False
    (cx, cy), margin = obs.center, 0.5 * scale
    if not (-margin <= cx <= width + margin and -margin <= cy <= height + margin):
        return False
    return float(obs.vis[[11, 12, 23, 24]].max()) >= 0.5


def duplicates(people: list[Identity], look_now: Callable[[Identity], np.ndarray | None]) -> set[int]:
    """Persons to drop because another track sits on the same body.

    Two trackers converge when people overlap. Of a pair, the one whose remembered
    appearance is closer to what is now under both is the rightful owner; when that is
    unclear (within 0.05), the older track (lower id) stays.
    """
    drop: set[int] = set()
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if a.person in drop or b.person in drop or not same_body(a.image, a.scale, b.image, b.scale):
                continue
            older, newer = (a, b) if a.person < b.person else (b, a)
            seen = look_now(older)
            d_old, d_new = appearance_distance(older.look, seen), appearance_distance(newer.look, seen)
            drop.add(older.person if d_old > d_new + 0.05 else newer.person)
    return drop


def reidentify(
    found: list[tuple[np.ndarray, float, np.ndarray | None]],
    lost: list[Identity],
    t_s: float,
    *,
    window_s: float = 2.0,
    max_look_distance: float = 0.9,
) -> list[int | None]:
    """Give newly found people (hip centre, scale, look) the id of a recently lost one.

    A lost person matches when the new one is where they were heading (half a body scale
    plus one per second of absence) and about as big. Clothes under changing light are a
    weak cue (on the dev clips a person's own look drifted as far as another's), so the
    look vetoes only a near-total mismatch and otherwise breaks ties. One-to-one, least cost.
    """
    out: list[int | None] = [None] * len(found)
    cands = [p for p in lost if p.lost_t_s is not None and t_s - p.lost_t_s <= window_s]
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
            cost[i, j] = dist / (0.5 + gap_s) + look_d + (ratio - 1.0)
    rows, cols = linear_sum_assignment(cost)
    for i, j in zip(rows, cols):
        if cost[i, j] < big:
            out[i] = cands[j].person
    return out


def keep_track(visibility: np.ndarray, present: np.ndarray, t_s: np.ndarray, *, min_s: float, min_vis=0.5) -> bool:
    """A track matters when its feet are seen for at least `min_s` of video."""
    feet = visibility[:, 27:33].max(axis=1) >= min_vis
    dt = np.diff(t_s, append=t_s[-1] + (np.median(np.diff(t_s)) if len(t_s) > 1 else 0.0))
    return present.sum() >= 2 and float(dt[present & feet].sum()) >= min_s
