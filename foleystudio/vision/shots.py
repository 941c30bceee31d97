"""Shot boundaries (hard cuts, fades through black or white, dissolves) from tiny thumbnails.

Built to ride along the single decoding pass: the pipeline calls
`detector.add(frame.index, frame.t_s, make_thumbnail(frame.rgb))` for every decoded
frame (0.1 ms each) and `detector.finish()` once at the end. Per frame only a few
scalars are kept plus a short ring of recent thumbnails, so memory stays flat for
any length. `detect_shots` does the same over an iterable of decoded frames.

Per frame t the detector measures the HSV-histogram distance and the change of the
contrast-normalised grey thumbnail (structure, not exposure) to frame t-1, the histogram distance to t-3 (a flash comes back, a cut
does not), the distance to t-W and how well frame t-W/2 is a blend of t-W and t
(a dissolve or fade is a blend; a pan is not). A cut is a spike of the first well
above its neighbourhood (median + k * MAD, never under an absolute floor).
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from foleystudio.media.frames import Frame

THUMB_W_PX, THUMB_H_PX = 64, 36  # 16:9 at 64 px: colour layout survives, motion detail does not
_H_BINS, _S_BINS, _V_BINS = 16, 4, 4


@dataclass(frozen=True)
class ShotConfig:
    cut_min_distance: float = 0.3  # histogram L1/2 between frames; motion on the dev clips peaks at 0.15
    cut_mad_k: float = 8.0  # spike must exceed the local median by this many MADs
    cut_neighbour_ratio: float = 2.0  # ... and be this many times its larger neighbour (a pan is a plateau)
    cut_structure_min: float = 0.45  # mean |z| change of the contrast-normalised thumbnail a cut must
    # also show: a cut scores ~1.0, a camera whip 0.7, sun flare or exposure jumps 0.25 on the dev clips
    flash_return: float = 0.5  # frames t+1 vs t-2 must still differ by this share of the spike
    context_frames: int = 15  # half-width of the neighbourhood for the median (0.5 s at 30 fps)
    black_luma: float = 0.06  # mean luma (0..1) of a black frame in a fade
    white_luma: float = 0.95  # mean luma of a white frame, with ...
    flat_std: float = 0.04  # ... grey spread under this (a flat frame, not a bright sky)
    dissolve_windows_frames: tuple[int, ...] = (8, 24)  # W: dissolves of 0.2-0.4 s and 0.5-1.2 s at 30 fps
    dissolve_min_distance: float = 0.45  # histogram distance between t-W and t across a dissolve
    dissolve_blend_ratio: float = 0.3  # |mid - mean(ends)| / |end - end| under this: a blend (a whip pan: 0.38)
    dissolve_structure_min: float = 0.6  # contrast-normalised change across the window (exposure ramps: 0.3)
    min_shot_s: float = 0.5  # two boundaries closer than this: keep the stronger (flicker, flashes)


@dataclass(frozen=True)
class Shot:
    index: int
    start_frame: int  # first frame of the shot
    end_frame: int  # one past the last frame
    start_s: float
    end_s: float  # start of the next shot (or end of the last frame)
    transition: str  # how the shot begins: "start", "cut", "fade", "dissolve"
    score: float  # strength of that transition, 0..1 (1.0 for the first shot)

    def contains(self, frame: int) -> bool:
        return self.start_frame <= frame < self.end_frame


@dataclass(frozen=True)
class Shots:
    shots: tuple[Shot, ...]

    def __len__(self) -> int:
        return len(self.shots)

    def __iter__(self):
        return iter(self.shots)

    def at_frame(self, frame: int) -> Shot:
        """The shot holding `frame` (the first/last shot for frames outside)."""
        starts = [s.start_frame for s in self.shots]
        i = int(np.searchsorted(starts, frame, side="right")) - 1
        return self.shots[min(max(i, 0), len(self.shots) - 1)]

    def at_time(self, t_s: float) -> Shot:
        starts = [s.start_s for s in self.shots]
        i = int(np.searchsorted(starts, t_s, side="right")) - 1
        return self.shots[min(max(i, 0), len(self.shots) - 1)]

    @property
    def boundaries(self) -> tuple[int, ...]:
        """First frame of every shot after the first."""
        return tuple(s.start_frame for s in self.shots[1:])


def make_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """(36, 64, 3) uint8 RGB thumbnail of a frame (area-averaged, so noise cancels)."""
    return cv2.resize(rgb, (THUMB_W_PX, THUMB_H_PX), interpolation=cv2.INTER_AREA)


class ShotDetector:
    """Accumulates per-frame measurements during the decoding pass; `finish` finds the shots."""

    def __init__(self, config: ShotConfig = ShotConfig()):
        self.config = config
        w = max(config.dissolve_windows_frames)
        self._ring: deque[tuple[np.ndarray, np.ndarray, np.ndarray]] = deque(maxlen=max(w, 3) + 1)  # grey, z, hist
        # Per-frame series as packed arrays: ~100 bytes a frame, 20 MB for two hours at 30 fps.
        self._index = array("q")
        self._t = array("d")
        self._d1 = array("d")  # hist distance to previous frame
        self._struct = array("d")  # contrast-normalised difference to previous frame
        self._d3 = array("d")  # hist distance to 3 frames back
        # per window W: hist distance to t-W, blend residual of t-W/2 between t-W and t,
        # contrast-normalised difference to t-W
        self._span = {w: (array("d"), array("d"), array("d")) for w in config.dissolve_windows_frames}
        self._luma = array("d")
        self._flat = array("b")
        self._resume = array("d")  # hist distance to the last picture before a blank run
        self._last_picture: np.ndarray | None = None
        self._in_blank = False

    def add(self, frame_index: int, t_s: float, thumb: np.ndarray) -> None:
        """Record one frame (in decoding order) from its `make_thumbnail` thumbnail."""
        if self._index and frame_index <= self._index[-1]:
            raise ValueError(f"frames must be added in order: {frame_index} after {self._index[-1]}")
        grey = cv2.cvtColor(thumb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
        z = (grey - grey.mean()) / (grey.std() + 0.01)
        hist = _histogram(thumb)
        ring = self._ring
        self._d1.append(_hdist(hist, ring[-1][2]) if ring else 0.0)
        self._struct.append(float(np.abs(z - ring[-1][1]).mean()) if ring else 0.0)
        self._d3.append(_hdist(hist, ring[-3][2]) if len(ring) >= 3 else 0.0)
        for w, (dist_w, blend_w, struct_w) in self._span.items():
            if len(ring) < w:
                dist_w.append(0.0)
                blend_w.append(1.0)
                struct_w.append(0.0)
                continue
            start, mid = ring[-w], ring[-(w // 2)]
            span = float(np.abs(grey - start[0]).mean())
            resid = float(np.abs(mid[0] - 0.5 * (grey + start[0])).mean())
            dist_w.append(_hdist(hist, start[2]))
            blend_w.append(resid / span if span > 1e-3 else 1.0)
            struct_w.append(float(np.abs(z - start[1]).mean()))
        luma, flat = float(grey.mean()), float(grey.std()) < self.config.flat_std
        blank = luma < self.config.black_luma or (luma > self.config.white_luma and flat)
        resume = 0.0
        if not blank:
            if self._in_blank and self._last_picture is not None:
                resume = _hdist(hist, self._last_picture)
            self._last_picture = hist
        self._in_blank = blank
        self._luma.append(luma)
        self._flat.append(flat)
        self._resume.append(resume)
        self._index.append(int(frame_index))
        self._t.append(float(t_s))
        ring.append((grey, z, hist))

    def add_frame(self, frame: Frame) -> None:
        self.add(frame.index, frame.t_s, make_thumbnail(frame.rgb))

    _SERIES = ("_index", "_t", "_d1", "_struct", "_d3", "_luma", "_flat", "_resume")

    def series(self, lo: int = 0, hi: int | None = None) -> dict[str, array]:
        """The per-frame measurements of frames lo <= f < hi: a chunk's own share, for `joined`. Each frame's
        are measured against the frames before it, so a chunk that starts `warm_up_frames` earlier measures
        its own frames as one pass would."""
        index = np.asarray(self._index)
        a, b = np.searchsorted(index, lo), np.searchsorted(index, hi if hi is not None else np.iinfo(np.int64).max)
        out = {name: getattr(self, name)[a:b] for name in self._SERIES}
        for w, cols in self._span.items():
            for j, col in enumerate(cols):
                out[f"span{w}.{j}"] = col[a:b]
        return out

    @property
    def warm_up_frames(self) -> int:
        """Frames a detector must see before the ones it measures as one pass over the video would."""
        return max(self.config.dissolve_windows_frames) + 1

    def take(self, parts: Iterable[dict[str, array]]) -> None:
        """Hold the chunks' series end to end (in order) in place of its own: `finish` then finds the shots of
        the whole video."""
        for name in self._SERIES:
            setattr(self, name, array(getattr(self, name).typecode))
        self._span = {w: (array("d"), array("d"), array("d")) for w in self._span}
        for part in parts:
            for name in self._SERIES:
                getattr(self, name).extend(part[name])
            for w, cols in self._span.items():
                for j, col in enumerate(cols):
                    col.extend(part[f"span{w}.{j}"])

    def finish(self, *, end_s: float | None = None, end_frame: int | None = None) -> Shots:
        """The shots so far; `end_s`/`end_frame` close the last one (default: one frame past the last)."""
        n = len(self._index)
        if n == 0:
            return Shots(())
        idx = np.array(self._index)
        t = np.array(self._t)
        step_s = float(np.median(np.diff(t))) if n > 1 else 0.0
        cands = self._cuts() + self._fades()
        for w in self.config.dissolve_windows_frames:
            cands += self._dissolves(w)
        bounds = _thin(cands, t, self.config.min_shot_s)
        starts = [(0, "start", 1.0)] + bounds
        shots = []
        for k, (pos, kind, score) in enumerate(starts):
            nxt = starts[k + 1][0] if k + 1 < len(starts) else None
            shots.append(
                Shot(
                    index=k,
                    start_frame=int(idx[pos]),
                    end_frame=int(idx[nxt]) if nxt is not None else int(end_frame if end_frame is not None else idx[-1] + 1),
                    start_s=float(t[pos]) if k else float(t[0]),
                    end_s=float(t[nxt]) if nxt is not None else float(end_s if end_s is not None else t[-1] + step_s),
                    transition=kind,
                    score=round(float(score), 3),
                )
            )
        return Shots(tuple(shots))

    def _cuts(self) -> list[tuple[int, str, float]]:
        c = self.config
        d1 = np.array(self._d1)
        struct = np.array(self._struct)
        d3 = np.array(self._d3)
        n = len(d1)
        out = []
        for i in range(1, n):
            if d1[i] < c.cut_min_distance or struct[i] < c.cut_structure_min:
                continue
            lo, hi = max(1, i - c.context_frames), min(n, i + c.context_frames + 1)
            around = np.concatenate([d1[lo:i], d1[i + 1 : hi]])
            if around.size:
                med = float(np.median(around))
                mad = float(np.median(np.abs(around - med))) + 0.005
                neighbour = float(max(d1[i - 1] if i > 1 else 0.0, d1[i + 1] if i + 1 < n else 0.0))
                if d1[i] < med + c.cut_mad_k * mad or d1[i] < c.cut_neighbour_ratio * neighbour:
                    continue
            if i + 1 < n and i >= 2 and d3[i + 1] < c.flash_return * d1[i]:
                continue  # the picture came back: a flash, not a cut
            out.append((i, "cut", float(d1[i])))
        return out

    def _fades(self) -> list[tuple[int, str, float]]:
        """A run of black (or flat white) frames between two different pictures: the shot starts after it."""
        c = self.config
        luma = np.array(self._luma)
        flat = np.array(self._flat, dtype=bool)
        blank = (luma < c.black_luma) | ((luma > c.white_luma) & flat)
        n = len(luma)
        return [
            (j, "fade", 1.0)  # unambiguous: outranks the jump out of black
            for i, j in _runs(blank)
            if i > 0 and j < n and self._resume[j] >= c.cut_min_distance  # same picture after: a flash
        ]

    def _dissolves(self, w: int) -> list[tuple[int, str, float]]:
        c = self.config
        dw, blend, struct_w = (np.array(col) for col in self._span[w])
        d1 = np.array(self._d1)
        luma = np.array(self._luma)
        ok = (dw > c.dissolve_min_distance) & (blend < c.dissolve_blend_ratio) & (struct_w > c.dissolve_structure_min)
        out = []
        for i, j in _runs(ok):
            best = i + int(np.argmax(dw[i:j]))
            centre = best - w // 2
            window = d1[max(1, best - w + 1) : best + 1]
            gradual = window.size and window.max() < 0.6 * dw[best]  # no single step makes most of it: not a cut
            dark = luma[max(0, best - w) : best + 1].min() < c.black_luma  # a fade: _fades has it
            if gradual and not dark and centre > 0:
                out.append((centre, "dissolve", float(min(1.0, dw[best]))))
        return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def detect_shots(frames: Iterable[Frame], *, config: ShotConfig = ShotConfig()) -> Shots:
    """Shots of a stream of decoded frames (for tools and tests; the pipeline feeds a ShotDetector)."""
    detector = ShotDetector(config)
    for frame in frames:
        detector.add_frame(frame)
    return detector.finish()


def _histogram(thumb: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(thumb, cv2.COLOR_RGB2HSV)
    h = cv2.calcHist([hsv], [0, 1, 2], None, [_H_BINS, _S_BINS, _V_BINS], [0, 180, 0, 256, 0, 256]).ravel()
    return h / max(h.sum(), 1.0)


def _hdist(a: np.ndarray, b: np.ndarray) -> float:
    return 0.5 * float(np.abs(a - b).sum())


def _thin(cands: list[tuple[int, str, float]], t: np.ndarray, min_shot_s: float) -> list[tuple[int, str, float]]:
    """Sorted boundaries at least min_shot_s apart (and from the start); the stronger wins a clash."""
    kept: list[tuple[int, str, float]] = []
    for cand in sorted(cands, key=lambda c: -c[2]):
        pos = cand[0]
        if t[pos] - t[0] < min_shot_s:
            continue
        if all(abs(t[pos] - t[k[0]]) >= min_shot_s for k in kept):
            kept.append(cand)
    return sorted(kept)
