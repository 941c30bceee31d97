"""Every real clip in ../shared/media through the whole CLI: the product's end-to-end contract.

Per clip: the run succeeds; the output's video packets are the input's, bit for bit;
the audio track lasts as long as the video (within one AAC frame); each layer's stem (and the video's
own sound, ducked, where it has one) is 48 kHz 24-bit stereo and as long as the video to the sample;
they add up to OUT.mix.wav, which meets EBU R128 (-23 LUFS, at most -1 dBTP) by pyloudnorm's meter and
FFmpeg's; every shot has an ambience bed; every event has its layer's fields; the
timelines and marker lists are written, one marker an event; the onsets an independent detector
finds in the footstep stem coincide with the contact times within 5 ms (up to 5% of them may be
masked by a louder step's decay), and those in the specifics stem with the specifics' times.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import av
import numpy as np
import opentimelineio as otio
import pytest
import soundfile

from foleystudio.edits.events import LAYERS
from foleystudio.materials import AMBIENCES
from foleystudio.media.meter import ebur128
from foleystudio.media.probe import probe_video
from foleystudio.sound.mix import integrated_lufs, true_peak_db
from foleystudio.sound.music import STYLES as MUSIC_STYLES
from tests.audio_checks import detect_onsets, video_packet_hash
from tests.conftest import PROJECT, shared_dir

TIMELINES = ("csv", "otio", "edl", "fcpxml", "rpp", "markers")  # every export but the preview (tests/export)
CLIPS = sorted(p.name for p in (shared_dir() / "media").glob("*.mp4"))
EVENT_FIELDS = {"t", "frame", "person", "foot", "kind", "confidence", "x", "y", "layer", "id"}
LAYER_FIELDS = {"footsteps": {"surface", "footwear"}, "specifics": {"material"}}


@pytest.mark.clips
@pytest.mark.parametrize("clip", CLIPS)
def test_clip_end_to_end(clip, tmp_path, shared):
    video = shared / "media" / clip
    out = tmp_path / f"{video.stem}_foley.mp4"
    args = [sys.executable, "-m", "foleystudio", str(video), "-o", str(out), "-q", "--seed", "7",
            "--export", ",".join(TIMELINES)]
    if probe_video(video).has_audio:
        args.append("--keep-audio")
    result = subprocess.run(args, capture_output=True, text=True, cwd=PROJECT, timeout=900)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    info = probe_video(video)
    assert video_packet_hash(out) == video_packet_hash(video)

    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.name == "aac" and a.rate == 48000 and a.channels == 2
        audio_s = float(a.duration * a.time_base)
    assert abs(audio_s - info.duration_s) <= 1024 / 48000

    stems = {}
    layers = (*LAYERS, "original") if info.has_audio else LAYERS
    for layer in (*layers, "mix"):
        path = tmp_path / f"{video.stem}_foley.{layer}.wav"
        stems[layer], sr = soundfile.read(str(path), always_2d=True)
        assert sr == 48000 and stems[layer].shape[1] == 2 and soundfile.info(str(path)).subtype == "PCM_24"
        assert len(stems[layer]) == round(info.duration_s * 48000)

    mix = stems.pop("mix")  # every layer's stem and their sum, mastered to EBU R128 as two meters read it
    np.testing.assert_allclose(sum(stems.values()), mix, atol=2e-5)  # 24-bit: 6e-8 a sample a file
    assert integrated_lufs(mix, sr) == pytest.approx(-23.0, abs=0.5) and true_peak_db(mix) <= -1.0 + 0.01
    r128 = ebur128(mix, sr)
    assert r128.integrated_lufs == pytest.approx(-23.0, abs=0.5) and r128.true_peak_db <= -1.0 + 0.1

    doc = json.loads((tmp_path / f"{video.stem}_foley.events.json").read_text())
    beds = doc["ambience"]  # the bed of every shot, tiling the video, and what was seen
    assert beds[0]["start_s"] == 0 and beds[-1]["end_s"] == pytest.approx(info.duration_s, abs=1e-5)
    assert all(a["end_s"] == b["start_s"] for a, b in zip(beds, beds[1:]))
    assert {b["ambience"] for b in beds} <= set(AMBIENCES) and all(b["seen"] for b in beds)
    assert doc["music"]["style"] in MUSIC_STYLES and doc["loudness_lufs"] == pytest.approx(-23.0, abs=0.5)
    timeline = otio.adapters.read_from_file(str(tmp_path / f"{video.stem}_foley.otio"))
    assert len([m for c in timeline.find_clips() for m in c.markers]) == len(doc["events"])
    with open(tmp_path / f"{video.stem}_foley.events.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(doc["events"])
    for suffix in (".edl", ".fcp.xml", ".rpp", ".markers.reaper.csv", ".markers.audition.csv"):
        assert (tmp_path / f"{video.stem}_foley{suffix}").stat().st_size > 0
    assert doc["schema"] == "foleystudio.events.1" and doc["video"] == clip
    assert doc["duration_s"] == pytest.approx(info.duration_s, abs=1e-5)
    for e in doc["events"]:
        assert EVENT_FIELDS | LAYER_FIELDS[e["layer"]] <= e.keys()
        assert 0 <= e["t"] <= info.duration_s and 0 <= e["x"] <= 1 and 0 <= e["y"] <= 1
        assert 0 <= e["frame"] < info.n_frames
    for layer in ("footsteps", "specifics"):
        times = np.sort([e["t"] for e in doc["events"] if e["layer"] == layer])
        if times.size == 0:
            assert not stems[layer].any()
        else:
            _sounds_on_the_events(stems[layer], sr, times)


def _sounds_on_the_events(stem: np.ndarray, sr: int, times: np.ndarray) -> None:
    onsets = detect_onsets(stem, sr)
    assert onsets.size, "contacts were detected but the stem has no onsets"
    # Contacts closer than 10 ms (a two-footed landing) are one audible onset: score the first.
    distinct = times[np.r_[True, np.diff(times) > 0.010]]
    errors = np.array([np.min(np.abs(onsets - t)) for t in distinct])
    misses = distinct[errors > 0.005]
    # A quiet far step landing on a loud near step's decay is masked, for any onset detector:
    # allow 5% of them, while the typical step must sit on its onset to the millisecond.
    assert len(misses) <= max(1, int(0.05 * len(distinct))), f"events without an onset within 5 ms: {misses[:10]}"
    assert np.median(errors) <= 0.001
