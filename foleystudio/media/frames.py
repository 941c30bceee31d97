"""Streamed decoding: one frame at a time, never the whole video in memory."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import av
import cv2
import numpy as np

from foleystudio.errors import InputError
from foleystudio.media.probe import VideoInfo

DEFAULT_MAX_SIDE_PX = 1280  # pose needs no more; 4K frames cost 9x the RGB conversion
PREFETCH_FRAMES = 4  # decoded ahead of the consumer: 11 MB at 1280x720, enough to hide a decode behind a pose run


@dataclass(frozen=True, eq=False)
class Frame:
    index: int  # 0-based, in presentation order
    t_s: float  # presentation time from the first frame
    rgb: np.ndarray  # (h, w, 3) uint8, rotated for display and scaled by `scale`
    scale: float  # image pixels per display pixel (<= 1)
    held: bool = False  # shows the picture of the frame before again (`mark_held`): no motion of its own
    grey: np.ndarray | None = None  # `grey_thumbnail(rgb, HELD_THUMB_PX)` where `mark_held` made it, to reuse


def iter_frames(info: VideoInfo, *, max_side_px: int = DEFAULT_MAX_SIDE_PX, step: int = 1, start: int = 0,
                stop: int | None = None) -> Iterator[Frame]:
    """Yield every `step`-th frame of `info.path` from frame `start` up to (not including) `stop`, as RGB,
    rotated upright.

    Times come from the probe's timestamps, so variable frame rate is exact. A `start` past the first
    frame seeks to the keyframe at or before it and decodes from there (frames before `start` are decoded,
    not converted), so a chunk of a video costs what its own frames cost, plus at most one GOP.
    """
    disp_w, disp_h = info.display_size
    scale = min(1.0, max_side_px / max(disp_w, disp_h))
    # Even sizes keep every YUV->RGB path happy.
    out_w = max(2, int(round(disp_w * scale / 2)) * 2)
    out_h = max(2, int(round(disp_h * scale / 2)) * 2)
    if info.rotation % 180:
        dec_w, dec_h = out_h, out_w
    else:
        dec_w, dec_h = out_w, out_h
    times = info.frame_times_s
    stop = len(times) if stop is None else min(stop, len(times))
    index = 0
    try:
        with av.open(info.path, metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            seeking = start > 0
            if seeking:
                container.seek(_stream_pts(info, stream, start), stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if seeking:  # the first frame after a seek: which one it is, from its time
                    index, seeking = _frame_index(info, frame), False
                if index >= stop:
                    break
                if index >= start and index % step == 0:
                    rgb = frame.to_ndarray(format="rgb24", width=dec_w, height=dec_h)
                    yield Frame(index=index, t_s=times[index], rgb=_rotate(rgb, info.rotation), scale=out_w / disp_w)
                index += 1
    except av.error.FFmpegError as exc:
        raise InputError(f"{info.path}: decoding failed at frame {index}: {exc}") from None


def _stream_pts(info: VideoInfo, stream, index: int) -> int:
    """The stream timestamp of frame `index` (what a seek aims at)."""
    return int(round((info.start_s + info.frame_times_s[index]) / float(stream.time_base)))


def _frame_index(info: VideoInfo, frame) -> int:
    """The index of a decoded frame, from its presentation time (0 when it has none: the file's start)."""
    if frame.pts is None or frame.time_base is None:
        return 0
    t = float(frame.pts * frame.time_base) - info.start_s
    return int(np.argmin(np.abs(np.asarray(info.frame_times_s) - t)))


def _rotate(rgb: np.ndarray, rotation: int) -> np.ndarray:
    # FFmpeg's display rotation is counter-clockwise in degrees.
    k = {0: 0, 90: 1, 180: 2, 270: 3}.get(rotation % 360, 0)
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


HELD_MAX_LEVELS = 6  # a held picture encoded again changes by compression noise (2-4 grey levels on the dev clips)
HELD_SHARE = 0.5  # ... and by less than this share of the change into the frame before and out to the next
HELD_THUMB_PX = 320  # frames are compared at this size (a small walker still covers hundreds of its pixels)


def mark_held(frames: Iterable[Frame]) -> Iterator[Frame]:
    """`frames`, each with `held` set when it repeats the picture before it.

    Film at 24 fps shown at 30 shows every 4th picture twice, 25 at 30 every 5th; a held picture carries no
    motion and the one after it two frames' worth, so speeds are measured on the real time between pictures
    (`vision.pose.finish_poses` leaves held frames out of the tracks). A frame is held when its picture changed
    from the one before by at most HELD_MAX_LEVELS grey levels (in all but 1 in 1000 pixels of a thumbnail),
    and by less than HELD_SHARE of the change into the frame before and of the change out to the next one: a
    still scene, whose every change is noise (or none), has no held frames. Each frame is handed on when the
    next one is seen (the first two and the last are never held).
    """
    before = into = None  # the last frame's thumbnail, and its change from the one before it
    waiting: tuple[Frame, float | None, float | None] | None = None  # (frame, its change, the change into the last)
    for frame in frames:
        thumb = grey_thumbnail(frame.rgb, HELD_THUMB_PX)
        change = _change(before, thumb) if before is not None and before.shape == thumb.shape else None
        if waiting is not None:
            last, last_change, into_last = waiting
            yield replace(last, held=True) if _held(last_change, into_last, change) else last
        waiting = (replace(frame, grey=thumb), change, into)
        before, into = thumb, change
    if waiting is not None:
        yield waiting[0]


def _held(change: float | None, into_last: float | None, out: float | None) -> bool:
    return (change is not None and into_last is not None and out is not None and change <= HELD_MAX_LEVELS
            and change < HELD_SHARE * min(into_last, out))  # strictly: a picture that never changes is still


def grey_thumbnail(rgb: np.ndarray, max_side_px: int) -> np.ndarray:
    """`rgb` in grey (uint8), shrunk by area to at most `max_side_px` on its longer side (never enlarged)."""
    h, w = rgb.shape[:2]
    scale = min(1.0, max_side_px / max(h, w))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return grey


def _change(a: np.ndarray, b: np.ndarray) -> float:
    """Grey levels that all but 1 in 1000 pixels changed by at most."""
    d = cv2.absdiff(a, b).ravel()  # |b - a| of two uint8 thumbnails, without widening either
    k = int(0.999 * (d.size - 1))
    return float(np.partition(d, k)[k])


def prefetched(frames: Iterable[Frame], depth: int = PREFETCH_FRAMES) -> Iterator[Frame]:
    """`frames`, produced on a thread of their own at most `depth` ahead: decoding runs while the consumer works.

    The same frames in the same order; an error in the producer is raised here, in the
    consumer, at the point of the stream where it happened. Closing the iterator early
    stops the producer.
    """
    items: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()
    done = object()

    source = iter(frames)

    def produce() -> None:
        try:
            for frame in source:
                while not stop.is_set():
                    try:
                        items.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            items.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            items.put(exc)
        finally:
            if hasattr(source, "close"):
                source.close()  # the decoder's file, on this thread, as soon as it is not needed

    thread = threading.Thread(target=produce, name="foley-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                items.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.05)
