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
