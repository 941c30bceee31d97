"""SMPTE timecode with known answers (SMPTE 12M drop-frame) and round trips at every common rate."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy as np

from foleystudio.timebase import frames_to_timecode, is_drop_frame, timecode_base, timecode_to_frames, video_frame_at

NTSC = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)


@pytest.mark.parametrize("frame, timecode", [
    (0, "00:00:00;00"),
    (1799, "00:00:59;29"),
    (1800, "00:01:00;02"),  # frames 00 and 01 of minute 1 do not exist
    (3597, "00:01:59;29"),  # minute 1 has 1798 labels
    (3598, "00:02:00;02"),
    (17981, "00:09:59;29"),
    (17982, "00:10:00;00"),  # every tenth minute keeps them
    (107892, "01:00:00;00"),  # an hour of labels is 107892 frames, an hour of picture (3599.9964 s)
])
def test_drop_frame_known_answers(frame, timecode):
    assert frames_to_timecode(frame, NTSC) == timecode
    assert timecode_to_frames(timecode, NTSC) == frame


def test_59_94_drops_four():
    assert frames_to_timecode(3600, NTSC_60) == "00:01:00;04"
    assert frames_to_timecode(215784, NTSC_60) == "01:00:00;00"


@pytest.mark.parametrize("fps, frame, timecode", [
    (Fraction(25), 90000, "01:00:00:00"),
    (Fraction(24000, 1001), 86400, "01:00:00:00"),  # 23.976 is counted non-drop at 24
    (Fraction(30), 108000, "01:00:00:00"),
    (Fraction(10), 15, "00:00:01:05"),
])
def test_non_drop_known_answers(fps, frame, timecode):
    assert not is_drop_frame(fps)
    assert frames_to_timecode(frame, fps) == timecode
    assert timecode_to_frames(timecode, fps) == frame


@given(st.sampled_from([NTSC, NTSC_60, Fraction(25), Fraction(24000, 1001), Fraction(50), Fraction(30)]),
       st.integers(min_value=0, max_value=24 * 3600 * 60 - 1))
def test_round_trip(fps, frame):
    frame %= 24 * 3600 * timecode_base(fps) - (108 * 24 * timecode_base(fps) // 30 if is_drop_frame(fps) else 0)
    assert timecode_to_frames(frames_to_timecode(frame, fps), fps) == frame


@pytest.mark.parametrize("text", ["00:01:00;00", "00:01:00;01", "1:2:3", "00:00:00:30", "00:60:00:00", "ab:cd:ef:gh"])
def test_refuses_what_does_not_exist(text):
    with pytest.raises(ValueError):
        timecode_to_frames(text, NTSC)


def test_the_video_frame_nearest_a_time_across_left_out_frames():
    frames = np.array([0, 1, 2, 4, 5, 8, 9])  # 3, 6 and 7 held, left out
    times = frames / 30.0
    assert [video_frame_at(frames, times, f / 30.0) for f in range(10)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert video_frame_at(frames, times, 3.4 / 30) == 3 and video_frame_at(frames, times, 3.6 / 30) == 4
    assert video_frame_at(frames, times, -1.0) == 0 and video_frame_at(frames, times, 5.0) == 9
    assert video_frame_at(np.arange(5), np.arange(5) / 25.0, 2.4 / 25) == 2  # nothing left out: the nearest
