"""`foley render VIDEO --events EDITED` and the export options: what they refuse, and one edit that comes home."""

from __future__ import annotations

import csv
import json

import pytest

from tests.cli.test_cli_errors import assert_refused, foley, no_outputs


@pytest.fixture(scope="module")
def first_run(shared, tmp_path_factory):
    """hato_b12 through the CLI once, with the event CSV to edit (the analysis is cached for the renders)."""
    folder = tmp_path_factory.mktemp("first")
    result = foley(shared / "media" / "hato_b12.mp4", "-o", folder / "clip_foley.mp4", "-q", "--export", "csv")
    assert result.returncode == 0, result.stderr
    return folder


def test_render_from_an_edited_csv(shared, first_run, tmp_path):
    with open(first_run / "clip_foley.events.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["surface"] = "wood"
    del rows[1]
    edited = tmp_path / "edited.csv"
    with open(edited, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "again.mp4"
    result = foley("render", shared / "media" / "hato_b12.mp4", "--events", edited, "-o", out,
                   "--export", "otio,rpp", "--start-timecode", "01:00:00;00")
    assert result.returncode == 0, result.stderr
    assert "(edited: " in result.stderr and "pose" not in result.stderr  # nothing analysed again
    doc = json.loads((tmp_path / "again.events.json").read_text())
    assert [e["id"] for e in doc["events"]] == [r["id"] for r in rows]
    assert doc["events"][0]["surface"] == "wood" and doc["events"][0]["surface_source"] == "edit"
    for suffix in (".mp4", ".footsteps.wav", ".otio", ".rpp"):
        assert (tmp_path / f"again{suffix}").is_file()


def test_a_malformed_list_is_refused_before_any_work(shared, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,time_s,person\ne0000,0.5,0\ne0001,half past,0\n")
    result = foley("render", shared / "media" / "hato_b12.mp4", "--events", bad, "-o", tmp_path / "x_foley.mp4")
    assert_refused(result, 1, f"{bad}:3: time 'half past' is not a time")
    no_outputs(tmp_path)


@pytest.mark.parametrize("args, code, message", [
    (["render", "{video}"], 2, "the following arguments are required: --events"),
    (["{video}", "--export", "otio,wav"], 2, "unknown export 'wav'; allowed: csv, otio, edl, fcpxml, rpp, markers, preview, all"),
    (["{video}", "--events-only", "--export", "preview"], 2, "--export preview needs the sound"),
    (["{video}", "--preview-size", "1280"], 2, "'1280' is not WIDTHxHEIGHT"),
    (["{video}", "--preview-size", "640x360"], 2, "--preview-size applies only with --export preview"),
    (["{video}", "--start-timecode", "10:00"], 1, "--start-timecode: timecode '10:00' is not HH:MM:SS:FF"),
    (["{video}", "--start-timecode", "00:01:00;00"], 1, "does not exist in drop-frame"),
])
def test_usage_and_input_mistakes(shared, tmp_path, args, code, message):
    video = shared / "media" / "hato_b12.mp4"
    result = foley(*[a.format(video=video) for a in args], "-o", tmp_path / "x_foley.mp4")
    assert_refused(result, code, message)
    no_outputs(tmp_path)
