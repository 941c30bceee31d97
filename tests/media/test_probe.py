"""probe_video: what it reports for real clips and what it refuses, with which message."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
import soundfile

from foleystudio.errors import InputError
from foleystudio.media.probe import probe_video
from tests.conftest import make_video


def test_real_clip_facts(shared):
    info = probe_video(shared / "media" / "hato_b12.mp4")
    assert info.fps == Fraction(30000, 1001)
    assert info.n_frames == 72
    assert info.duration_s == pytest.approx(72 * 1001 / 30000, abs=1e-3)
    assert (info.width, info.height) == (1280, 720)
    assert info.has_audio
    assert info.frame_times_s[0] == 0.0 and len(info.frame_times_s) == 72


def test_header_rate_that_disagrees_with_timestamps_is_replaced(shared):
    # hato_a14's header claims 60000/1001 but its frames are 1/29.97 s apart.
    info = probe_video(shared / "media" / "hato_a14.mp4")
    assert info.fps == Fraction(30000, 1001)


def test_synthetic_video(tmp_path):
    info = probe_video(make_video(tmp_path / "v.mp4", n_frames=25, fps=25))
    assert info.fps == 25 and info.n_frames == 25
    assert info.duration_s == pytest.approx(1.0, abs=1e-6)
    assert not info.has_audio and not info.variable_frame_rate


def _refused(path, *fragments):
    with pytest.raises(InputError) as err:
        probe_video(path)
    message = str(err.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_file(tmp_path):
    _refused(tmp_path / "nope.mp4", "nope.mp4", "no such file")


def test_directory(tmp_path):
    _refused(tmp_path, "is a directory")


def test_empty_file(tmp_path):
    (tmp_path / "e.mp4").write_bytes(b"")
    _refused(tmp_path / "e.mp4", "empty")


def test_not_a_media_file(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 100)
    _refused(path, "not a media file")


def test_no_video_stream(tmp_path):
    path = tmp_path / "sound.wav"
    soundfile.write(str(path), np.zeros(4800), 48000)
    _refused(path, "no video stream", "audio")


def test_zero_frames(tmp_path):
    path = tmp_path / "zero.mkv"
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=25)
        s.width, s.height = 64, 64
        c.start_encoding()  # header written, no frame ever muxed
    _refused(path, "no frames")


def test_truncated_file(tmp_path, shared):
    data = (shared / "media" / "hato_b12.mp4").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 3])
    _refused(path, "cut.mp4")


def test_corrupt_header(tmp_path, shared):
    data = bytearray((shared / "media" / "hato_b12.mp4").read_bytes()[:200_000])
    data[8:4000] = bytes(3992)
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(bytes(data))
    _refused(path, "corrupt.mp4")


def test_too_small(tmp_path):
    _refused(make_video(tmp_path / "tiny.mp4", size=(16, 16)), "too small", "16x16")


def test_too_large(tmp_path):
    path = tmp_path / "wide.mkv"
    make_video(path, n_frames=2, size=(9000, 32), codec="ffv1")
    _refused(path, "too large", "9000x32")


def test_pixel_format_that_cannot_become_rgb(tmp_path, monkeypatch):
    # Every format the bundled FFmpeg decodes converts to RGB, so the refusal path is
    # exercised by making the conversion fail the way swscale reports it.
    path = make_video(tmp_path / "v.mp4")

    def fail(self, *a, **k):
        raise ValueError("Conversion to rgb24 is not supported")

    monkeypatch.setattr(av.VideoFrame, "to_ndarray", fail)
    _refused(path, "pixel format", "yuv420p")
