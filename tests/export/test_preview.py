"""write_preview: the source's frames and timing, the mix as its audio, marks where the events are,
and nothing left under the final name when writing fails."""

from __future__ import annotations

import dataclasses

import av
import cv2
import numpy as np
import pytest

from foleystudio.analysis import Analysis, analyse
from foleystudio.errors import ExportError
from foleystudio.export.preview import write_preview
from foleystudio.media import encode
from foleystudio.media.encode import AAC_FRAME
from foleystudio.media.frames import iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.vision.actions import ActionEvents
from foleystudio.vision.contacts import ContactEvent, ContactEvents
from foleystudio.vision.landmarks import FOOT, LEFT_SHOULDER, N_LANDMARKS, RIGHT_SHOULDER
from foleystudio.vision.pose import Poses, PoseTrack
from foleystudio.vision.shots import Shot, Shots
from tests.conftest import make_video
from tests.media.test_mux import make_clip

SR = 48_000


def _mix(n: int) -> np.ndarray:
    """Tones that come and go, different left and right: AAC keeps them, so the decoded track correlates."""
    t = np.arange(n) / SR
    swell = 0.5 + 0.5 * np.sin(2 * np.pi * 1.5 * t)
    left = swell * (0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1250 * t))
    right = (1 - swell) * 0.3 * np.sin(2 * np.pi * 330 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


def _styles(analysis: Analysis) -> list[dict]:
    return [{"surface": "gravel", "footwear": "sneakers"} for _ in analysis.contacts.events]


def _synthetic(tmp_path, video=None) -> Analysis:
    """A tiny clip with one stick figure whose left foot lands at frame 10 (no scene estimate)."""
    info = probe_video(video or make_video(tmp_path / "tiny.mp4", n_frames=24, fps=24))
    n, times = info.n_frames, np.array(info.frame_times_s)
    image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    points = {LEFT_SHOULDER: (70, 30), RIGHT_SHOULDER: (90, 30)}
    for side, x in (("left", 72), ("right", 88)):
        f = FOOT[side]
        points |= {f["hip"]: (x, 60), f["knee"]: (x, 80), f["ankle"]: (x, 100),
                   f["heel"]: (x - 3, 106), f["toe"]: (x + 6, 106)}
    for i, (x, y) in points.items():
        image[:, i] = (x, y, 0)
    visibility = np.where(np.isnan(image[..., 0]), 0, 1).astype(np.float32)
    track = PoseTrack(person=0, frames=np.arange(n), t_s=times, image=image, world=image.copy(), visibility=visibility)
    width, height = info.display_size
    poses = Poses(width=width, height=height, frames=np.arange(n), t_s=times, tracks=(track,))
    event = ContactEvent(t_s=float(times[10]), frame=10, person=0, foot="left", kind="step", confidence=0.9,
                         strength=0.5, x=72 / width, y=106 / height, body_px=80.0)
    shots = Shots((Shot(0, 0, n, 0.0, info.duration_s, "start", 1.0),))
    return Analysis(info=info, poses=poses, contacts=ContactEvents((event,)), actions=ActionEvents(()), shots=shots,
                    scene=None)


@pytest.fixture(scope="module")
def hato(shared) -> Analysis:
    return analyse(shared / "media" / "hato_b12.mp4")


def _frames(path, size) -> list[np.ndarray]:
    """Every frame at `size`, as signed ints to subtract."""
    return [cv2.resize(f.rgb, size, interpolation=cv2.INTER_AREA).astype(np.int16)
            for f in iter_frames(probe_video(path), max_side_px=max(size))]


def _audio(path) -> np.ndarray:
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.audio[0]))
    assert frames[0].pts == 0  # the first sample plays with the first frame
    return np.concatenate([f.to_ndarray() for f in frames], axis=1).T


def _check(analysis: Analysis, out, mix, size) -> None:
    """Frame count, rate, times and size; the mix as audio; something drawn at each event's place and frame."""
    src, got = analysis.info, probe_video(out)
    assert (got.n_frames, got.fps, got.display_size) == (src.n_frames, src.fps, size)
    assert got.frame_times_s == pytest.approx(src.frame_times_s, abs=1e-4)
    audio = _audio(out)
    assert 0 <= len(audio) - len(mix) < AAC_FRAME
    for ch in range(2):
        assert np.corrcoef(audio[: len(mix), ch], mix[:, ch])[0, 1] > 0.9
    before, after = _frames(src.path, size), _frames(out, size)
    w, h = size
    r = max(3, h // 40)
    for e in analysis.contacts.events:
        x, y = int(e.x * w), int(e.y * h)
        patch = np.s_[max(y - r, 0) : y + r, max(x - r, 0) : x + r]
        assert np.abs(after[e.frame][patch] - before[e.frame][patch]).mean() > 20, f"nothing drawn at {e}"


def test_synthetic_clip(tmp_path):
    analysis = _synthetic(tmp_path)
    mix = _mix(int(round(analysis.info.duration_s * SR)))
    progress = []
    write_preview(analysis, mix, tmp_path / "p.mp4", styles=_styles(analysis), callback=progress.append)
    _check(analysis, tmp_path / "p.mp4", mix, (160, 120))
    assert progress[-1] == {"stage": "preview", "frame": 23, "total": 24}
    before, after = _frames(analysis.info.path, (160, 120)), _frames(tmp_path / "p.mp4", (160, 120))
    foot = np.s_[100:112, 66:78]
    assert np.abs(after[10][foot] - after[5][foot]).mean() > 20  # the flash, over the (still) skeleton's foot
    assert np.abs(after[10][62:80, 110:] - before[10][62:80, 110:]).mean() < 4  # away from the marks: the source


def test_size_and_an_edited_event_list(tmp_path):
    analysis = _synthetic(tmp_path)
    # as edits.apply_events makes them: moved, another kind, and (a new event with nobody near) no body size
    moved = dataclasses.replace(analysis.contacts.events[0], t_s=0.5, frame=12, x=0.8, y=0.3, kind="landing",
                                body_px=float("nan"))
    edited = dataclasses.replace(analysis, contacts=ContactEvents((moved,)))
    mix = _mix(int(round(analysis.info.duration_s * SR)))
    write_preview(edited, mix, tmp_path / "p.mp4", styles=_styles(edited), size=(320, 240))
    _check(edited, tmp_path / "p.mp4", mix, (320, 240))


def test_rotated_clip_is_drawn_upright(tmp_path):
    analysis = _synthetic(tmp_path, make_clip(tmp_path / "phone.mp4", rotation=90, n_frames=24, fps=24))
    assert analysis.info.rotation and analysis.info.display_size == (120, 160)
    mix = _mix(int(round(analysis.info.duration_s * SR)))
    write_preview(analysis, mix, tmp_path / "p.mp4", styles=_styles(analysis))
    _check(analysis, tmp_path / "p.mp4", mix, (120, 160))

    bare = dataclasses.replace(analysis, poses=dataclasses.replace(analysis.poses, tracks=()),
                               contacts=ContactEvents(()))  # only the caption is drawn, at the top
    write_preview(bare, mix, tmp_path / "bare.mp4", styles=[])
    before, after = _frames(analysis.info.path, (120, 160)), _frames(tmp_path / "bare.mp4", (120, 160))
    assert after[3][132:148, 42:58].mean() > 200  # the square stored at the top left shows at the bottom left
    assert np.abs(after[3][40:] - before[3][40:]).mean() < 4


@pytest.mark.clips
def test_real_clip(hato, tmp_path):
    assert len(hato.contacts.events) >= 3
    mix = _mix(int(round(hato.info.duration_s * SR)))
    write_preview(hato, mix, tmp_path / "p.mp4", styles=_styles(hato), size=(640, 360))
    _check(hato, tmp_path / "p.mp4", mix, (640, 360))


def test_a_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    analysis = _synthetic(tmp_path)
    mux_until = encode.AacTrack.mux_until
    calls = []

    def failing(self, t_s):
        calls.append(t_s)
        if len(calls) > 5:
            raise OSError(28, "No space left on device")
        mux_until(self, t_s)

    monkeypatch.setattr(encode.AacTrack, "mux_until", failing)
    out = tmp_path / "out" / "p.mp4"
    out.parent.mkdir()
    with pytest.raises(ExportError, match="No space left on device"):
        write_preview(analysis, _mix(SR), out, styles=_styles(analysis))
    assert list(out.parent.iterdir()) == []


def test_the_specifics_are_flashed_and_labelled_too(tmp_path):
    from foleystudio.api import ExportOptions, export, render
    from foleystudio.vision.actions import ActionEvent

    base = _synthetic(tmp_path)
    clap = ActionEvent(t_s=float(base.info.frame_times_s[16]), frame=16, kind="clap", person=0, x=0.85, y=0.45,
                       strength=0.8, confidence=0.9, body_px=80.0)
    analysis = dataclasses.replace(base, actions=ActionEvents((clap,)))
    outputs = export(analysis, render(analysis), tmp_path / "p_foley.mp4", exports=ExportOptions(formats=("preview",)))
    before, after = _frames(analysis.info.path, (160, 120)), _frames(outputs.files[0], (160, 120))
    where = np.s_[52:58, 133:139]  # at the clap: away from the caption, the skeleton and the step's label
    assert np.abs(after[16][where] - before[16][where]).mean() > 20  # its flash, on its frame
    for k in (5, 12):  # nothing there before it: not before the step, nor with the step's flash and label
        assert np.abs(after[k][where] - before[k][where]).mean() < 4
