"""CLI options end to end on one short real clip: who decides each step's surface, events-only."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli_errors import assert_refused, foley


@pytest.fixture(scope="module")
def clip(shared):
    return shared / "media" / "hato_b12.mp4"


def _events(path):
    return json.loads(path.read_text())["events"]


def test_cue_beats_flag_beats_default(clip, tmp_path):
    cues = tmp_path / "cues.csv"
    cues.write_text("start_s,end_s,surface,footwear\n0,1.0,gravel,boots\n")
    out = tmp_path / "b_foley.mp4"
    result = foley(clip, "-o", out, "-q", "--cues", cues, "--surface", "tartan")
    assert result.returncode == 0, result.stderr
    events = _events(tmp_path / "b_foley.events.json")
    assert events, "the sprinter's steps"
    for e in events:
        if e["t"] < 1.0:
            assert (e["surface"], e["surface_source"], e["footwear"], e["footwear_source"]) == (
                "gravel", "cue", "boots", "cue")
        else:
            assert (e["surface"], e["surface_source"]) == ("rubber", "user")  # tartan is the rubber track
            assert e["footwear_source"] in ("estimate", "default")


def test_events_only_writes_only_events_and_honours_flags(clip, tmp_path):
    out = tmp_path / "e_foley.mp4"
    result = foley(clip, "-o", out, "-q", "--events-only", "--surface", "wood", "--no-scene")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e_foley.events.json"]
    doc = json.loads((tmp_path / "e_foley.events.json").read_text())
    assert "shots" not in doc  # --no-scene: nothing was estimated
    assert {(e["surface"], e["surface_source"], e["footwear_source"]) for e in doc["events"]} == {
        ("wood", "user", "default")}


def test_scene_estimate_is_recorded_per_shot(clip, tmp_path):
    out = tmp_path / "s_foley.mp4"
    assert foley(clip, "-o", out, "-q", "--events-only").returncode == 0
    doc = json.loads((tmp_path / "s_foley.events.json").read_text())
    assert len(doc["shots"]) == 1 and doc["shots"][0]["start_s"] == 0.0
    people = doc["shots"][0]["footwear_by_person"]  # each person's own footwear claim
    assert {e["person"] for e in doc["events"]} <= {int(p) for p in people}
    assert all(set(v) == {"footwear", "confident"} for v in people.values())
    assert 0.0 <= doc["shots"][0]["picture_outdoor_probability"] <= 1.0  # the setting that weighed the surface
    for e in doc["events"]:
        assert e["surface_source"] in ("estimate", "default")
        if e["surface_source"] == "estimate":
            assert 0.0 < e["surface_probability"] <= 1.0


def test_bad_cue_sheet_is_refused_with_its_line(clip, tmp_path):
    cues = tmp_path / "bad.csv"
    cues.write_text("start_s,end_s,surface\n0,abc,grass\n")
    assert_refused(foley(clip, "-o", tmp_path / "x_foley.mp4", "--cues", cues), 1, "bad.csv:2")
    assert not list(tmp_path.glob("x_foley*"))


def test_unknown_footwear_lists_the_choices(clip, tmp_path):
    assert_refused(foley(clip, "-o", tmp_path / "x_foley.mp4", "--footwear", "skates"), 1, "skates", "sneakers")


def test_scuffs_are_a_layer_asked_for(shared, tmp_path):
    """On the roof of sports2d a man shuffles along: no scuffs by default, scuffs with --scuffs (at most "check me"
    sure), the steps unchanged."""
    video = shared / "media" / "sports2d_demo.mp4"
    docs = {}
    for name, extra in (("with", ["--scuffs"]), ("without", [])):
        result = foley(video, "-o", tmp_path / f"{name}.mp4", "-q", "--events-only", "--no-scene", *extra)
        assert result.returncode == 0, result.stderr
        docs[name] = _events(tmp_path / f"{name}.events.json")
    scuffs = [e for e in docs["with"] if e["kind"] == "scuff"]
    assert scuffs and max(e["confidence"] for e in scuffs) <= 0.4
    def same(e):  # ids number the events of each run
        return {k: v for k, v in e.items() if k != "id"}

    assert [same(e) for e in docs["with"] if e["kind"] != "scuff"] == [same(e) for e in docs["without"]]
