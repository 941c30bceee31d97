"""Shot boundaries on videos with known cuts: two real clips joined at a known frame, plus fades,
dissolves and flashes built from their thumbnails."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from foleystudio.media.frames import iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.vision.shots import ShotConfig, ShotDetector, Shots, detect_shots, make_thumbnail

CUT_FRAME = 45
SIZE = (640, 360)


def _decode(path: Path, n: int) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            out.append(cv2.resize(frame.to_ndarray(format="rgb24"), SIZE, interpolation=cv2.INTER_AREA))
            if len(out) == n:
                break
    return out


def _encode(path: Path, frames: list[np.ndarray], fps: int = 30) -> Path:
    with av.open(str(path), "w") as c:
        stream = c.add_stream("libx264", rate=fps)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for img in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
    return path


@pytest.fixture(scope="module")
def clips(shared) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A walk on grass (handheld, sun flare) and a sprint on a track: different shots."""
    grass = _decode(shared / "media" / "sports2d_mirror_360p25.mp4", 80)
    track = _decode(shared / "media" / "hato_b10.mp4", 80)
    return grass, track


@pytest.fixture(scope="module")
def joined(clips, tmp_path_factory) -> Path:
    grass, track = clips
    return _encode(tmp_path_factory.mktemp("shots") / "joined.mp4", grass[:CUT_FRAME] + track[:45])


def test_hard_cut_between_two_real_clips_is_found_at_its_frame(joined):
    info = probe_video(joined)
    shots = detect_shots(iter_frames(info))
    assert shots.boundaries == (CUT_FRAME,)
    first, second = shots.shots
    assert second.transition == "cut"
    assert first.start_frame == 0 and first.end_frame == CUT_FRAME
    assert second.start_s == pytest.approx(CUT_FRAME / 30, abs=1e-3)
    assert second.end_frame == info.n_frames


def test_one_real_clip_is_one_shot(clips):
    grass, _ = clips
    shots = _run(grass)
    assert len(shots) == 1 and shots.shots[0].transition == "start"


def _run(frames: list[np.ndarray], config: ShotConfig = ShotConfig()) -> Shots:
    detector = ShotDetector(config)
    for i, img in enumerate(frames):
        detector.add(i, i / 30, make_thumbnail(img))
    return detector.finish()


@pytest.mark.parametrize("length", [6, 12, 24])
def test_dissolve_is_one_boundary_near_its_middle(clips, length):
    grass, track = clips
    a, b = grass[:30], track[:40]
    mix = [cv2.addWeighted(grass[30 + k], 1 - (k + 1) / (length + 1), track[k], (k + 1) / (length + 1), 0) for k in range(length)]
    shots = _run(a + mix + b)
    assert len(shots.boundaries) == 1
    assert shots.shots[1].transition == "dissolve"
    assert abs(shots.boundaries[0] - (30 + length / 2)) <= max(3, length / 4)


@pytest.mark.parametrize("colour", [0, 255])
def test_fade_through_black_or_white_starts_the_next_shot_after_it(clips, colour):
    grass, track = clips
    blank = np.full_like(grass[0], colour)
    out_ = [cv2.addWeighted(grass[30 + k], 1 - (k + 1) / 8, blank, (k + 1) / 8, 0) for k in range(8)]
    in_ = [cv2.addWeighted(blank, 1 - (k + 1) / 8, track[k], (k + 1) / 8, 0) for k in range(8)]
    shots = _run(grass[:30] + out_ + [blank] * 4 + in_ + track[8:40])
    assert len(shots.boundaries) == 1
    assert 36 <= shots.boundaries[0] <= 44


def test_a_single_flash_frame_is_not_a_cut(clips):
    grass, _ = clips
    frames = list(grass[:60])
    frames[30] = np.full_like(frames[30], 250)
    assert len(_run(frames)) == 1


def test_memory_stays_bounded_and_order_is_enforced():
    detector = ShotDetector()
    rng = np.random.default_rng(0)
    thumb = rng.integers(0, 255, (36, 64, 3), dtype=np.uint8)
    for i in range(400):
        detector.add(i, i / 30, thumb)
    assert len(detector._ring) <= max(ShotConfig().dissolve_windows_frames) + 1
    with pytest.raises(ValueError):
        detector.add(10, 0.3, thumb)
    shots = detector.finish(end_s=20.0, end_frame=600)
    assert len(shots) == 1 and shots.shots[0].end_s == 20.0 and shots.shots[0].end_frame == 600


def test_lookup_by_frame_and_time(joined):
    shots = detect_shots(iter_frames(probe_video(joined), max_side_px=320))
    assert shots.at_frame(0).index == 0
    assert shots.at_frame(CUT_FRAME - 1).index == 0
    assert shots.at_frame(CUT_FRAME).index == 1
    assert shots.at_time(CUT_FRAME / 30 + 0.01).index == 1
    assert shots.at_frame(10_000).index == 1


def test_no_frames_gives_no_shots():
    assert len(ShotDetector().finish()) == 0
