"""Encoding: float audio to AAC, RGB frames to H.264; shared by the mux and the preview.

The AAC track is encoded lazily and muxed as the video passes each time, so the two
streams interleave in the file and nothing longer than one packet is held; the audio is read
a frame at a time (a mix on disk, sound/scratch.py, is never whole in memory).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc

from foleystudio.errors import ExportError
from foleystudio.export.atomic import atomic_path
from foleystudio.sound.scratch import BLOCK_SAMPLES, release
from foleystudio.timebase import SAMPLE_RATE

AAC_BITRATE = 192_000  # transparent for stereo Foley; YouTube's recommended stereo rate
AAC_FRAME = 1024  # samples per AAC frame
H264_CRF = "23"  # x264's default quality: a preview to watch, not a master
H264_PRESET = "veryfast"  # about 3x faster than x264's default preset, at the same CRF a slightly larger file
MPEG_TICKS_HZ = 90_000  # MPEG's clock; with the rate's numerator, every frame time is a whole number of ticks


class AacTrack:
    """`audio` ((n, 2) float at `sr`) as the AAC stream of `container`, its first sample at time zero."""

    def __init__(self, container, audio: np.ndarray, *, sr: int = SAMPLE_RATE):
        self.stream = container.add_stream("aac", rate=sr, layout="stereo")
        self.stream.bit_rate = AAC_BITRATE
        self._container = container
        self._packets = self._encode(np.asarray(audio, dtype=np.float32), sr)
        self._pending = next(self._packets, None)

    def _encode(self, audio: np.ndarray, sr: int) -> Iterator:
        for start in range(0, len(audio), AAC_FRAME):
            chunk = np.ascontiguousarray(audio[start : start + AAC_FRAME].T)  # (2, m) for fltp
            if start and start % BLOCK_SAMPLES == 0:  # a mix on disk: the block just encoded leaves memory
                release(audio[start - BLOCK_SAMPLES : start])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = sr
            frame.pts = start
            yield from self.stream.encode(frame)
        yield from self.stream.encode(None)

    def mux_until(self, t_s: float) -> None:
        """Mux the packets that start at or before `t_s` (seconds on the container's clock)."""
        while self._pending is not None and float(self._pending.pts * self._pending.time_base) <= t_s:
            self._container.mux(self._pending)
            self._pending = next(self._packets, None)

    def finish(self) -> None:
        self.mux_until(math.inf)


def write_video(
    out_path: str | os.PathLike,
    frames: Iterable[tuple[float, np.ndarray]],
    *,
    size: tuple[int, int],
    fps: Fraction,
    audio: np.ndarray | None,
    sr: int = SAMPLE_RATE,
    crf: int | str = H264_CRF,
) -> None:
    """H.264 (yuv420p) from `frames` ((t_s from the first frame, (h, w, 3) RGB uint8) of `size`) plus
    `audio` as AAC (None: no audio track), its first sample at the first frame, written atomically to
    `out_path`. `crf` is x264's quality (0 lossless .. 51 worst)."""
    out_path = Path(out_path)
    if "libx264" not in av.codecs_available:
        raise ExportError(f"{out_path}: this FFmpeg build has no H.264 encoder (libx264); cannot write the video")
    width, height = size
    if width % 2 or height % 2 or width < 2 or height < 2:
        raise ExportError(f"{out_path}: frame size {width}x{height} must be even and positive for H.264 yuv420p")
    tick = Fraction(1, math.lcm(fps.numerator, MPEG_TICKS_HZ))
    try:
        with atomic_path(out_path) as tmp, av.open(str(tmp), "w") as dst:
            video = dst.add_stream("libx264", rate=fps, options={"crf": str(crf), "preset": H264_PRESET})
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.codec_context.time_base = tick
            _tag_bt709(video.codec_context)
            frame_ticks = int(1 / (fps * tick))
            track = AacTrack(dst, audio, sr=sr) if audio is not None else None
            for t_s, rgb in frames:
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                    format="yuv420p", dst_colorspace=Colorspace.ITU709)
                frame.pts, frame.duration, frame.time_base = int(round(t_s / tick)), frame_ticks, tick
                dst.mux(video.encode(frame))
                if track is not None:
                    track.mux_until(t_s)
            dst.mux(video.encode(None))
            if track is not None:
                track.finish()
    except (av.error.FFmpegError, OSError) as exc:
        raise ExportError(f"{out_path}: could not write the video ({exc})") from None


def _tag_bt709(codec_context) -> None:
    """Say which colours the pixels are: untagged, players guess BT.709 for HD and BT.601 below."""
    codec_context.colorspace, codec_context.color_range = Colorspace.ITU709, ColorRange.MPEG
    codec_context.color_primaries, codec_context.color_trc = ColorPrimaries.BT709, ColorTrc.BT709
