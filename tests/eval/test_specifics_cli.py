"""`foley eval --layer specifics` end to end, on a small video whose strikes are seen and heard.

A textured block slides and stops dead three times (vision.motion's known-answer scene,
tests/vision/synth_scenes.py) while a knock sounds at each stop; a still clip marked quiet
sits beside it. The truth is drafted from the clip's own sound by the labelling script,
and the command analyses both clips as `foley VIDEO` does and scores what it found.
"""

from __future__ import annotations

import contextlib
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from foleystudio.cli import main
from scripts.specifics_truth import LABELLED_BY, draft_truth
from scripts.specifics_truth import main as draft_main
from tests.vision import synth_scenes as S

FPS = 30
SR = 48_000
STOPS = (20.0, 52.5, 80.0)  # frames the block stops at (one between frames)
MOVES = ((0, (6.0, 0.0)), (35, (-6.0, 0.0)), (70, (0.0, 5.0)))  # (first frame, px a frame) before each stop


def block_path(n: int) -> np.ndarray:
    """The block's top-left corner: it slides at each MOVES speed from its frame to the next stop, then rests."""
    k = np.arange(n, dtype=float)
    at, out = np.array([40.0, 50.0]), np.zeros((n, 2))
    out[:] = at
    for (start, step), stop in zip(MOVES, STOPS):
        moving = k >= start
        out[moving] = at + np.clip(k[moving] - start, 0, stop - start)[:, None] * np.asarray(step)
        at = at + (stop - start) * np.asarray(step)
    return out


def knocks(n_samples: int, times_s) -> np.ndarray:
    """Quiet room noise with a 4 ms knock starting at each time."""
    y = np.random.default_rng(1).normal(0.0, 0.003, n_samples)
    m = int(0.004 * SR)
    for t in times_s:
        i = int(round(t * SR))
        y[i : i + m] += 0.5 * np.exp(-np.arange(m) / (0.0008 * SR)) * np.sign(np.sin(np.arange(m) * 2.7))
    return np.stack([y, y]).astype(np.float32)


def write_clip(path: Path, pictures: list[np.ndarray], sound: np.ndarray) -> Path:
    """H.264 grey pictures at FPS and an AAC track, both starting at zero."""
    with av.open(str(path), "w") as c:
        video = c.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = S.W, S.H, "yuv420p"
        audio = c.add_stream("aac", rate=SR, layout="stereo")
        for k, picture in enumerate(pictures):
            grey = np.clip(picture, 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(np.stack([grey] * 3, axis=-1), format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, FPS)
            c.mux(video.encode(frame))
        c.mux(video.encode(None))
        for start in range(0, sound.shape[1], 1024):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(sound[:, start : start + 1024]), format="fltp",
                                               layout="stereo")
            frame.sample_rate, frame.pts = SR, start
            c.mux(audio.encode(frame))
        c.mux(audio.encode(None))
    return path


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    root = tmp_path_factory.mktemp("specifics")
    gt_dir, media_dir = root / "gt", root / "media"
    gt_dir.mkdir()
    media_dir.mkdir()
    n = 100
    clip = write_clip(media_dir / "strikes.mp4", S.scene(n, path=block_path(n)),
                      knocks(n * SR // FPS, [k / FPS for k in STOPS]))
    assert draft_main([str(clip), "-o", str(gt_dir / "strikes.json")]) == 0
    still = write_clip(media_dir / "still.mp4", S.scene(30), knocks(SR, []))
    quiet = {**draft_truth(still), "quiet": True, "labelled_by": "made still: nothing moves"}
    (gt_dir / "still.json").write_text(json.dumps(quiet))
    return gt_dir, media_dir


def test_the_drafted_truth_is_the_knocks(material):
    gt_dir, _ = material
    drafted = json.loads((gt_dir / "strikes.json").read_text())
    assert drafted["schema"] == "specifics-gt.1" and drafted["labelled_by"] == LABELLED_BY
    assert drafted["video"] == "strikes.mp4" and drafted["fps"] == FPS
    assert [e["kind"] for e in drafted["events"]] == ["any"] * len(STOPS)
    assert np.abs(np.array([e["t"] for e in drafted["events"]]) * FPS - STOPS).max() < 0.1  # 3 ms
    assert json.loads((gt_dir / "still.json").read_text())["events"] == []


def test_eval_finds_every_strike_within_a_frame(material, tmp_path, capsys):
    gt_dir, media_dir = material
    out = tmp_path / "report.json"
    argv = ["eval", "--layer", "specifics", "--gt", str(gt_dir), "--media", str(media_dir), "--json", str(out), "-q"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "F1@67" in table and "F1@33" in table and "false/10s" in table
    assert any(line.startswith("still (quiet)") for line in table.splitlines())
    report = json.loads(out.read_text())
    assert report["schema"] == "foleystudio.eval.specifics.1"
    clips = {c["name"]: c for c in report["clips"]}
    strikes = clips["strikes"]
    assert strikes["recall"] == 1.0 and strikes["n_truth"] == len(STOPS)
    assert max(abs(e) for e in strikes["errors_ms"]) <= 1000 / FPS
    assert {e["kind"] for e in strikes["found"]} == {"impact"}
    assert clips["still"]["quiet"] and clips["still"]["false_per_10s"] == 0.0
    assert report["overall"]["recall"] == 1.0 and report["overall"]["quiet_s"] == pytest.approx(1.0, abs=0.05)

    assert main([*argv[:-3], "--clip", "strikes", "--markdown", "-q", "--tolerance-ms", "33"]) == 0
    assert capsys.readouterr().out.startswith("| clip | n truth | P | R | F1@33 | F1@33 |")


@pytest.mark.parametrize("extra, code, message", [
    (["--layer", "hands"], 2, "invalid choice: 'hands'"),
    (["--tolerance-ms", "0"], 1, "error: --tolerance-ms: expected milliseconds in (0, 1000], got 0"),
    (["--tolerance-ms", "soon"], 2, "invalid float value"),
    (["--clip", "walk"], 1, "error: no ground truth for walk"),
])
def test_usage_and_input_errors_say_so_without_a_traceback(material, capsys, extra, code, message):
    gt_dir, media_dir = material
    with pytest.raises(SystemExit) if code == 2 else contextlib.nullcontext() as raised:
        result = main(["eval", "--layer", "specifics", "--gt", str(gt_dir), "--media", str(media_dir), *extra])
    assert (raised.value.code if code == 2 else result) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_footstep_truth_is_refused_by_the_specifics_layer(material, tmp_path, capsys):
    _, media_dir = material
    (tmp_path / "walk.json").write_text(json.dumps({"schema": "footstep-gt.1", "video": "strikes.mp4",
                                                    "events": []}))
    assert main(["eval", "--layer", "specifics", "--gt", str(tmp_path), "--media", str(media_dir), "-q"]) == 1
    assert "walk.json: schema: expected 'specifics-gt.1', got 'footstep-gt.1'" in capsys.readouterr().err


def test_the_drafting_script_refuses_a_clip_without_sound(tmp_path, capsys):
    from tests.conftest import make_video

    video = make_video(tmp_path / "silent.mp4", n_frames=10)
    assert draft_main([str(video), "-o", str(tmp_path / "t.json")]) == 1
    assert "has no audio track" in capsys.readouterr().err and not (tmp_path / "t.json").exists()
