import argparse
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from foleystudio.cli import eval as eval_cli
from foleystudio.errors import InputError
from foleystudio.eval import run as eval_run
from foleystudio.eval.groundtruth import load_ground_truth
from foleystudio.vision import contacts
from foleystudio.vision.contacts import ContactEvent, ContactEvents
from foleystudio.vision.landmarks import N_LANDMARKS
from foleystudio.vision.pose import Poses, PoseTrack

ROOT = Path(__file__).resolve().parents[2]
CLIP = "hato_b12"  # 2.4 s, 72 frames, 6 touchdowns


def shared_dir() -> Path:
    path = Path(os.environ.get("FOLEY_SHARED") or ROOT.parent / "shared")
    assert (path / "gt" / f"{CLIP}.json").is_file(), f"shared test material missing: {path} (set FOLEY_SHARED)"
    return path


@pytest.fixture
def material(tmp_path):
    """A gt/ and media/ pair holding one real clip, linked, not copied."""
    gt_dir, media_dir = tmp_path / "gt", tmp_path / "media"
    gt_dir.mkdir()
    media_dir.mkdir()
    (gt_dir / f"{CLIP}.json").symlink_to(shared_dir() / "gt" / f"{CLIP}.json")
    (media_dir / f"{CLIP}.mp4").symlink_to(shared_dir() / "media" / f"{CLIP}.mp4")
    return gt_dir, media_dir


def parse(*argv):
    parser = argparse.ArgumentParser(prog="foley")
    eval_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["eval", *argv])


@pytest.fixture
def fake_pipeline(monkeypatch):
    """No pose model: a still figure, and a detector that 'finds' the ground truth 10 ms late."""
    seen = {}

    def analyse_poses(info, options, *, callback=None):
        n = info.n_frames
        image = np.full((n, N_LANDMARKS, 3), 100.0, np.float32)
        vis = np.ones((n, N_LANDMARKS), np.float32)
        track = PoseTrack(0, np.arange(n), np.array(info.frame_times_s), image, image * 0, vis)
        if callback:
            callback({"stage": "pose", "cached": True, "frame": n, "total": n})
        return Poses(width=info.width, height=info.height, frames=track.frames, t_s=track.t_s, tracks=(track,))

    def detect_contacts(poses, *, config):
        seen["config"] = config
        gt = load_ground_truth(shared_dir() / "gt" / f"{CLIP}.json")
        events = tuple(
            ContactEvent(e.t_s + 0.010, e.frame, 0, "left", "step", 0.9, 0.5, 0.5, 0.9, 300.0) for e in gt.events
        )
        return ContactEvents(events=events)

    monkeypatch.setattr(eval_run, "analyse_poses", analyse_poses)
    monkeypatch.setattr(contacts, "detect_contacts", detect_contacts)
    return seen


def test_table_and_json(material, fake_pipeline, capsys, tmp_path):
    gt_dir, media_dir = material
    out = tmp_path / "report.json"
    assert eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--json", str(out), "-q")) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert "new (vision.contacts)" in lines[0] and "old (hip-heel peaks" in lines[0]
    for column in ("n truth", "P", "R", "F1@67", "F1@33", "P@c.5", "MAE ms", "bias ms", "n pred"):
        assert column in lines[1]
    row = next(line for line in lines if line.startswith(CLIP))
    new_cells = row.split("|")[1].split()
    assert new_cells[:4] == ["1.00", "1.00", "1.00", "1.00"]
    assert new_cells[5:7] == ["10.0", "+10.0"]
    assert any(line.startswith("overall") for line in lines)
    report = json.loads(out.read_text())
    assert report["schema"] == "foleystudio.eval.1"
    assert report["clips"][0]["name"] == CLIP
    assert report["overall"]["new"]["f1"] == 1.0
    assert report["clips"][0]["new"]["errors_ms"] == pytest.approx([10.0] * 6)


def test_markdown_and_fail_under(material, fake_pipeline, capsys, monkeypatch):
    gt_dir, media_dir = material
    monkeypatch.setenv("FOLEY_SHARED", str(gt_dir.parent))  # gt/ and media/ side by side
    assert eval_cli.run(parse("--markdown", "-q")) == 0
    table = capsys.readouterr().out
    assert table.startswith("| clip | n truth | new P |")
    assert f"| {CLIP} | 6 |" in table
    # The fake is perfect at +-67 ms; with a floor above 1 the command must fail.
    assert eval_cli.run(parse("-q", "--fail-under", "1.01")) == 1


def test_held_out_table_when_the_clips_come_from_two_groups(material, fake_pipeline, capsys, tmp_path):
    gt_dir, media_dir = material
    (gt_dir / f"copy_{CLIP}.json").symlink_to(shared_dir() / "gt" / f"{CLIP}.json")  # group "copy", same clip
    out = tmp_path / "report.json"
    assert eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--json", str(out), "-q")) == 0
    table = capsys.readouterr().out
    assert "F1 held out" in table and "precision by confidence band" in table
    held = json.loads(out.read_text())["held_out"]
    assert [f["group"] for f in held["folds"]] == ["copy", "hato"]
    assert held["overall"]["held_out"]["f1"] == 1.0  # the fake finds the truth whatever the settings
    assert all(f["settings"] == {} for f in held["folds"])  # so no fold moves a threshold
    assert eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--json", str(out), "-q",
                              "--no-held-out")) == 0
    assert "F1 held out" not in capsys.readouterr().out and "held_out" not in json.loads(out.read_text())


def test_passthrough_of_detector_settings(material, fake_pipeline, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Config:
        sensitivity: float = 0.5
        min_confidence: float = 0.0
        scuffs: bool = False

    monkeypatch.setattr(contacts, "ContactConfig", Config)
    gt_dir, media_dir = material
    dirs = ("--gt", str(gt_dir), "--media", str(media_dir))
    eval_cli.run(parse(*dirs, "-q", "--sensitivity", "0.8", "--min-confidence", "0.3"))
    assert fake_pipeline["config"] == Config(sensitivity=0.8, min_confidence=0.3)
    eval_cli.run(parse(*dirs, "-q", "--scuffs"))
    assert fake_pipeline["config"] == Config(scuffs=True)


def test_unknown_detector_setting_is_refused(material, monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Config:
        min_confidence: float = 0.0

    monkeypatch.setattr(contacts, "ContactConfig", Config)
    gt_dir, media_dir = material
    with pytest.raises(InputError, match="--sensitivity: the detector has no 'sensitivity' setting"):
        eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--sensitivity", "0.8"))


def test_input_errors(material, tmp_path):
    gt_dir, media_dir = material
    with pytest.raises(InputError, match="no such ground-truth directory"):
        eval_cli.run(parse("--gt", str(tmp_path / "nope"), "--media", str(media_dir)))
    with pytest.raises(InputError, match="no ground truth for walk"):
        eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--clip", "walk"))
    with pytest.raises(InputError, match="--json: folder"):
        eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--json", str(tmp_path / "no" / "r.json")))
    with pytest.raises(InputError, match="--confident-at"):
        eval_cli.run(parse("--gt", str(gt_dir), "--media", str(media_dir), "--confident-at", "2"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no ground-truth files"):
        eval_cli.run(parse("--gt", str(empty), "--media", str(media_dir)))


def test_missing_video_and_labels_past_the_end(material, tmp_path):
    gt_dir, media_dir = material
    data = json.loads((gt_dir / f"{CLIP}.json").read_text())
    other = tmp_path / "gt2"
    other.mkdir()
    (other / "a.json").write_text(json.dumps({**data, "video": "missing.mp4"}))
    with pytest.raises(InputError, match=r"a\.json: video: 'missing.mp4' is not in"):
        eval_cli.run(parse("--gt", str(other), "--media", str(media_dir)))
    (other / "a.json").write_text(json.dumps({**data, "events": [{"t": 30.0}]}))
    with pytest.raises(InputError, match="past the end"):
        eval_cli.run(parse("--gt", str(other), "--media", str(media_dir)))


@pytest.mark.clips
def test_foley_eval_on_a_real_clip(material, tmp_path):
    gt_dir, media_dir = material
    out = tmp_path / "report.json"
    env = {**os.environ, "FOLEY_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "foleystudio", "eval", "--gt", str(gt_dir), "--media", str(media_dir)]
        + ["--json", str(out), "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "F1@67" in lines[1] and "F1@33" in lines[1]
    row = next(line for line in lines if line.startswith(CLIP))
    assert row.split()[1] == "6"  # n truth
    assert any(line.startswith("overall") for line in lines)
    report = json.loads(out.read_text())
    assert report["clips"][0]["old"]["n_truth"] == 6
