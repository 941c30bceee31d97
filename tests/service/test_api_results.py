"""Results through the API: the video with sound, the stems, the mix, the events and every export."""

from __future__ import annotations

import csv
import io
import json

import av
import numpy as np
import soundfile

from foleystudio.export import FORMATS


def download(processed, kind: str):
    entry = processed.result(kind)
    response = processed.client.get(entry["url"])
    assert response.status_code == 200, response.text
    assert len(response.content) == entry["bytes"]
    return response


def test_every_kind_is_listed(processed):
    kinds = [f["kind"] for f in processed.client.get(f"/api/jobs/{processed.job_id}/results").json()]
    assert {"video", "events", "stem", "mix", "events_csv", "otio", "edl", "fcpxml", "rpp", "markers",
            "preview"} == set(kinds)
    assert kinds.count("markers") == len(FORMATS["markers"])


def test_video_has_the_sound(processed, tmp_path):
    response = download(processed, "video")
    assert response.headers["content-type"] == "video/mp4"
    assert 'filename="hato_b12_foley.mp4"' in response.headers["content-disposition"]
    path = tmp_path / "v.mp4"
    path.write_bytes(response.content)
    with av.open(str(path)) as container:
        assert container.streams.video and container.streams.audio
    ranged = processed.client.get(processed.result("video")["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100  # a player can seek


def test_stem_and_mix_are_audio_as_long_as_the_video(processed):
    duration = processed.job["video"]["duration_s"]
    for kind in ("stem", "mix"):
        audio, sr = soundfile.read(io.BytesIO(download(processed, kind).content))
        assert sr == 48000 and audio.shape[1] == 2
        assert abs(len(audio) / sr - duration) < 0.01
        assert np.abs(audio).max() > 0.01  # footsteps, not silence


def test_events_json_and_csv_agree(processed):
    document = json.loads(download(processed, "events").content)
    assert document["schema"] == "foleystudio.events.1"
    rows = list(csv.DictReader(io.StringIO(download(processed, "events_csv").text)))
    assert len(rows) == len(document["events"]) > 0


def test_timelines_and_preview_download(processed):
    for kind in ("otio", "edl", "fcpxml", "rpp", "markers", "preview"):
        assert download(processed, kind).content


def test_only_listed_names_are_served(processed):
    base = f"/api/jobs/{processed.job_id}/results"
    for name in ("input", "analysis.pickle", "..%2Finput", "x.mp4"):
        response = processed.client.get(f"{base}/{name}")
        assert response.status_code == 404, name
