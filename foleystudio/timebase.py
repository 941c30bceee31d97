"""Every conversion between frames, seconds and samples lives here.

Vision time is a frame index plus an exact frame rate (a Fraction); audio time is a
sample index plus a sample rate. Seconds are for people and files.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

SAMPLE_RATE = 48_000  # every stem and the muxed track; AAC and editors' default


def frame_to_seconds(frame: int, fps: Fraction) -> float:
    """Nominal start time of `frame` for a constant frame rate."""
    return float(Fraction(frame) / fps)


def seconds_to_frame(t_s: float, fps: Fraction) -> int:
    """Index of the frame whose nominal start is nearest `t_s`."""
    return int(round(t_s * float(fps)))


def seconds_to_sample(t_s: float, sr: int = SAMPLE_RATE) -> int:
    """Sample index nearest to `t_s`; the contract for sample-exact placement."""
    return int(round(t_s * sr))


def sample_to_seconds(n: int, sr: int = SAMPLE_RATE) -> float:
    return n / sr


def duration_to_samples(duration_s: float, sr: int = SAMPLE_RATE) -> int:
    """Length in samples of a stem that covers `duration_s` exactly (rounded)."""
    return int(round(duration_s * sr))


def nearest_frame(times_s: np.ndarray, t_s: float) -> int:
    """Index into a (sorted) per-frame time array of the frame nearest `t_s`."""
    i = int(np.searchsorted(times_s, t_s))
    if i <= 0:
        return 0
    if i >= len(times_s):
        return len(times_s) - 1
    return i if abs(times_s[i] - t_s) < abs(times_s[i - 1] - t_s) else i - 1


def video_frame_at(frames: np.ndarray, times_s: np.ndarray, t_s: float) -> int:
    """The video frame nearest `t_s`, from analysed `frames` (indices, sorted) at `times_s`: where frames were left
    out between the two analysed ones around `t_s` (held frames), by their times, as if the rate were even."""
    i = int(np.searchsorted(times_s, t_s))
    if 0 < i < len(times_s) and frames[i] - frames[i - 1] > 1 and times_s[i] > times_s[i - 1]:
        share = (t_s - times_s[i - 1]) / (times_s[i] - times_s[i - 1])
        return int(frames[i - 1]) + int(round(share * (int(frames[i]) - int(frames[i - 1]))))
    return int(frames[nearest_frame(times_s, t_s)])


# SMPTE timecode. A rate's timecode counts frames at its nominal (whole) rate: 30 for
# 30000/1001. At 29.97 and 59.94 that drifts from the clock, so drop-frame timecode skips
# frame numbers 0 and 1 (0-3 at 59.94) at the start of every minute except each tenth:
# 108 (216) labels an hour, and an hour of labels is an hour of picture.
DROP_FRAME_RATES = (Fraction(30000, 1001), Fraction(60000, 1001))


def timecode_base(fps: Fraction) -> int:
    """Frames per timecode second: the nominal whole rate (30 for 29.97, 24 for 23.976)."""
    return max(1, int(round(fps)))


def is_drop_frame(fps: Fraction) -> bool:
    return Fraction(fps) in DROP_FRAME_RATES


def _dropped_per_minute(fps: Fraction) -> int:
    return 2 * timecode_base(fps) // 30 if is_drop_frame(fps) else 0


def frames_to_timecode(frame: int, fps: Fraction) -> str:
    """`frame` (a count from 00:00:00:00) as HH:MM:SS:FF, or HH:MM:SS;FF in drop-frame at 29.97/59.94."""
    if frame < 0:
        raise ValueError(f"timecode of a negative frame count {frame}")
    base = timecode_base(fps)
    drop = _dropped_per_minute(fps)
    if drop:
        per_minute = base * 60 - drop
        per_ten = base * 600 - 9 * drop
        tens, rest = divmod(frame, per_ten)
        frame += 9 * drop * tens + (drop * ((rest - drop) // per_minute) if rest > drop else 0)
    frames = frame % base
    seconds = frame // base
    sep = ";" if drop else ":"
    return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{sep}{frames:02d}"


def timecode_to_frames(timecode: str, fps: Fraction) -> int:
    """Frame count of HH:MM:SS:FF (or ;FF); ValueError for anything else or a label drop-frame skips."""
    text = str(timecode).strip()
    parts = text.replace(";", ":").replace(".", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"timecode {text!r} is not HH:MM:SS:FF")
    h, m, s, f = (int(p) for p in parts)
    base = timecode_base(fps)
    if m >= 60 or s >= 60 or f >= base:
        raise ValueError(f"timecode {text!r} is out of range at {base} frames a second")
    drop = _dropped_per_minute(fps)
    minutes = 60 * h + m
    if drop and s == 0 and f < drop and m % 10:
        raise ValueError(f"timecode {text!r} does not exist in drop-frame (frames 0-{drop - 1} of the minute are skipped)")
    return ((h * 3600 + m * 60 + s) * base + f) - drop * (minutes - minutes // 10)


def frame_rate(t_s: np.ndarray, default: float = 30.0) -> float:
    """Frames per second of the frame times `t_s` (their mean rate; `default` for fewer than two frames),
    rounded to a millionth, so that every stretch of one constant-rate video reads the same rate."""
    n = len(t_s)
    if n < 2:
        return default
    return round((n - 1) / max(float(t_s[-1] - t_s[0]), 1e-6), 6)
