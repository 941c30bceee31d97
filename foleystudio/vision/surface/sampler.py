"""A bounded store of downscaled frames, filled during the single decoding pass.

Scene estimation needs the ground next to each foot at its contact frame, but the
contacts are only known after the pass. `FrameSampler.add` keeps frames at
`max_side_px`; when `capacity` is reached it doubles its stride and drops every
other stored frame, so coverage stays uniform over any length and memory never
exceeds capacity x frame size (96 x 384x216x3 = 24 MB by default). After the pass
`nearest(frame, lo, hi)` returns the stored frame closest to a contact, within its shot.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from foleystudio.media.frames import Frame


@dataclass(frozen=True)
class SamplerConfig:
    max_side_px: int = 384  # a foot at 1/10 of a 1080p frame is still ~40 px of ground here
    capacity: int = 96  # 24 MB at 384x216; ~3 s of 30 fps video before the first thinning


@dataclass(frozen=True, eq=False)
class SampledFrame:
    index: int  # frame index in the video
    t_s: float
    rgb: np.ndarray  # (h, w, 3) uint8, upright
    scale: float  # stored pixels per display pixel

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        """Normalised (0..1) position -> pixels of this stored frame."""
        h, w = self.rgb.shape[:2]
        return x * w, y * h


class FrameSampler:
    def __init__(self, config: SamplerConfig = SamplerConfig()):
        if config.capacity < 2:
            raise ValueError("capacity must be at least 2 frames")
        self.config = config
        self.stride = 1
        self._frames: list[SampledFrame] = []

    def add(self, frame_index: int, t_s: float, rgb: np.ndarray, *, scale: float = 1.0) -> None:
        """Offer one decoded frame (display orientation; `scale` = its pixels per display pixel)."""
        if frame_index % self.stride:
            return
        h, w = rgb.shape[:2]
        f = min(1.0, self.config.max_side_px / max(h, w))
        small = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else rgb.copy()
        self._frames.append(SampledFrame(index=int(frame_index), t_s=float(t_s), rgb=small, scale=scale * f))
        if len(self._frames) >= self.config.capacity:
            self.stride *= 2
            self._frames = [s for s in self._frames if s.index % self.stride == 0]

    def add_frame(self, frame: Frame) -> None:
        self.add(frame.index, frame.t_s, frame.rgb, scale=frame.scale)

    def take(self, parts: list[tuple[int, list[SampledFrame]]]) -> None:
        """Hold, in place of its own, the frames one pass over the whole video keeps, from chunks' (stride, frames
        in their own range) in order. Strides are powers of two, so a chunk at a finer stride kept every frame a
        coarser one keeps; thinning the union to the coarsest, then on while it is full, is what one pass does."""
        self.stride = max([stride for stride, _ in parts], default=1)
        self._frames = [s for _, frames in parts for s in frames if s.index % self.stride == 0]
        while len(self._frames) >= self.config.capacity:
            self.stride *= 2
            self._frames = [s for s in self._frames if s.index % self.stride == 0]

    @property
    def frames(self) -> tuple[SampledFrame, ...]:
        return tuple(self._frames)

    @property
    def nbytes(self) -> int:
        return sum(s.rgb.nbytes for s in self._frames)

    def nearest(self, frame_index: int, lo: int | None = None, hi: int | None = None) -> SampledFrame | None:
        """The stored frame nearest `frame_index` with lo <= index < hi (None: no such frame)."""
        best = None
        for s in self._frames:
            if (lo is not None and s.index < lo) or (hi is not None and s.index >= hi):
                continue
            if best is None or abs(s.index - frame_index) < abs(best.index - frame_index):
                best = s
        return best

    def within(self, lo: int, hi: int) -> tuple[SampledFrame, ...]:
        return tuple(s for s in self._frames if lo <= s.index < hi)
