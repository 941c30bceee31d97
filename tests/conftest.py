"""Shared fixtures: where the real material is, and synthetic videos made on the fly."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

from tests.delivered import Delivered, deliver

PROJECT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """../shared beside the project, or $FOLEY_SHARED. Missing material fails the test, never skips it."""
    root = Path(os.environ.get("FOLEY_SHARED") or PROJECT.parent / "shared")
    if not (root / "media").is_dir():
        pytest.fail(f"test material not found at {root} (set FOLEY_SHARED or put shared/ beside the project)")
    return root


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Pose cache in a per-session temp dir, so tests never read a developer's stale cache."""
    old = os.environ.get("FOLEY_CACHE")
    os.environ["FOLEY_CACHE"] = str(tmp_path_factory.mktemp("foley-cache"))
    yield
    if old is None:
        os.environ.pop("FOLEY_CACHE", None)
    else:
        os.environ["FOLEY_CACHE"] = old


def make_video(path: Path, *, n_frames: int = 30, fps: int = 30, size=(160, 120), codec="libx264",
               pix_fmt="yuv420p", audio: bool = False, held_every: int | None = None) -> Path:
    """A small synthetic video: a moving bright square on grey (with `held_every`, every such frame shows the
    picture before it again, as film shown at another rate does)."""
    with av.open(str(path), "w") as c:
        v = c.add_stream(codec, rate=fps)
        v.width, v.height = size
        v.pix_fmt = pix_fmt
        a = c.add_stream("aac", rate=48000, layout="stereo") if audio else None
        picture = 0
        for i in range(n_frames):
            picture += 0 if held_every and i % held_every == held_every - 1 else 1
            img = np.full((size[1], size[0], 3), 90, np.uint8)
            x = ((picture - 1) * 4) % max(1, size[0] - 20)
            img[40:60, x : x + 20] = 250
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in v.encode(frame):
                c.mux(packet)
        for packet in v.encode(None):
            c.mux(packet)
        if a is not None:
            n = int(48000 * n_frames / fps)
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)
            for start in range(0, n, 1024):
                chunk = np.stack([tone[start : start + 1024]] * 2)
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
                frame.sample_rate = 48000
                frame.pts = start
                for packet in a.encode(frame):
                    c.mux(packet)
            for packet in a.encode(None):
                c.mux(packet)
    return path


@pytest.fixture(scope="session")
def delivered(shared, tmp_path_factory) -> Delivered:
    """hato_b12 (29.97 fps: drop-frame timecode), every timeline format, stems per person."""
    return deliver(shared / "media" / "hato_b12.mp4", tmp_path_factory.mktemp("delivered"))


@pytest.fixture(scope="session")
def delivered_30(shared, tmp_path_factory) -> Delivered:
    """sports2d_demo (30 fps, two people), starting at 01:00:00:00 as a conformed reel would."""
    return deliver(shared / "media" / "sports2d_demo.mp4", tmp_path_factory.mktemp("delivered30"),
                   start_timecode="01:00:00:00")
