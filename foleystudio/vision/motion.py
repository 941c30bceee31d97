"""Impacts seen in the picture's own motion: something that moves fast and stops dead or bounces.

Built to ride along the single decoding pass, like `vision.shots`: the pipeline calls
`tracker.feed(frame.index, frame.t_s, grey)` for every decoded frame with a small grey
copy (160-320 px wide) and `tracker.result()` once at the end. A stick on a table, a
ball on the floor, a door into its frame: no person needs to be in the picture.

Per frame (about 1.5 ms at 256 x 144):

1. The frame is normalised to zero mean and unit spread, so a global change of
   exposure or lighting does not read as motion.
2. Dense optical flow from the previous frame (OpenCV's DIS, coarse and fast) is
   averaged over a grid of cells; cells without 2-D texture (their flow is a guess)
   and cells the flow does not explain (warping the new frame back leaves an error:
   occlusions, garbage) are not trusted.
3. The camera's motion is one affine map fitted to the trusted cells (least squares,
   trimmed twice), and taken off: what is left is what moves in the scene. A pan, a
   tilt, a zoom or a roll leave nothing. When most of the frame is not explained by
   any flow, the frame is a cut and nothing is measured across it.
4. Regions of fast residual motion (frame heights per second, so the size of the
   frame does not matter) are connected groups of cells, each with one velocity.

A region is an impact when it moved the same way, as fast, in the interval before
(a real object, not a flicker), was small (an object, not the frame), and the
part of the picture it moved into then stops (its speed drops under `stop_ratio` of
what it was) or comes back (a bounce). Two intervals after are read: an object that
stops part-way through an interval moves only that share of its speed in it, which
times the impact within the frame; a bounce is timed from the speeds before and after.

Only the last few flow fields (a ring buffer) and the candidates are kept: memory
stays flat for any length of video.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

RING = 4  # flow fields kept: the interval before a region's, its own, and the two after it


@dataclass(frozen=True)
class MotionConfig:
    max_width_px: int = 320  # wider frames are shrunk to this first (the cost grows with the area)
    grid_rows: int = 18  # flow is averaged over square cells, this many down the frame (8 px at 144 px high):
    #                      an object an eighteenth of the frame high covers a cell or two
    border_cells: int = 1  # the outer ring of cells is ignored: what enters or leaves the frame has no match
    fast_speed: float = 0.5  # frame heights/s a region must move (camera taken off) to be fast: a hand hitting
    #                          a table at ~1.5 m/s in a 2 m high shot is 0.75; flow noise on still texture ~0.02
    cell_share: float = 0.6  # cells moving this share of fast_speed make up a region (its edges are slower:
    #                          cells half on the object, half on the background)
    min_cells: int = 2  # smaller regions are flow noise (one cell is 8 px: under that no object is resolved)
    max_area: float = 0.12  # share of the frame's cells a region may cover: larger is a shot change or the frame
    stop_ratio: float = 0.25  # the region moves at most this share of its speed afterwards: it stopped dead
    bounce_ratio: float = 0.2  # ... or comes back along its way at least this share as fast: a bounce
    sustain_ratio: float = 0.5  # in the interval before, the region moved at least this share as fast, same way
    sustain_cos: float = 0.7  # ... within ~45 degrees of the same direction
    min_texture: float = 0.02  # smaller eigenvalue of a cell's structure tensor (normalised grey): below, the
    #                            flow there is a guess (flat wall, sky, an edge along its length)
    max_error: float = 0.35  # mean |grey error| (normalised units) after warping the next frame back by the flow:
    #                          above, the flow does not explain the cell (occlusion, motion blur)
    cut_share: float = 0.5  # more trusted-texture cells than this share unexplained: a cut (a pan is explained)
    camera_trim_px: float = 0.4  # cells off the camera fit by more than this (and 3 MADs) are not the background
    min_camera_cells: int = 12  # fewer background cells than this: the camera's motion is not known (no events)
    merge_s: float = 0.1  # two impacts closer than this in time ...
    merge_distance: float = 0.15  # ... and this in frame heights (plus their radii) are one
    strength_speed: float = 3.0  # frame heights/s of the region before the stop that is full strength


@dataclass(frozen=True)
class MotionEvent:
    t_s: float  # when the region stopped (or turned), between frames where the speeds tell
    frame: int  # index of the video frame nearest t_s
    x: float  # where it stopped, normalised 0 (left) .. 1 (right)
    y: float  # 0 (top) .. 1 (bottom)
    strength: float  # 0..1 from its speed before the stop
    confidence: float  # 0..1: how sustained the motion before and how clean the stop
    speed: float  # frame heights/s before the stop
    size: float  # the region's equivalent diameter, share of the frame height
    kind: str  # "stop" or "bounce"


@dataclass(frozen=True)
class MotionEvents:
    events: tuple[MotionEvent, ...]  # sorted by time

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


@dataclass
class _Field:
    """One interval's motion: from frame `start` to the next fed frame."""

    start: int  # frame index the field's cells are in
    t0: float
    t1: float
    frame1: int
    cell_px: int  # size of its cells (working px)
    velocity: np.ndarray  # (gh, gw, 2) working px per interval, camera taken off
    trusted: np.ndarray  # (gh, gw) bool
    regions: list  # fast regions found in it (_Region)


@dataclass(frozen=True)
class _Region:
    cells: np.ndarray  # (k, 2) float: (col, row) of its cells
    velocity: np.ndarray  # (2,) working px per interval
    speed: float  # frame heights/s


class MotionTracker:
    """Fed every decoded frame in order (small grey frames); `result` gives the impacts found."""

    def __init__(self, config: MotionConfig, width: int, height: int, fps: float | Fraction):
        self.config = config
        self.width, self.height = int(width), int(height)  # display size: its aspect turns x, y into distances
        self.fps = float(fps)
        self._flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        self._flow.setFinestScale(1)  # 1/2 resolution: a 24 px object still gets its own patches
        self._flow.setPatchStride(4)  # 8 px patches every 4 px; 5-6 is ~40 % cheaper but loses a block now and then
        self._camera_coef = np.zeros((3, 2))  # last camera fit (working px -> flow); zero: still
        self._grid: tuple[np.ndarray, np.ndarray] | None = None  # pixel coordinates at the working size
        self._prev: tuple[int, float, np.ndarray] | None = None  # (index, t_s, normalised uint8)
        self._fields: deque[_Field | None] = deque(maxlen=RING)  # None: a cut or an unknown camera
        self._candidates: list[MotionEvent] = []
        self._judged: list[int] = []  # per candidate: the frame its interval starts at (who owns it in a chunk)
        self._shape: tuple[int, int] | None = None

    def feed(self, frame_index: int, t_s: float, gray_small: np.ndarray) -> None:
        """One decoded frame: grey (or RGB), uint8 or float (0..255 or 0..1), any size up to max_width_px
        (wider ones are shrunk); a change of size starts over."""
        grey = self._normalised(gray_small)
        if self._shape is not None and grey.shape != self._shape:
            self._prev = None  # a new size: start over
            self._fields.clear()
        self._shape = grey.shape
        if self._prev is not None:
            index0, t0, prev = self._prev
            dt = t_s - t0 if t_s > t0 else 1.0 / self.fps
            self._fields.append(self._measure(prev, grey, index0, t0, t0 + dt, frame_index))
            self._evaluate()
        self._prev = (frame_index, float(t_s), grey)

    def result(self) -> MotionEvents:
        """The impacts found so far, merged and sorted by time."""
        return MotionEvents(tuple(_merge(self._candidates, self.config, self.width / self.height)))

    def candidates(self, lo: int, hi: int) -> list[MotionEvent]:
        """The stops judged on intervals that start at frames lo <= f < hi: a chunk's own share. An interval is
        judged once the two after it are seen, so a chunk feeds three frames past `hi`, and one before `lo`."""
        return [e for e, f in zip(self._candidates, self._judged) if lo <= f < hi]

    def take(self, candidates: list[MotionEvent]) -> None:
        """Hold `candidates` (a whole video's, from its chunks, in order) in place of its own: `result` merges them."""
        self._candidates, self._judged = list(candidates), [e.frame for e in candidates]  # judged: near enough

    # ------------------------------------------------------------------------------------ per frame

    def _normalised(self, gray: np.ndarray) -> np.ndarray:
        g = np.asarray(gray)
        if g.dtype != np.uint8:  # float grey: 0..255, or 0..1
            g = g.astype(np.float32) * np.float32(255.0 if g.size and float(g.max()) <= 1.0 else 1.0)
        if g.ndim == 3:
            g = cv2.cvtColor(g, cv2.COLOR_RGB2GRAY)
        h, w = g.shape
        if w > self.config.max_width_px:
            s = self.config.max_width_px / w
            g = cv2.resize(g, (self.config.max_width_px, max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        mean, std = cv2.meanStdDev(g)
        scale = 40.0 / max(float(std[0, 0]), 1.0)  # unit spread -> 40 grey levels: DIS works in uint8
        return cv2.addWeighted(g, scale, g, 0.0, 128.0 - scale * float(mean[0, 0]), dtype=cv2.CV_8U)

    def _measure(self, prev: np.ndarray, grey: np.ndarray, index0: int, t0: float, t1: float,
                 index1: int) -> _Field | None:
        cfg = self.config
        h, w = prev.shape
        c = max(2, h // cfg.grid_rows)
        gh, gw = h // c, w // c
        if gh < 3 or gw < 3:
            return None
        if self._grid is None or self._grid[0].shape != prev.shape:
            xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
            self._grid = (xs, ys)
        xs, ys = self._grid
        k = self._camera_coef.astype(np.float32)
        init = np.dstack([xs * k[0, 0] + ys * k[1, 0] + k[2, 0], xs * k[0, 1] + ys * k[1, 1] + k[2, 1]])
        flow = self._flow.calc(prev, grey, init)  # DIS starts from a given flow: the camera's last motion
        cells = cv2.resize(flow[: gh * c, : gw * c], (gw, gh), interpolation=cv2.INTER_AREA)
        texture = _texture(prev[: gh * c, : gw * c], gw, gh)
        error = _warp_error(prev, grey, flow, xs, ys)[: gh * c, : gw * c]
        error = cv2.resize(error, (gw, gh), interpolation=cv2.INTER_AREA)
        textured = texture >= cfg.min_texture
        explained = error <= cfg.max_error
        inner = np.zeros((gh, gw), bool)
        b = cfg.border_cells
        inner[b : gh - b, b : gw - b] = True
        if textured.sum() and (textured & ~explained).sum() > cfg.cut_share * textured.sum():
            self._camera_coef[:] = 0.0
            return None  # a cut: the new frame is not the old one moved
        trusted = textured & explained & inner
        fit = _camera(cells, trusted, c, cfg)
        if fit is None:
            self._camera_coef[:] = 0.0
            return None
        camera, self._camera_coef = fit
        residual = cells - camera
        speed = np.linalg.norm(residual, axis=2) / h / (t1 - t0)  # frame heights/s
        regions = _regions(residual, speed, trusted, h, t1 - t0, cfg)
        return _Field(index0, t0, t1, index1, c, residual, trusted, regions)

    def _evaluate(self) -> None:
        """Judge the regions of the field two intervals back, now that the two after it are known."""
        if len(self._fields) < 3:
            return
        fields = list(self._fields)
        here, after1, after2 = fields[-3], fields[-2], fields[-1]
        before = fields[-4] if len(fields) == RING else None
        if here is None or after1 is None or after2 is None:
            return
        for region in here.regions:
            event = self._judge(region, before, here, after1, after2)
            if event is not None:
                self._candidates.append(event)
                self._judged.append(here.start)

    def _judge(self, r: _Region, before: _Field | None, here: _Field, after1: _Field,
               after2: _Field) -> MotionEvent | None:
        cfg = self.config
        v = r.velocity
        v2 = float(v @ v)
        cell = here.cell_px
        u_before = _predecessor(r, before, cell, cfg)
        if u_before is None:
            return None  # no fast region led here the same way: a flicker, or the first interval of a shot
        cos = float(u_before @ v) / max(np.linalg.norm(u_before) * np.sqrt(v2), 1e-9)
        at1 = r.cells + v / cell  # where it is at the end of its interval
        u1 = _sample(after1.velocity, after1.trusted, at1)
        if u1 is None:
            return None
        u2 = _sample(after2.velocity, after2.trusted, at1 + u1 / cell)
        if u2 is None:
            return None
        a, c_after = float(u1 @ v) / v2, float(u2 @ v) / v2  # speeds along the way, share of the speed before
        if _goes_on(r, at1, after1, 0.9) or _goes_on(r, at1 + u1 / cell, after2, cfg.sustain_ratio):
            return None  # it carries on (the next interval judges it), or the flow lost it for a moment
        if np.linalg.norm(u2) <= cfg.stop_ratio * np.sqrt(v2):
            kind = "stop"
        elif c_after <= -cfg.bounce_ratio:
            kind = "bounce"
        else:
            return None
        c_after = min(c_after, 0.0)
        # moving at 1 until the hit at phi of the interval, then at c: a = phi + (1 - phi) c
        phi = float(np.clip((a - c_after) / (1.0 - c_after), 0.0, 1.0))
        t = after1.t0 + phi * (after1.t1 - after1.t0)
        centre = (at1 + phi * u1 / cell).mean(axis=0)
        gh, gw = here.velocity.shape[:2]
        sharp = 1.0 - min(1.0, np.linalg.norm(u2) / np.sqrt(v2)) if kind == "stop" else min(1.0, -c_after)
        sustained = min(1.0, float(np.linalg.norm(u_before)) / np.sqrt(v2)) * cos
        size = 2.0 * np.sqrt(len(r.cells) / np.pi) / gh
        return MotionEvent(
            t_s=round(t, 6),
            frame=after1.start if phi < 0.5 else after1.frame1,
            x=round(float(np.clip((centre[0] + 0.5) / gw, 0, 1)), 4),
            y=round(float(np.clip((centre[1] + 0.5) / gh, 0, 1)), 4),
            strength=round(float(np.clip(np.sqrt(r.speed / cfg.strength_speed), 0.05, 1.0)), 3),
            confidence=round(float(np.clip(0.5 * sharp + 0.5 * sustained, 0.0, 1.0)), 3),
            speed=round(r.speed, 3),
            size=round(float(size), 4),
            kind=kind,
        )


def detect_motion(
    frames: Iterable[tuple[int, float, np.ndarray]], *, width: int, height: int, fps: float | Fraction,
    config: MotionConfig = MotionConfig(),
) -> MotionEvents:
    """Impacts in (index, t_s, small grey frame) triples: `MotionTracker` over all of them."""
    tracker = MotionTracker(config, width, height, fps)
    for index, t_s, grey in frames:
        tracker.feed(index, t_s, grey)
    return tracker.result()


# ---------------------------------------------------------------------------------------------- helpers


def _texture(grey: np.ndarray, gw: int, gh: int) -> np.ndarray:
    """Smaller eigenvalue of each cell's structure tensor, grey in units of its spread (40 levels)."""
    g = grey.astype(np.float32) / 40.0
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    xx, yy, xy = (cv2.resize(p, (gw, gh), interpolation=cv2.INTER_AREA) for p in (gx * gx, gy * gy, gx * gy))
    half_trace = 0.5 * (xx + yy)
    return half_trace - np.sqrt(np.maximum(0.25 * (xx - yy) ** 2 + xy * xy, 0.0))


def _warp_error(prev: np.ndarray, grey: np.ndarray, flow: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """|prev - grey moved back by the flow| in units of the grey spread, per pixel."""
    back = cv2.remap(grey, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.absdiff(prev, back).astype(np.float32) / 40.0


def _camera(cells: np.ndarray, trusted: np.ndarray, cell_px: int, cfg: MotionConfig
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """The camera's flow at every cell and its affine map (3 x 2: x, y, 1 -> flow), fitted to the
    trusted cells by least squares, then again without the cells it does not explain.

    Written out with einsum: BLAS calls this small cost more in thread hand-offs than in sums.
    """
    gh, gw = cells.shape[:2]
    design = _design(gh, gw, cell_px)
    target = cells.reshape(-1, 2)
    use = trusted.ravel()
    coef = None
    for _ in range(2):
        if use.sum() < cfg.min_camera_cells:
            return None
        a, f = design[use], target[use]
        normal = np.einsum("ij,ik->jk", a, a) + 1e-6 * np.eye(3, dtype=np.float32)
        coef = np.linalg.solve(normal.astype(np.float64), np.einsum("ij,ik->jk", a, f).astype(np.float64))
        fitted = np.einsum("ij,jk->ik", design, coef.astype(np.float32))
        off = np.abs(fitted - target).max(axis=1)
        spread = float(np.median(off[use]))
        use = trusted.ravel() & (off <= max(cfg.camera_trim_px, 3.0 * 1.4826 * spread))
    return fitted.reshape(gh, gw, 2), coef


@functools.lru_cache(maxsize=4)
def _design(gh: int, gw: int, cell_px: int) -> np.ndarray:
    """(gh * gw, 3): x, y (working px) of each cell centre and 1."""
    cx, cy = np.meshgrid((np.arange(gw) + 0.5) * cell_px, (np.arange(gh) + 0.5) * cell_px)
    design = np.stack([cx.ravel(), cy.ravel(), np.ones(gh * gw)], axis=1).astype(np.float32)
    design.setflags(write=False)
    return design


def _regions(residual: np.ndarray, speed: np.ndarray, trusted: np.ndarray, h: int, dt: float,
             cfg: MotionConfig) -> list[_Region]:
    """Connected groups of moving cells, fast as a whole, with one velocity, small enough to be an object."""
    moving = (speed >= cfg.cell_share * cfg.fast_speed) & trusted
    if moving.sum() < cfg.min_cells:
        return []
    n, labels, stats, _ = cv2.connectedComponentsWithStats(moving.astype(np.uint8), connectivity=8)
    out = []
    for k in range(1, n):
        area = int(stats[k, cv2.CC_STAT_AREA])
        if area < cfg.min_cells or area > cfg.max_area * moving.size:
            continue
        rows, cols = np.nonzero(labels == k)
        v = _core_velocity(residual[rows, cols])
        region_speed = float(np.linalg.norm(v)) / h / dt
        if region_speed >= cfg.fast_speed:
            out.append(_Region(np.stack([cols, rows], axis=1).astype(np.float64), v.astype(np.float64), region_speed))
    return out


def _predecessor(r: _Region, before: _Field | None, cell: int, cfg: MotionConfig) -> np.ndarray | None:
    """Velocity of the fast region of the interval before that moved into `r` the same way, or None."""
    if before is None:
        return None
    v = r.velocity
    centre = r.cells.mean(axis=0)
    best, best_gap = None, np.inf
    for p in before.regions:
        u = p.velocity
        gap = float(np.linalg.norm(p.cells.mean(axis=0) + u / cell - centre))  # cells
        reach = 1.5 + np.sqrt(len(r.cells) / np.pi)  # its own radius and a cell and a half of slack
        if gap > reach or np.linalg.norm(u) < cfg.sustain_ratio * np.linalg.norm(v):
            continue
        if float(u @ v) < cfg.sustain_cos * np.linalg.norm(u) * np.linalg.norm(v):
            continue
        if gap < best_gap:
            best, best_gap = u, gap
    return best


def _goes_on(r: _Region, cells: np.ndarray, later: _Field, share: float, cos: float = 0.7) -> bool:
    """A fast region of a later interval near `cells` (where r went) moves on r's way, `share` as fast."""
    v = r.velocity
    centre = cells.mean(axis=0)
    reach = 2.5 + np.sqrt(len(r.cells) / np.pi)
    for q in later.regions:
        u = q.velocity
        if np.linalg.norm(q.cells.mean(axis=0) - centre) > reach:
            continue
        speed_u, speed_v = np.linalg.norm(u), np.linalg.norm(v)
        if speed_u >= share * speed_v and float(u @ v) >= cos * speed_u * speed_v:
            return True
    return False


def _sample(velocity: np.ndarray, trusted: np.ndarray, cells: np.ndarray) -> np.ndarray | None:
    """Median velocity of a field at (col, row) cell positions (nearest cell); None off the grid or untrusted."""
    gh, gw = trusted.shape
    cols = np.rint(cells[:, 0]).astype(int)
    rows = np.rint(cells[:, 1]).astype(int)
    inside = (cols >= 0) & (cols < gw) & (rows >= 0) & (rows < gh)
    if inside.sum() < max(1, 0.5 * len(cells)):
        return None
    cols, rows = cols[inside], rows[inside]
    ok = trusted[rows, cols]
    if ok.sum() < max(1, 0.3 * len(cols)):
        return None
    return _core_velocity(velocity[rows[ok], cols[ok]])


def _core_velocity(vectors: np.ndarray) -> np.ndarray:
    """Median velocity of the faster half of a region's cells: cells on its edge are part background."""
    speed = np.linalg.norm(vectors, axis=1)
    return np.median(vectors[speed >= np.median(speed)], axis=0).astype(np.float64)


def _merge(events: list[MotionEvent], cfg: MotionConfig, aspect: float) -> list[MotionEvent]:
    """One event per impact: candidates close in time and place keep the fastest, cleanest."""
    out: list[MotionEvent] = []
    for e in sorted(events, key=lambda e: -(e.speed * (0.5 + 0.5 * e.confidence))):
        if any(abs(e.t_s - o.t_s) < cfg.merge_s
               and np.hypot((e.x - o.x) * aspect, e.y - o.y) < cfg.merge_distance + 0.5 * (e.size + o.size)
               for o in out):
            continue
        out.append(e)
    return sorted(out, key=lambda e: e.t_s)
