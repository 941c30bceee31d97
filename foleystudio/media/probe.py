"""Probe and validate a video before any work is done.

`probe_video` opens the container, demuxes every video packet (cheap: no decoding)
to get the exact frame count, timestamps and duration, and decodes the first frame
to prove the stream can be turned into RGB. Anything the pipeline cannot use is
refused here with an `InputError` that names the file and the problem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from foleystudio.errors import InputError

MIN_SIDE_PX = 32  # smaller than this, a person's feet are a few pixels: nothing to detect
MAX_SIDE_PX = 8192  # 8K; past this decoding one frame needs hundreds of MB
MAX_DURATION_S = 6 * 3600.0  # six hours: a longer "video" is a corrupt header
TRUNCATION_TOLERANCE = 0.9  # demuxed duration below 90% of the header's: truncated file


@dataclass(frozen=True)
class VideoInfo:
    path: str
    container: str
    codec: str
    fps: Fraction  # nominal (guessed) rate; exact per-frame times are in frame_times_s
    n_frames: int
    duration_s: float  # first frame's start to last frame's end, in presentation time
    width: int  # as stored (before rotation)
    height: int
    rotation: int  # degrees the picture must be rotated for display (0, 90, 180, 270)
    pix_fmt: str
    has_audio: bool
    variable_frame_rate: bool
    frame_times_s: tuple[float, ...]  # presentation time of each frame from the first
    timecode: str | None = None  # the source's own start timecode (a tmcd track or a "timecode" tag), if any
    keyframes: tuple[int, ...] = ()  # frames (by index) a decoder can start at: where a chunk of work may begin
    start_s: float = 0.0  # the first frame's presentation time in the stream (frame_times_s are from it)

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after rotation."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Return what the pipeline needs to know about `path`, or raise InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a video file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: not readable (check permissions)")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.EOFError:
        raise InputError(f"{path}: no frames: the container ends before any media data (empty or truncated)") from None
    except (av.error.InvalidDataError, av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a media file FFmpeg can read ({_reason(exc)})") from None
    with container:
        if not container.streams.video:
            kinds = ", ".join(sorted({s.type for s in container.streams})) or "none"
            raise InputError(f"{path}: has no video stream (streams: {kinds})")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        _check_size(path, width, height)
        header_s = float(container.duration) / av.time_base if container.duration else None
        pts, last_duration, keys = _demux_timestamps(path, container, stream)
        if not pts:
            raise InputError(f"{path}: the video stream has no frames")
        rotation, pix_fmt = _decode_first(path, stream)
        has_audio = bool(container.streams.audio)
        codec = stream.codec_context.name
        fmt = container.format.name
        fps = _nominal_fps(stream, pts)
        timecode = _timecode_tag(container, stream)

    tb = stream.time_base
    pts_arr = np.array(sorted(pts), dtype=np.int64)
    times = (pts_arr - pts_arr[0]) * float(tb)
    keyframes = tuple(int(i) for i in np.unique(np.searchsorted(pts_arr, sorted(keys))))
    frame_dur = last_duration * float(tb) if last_duration else 1.0 / float(fps)
    duration_s = float(times[-1] + frame_dur)
    if duration_s > MAX_DURATION_S:
        raise InputError(f"{path}: duration {duration_s:.0f} s is over the {MAX_DURATION_S:.0f} s limit")
    if header_s and len(pts) > 2 and duration_s < TRUNCATION_TOLERANCE * header_s - 1.0:
        raise InputError(
            f"{path}: truncated or corrupt: the video stream ends at {duration_s:.2f} s "
            f"but the file says {header_s:.2f} s"
        )
    return VideoInfo(
        path=str(path),
        container=fmt,
        codec=codec,
        fps=fps,
        n_frames=len(pts),
        duration_s=duration_s,
        width=width,
        height=height,
        rotation=rotation,
        pix_fmt=pix_fmt,
        has_audio=has_audio,
        variable_frame_rate=_is_vfr(times, fps),
        frame_times_s=tuple(float(t) for t in times),
        timecode=timecode,
        keyframes=keyframes,
        start_s=float(pts_arr[0] * tb),
    )


def _timecode_tag(container, stream) -> str | None:
    """The start timecode FFmpeg reads from the file (video stream, any data stream, or the container)."""
    for tags in (stream.metadata, *(s.metadata for s in container.streams), container.metadata):
        value = (tags or {}).get("timecode")
        if value:
            return str(value).strip()
    return None


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(":")[-1].strip() or type(exc).__name__


def _check_size(path: Path, width: int, height: int) -> None:
    if width < MIN_SIDE_PX or height < MIN_SIDE_PX:
        raise InputError(f"{path}: frame size {width}x{height} is too small (at least {MIN_SIDE_PX} px a side)")
    if width > MAX_SIDE_PX or height > MAX_SIDE_PX:
        raise InputError(f"{path}: frame size {width}x{height} is too large (at most {MAX_SIDE_PX} px a side)")


def _demux_timestamps(path: Path, container, stream) -> tuple[list[int], int, list[int]]:
    """Presentation timestamps of every video packet and of the keyframes among them, without decoding."""
    pts: list[int] = []
    keys: list[int] = []
    last_duration = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            pts.append(packet.pts)
            if packet.is_keyframe:
                keys.append(packet.pts)
            last_duration = packet.duration or last_duration
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: truncated or corrupt ({_reason(exc)})") from None
    return pts, last_duration, keys


def _decode_first(path: Path, stream) -> tuple[int, str]:
    """(rotation, pixel format) of the first frame, once it is shown to convert to RGB."""
    container = stream.container
    container.seek(0)
    try:
        for frame in container.decode(stream):
            pix_fmt = frame.format.name
            try:
                frame.to_ndarray(format="rgb24")
            except (ValueError, av.error.FFmpegError) as exc:
                raise InputError(
                    f"{path}: pixel format {pix_fmt!r} cannot be converted to RGB ({_reason(exc)})"
                ) from None
            return int(frame.rotation or 0) % 360, pix_fmt
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: the first frame cannot be decoded ({_reason(exc)})") from None
    raise InputError(f"{path}: the video stream has no decodable frames")


STANDARD_RATES = tuple(
    Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "48", "50", "60000/1001", "60", "100", "120")
)


def _nominal_fps(stream, pts: list[int]) -> Fraction:
    """The header's rate when the timestamps agree with it, else the measured rate.

    Some phone files declare r_frame_rate = 2x the real rate; the median frame
    interval is the truth, snapped to a standard rate within 1%.
    """
    header = stream.guessed_rate or stream.average_rate or stream.base_rate
    if len(pts) < 2:
        return Fraction(header) if header and 0 < float(header) <= 1000 else Fraction(30)
    step_s = float(np.median(np.diff(sorted(pts)))) * float(stream.time_base)
    measured = 1.0 / step_s if step_s > 0 else 30.0
    for candidate in ([Fraction(header)] if header else []) + list(STANDARD_RATES):
        if abs(float(candidate) - measured) <= 0.01 * measured:
            return candidate
    return Fraction(measured).limit_denominator(1001)


def _is_vfr(times: np.ndarray, fps: Fraction) -> bool:
    if len(times) < 3:
        return False
    expected = np.arange(len(times)) / float(fps)
    return bool(np.max(np.abs(times - expected)) > 0.5 / float(fps))
