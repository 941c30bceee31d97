"""Put a soundtrack on a video: the video stream copied packet for packet, AAC added.

The video is never re-encoded, so picture quality and timing are the input's. Its
timestamps are shifted so that its first frame is shown at zero, where the soundtrack's
first sample is: a video can start later (an edit list, a camcorder's MPEG-TS clock),
and the events file counts time from the first frame, so the output's clock is the
events' clock. The output is written under a temporary name beside the target and
renamed when complete, so a failure never leaves a half-written file where the user
expects a result.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np

from foleystudio.errors import ExportError, InputError
from foleystudio.export.atomic import atomic_path
from foleystudio.media.encode import AacTrack
from foleystudio.media.probe import VideoInfo
from foleystudio.sound.scratch import release
from foleystudio.timebase import SAMPLE_RATE


def mux_audio(info: VideoInfo, audio: np.ndarray, out_path: str | os.PathLike, *, sr: int = SAMPLE_RATE,
              timecode: str | None = None) -> None:
    """Write `info.path`'s video stream plus `audio` ((n, 2) float, at `sr`) to `out_path`.

    The output's start timecode is `timecode`, else the source's own (MP4/MOV: a tmcd track).
    """
    out_path = Path(out_path)
    try:
        with atomic_path(out_path) as tmp:
            _write(info, np.asarray(audio, dtype=np.float32), tmp, sr, timecode or info.timecode)
    except (av.error.FFmpegError, ValueError) as exc:
        raise ExportError(
            f"{out_path}: could not write ({exc}); the {info.codec} video may not fit a "
            f"{out_path.suffix or 'suffix-less'} container, try -o with .mkv"
        ) from None


def _write(info: VideoInfo, audio: np.ndarray, tmp: Path, sr: int, timecode: str | None) -> None:
    with av.open(info.path, metadata_errors="ignore") as src, av.open(str(tmp), "w") as dst:
        v_in = src.streams.video[0]
        v_out = dst.add_stream_from_template(v_in)
        if timecode:  # MP4/MOV write it as a tmcd track
            v_out.metadata["timecode"] = dst.metadata["timecode"] = timecode
        track = AacTrack(dst, audio, sr=sr)
        first = v_in.start_time or 0  # the first frame's presentation time, in v_in.time_base
        for packet in src.demux(v_in):
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's end-of-stream flush packet
            packet.pts = None if packet.pts is None else packet.pts - first
            packet.dts = None if packet.dts is None else packet.dts - first
            track.mux_until(float((packet.pts if packet.dts is None else packet.dts) * packet.time_base))
            packet.stream = v_out
            dst.mux(packet)
        track.finish()


def _start_s(stream) -> float:
    """Presentation time of the stream's first frame (the demuxer's start time, edit lists applied)."""
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def read_audio(info: VideoInfo, *, sr: int = SAMPLE_RATE, out: np.ndarray | None = None) -> np.ndarray:
    """The input's first audio track as (n, 2) float32 at `sr`, aligned to the first video frame. With `out`
    ((m, 2) float32 of zeros, e.g. a scratch array), its first m samples are written into it as they are decoded
    (the track is never whole in memory) and `out` is returned."""
    if not info.has_audio:
        raise InputError(f"{info.path}: has no audio track to keep")
    chunks = []
    with av.open(info.path, metadata_errors="ignore") as src:
        first_video_s = _start_s(src.streams.video[0])
        stream = src.streams.audio[0]
        offset = int(round((first_video_s - _start_s(stream)) * sr))  # decoded samples before the first frame
        at = -offset  # where the next decoded sample goes in `out`
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sr)
        try:
            for frame in src.decode(stream):
                for decoded in resampler.resample(frame):
                    at = _keep(decoded.to_ndarray(), chunks, out, at)
            for decoded in resampler.resample(None):
                at = _keep(decoded.to_ndarray(), chunks, out, at)
        except av.error.FFmpegError as exc:
            raise InputError(f"{info.path}: the audio track cannot be decoded ({exc})") from None
    if out is not None:
        return out
    audio = np.concatenate(chunks, axis=1).T if chunks else np.zeros((0, 2), np.float32)
    if offset > 0:
        audio = audio[offset:]
    elif offset < 0:
        audio = np.concatenate([np.zeros((-offset, 2), np.float32), audio])
    return audio.astype(np.float32)


def _keep(planar: np.ndarray, chunks: list, out: np.ndarray | None, at: int) -> int:
    """A decoded (2, m) chunk kept whole (no `out`) or written into `out` from sample `at` (what falls outside
    it dropped); where the next chunk goes."""
    if out is None:
        chunks.append(planar)
    else:
        lo, hi = max(at, 0), min(at + planar.shape[1], len(out))
        if hi > lo:
            out[lo:hi] = planar[:, lo - at:hi - at].T
            release(out[lo:hi])
    return at + planar.shape[1]
