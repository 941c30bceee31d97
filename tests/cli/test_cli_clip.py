"""`foley VIDEO --clip-dir DIR`: a bad folder is refused before any work; a tiny model runs end to end."""

from __future__ import annotations

import json

import pytest

from foleystudio.vision.surface.clip import ENVIRONMENTS
from tests.cli.test_cli_errors import assert_refused, foley, no_outputs
from tests.conftest import make_video
from tests.vision.tiny_clip import build_tiny_clip

pytestmark = pytest.mark.neural


@pytest.fixture()
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


def test_bad_clip_dir_is_refused_before_any_work(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4", n_frames=10)
    result = foley(video, "-o", out_dir / "v_foley.mp4", "--clip-dir", tmp_path / "no-such-model")
    assert_refused(result, 1, "CLIP model directory", "does not exist", "open_clip_config.json")
    no_outputs(out_dir)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "open_clip_config.json").write_text('{"model_name": "ViT-B-32"}')
    assert_refused(foley(video, "-o", out_dir / "v_foley.mp4", "--clip-dir", tmp_path / "half"), 1, "has no checkpoint")
    no_outputs(out_dir)


def test_clip_dir_with_no_scene_is_a_usage_error(tmp_path):
    assert_refused(foley("x.mp4", "--clip-dir", tmp_path, "--no-scene"), 2, "--no-scene")


def test_tiny_clip_model_estimates_the_scene(tmp_path, out_dir):
    model = build_tiny_clip(tmp_path / "clip")
    video = make_video(tmp_path / "v.mp4", n_frames=20)
    result = foley(video, "-o", out_dir / "v_foley.mp4", "-q", "--clip-dir", model)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    doc = json.loads((out_dir / "v_foley.events.json").read_text())
    assert doc["shots"] and all(s["surface_estimator"] == "clip" for s in doc["shots"])
    assert all(s["environment"] in ENVIRONMENTS for s in doc["shots"])
    assert (out_dir / "v_foley.mp4").is_file()


def test_help_documents_the_clip_folder():
    result = foley("--help")
    assert "--clip-dir DIR" in result.stdout and "open_clip_config.json" in result.stdout
