"""Every timeline and marker file read back with what reads it in the wild: markers on the events' frames.

OTIO and its adapter packages read .otio, .edl and .xml; the `rpp` package reads the
REAPER project; the csv module reads the CSVs. A marker must sit on the frame its
event falls on (round(t x fps)), at the timeline's start timecode.
"""

from __future__ import annotations

import csv
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import rpp
import soundfile

from foleystudio.export.delivery import PERSON_COLORS
from foleystudio.export.markers import AUDITION_COLUMNS, REAPER_COLUMNS
from foleystudio.export.events_csv import COLUMNS
from foleystudio.timebase import frames_to_timecode, timecode_to_frames


def event_frames(delivered) -> list[int]:
    fps = delivered.analysis.info.fps
    return [round(e["t"] * float(fps)) for e in delivered.document["events"]]


def clip_markers(timeline) -> list[otio.schema.Marker]:
    return [m for clip in timeline.find_clips() for m in clip.markers]


def marker_frames(timeline) -> list[int]:
    """Each clip marker's frame from the clip's first (markers are in the clip's media time, i.e. timecode)."""
    return [round((m.marked_range.start_time - clip.source_range.start_time).value)
            for clip in timeline.find_clips() for m in clip.markers]


@pytest.mark.parametrize("which", ["delivered", "delivered_30"])
def test_otio_round_trip(which, request):
    delivered = request.getfixturevalue(which)
    info = delivered.analysis.info
    timeline = otio.adapters.read_from_file(str(delivered.file(".otio")))
    markers = clip_markers(timeline)
    assert len(markers) == len(delivered.document["events"]) > 0
    assert marker_frames(timeline) == event_frames(delivered)
    for marker, event in zip(markers, delivered.document["events"]):
        data = marker.metadata["foleystudio"]
        assert data["t"] == event["t"] and data["id"] == event["id"]
        assert {data.get("surface"), data.get("footwear")} == {event.get("surface"), event.get("footwear")}
        assert data["confidence"] == event["confidence"]
        assert marker.color == PERSON_COLORS[event["person"] % len(PERSON_COLORS)]
    video, *audio = timeline.tracks
    assert video.kind == otio.schema.TrackKind.Video and Path(video[0].media_reference.target_url).name == "clip_foley.mp4"
    assert [t.name for t in audio] == [Path(p).name.split(".", 1)[1][: -len(".wav")] for p in delivered.outputs.stems]
    for track in audio:
        reference = track[0].media_reference
        assert reference.available_range.duration.value == info.n_frames
        assert reference.available_range.start_time == timeline.global_start_time  # media time is timecode
        assert Path(reference.target_url.removeprefix("file://")).is_file()


def test_otio_start_timecode(delivered_30, delivered):
    timeline = otio.adapters.read_from_file(str(delivered_30.file(".otio")))
    assert otio.opentime.to_timecode(timeline.global_start_time, 30) == "01:00:00:00"
    assert otio.adapters.read_from_file(str(delivered.file(".otio"))).global_start_time.value == 0


def test_edl_locators_at_30fps(delivered_30):
    """OTIO's CMX reader reads the locators back as markers, on the events' frames."""
    timeline = otio.adapters.read_from_file(str(delivered_30.file(".edl")), rate=30)
    assert len(timeline.tracks) == 1  # CMX 3600 is one track
    assert marker_frames(timeline) == event_frames(delivered_30)
    (clip,) = timeline.find_clips()
    assert otio.opentime.to_timecode(clip.source_range.start_time, 30) == "01:00:00:00"  # the source's timecode
    names = [m.name for m in clip.markers]
    assert all(n == n.upper() and n.startswith("P") for n in names)


def test_edl_drop_frame_locators(delivered):
    """At 29.97 the locators are drop-frame (HH:MM:SS;FF), which OTIO's reader skips: parse them as an NLE does."""
    text = delivered.file(".edl").read_text()
    stamps = re.findall(r"^\* LOC: (\d\d:\d\d:\d\d;\d\d) (\w+)", text, re.MULTILINE)
    fps = delivered.analysis.info.fps
    assert [timecode_to_frames(tc, fps) for tc, _ in stamps] == event_frames(delivered)
    assert all(color in PERSON_COLORS for _, color in stamps)


@pytest.mark.parametrize("which", ["delivered", "delivered_30"])
def test_fcp_xml_round_trip(which, request):
    delivered = request.getfixturevalue(which)
    timeline = otio.adapters.read_from_file(str(delivered.file(".fcp.xml")))
    assert marker_frames(timeline) == event_frames(delivered)
    audio = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    assert len(audio) == len(delivered.outputs.stems)
    for clip in timeline.find_clips():
        assert clip.media_reference.available_range is not None
        assert clip.media_reference.available_range.duration.value == delivered.analysis.info.n_frames


def test_reaper_project(delivered):
    project = rpp.loads(delivered.file(".rpp").read_text())
    assert project.tag == "REAPER_PROJECT"
    markers = [child for child in project.children if isinstance(child, list) and child[0] == "MARKER"]
    times = [float(m[2]) for m in markers]
    assert times == pytest.approx([e["t"] for e in delivered.document["events"]], abs=1e-6)
    tracks = project.findall("TRACK")
    files = [t.find("ITEM").find("SOURCE").find("FILE")[1] for t in tracks]
    assert files[0].endswith("clip_foley.mp4")
    assert tuple(files[1:]) == delivered.outputs.stems
    assert project.find("SAMPLERATE")[1] == "48000"


def test_reaper_project_offset(delivered_30):
    project = rpp.loads(delivered_30.file(".rpp").read_text())
    assert float(project.find("PROJOFFS")[1]) == pytest.approx(3600.0)


def test_marker_lists(delivered):
    events = delivered.document["events"]
    with open(delivered.file(".markers.reaper.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == REAPER_COLUMNS
    assert [r[0] for r in rows[1:]] == [f"M{i}" for i in range(1, len(events) + 1)]
    assert [_clock(r[2]) for r in rows[1:]] == pytest.approx([e["t"] for e in events], abs=0.0005)
    with open(delivered.file(".markers.audition.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert tuple(rows[0]) == AUDITION_COLUMNS
    assert [_clock(r[1]) for r in rows[1:]] == pytest.approx([e["t"] for e in events], abs=0.0005)
    assert {r[3] for r in rows[1:]} == {"decimal"} and {r[4] for r in rows[1:]} == {"Cue"}


def _clock(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))


def test_events_csv(delivered, delivered_30):
    for d, start in ((delivered, 0), (delivered_30, 108000)):
        fps = d.analysis.info.fps
        with open(d.file(".events.csv"), newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert tuple(rows[0].keys()) == COLUMNS
        assert [float(r["time_s"]) for r in rows] == [e["t"] for e in d.document["events"]]
        for row in rows:
            assert row["timecode"] == frames_to_timecode(start + int(row["frame"]), fps)
            assert int(row["frame"]) == round(float(row["time_s"]) * float(fps))
        if fps == Fraction(30000, 1001):
            assert all(";" in r["timecode"] for r in rows)  # drop-frame


def test_stems_are_bwf_and_exactly_the_video_long(delivered, delivered_30):
    import av

    for d, start_s in ((delivered, 0.0), (delivered_30, 3600.0)):
        n = round(d.analysis.info.duration_s * 48000)
        for path in d.outputs.stems:
            info = soundfile.info(path)
            assert (info.samplerate, info.channels, info.subtype, info.frames) == (48000, 2, "PCM_24", n)
            with av.open(path) as container:  # FFmpeg reads the bext chunk as the NLEs do
                assert int(container.metadata["time_reference"]) == round(start_s * 48000)
                assert container.metadata["encoded_by"] == "foleystudio"


def test_person_stems_add_up_to_the_layer_stem(delivered_30):
    stems = {Path(p).name: soundfile.read(p)[0] for p in delivered_30.outputs.stems}
    walkers = {e["person"] for e in delivered_30.document["events"] if e["layer"] == "footsteps"}
    for layer in ("footsteps", "moves"):
        total = stems[f"clip_foley.{layer}.wav"]
        people = [audio for name, audio in stems.items() if name.startswith(f"clip_foley.{layer}.person")]
        assert len(people) >= len(walkers) >= 2
        assert sum(people) == pytest.approx(total, abs=2.0 / 2**23 * len(people))
    mix = stems["clip_foley.footsteps.wav"] + stems["clip_foley.specifics.wav"] + stems["clip_foley.moves.wav"]
    assert np.abs(mix).max() > 0.01  # every layer in its stem; the mix on the video is their sum (test_rendering)


@pytest.mark.parametrize("fps, rate", [(Fraction(10), 30), (Fraction(5), 25), (Fraction(15), 30), (Fraction(12), 24),
                                       (Fraction(25), 25), (Fraction(30000, 1001), 30000 / 1001)])
def test_rates_timecode_cannot_count_go_on_a_smpte_timeline(delivered, tmp_path, fps, rate):
    """A 10 fps clip's EDL and FCP XML are counted at 30 (SMPTE has no 10): markers at the events' times."""
    from foleystudio.export import edl, fcpxml
    from foleystudio.export.delivery import Delivery

    events = tuple(dict(e, t=t) for e, t in zip(delivered.document["events"][:3], (0.0, 0.5, 1.3)))
    delivery = Delivery(name="clip_foley", video=delivered.outputs.video, fps=fps, n_frames=int(2 * fps),
                        duration_s=2.0, start_frame=0, sr=48000, stems=(), events=events)
    edl.write(delivery, str(tmp_path / "x.edl"))
    fcpxml.write(delivery, str(tmp_path / "x.xml"))
    for name, kwargs in (("x.edl", {"rate": rate}), ("x.xml", {})):
        timeline = otio.adapters.read_from_file(str(tmp_path / name), **kwargs)
        frames = marker_frames(timeline)
        if name == "x.xml" or fps.denominator == 1:  # the CMX reader skips drop-frame locators
            assert frames == [round(t * rate) for t in (0.0, 0.5, 1.3)]


def test_the_source_timecode_is_the_default_start(tmp_path):
    """A camera file that starts at 10:00:00:00 (a tmcd track) gives stems, timelines and the output that start there."""
    import av
    import numpy as np

    from foleystudio.analysis import AnalysisOptions, analyse
    from foleystudio.api import ExportOptions, export
    from foleystudio.export.bwf import read_bext
    from foleystudio.media.probe import probe_video
    from foleystudio.rendering import render

    video = tmp_path / "camera.mp4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        stream.metadata["timecode"] = "10:00:00:00"
        for _ in range(25):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")))
        container.mux(stream.encode(None))
    analysis = analyse(video, AnalysisOptions(estimate_scene=False))
    assert analysis.info.timecode == "10:00:00:00"
    outputs = export(analysis, render(analysis), tmp_path / "camera_foley.mp4", exports=ExportOptions(formats=("otio",)))
    assert read_bext(outputs.stems[0])["time_reference"] == 10 * 3600 * 48000
    timeline = otio.adapters.read_from_file(str(tmp_path / "camera_foley.otio"))
    assert otio.opentime.to_timecode(timeline.global_start_time, 25) == "10:00:00:00"
    assert probe_video(outputs.video).timecode == "10:00:00:00"  # the output keeps it
    given = export(analysis, render(analysis), tmp_path / "given_foley.mp4",
                   exports=ExportOptions(start_timecode="01:00:00:00"))  # the user's wins
    assert read_bext(given.stems[0])["time_reference"] == 3600 * 48000
    assert probe_video(given.video).timecode == "01:00:00:00"


def test_an_odd_source_timecode_is_passed_over(delivered):
    from dataclasses import replace

    from foleystudio.api import start_frame
    from foleystudio.errors import InputError

    info = delivered.analysis.info
    assert start_frame(replace(info, timecode="00:00:10;00")) == timecode_to_frames("00:00:10;00", info.fps)
    assert start_frame(replace(info, timecode="25:99:00:00")) == 0  # a camera's odd tag: not a refusal
    with pytest.raises(InputError, match="--start-timecode: timecode '25:99:00:00'"):
        start_frame(info, "25:99:00:00")
