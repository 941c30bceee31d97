"""Edited event lists: read, refused with file and line, and re-rendered with the sound moved exactly."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace

import numpy as np
import opentimelineio as otio
import pytest

from foleystudio.edits.events import EditedEvent, EventList, apply_events, event_ids, read_events
from foleystudio.edits.parsing import person_from_name
from foleystudio.errors import InputError
from foleystudio.rendering import RenderOptions, render
from foleystudio.sound.mix import MixConfig
from foleystudio.vision.contacts import ContactEvent

SR = 48000


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _csv_rows(delivered):
    with open(delivered.file(".events.csv"), newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _as_list(rows, tmp_path, name="list.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"schema": "foleystudio.events.1", "events": rows}))
    return read_events(path)


def test_an_unedited_csv_renders_the_same_stem(delivered):
    edited = read_events(delivered.file(".events.csv"), duration_s=delivered.analysis.info.duration_s)
    again = render(delivered.analysis, RenderOptions(seed=3, events=edited))
    np.testing.assert_array_equal(again.stems[0].audio, delivered.rendered.stems[0].audio)
    assert again.ids == delivered.rendered.ids


@pytest.fixture
def raw_gain(monkeypatch):
    """Stems at the gain they are placed with (the loudness gain is its own, tested concern)."""
    monkeypatch.setattr("foleystudio.rendering.loudness_gain", lambda audio, sr, config, **_: 1.0)


def assert_moved_exactly(analysis, rows, edited, k, shift, tmp_path):
    """Rendering `edited` (rows with event k moved) puts event k's sound `shift` samples later, to the sample.

    Event k is the last (its sound is seeded by its place in the list, which moving it
    later keeps; no other step's sound depends on it): its sound alone is the stem less
    the stem of the list without it.
    """
    assert k == len(rows) - 1
    placed = RenderOptions(seed=3, layers=("footsteps",), mix=MixConfig(loudness_lufs=None))  # no master either
    without = render(analysis, replace(placed, events=_as_list(rows[:k], tmp_path, "without.json"))).stems[0].audio
    before = render(analysis, replace(placed, events=_as_list(rows, tmp_path, "before.json"))).stems[0].audio
    after = render(analysis, replace(placed, events=edited)).stems[0].audio
    sound_before, sound_after = before - without, after - without
    start = int(round(rows[k]["t"] * SR))
    assert np.max(np.abs(sound_before[start : start + 480])) > 1e-3, "event k makes no sound"
    np.testing.assert_allclose(sound_after[:shift], 0.0, atol=1e-6)
    np.testing.assert_allclose(sound_after[shift:], sound_before[:-shift], atol=1e-6)  # the whole stem, to the sample


def test_a_moved_csv_event_moves_its_sound_exactly(delivered, tmp_path, raw_gain):
    rows = _csv_rows(delivered)
    k = len(rows) - 1
    offset_s = 0.0731  # not a whole number of frames: the sample is what counts
    rows[k]["time_s"] = f"{float(rows[k]['time_s']) + offset_s:.6f}"
    edited = read_events(_write_csv(tmp_path / "edited.csv", rows), duration_s=delivered.analysis.info.duration_s)
    assert_moved_exactly(delivered.analysis, delivered.document["events"], edited, k, round(offset_s * SR), tmp_path)


def test_a_moved_otio_marker_moves_its_sound_by_the_frames(delivered_30, tmp_path, raw_gain):
    """An editor drags the last marker 3 frames later: its step sounds 3/30 s = 4800 samples later."""
    timeline = otio.adapters.read_from_file(str(delivered_30.file(".otio")))
    markers = timeline.find_clips()[0].markers
    rows = delivered_30.document["events"]
    k = len(rows) - 1
    markers[k].marked_range = otio.opentime.TimeRange(
        markers[k].marked_range.start_time + otio.opentime.RationalTime(3, 30), markers[k].marked_range.duration)
    path = tmp_path / "moved.otio"
    otio.adapters.write_to_file(timeline, str(path))
    edited = read_events(path, duration_s=delivered_30.analysis.info.duration_s)
    assert [e.t_s for e in edited.events[:k]] == [e["t"] for e in rows[:k]]
    assert edited.events[k].t_s == pytest.approx(rows[k]["t"] + 0.1, abs=1e-9)
    assert_moved_exactly(delivered_30.analysis, rows, edited, k, 4800, tmp_path)


def test_a_deleted_otio_marker_is_a_deleted_event(delivered_30, tmp_path):
    timeline = otio.adapters.read_from_file(str(delivered_30.file(".otio")))
    del timeline.find_clips()[0].markers[1]
    path = tmp_path / "deleted.otio"
    otio.adapters.write_to_file(timeline, str(path))
    rows = delivered_30.document["events"]
    assert [e.id for e in read_events(path).events] == [e["id"] for i, e in enumerate(rows) if i != 1]


def test_added_and_restyled_events(delivered, tmp_path):
    rows = _csv_rows(delivered)
    rows[0]["surface"] = "gravel"
    rows[1]["footwear"] = ""  # empty: cues, flags, the estimate or the default decide
    new_row = {key: "" for key in rows[0]}
    new_row.update(time_s="2.0", person="0", foot="left", kind="step")
    rows.append(new_row)
    edited = read_events(_write_csv(tmp_path / "added.csv", rows), duration_s=delivered.analysis.info.duration_s)
    result = render(delivered.analysis, RenderOptions(seed=3, events=edited, footwear="boots"))
    assert len(result.events) == len(rows)
    assert result.styles[0]["surface"] == "gravel" and result.styles[0]["surface_source"] == "edit"
    assert result.styles[1]["footwear"] == "boots" and result.styles[1]["footwear_source"] == "user"
    added = result.ids.index("u%04d" % (len(rows) - 1))
    assert result.events[added].t_s == 2.0 and result.events[added].confidence == 1.0
    person0 = [e for e in delivered.analysis.contacts.events if e.person == 0]
    assert result.events[added].body_px == min(person0, key=lambda e: abs(e.t_s - 2.0)).body_px


def test_apply_keeps_what_the_edit_does_not_say():
    originals = (ContactEvent(t_s=1.0, frame=30, person=1, foot="left", kind="step", confidence=0.7,
                              strength=0.4, x=0.2, y=0.8, body_px=300.0),)
    edited = EventList(events=(EditedEvent(t_s=1.5, person=1, foot="left", kind="step", layer="footsteps",
                                           id=event_ids(1)[0], surface=None, footwear=None, strength=None,
                                           x=None, y=None, where="x:2"),), source="x")
    applied = apply_events(originals, edited, frame_times_s=[i / 30 for i in range(90)])
    (event,) = applied.events
    assert (event.t_s, event.frame, event.x, event.strength, event.body_px, event.confidence) == (1.5, 45, 0.2, 0.4, 300.0, 0.7)
    assert applied.origins == (0,) and applied.ids == ("e0000",)


@pytest.mark.parametrize("text, message", [
    ("id,time_s,person\ne0,abc,0\n", ":2: time 'abc' is not a time"),
    ("id,time_s,person\ne0,1.0,-1\n", ":2: person -1 must be 0 or more"),
    ("id,time_s,person,kind\ne0,1.0,0,wave\n", ":2: kind 'wave' is not one of step, landing, scuff"),
    ("id,time_s,person,surface\ne0,1.0,0,lava\n", ":2: unknown surface 'lava'"),
    ("id,time_s,person\ne0,1.0,0\ne1,99,0\n", ":3: time 99.0000 s is past the end of the video"),
    ("id,when,person\n", ":1: header must name the columns"),
    ("id,time_s,person,x\ne0,1.0,0,1.5\n", ":2: x 1.5 must be within 0..1"),
    ("id,time_s\ne0,1.0\n", ":1: header must name the columns"),
])
def test_malformed_csv_is_refused_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_events(path, duration_s=10.0)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def test_malformed_json_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"schema": "foleystudio.events.1",\n "events": [\n  {"t": 1, "person": 0},\n  {"t": 2}\n ]}\n')
    with pytest.raises(InputError, match=r"bad\.json:4: an event needs a person"):
        read_events(path)
    path.write_text('{"schema": "foleystudio.cues.1", "events": []}')
    with pytest.raises(InputError, match="schema 'foleystudio.cues.1' is not 'foleystudio.events.1'"):
        read_events(path)
    path.write_text('{"events": [1,]}')
    with pytest.raises(InputError, match=r"bad\.json:1: not valid JSON"):
        read_events(path)


def test_bad_otio_and_unknown_types_are_refused(tmp_path):
    path = tmp_path / "bad.otio"
    path.write_text("{not json")
    with pytest.raises(InputError, match="not an OpenTimelineIO timeline"):
        read_events(path)
    (tmp_path / "events.txt").write_text("t,person\n1,0\n")
    with pytest.raises(InputError, match="unknown event list type '.txt'"):
        read_events(tmp_path / "events.txt")
    with pytest.raises(InputError, match="event list not found"):
        read_events(tmp_path / "missing.csv")


def test_a_marker_an_editor_added_is_a_step_of_the_person_it_names(tmp_path):
    timeline = otio.schema.Timeline(name="t")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    clip = otio.schema.Clip(name="v", source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25),
                                                                           otio.opentime.RationalTime(100, 25)))
    clip.markers.append(otio.schema.Marker(name="P2 missed step",
                                           marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(40, 25))))
    track.append(clip)
    timeline.tracks.append(track)
    path = tmp_path / "added.otio"
    otio.adapters.write_to_file(timeline, str(path))
    (event,) = read_events(path).events
    assert (event.t_s, event.person, event.kind, event.id) == (1.6, 2, "step", None)
    assert person_from_name("person 3") == 3 and person_from_name("clap") == 0
    assert math.isclose(event.t_s, 40 / 25)
