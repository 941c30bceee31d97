"""The same clip with another picture: mirrored, smaller, at another frame rate, cropped, grey,
heavily compressed, or with held frames; and the ground truth that goes with each.

    variant = VARIANTS["24fps"]
    path = cached_variant(info, variant, cache_dir)          # built once per (clip, variant), then reused
    truth = variant_truth(gt, variant)                        # the same contacts, in the variant's terms

A contact happens when it happens, whatever the picture: the truth's times stay in seconds
from the first frame in every variant, and a detector that is robust to the picture scores
the same on each (`foley eval --variants`, eval/variants_run.py).

How each is made (frames decoded with media.frames, written with media.encode.write_video):

- reencoded: the control, every frame as it is. Each variant below is re-encoded too, so a
  change from the original that this one shows as well is the re-encode's, not the variant's.
- mirror: every frame flipped left-right; the truth's feet swap left and right.
- 360p, 480p: scaled (area averaging) to that height, the width in proportion, both even.
- 24fps, 25fps, 60fps: frame k of the new rate, at t = k / rate, shows the source frame nearest
  that time (ties to the earlier), as FFmpeg's fps filter picks them: a frame is dropped or shown
  twice, never blended, and no picture moves by more than half a source frame. The clip keeps
  its duration.
- crop: up to 15% off the top and the bottom and 6% off each side, but never closer than 4% of
  the frame to anyone the pose model saw anywhere in the original (`people_box`, from the
  original's cached poses). The shared truth has no positions, so a crop that cut a person
  would make the truth wrong, not test the picture; losing a person is occlusion, another test.
  Truth events that do carry a position (`y_band`, whose bottom is where the feet are) are dropped
  when the feet fall outside the kept rows, and `y_band` and `ignore_regions` are re-normalised
  to the cropped frame.
- grey: BT.709 luma in all three channels (the writer tags BT.709).
- compressed: x264 at CRF 40 instead of 18: blocks, smeared edges and flattened detail, like a
  clip re-uploaded a few times (on the shared clips, 1/16 of the originals' bytes).
- repeated: the clip's own rate and length, but every 5th frame holds the one before it (4 new
  frames, 1 repeat: film at 24 fps shown at 30, each 4th film frame shown twice). Frame times
  stay those of the source, so a held frame is late by one frame, never more.

Every variant is re-encoded, most at CRF 18 (near transparent) so that only the named change acts.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from foleystudio.cache import video_key
from foleystudio.errors import InputError
from foleystudio.eval.groundtruth import GroundTruth, IgnoreRegion, TruthEvent
from foleystudio.media.encode import write_video
from foleystudio.media.frames import Frame, iter_frames
from foleystudio.media.probe import VideoInfo
from foleystudio.vision.pose import PoseConfig, Poses

BUILD_VERSION = 1  # in every cache key: bump when a builder's output changes
MASTER_CRF = 18  # x264 near transparent: a variant differs from its source only in what it is named for
COMPRESSED_CRF = 40  # x264's default is 23; on the shared clips 1/16 of their own bytes, 1/27 of CRF 18's
HOLD_EVERY = 5  # 24 fps film at 30 fps: 4 new frames, then one shown again
BT709_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Y' weights of R', G', B'
_TIE_S = 1e-6  # a new frame this close to halfway between two source frames takes the earlier


@dataclass(frozen=True)
class Variant:
    name: str
    what: str  # one line for tables and --help
    mirror: bool = False
    height_px: int | None = None  # scaled to this height, the width in proportion
    fps: Fraction | None = None  # resampled to this rate (nearest source frame)
    hold_every: int = 0  # every Nth frame shows the one before it (0: none)
    crop: bool = False  # cut where nobody is (CropConfig)
    grey: bool = False
    crf: int = MASTER_CRF


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("reencoded", f"the same frames at x264 CRF {MASTER_CRF}: the cost of any variant's re-encode alone"),
        Variant("mirror", "flipped left-right; feet swapped in the truth", mirror=True),
        Variant("360p", "scaled to 360 px high", height_px=360),
        Variant("480p", "scaled to 480 px high", height_px=480),
        Variant("24fps", "resampled to 24 fps (nearest frame)", fps=Fraction(24)),
        Variant("25fps", "resampled to 25 fps (nearest frame)", fps=Fraction(25)),
        Variant("60fps", "resampled to 60 fps (nearest frame: each shown twice)", fps=Fraction(60)),
        Variant("crop", "up to 15% off top and bottom, 6% off the sides, sparing everyone", crop=True),
        Variant("grey", "luma only", grey=True),
        Variant("compressed", f"x264 CRF {COMPRESSED_CRF}", crf=COMPRESSED_CRF),
        Variant("repeated", f"every {HOLD_EVERY}th frame holds the one before (24 fps shown at 30)",
                hold_every=HOLD_EVERY),
    )
}


@dataclass(frozen=True)
class CropConfig:
    top: float = 0.15  # share of the height cut at most: sky, stands, ceiling
    bottom: float = 0.15  # and below the feet
    sides: float = 0.06  # "a little of the sides", each
    margin: float = 0.04  # share of the frame kept around everyone seen, beyond their outermost landmark
    min_visibility: float = 0.5  # landmarks less visible than this do not count as someone being there


Box = tuple[float, float, float, float]  # x0, y0, x1, y1, normalised to the frame (0 = left, top)
FULL_FRAME: Box = (0.0, 0.0, 1.0, 1.0)


def parse_variants(text: str) -> tuple[Variant, ...]:
    """'all', or names separated by commas, as `Variant`s in VARIANTS' order; ValueError naming the unknown."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return tuple(VARIANTS.values())
    unknown = [n for n in names if n not in VARIANTS]
    if unknown or not names:
        raise ValueError(f"unknown variant {', '.join(unknown) or repr(text)}; use 'all' or some of: "
                         f"{', '.join(VARIANTS)}")
    return tuple(v for v in VARIANTS.values() if v.name in names)


def people_box(poses: Poses, config: CropConfig = CropConfig()) -> Box | None:
    """The normalised box around every landmark seen (visible enough) in any frame; None when nobody was."""
    points = [t.image[..., :2][t.visibility >= config.min_visibility] for t in poses.tracks]
    points = [p[np.isfinite(p).all(axis=1)] for p in points]
    seen = np.concatenate(points) if points else np.zeros((0, 2))
    if not len(seen):
        return None
    scale = np.array([poses.width, poses.height], np.float64)
    (x0, y0), (x1, y1) = seen.min(axis=0) / scale, seen.max(axis=0) / scale
    return float(x0), float(y0), float(x1), float(y1)


def crop_box(people: Box | None, config: CropConfig = CropConfig()) -> Box:
    """The region the crop keeps: each side cut by its share, but not past `people` plus the margin."""
    px0, py0, px1, py1 = people or (1.0, 1.0, 0.0, 0.0)  # nobody: every side may be cut in full
    m = config.margin
    return (
        max(0.0, min(config.sides, px0 - m)),
        max(0.0, min(config.top, py0 - m)),
        min(1.0, max(1.0 - config.sides, px1 + m)),
        min(1.0, max(1.0 - config.bottom, py1 + m)),
    )


def frame_plan(times_s: Sequence[float], duration_s: float, fps: Fraction, variant: Variant
               ) -> tuple[Fraction, list[tuple[float, int]]]:
    """The variant's rate and, per output frame, (its time from the first frame, the source frame it shows)."""
    times = np.asarray(times_s, np.float64)
    if variant.fps is not None:
        n_out = max(1, math.ceil(duration_s * variant.fps - 1e-6))
        plan = []
        for k in range(n_out):
            t = float(k / variant.fps)
            i = int(np.searchsorted(times, t))
            if i == len(times) or (i > 0 and t - times[i - 1] <= times[i] - t + _TIE_S):
                i -= 1
            plan.append((t, i))
        return variant.fps, plan
    n = variant.hold_every
    return fps, [(float(t), i - 1 if n and i % n == n - 1 else i) for i, t in enumerate(times)]


def output_size(source: tuple[int, int], variant: Variant, box: Box = FULL_FRAME) -> tuple[int, int]:
    """(width, height) of the variant's frames from the source's display size."""
    w, h = _even(source[0]), _even(source[1])
    if variant.crop:
        left, top, right, bottom = _pixel_box(box, w, h)
        w, h = right - left, bottom - top
    if variant.height_px is not None:
        w, h = _even(w * variant.height_px / h), _even(variant.height_px)
    return w, h


def transform(rgb: np.ndarray, variant: Variant, *, size: tuple[int, int], box: Box = FULL_FRAME) -> np.ndarray:
    """One source frame (h, w, 3 RGB uint8) as the variant shows it, at `size`."""
    if variant.crop:
        left, top, right, bottom = _pixel_box(box, rgb.shape[1], rgb.shape[0])
        rgb = rgb[top:bottom, left:right]
    if (rgb.shape[1], rgb.shape[0]) != size:
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    if variant.mirror:
        rgb = rgb[:, ::-1]
    if variant.grey:
        luma = np.clip(np.rint(rgb.astype(np.float32) @ BT709_LUMA), 0, 255).astype(np.uint8)
        rgb = np.repeat(luma[..., None], 3, axis=2)
    return np.ascontiguousarray(rgb)


def build_variant(info: VideoInfo, variant: Variant, out_path: str | os.PathLike, *, box: Box = FULL_FRAME) -> Path:
    """Write `variant` of the clip `info` describes to `out_path` (H.264, no audio; atomically)."""
    rate, plan = frame_plan(info.frame_times_s, info.duration_s, info.fps, variant)
    size = output_size(info.display_size, variant, box)
    frames = iter_frames(info, max_side_px=max(info.display_size))  # full size: the variant does its own scaling
    shown = ((t, transform(rgb, variant, size=size, box=box)) for t, rgb in _picked(frames, plan, info.path))
    write_video(out_path, shown, size=size, fps=rate, audio=None, crf=variant.crf)
    return Path(out_path)


def cached_variant(info: VideoInfo, variant: Variant, cache_dir: str | os.PathLike, *, box: Box = FULL_FRAME
                   ) -> Path:
    """`variant` of the clip, built once into `cache_dir` and reused while the clip and the recipe are the same."""
    recipe = {**dataclasses.asdict(variant), "fps": str(variant.fps), "box": [round(b, 4) for b in box],
              "build": BUILD_VERSION}
    key = video_key(info.path, PoseConfig(), extra={"variant": recipe})  # the source's bytes and the recipe
    out = Path(cache_dir) / f"{Path(info.path).stem}.{variant.name}.{key[:12]}.mp4"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        build_variant(info, variant, out, box=box)
    return out


def variant_truth(gt: GroundTruth, variant: Variant, *, box: Box = FULL_FRAME) -> GroundTruth:
    """The ground truth of `variant` of the clip: the same times; feet swapped when mirrored; when
    cropped, positions re-normalised and the events whose feet are cut off dropped."""
    events: Sequence[TruthEvent] = gt.events
    regions: Sequence[IgnoreRegion] = gt.ignore_regions
    if variant.mirror:
        swap = {"left": "right", "right": "left"}
        events = [dataclasses.replace(e, foot=swap.get(e.foot, e.foot)) for e in events]
    if variant.crop:
        y0, y1 = box[1], box[3]
        kept = [e for e in events if e.y_band is None or y0 <= e.y_band[1] <= y1]
        events = [dataclasses.replace(e, y_band=_rows(e.y_band, y0, y1)) if e.y_band else e for e in kept]
        regions = [_cropped_region(r, y0, y1) for r in regions if r.y1 >= y0 and r.y0 <= y1]
    if variant.fps is not None:
        events = [dataclasses.replace(e, frame=round(e.t_s * variant.fps)) for e in events]
    return dataclasses.replace(
        gt, events=tuple(events), ignore_regions=tuple(regions),
        fps=float(variant.fps) if variant.fps is not None else gt.fps,
    )


def _picked(frames: Iterator[Frame], plan: list[tuple[float, int]], path: str) -> Iterator[tuple[float, np.ndarray]]:
    """(t, pixels of the planned source frame) for each planned frame; the plan's indices never go back."""
    current: Frame | None = None
    for t_s, index in plan:
        while current is None or current.index < index:
            current = next(frames, None)
            if current is None:
                raise InputError(f"{path}: ended before frame {index}, which its probe listed")
        yield t_s, current.rgb


def _pixel_box(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in pixels, outward to even sizes (H.264 4:2:0 needs them)."""
    left, top = math.floor(box[0] * width / 2) * 2, math.floor(box[1] * height / 2) * 2
    right = min(_even_up(box[2] * width), width - width % 2)
    bottom = min(_even_up(box[3] * height), height - height % 2)
    return left, top, right, bottom


def _rows(band: tuple[float, float], y0: float, y1: float) -> tuple[float, float]:
    span = y1 - y0
    return tuple(float(np.clip((y - y0) / span, 0.0, 1.0)) for y in band)  # type: ignore[return-value]


def _cropped_region(region: IgnoreRegion, y0: float, y1: float) -> IgnoreRegion:
    band = _rows((region.y0, region.y1), y0, y1)
    return dataclasses.replace(region, y0=band[0], y1=band[1])


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _even_up(value: float) -> int:
    return math.ceil(value / 2 - 1e-9) * 2

