"""Decoding ahead on a thread gives the same frames, raises where the stream broke, and stops when closed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from foleystudio.errors import InputError
from foleystudio.media.frames import iter_frames, prefetched
from foleystudio.media.probe import probe_video
from tests.conftest import make_video


def test_prefetched_frames_are_the_decoded_frames(tmp_path):
    info = probe_video(make_video(tmp_path / "v.mp4", n_frames=40))
    direct = list(iter_frames(info))
    ahead = list(prefetched(iter_frames(info), depth=3))
    assert [f.index for f in ahead] == [f.index for f in direct] == list(range(40))
    assert all(np.array_equal(a.rgb, b.rgb) and a.t_s == b.t_s for a, b in zip(ahead, direct))


def test_an_error_reaches_the_consumer_after_the_frames_before_it():
    def broken():
        yield from range(5)
        raise InputError("decoding failed at frame 5")

    seen = []
    with pytest.raises(InputError, match="frame 5"):
        for item in prefetched(broken(), depth=2):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_closing_early_stops_the_producer():
    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    stream = prefetched(endless(), depth=2)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert closed.wait(timeout=5)
    deadline = time.monotonic() + 5
    while any(t.name == "foley-decode" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name == "foley-decode" for t in threading.enumerate())
