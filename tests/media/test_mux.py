"""mux_audio: the soundtrack a player plays lines up with the picture, and the picture is the input's."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import av
import numpy as np
import pytest

from foleystudio.media.encode import AAC_FRAME
from foleystudio.media.mux import mux_audio
from foleystudio.media.probe import probe_video

SR = 48_000
CLICKS_S = (0.1, 0.31, 0.64, 0.83, 1.21)  # uneven, so a shift by one gap cannot pass for a match
TOLERANCE_S = 0.005


def make_clip(path, *, start_s=0.0, rotation=None, codec="libx264", n_frames=45, fps=30):
    """A 160x120 clip (a bright square moving right along rows 40-60) whose first frame is shown at
    `start_s`, optionally with a display rotation."""
    tb = Fraction(1, fps)
    with av.open(str(path), "w") as c:
        v = c.add_stream(codec, rate=fps)
        v.width, v.height, v.pix_fmt = 160, 120, "yuv420p"
        if rotation is not None:
            v.set_display_rotation(rotation)
        first = int(round(start_s * fps))
        for i in range(n_frames):
            img = np.full((120, 160, 3), 90, np.uint8)
            img[40:60, i * 3 : i * 3 + 20] = 250
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = first + i, tb
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
    return path


def _video_packets(path) -> tuple[list[str], list[float]]:
    """Hash and presentation time (s, from the first frame) of every video packet, in file order."""
    hashes, times = [], []
    with av.open(str(path)) as c:
        for packet in c.demux(c.streams.video[0]):
            if packet.size:
                hashes.append(hashlib.sha1(bytes(packet)).hexdigest())
                times.append(float(packet.pts * packet.time_base))
    return hashes, [round(t - min(times), 6) for t in times]


def _first_frame_s(path) -> float:
    with av.open(str(path)) as c:
        return min(float(p.pts * p.time_base) for p in c.demux(c.streams.video[0]) if p.pts is not None)


def _played(path) -> tuple[np.ndarray, float]:
    """The decoded audio (left channel) and when its first sample plays, in seconds from the first video frame."""
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.audio[0]))
    audio = np.concatenate([f.to_ndarray()[0] for f in frames])
    return audio, float(frames[0].pts * frames[0].time_base) - _first_frame_s(path)


def _onsets_s(audio: np.ndarray, lead_s: float) -> np.ndarray:
    """Time of each click's peak, from the first video frame (clicks are >= 0.19 s apart)."""
    env = np.abs(audio)
    loud = np.flatnonzero(env > 0.5 * env.max())
    groups = np.split(loud, np.flatnonzero(np.diff(loud) > 0.05 * SR) + 1)
    return np.array([lead_s + (g[0] + np.argmax(env[g[0] : g[-1] + 1])) / SR for g in groups])


@pytest.mark.parametrize(
    "name, suffix, kwargs",
    [
        ("video starting at 0.5 s (H.264, B-frames)", ".mp4", {"start_s": 0.5}),
        ("video starting at 0.5 s (MPEG-4 part 2)", ".mp4", {"start_s": 0.5, "codec": "mpeg4"}),
        ("phone clip rotated 90 degrees", ".mov", {"rotation": 90}),
        ("rotated phone clip starting late", ".mov", {"rotation": -90, "start_s": 0.3}),
    ],
)
def test_clicks_play_with_the_picture(tmp_path, name, suffix, kwargs):
    src = make_clip(tmp_path / f"in{suffix}", **kwargs)
    info = probe_video(src)
    n = int(round(info.duration_s * SR))
    audio = np.zeros((n, 2), np.float32)
    audio[[int(round(t * SR)) for t in CLICKS_S]] = 0.8
    out = tmp_path / f"out{suffix}"

    mux_audio(info, audio, out, sr=SR)

    played, lead_s = _played(out)
    onsets = _onsets_s(played, lead_s)
    assert len(onsets) == len(CLICKS_S), name
    errors_ms = (onsets - np.array(CLICKS_S)) * 1000
    assert np.all(np.abs(errors_ms) < TOLERANCE_S * 1000), f"{name}: onset errors {np.round(errors_ms, 2)} ms"

    assert _video_packets(out) == _video_packets(src)  # the same bytes, the same frame times
    assert _first_frame_s(out) == 0.0  # shown at once, on the events' clock (time from the first frame)
    out_info = probe_video(out)
    assert (out_info.rotation, out_info.display_size) == (info.rotation, info.display_size)
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert float(a.start_time * a.time_base) == 0.0
        assert float(a.duration * a.time_base) == pytest.approx(info.duration_s, abs=1 / SR)
    assert 0 <= len(played) - n < AAC_FRAME  # the decoder keeps the encoder's end padding; players trim it


def _scratch_copy(audio: np.ndarray, monkeypatch) -> np.ndarray:
    """`audio` in a scratch file (sound/scratch.py), handed back a few blocks at a time as it is read."""
    from foleystudio.sound import scratch

    monkeypatch.setattr(scratch, "MIN_DISK_BYTES", 0)
    monkeypatch.setattr(scratch, "RESIDENT_BYTES", 1 << 16)
    copy = scratch.zeros(audio.shape)
    copy[:] = audio
    return copy


def test_a_mix_on_disk_is_muxed_as_the_same_mix_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr("foleystudio.media.encode.BLOCK_SAMPLES", 5 * AAC_FRAME)  # handed back every 5 frames
    info = probe_video(make_clip(tmp_path / "in.mp4"))
    n = int(round(info.duration_s * SR))
    audio = (np.random.default_rng(2).standard_normal((n, 2)) * 0.1).astype(np.float32)
    mux_audio(info, audio, tmp_path / "memory.mp4", sr=SR)
    mux_audio(info, _scratch_copy(audio, monkeypatch), tmp_path / "disk.mp4", sr=SR)
    np.testing.assert_array_equal(_played(tmp_path / "disk.mp4")[0], _played(tmp_path / "memory.mp4")[0])


def _clip_with_sound(path, *, video_start_s: float, audio_start_s: float):
    """A 1.5 s MKV whose picture and sound start at their own times (noise, so every sample tells)."""
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=30)
        v.width, v.height, v.pix_fmt = 160, 120, "yuv420p"
        a = c.add_stream("aac", rate=SR, layout="stereo")
        for i in range(45):
            frame = av.VideoFrame.from_ndarray(np.full((120, 160, 3), 90, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i + round(video_start_s * 30), Fraction(1, 30)
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
        rng = np.random.default_rng(0)
        for k in range(70):
            sound = av.AudioFrame.from_ndarray((rng.standard_normal((2, AAC_FRAME)) * 0.1).astype(np.float32),
                                               format="fltp", layout="stereo")
            sound.sample_rate, sound.pts = SR, round(audio_start_s * SR) + k * AAC_FRAME
            c.mux(a.encode(sound))
        c.mux(a.encode(None))
    return path


@pytest.mark.parametrize("video_start_s, audio_start_s, keep_s", [(0.0, 0.0, 1.0), (0.0, 0.25, 1.0),
                                                                  (0.3, 0.0, 1.0), (0.0, 0.25, 3.0)])
def test_the_input_audio_read_into_a_buffer_is_the_whole_track(tmp_path, monkeypatch, video_start_s,
                                                                audio_start_s, keep_s):
    """`read_audio(out=...)` writes what the whole read returns, aligned to the first frame (sound before it
    dropped, silence until it starts), frame by frame into the buffer: cut where the buffer ends, silence where
    the track does."""
    from foleystudio.media.mux import read_audio

    info = probe_video(_clip_with_sound(tmp_path / "in.mkv", video_start_s=video_start_s,
                                        audio_start_s=audio_start_s))
    whole = read_audio(info, sr=SR)
    late = round(audio_start_s * SR)
    assert not whole[:late].any() and np.all(np.abs(whole[late:late + 10]).max(axis=1) > 0)
    m = int(keep_s * SR)
    buffer = _scratch_copy(np.zeros((m, 2), np.float32), monkeypatch)
    assert read_audio(info, sr=SR, out=buffer) is buffer
    want = np.zeros((m, 2), np.float32)
    want[:min(m, len(whole))] = whole[:m]
    np.testing.assert_array_equal(buffer, want)
