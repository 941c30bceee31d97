"""Decoding ahead on a thread gives the same frames, raises where the stream broke, and stops when closed; held
frames (a picture shown again, as after a frame-rate conversion) are marked, and no other frame is."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import av
import numpy as np
import pytest

from foleystudio.errors import InputError
from foleystudio.media.frames import Frame, iter_frames, mark_held, prefetched
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


# -- held frames -----------------------------------------------------------------------------------


def _walker(n: int, *, held_every: int | None = None, size=(640, 360), box=(24, 64), step_px=6.0, noise=2.0,
            seed=0) -> list[Frame]:
    """A bright box moving right over grain; with `held_every`, every such frame shows the picture before it
    (with new grain, as a re-encode gives), at its own time."""
    rng = np.random.default_rng(seed)
    w, h = size
    frames, picture = [], 0
    for i in range(n):
        if not (held_every and i % held_every == held_every - 1):
            picture += 1
        img = np.full((h, w, 3), 100.0)
        x = int(20 + step_px * picture) % (w - box[0])
        img[h // 2 : h // 2 + box[1], x : x + box[0]] = 230.0
        img += rng.normal(0.0, noise, img.shape)
        frames.append(Frame(index=i, t_s=i / 30, rgb=np.clip(img, 0, 255).astype(np.uint8), scale=1.0))
    return frames


def _held(frames) -> list[int]:
    marked = list(mark_held(frames))
    assert [f.index for f in marked] == [f.index for f in frames]  # every frame handed on, in order
    return [f.index for f in marked if f.held]


@pytest.mark.parametrize("held_every", [5, 6, 2])
def test_held_frames_are_marked_and_no_other(held_every):
    """24 fps film at 30 (every 5th held), 25 at 30 (every 6th), animation on twos (every 2nd)."""
    held = [i for i in range(60) if i % held_every == held_every - 1]
    assert _held(_walker(60, held_every=held_every)) == [i for i in held if 2 <= i < 59]  # not the first 2, last


@pytest.mark.parametrize("case", ["grain", "frozen", "small walker", "stop"])
def test_frames_that_do_not_repeat_are_never_held(case):
    if case == "grain":  # a still scene: every change is noise
        frames = _walker(40, step_px=0.0, noise=3.0)
    elif case == "frozen":  # the same picture over and over, no noise at all: nothing is "held", it is still
        frames = _walker(40, step_px=0.0, noise=0.0)
    elif case == "small walker":  # someone far away in a big clean picture, slowly
        frames = _walker(40, size=(1280, 720), box=(6, 18), step_px=2.0, noise=0.5)
    else:  # a fast pan that stops dead: the change falls from large to noise and stays there
        frames = _walker(20, step_px=30.0) + [replace(f, index=20 + f.index, t_s=(20 + f.index) / 30)
                                              for f in _walker(20, step_px=0.0, seed=1)]
    assert _held(frames) == []


def test_held_frames_survive_an_encode(tmp_path):
    """The same walker written with x264 (each held picture encoded again) and decoded."""
    path = tmp_path / "held.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"crf": "18"}
        for f in _walker(45, held_every=5):
            for packet in stream.encode(av.VideoFrame.from_ndarray(f.rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    assert _held(list(iter_frames(probe_video(path)))) == list(range(4, 44, 5))
