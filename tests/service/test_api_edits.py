"""The edits document through the API: stored with the job, applied by a re-render that does not analyse again."""

from __future__ import annotations

import errno
import io
import json

import numpy as np
import pytest
import soundfile

from foleystudio.edits.events import LAYERS
from foleystudio.service import runner
from foleystudio.sound.mix import integrated_lufs
from tests.service.conftest import run_queued, upload

SR = 48_000


@pytest.fixture(scope="module")
def edited(processed):
    """A second job on the same clip and data directory (its analysis comes from the shared cache)."""
    client = processed.client
    job = upload(client, processed.clip, seed=3, export="csv").json()
    assert run_queued(client) == 1
    return client, job["id"]


def events_of(client, job_id) -> list[dict]:
    job = client.get(f"/api/jobs/{job_id}").json()
    entry = next(f for f in job["results"] if f["kind"] == "events")
    return json.loads(client.get(entry["url"]).content)["events"]


def stem_of(client, job_id, layer: str = "footsteps") -> np.ndarray:
    job = client.get(f"/api/jobs/{job_id}").json()
    entry = next(f for f in job["results"] if f["kind"] == "stem" and f["name"].endswith(f".{layer}.wav"))
    return soundfile.read(io.BytesIO(client.get(entry["url"]).content))[0]


def put(client, job_id, document) -> dict:
    response = client.put(f"/api/jobs/{job_id}/edits", json=document)
    assert response.status_code == 202, response.text
    assert response.json()["state"] == "queued"
    assert run_queued(client) == 1
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "done", job
    return job


def test_off_moved_added_and_levels_re_render_without_analysing(edited):
    client, job_id = edited
    before = events_of(client, job_id)
    assert len(before) >= 3
    stem_before, bed_before = stem_of(client, job_id), stem_of(client, job_id, "ambience")
    assert client.get(f"/api/jobs/{job_id}/edits").json() == {"version": 0, "document": {
        "schema": "foleystudio.edits.1", "off": [], "moved": {}, "added": [], "cues": [], "levels": {}, "mute": [],
        "seed": None}}
    detected = client.get(f"/api/jobs/{job_id}/edits/detected").json()["events"]
    assert detected == before  # before any edit, what was detected is what was rendered
    # the job's children are spawned, so a patch here would not reach them: the record counts
    # the analyses its runs made instead (below)

    off, moved = before[0]["id"], before[1]["id"]
    document = {"schema": "foleystudio.edits.1", "off": [off], "moved": {moved: 2.0},
                "added": [{"t": 0.1, "person": 0, "foot": "left", "surface": "grass"}],
                "cues": [{"person": 0, "footwear": "boots"}]}
    job = put(client, job_id, document)
    assert job["edits_version"] == 1 and job["attempts"] == 1
    after = events_of(client, job_id)
    ids = [e["id"] for e in after]
    assert off not in ids
    assert next(e for e in after if e["id"] == moved)["t"] == pytest.approx(2.0, abs=1e-3)
    added = [e for e in after if not e["id"].startswith("e")]
    assert len(added) == 1 and added[0]["t"] == pytest.approx(0.1, abs=1e-3) and added[0]["surface_source"] == "edit"
    assert all(e["footwear"] == "boots" for e in after)
    assert len(after) == len(before)  # one off, one added
    stored = client.get(f"/api/jobs/{job_id}/edits").json()
    assert stored["version"] == 1 and stored["document"]["off"] == [off]
    # the event turned off is gone from the results, not from what was detected: the page can turn it on again
    assert client.get(f"/api/jobs/{job_id}/edits/detected").json()["events"] == detected

    # a level alone: the same events, the footstep stem 6 dB down against the others (the mix is mastered again)
    job = put(client, job_id, {"levels": {"footsteps": -6.0}})
    assert job["edits_version"] == 2
    assert [e["id"] for e in events_of(client, job_id)] == [e["id"] for e in before]
    stem_after, bed_after = stem_of(client, job_id), stem_of(client, job_id, "ambience")
    against_bed = lambda steps, bed: integrated_lufs(steps, SR) - integrated_lufs(bed, SR)  # noqa: E731
    assert against_bed(stem_after, bed_after) - against_bed(stem_before, bed_before) == pytest.approx(-6.0, abs=0.3)

    # muted layers: the same events, their stems written silent; all of them muted, the mix is silent
    job = put(client, job_id, {"levels": {"footsteps": -6.0}, "mute": list(LAYERS)})
    assert [e["id"] for e in events_of(client, job_id)] == [e["id"] for e in before]
    assert len(stem_of(client, job_id)) == len(stem_before) and not np.any(stem_of(client, job_id))
    assert {f["name"].split(".")[-2] for f in job["results"] if f["kind"] == "stem"} == set(LAYERS)
    mix = next(f for f in job["results"] if f["kind"] == "mix")
    assert not np.any(soundfile.read(io.BytesIO(client.get(mix["url"]).content))[0])

    record = client.app.state.store.get(job_id)
    assert record["analyses"] == 1  # analysed once, rendered four times
    folder = client.app.state.settings.jobs_dir / job_id
    assert sorted(p.name for p in folder.iterdir()) == ["analysis.pickle", "detected.json", "input",
                                                        f"results.{record['run']}"]


def test_a_re_render_makes_the_preview_only_when_asked(processed):
    client = processed.client
    job_id = upload(client, processed.clip, seed=3, export="csv,preview").json()["id"]
    assert run_queued(client) == 1

    def kinds(job: dict) -> set[str]:
        return {f["kind"] for f in job["results"]}

    assert "preview" in kinds(client.get(f"/api/jobs/{job_id}").json())  # the first run: as the options say
    assert "preview" not in kinds(put(client, job_id, {"seed": 4}))  # a re-render: about a second, no preview
    response = client.put(f"/api/jobs/{job_id}/edits?preview=true", json={"seed": 4})
    assert response.status_code == 202
    assert run_queued(client) == 1
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "done" and "preview" in kinds(job)
    assert "preview" not in kinds(put(client, job_id, {"seed": 5}))  # asked for once, not for every re-render
    client.delete(f"/api/jobs/{job_id}")


@pytest.mark.parametrize("document, status, fragment", [
    ({"off": ["e9999"]}, 422, "edits.off: no event 'e9999'"),
    ({"moved": {"e0000": 99.0}}, 422, "past the end of the video"),
    ({"moved": {"e0000": -1}}, 422, "moved"),
    ({"levels": {"dialogue": -3}}, 422, "unknown layer 'dialogue'"),
    ({"mute": ["dialogue"]}, 422, "edits.mute: unknown layer 'dialogue'"),
    ({"cues": [{"person": 0, "ambience": "rain"}]}, 422, "edits.cues[0].ambience"),
    ({"mute": "footsteps"}, 422, "mute"),
    ({"levels": {"footsteps": 40}}, 422, "outside -60..12 dB"),
    ({"added": [{"t": 0.5, "foot": "middle"}]}, 422, "edits.added[0].foot"),
    ({"cues": [{"start": 1, "end": 0.5, "surface": "grass"}]}, 422, "edits.cues[0].end"),
    ({"cues": [{"surface": "lava"}]}, 422, "edits.cues[0].surface"),
    ({"schema": "foleystudio.edits.9"}, 422, "edits.schema"),
    ({"colour": "red"}, 422, "colour"),
])
def test_bad_edits_are_refused_and_change_nothing(edited, document, status, fragment):
    client, job_id = edited
    version = client.get(f"/api/jobs/{job_id}/edits").json()["version"]
    response = client.put(f"/api/jobs/{job_id}/edits", json=document)
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert client.get(f"/api/jobs/{job_id}/edits").json()["version"] == version
    assert client.get(f"/api/jobs/{job_id}").json()["state"] == "done"


def test_edits_wait_for_a_finished_analysis(processed, tmp_path):
    client = processed.client
    job = upload(client, processed.clip).json()  # queued: nothing to edit yet
    response = client.put(f"/api/jobs/{job['id']}/edits", json={"seed": 1})
    assert response.status_code == 409 and "queued" in response.json()["detail"]
    client.delete(f"/api/jobs/{job['id']}")


def test_full_disk_fails_the_render_and_keeps_the_last_results(edited, monkeypatch):
    client, job_id = edited
    results_before = client.get(f"/api/jobs/{job_id}").json()["results"]

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "export", full)
    client.put(f"/api/jobs/{job_id}/edits", json={"seed": 11})
    failed = runner.run_job(client.app.state.store, job_id)  # as a task queue would call it
    assert failed["state"] == "failed" and "disk is full" in failed["error"]
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["results"] == results_before
    for entry in results_before:
        assert client.get(entry["url"]).status_code == 200
    folder = client.app.state.settings.jobs_dir / job_id
    assert not [p for p in folder.iterdir() if "partial" in p.name]
    monkeypatch.undo()
    client.put(f"/api/jobs/{job_id}/edits", json={"seed": 11})
    assert runner.run_job(client.app.state.store, job_id)["state"] == "done"
