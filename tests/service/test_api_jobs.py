"""Jobs through the API: create, follow (polling and server-sent events), list, cancel, delete, and every refusal."""

from __future__ import annotations

import errno
import json

import pytest

from foleystudio.service import uploads
from foleystudio.service.options import render_options
from tests.conftest import make_video
from tests.service.conftest import make_client, run_queued, upload


@pytest.fixture()
def client(tmp_path):
    return make_client(tmp_path / "data")


def nothing_stored(client) -> None:
    """A refused upload leaves no job and no file behind."""
    settings = client.app.state.settings
    assert client.get("/api/jobs").json()["jobs"] == []
    assert list(settings.jobs_dir.iterdir()) == []


def refused(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    for fragment in fragments:
        assert fragment in detail, detail
    return detail


def test_create_then_poll_list_and_follow(processed):
    client, job_id = processed.client, processed.job_id
    job = processed.job
    assert job["state"] == "done" and job["percent"] == 100.0 and job["attempts"] == 1
    assert job["filename"] == "hato_b12.mp4" and job["options"]["seed"] == 3
    assert job["video"]["n_frames"] == 72 and job["video"]["width"] == 1280
    assert job["poll_after_s"] is None
    listed = client.get("/api/jobs").json()["jobs"]
    assert job_id in [j["id"] for j in listed]
    done = client.get("/api/jobs", params={"state": "done"}).json()["jobs"]
    assert job_id in [j["id"] for j in done] and {j["state"] for j in done} == {"done"}
    # a finished job's event stream gives its last state and ends
    with client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        body = "".join(stream.iter_text())
    events = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]
    assert events[-1]["state"] == "done" and events[-1]["id"] == job_id


def test_queued_job_is_polled_gently_then_cancelled(client, clip):
    job = upload(client, clip).json()
    assert job["state"] == "queued" and job["poll_after_s"] == 1.0
    polled = client.get(f"/api/jobs/{job['id']}")
    assert polled.headers["retry-after"] == "1"
    cancelled = client.post(f"/api/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert run_queued(client) == 0  # a cancelled job is never run
    refused(client.post(f"/api/jobs/{job['id']}/cancel"), 409, "already cancelled")
    # the event stream of a job that ends while it is followed
    with client.stream("GET", f"/api/jobs/{job['id']}/events") as stream:
        body = "".join(stream.iter_text())
    assert '"state":"cancelled"' in body


def test_delete_removes_record_and_files(client, clip):
    job = upload(client, clip).json()
    folder = client.app.state.settings.jobs_dir / job["id"]
    assert (folder / "input").read_bytes() == clip.read_bytes()
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    assert not folder.exists()
    refused(client.get(f"/api/jobs/{job['id']}"), 404, "no job")
    nothing_stored(client)


def test_options_are_the_clis(client, clip):
    job = upload(client, clip, surface="Gravel", footwear="boots", export="csv,otio", scene="false",
                 stems_per_person="true", preview_size="640x360", ambience="Beach", music="piano",
                 loudness="-16", material="Impact=steel, wood").json()
    options = job["options"]
    assert options["ambience"] == "shore" and options["music"] == "piano" and options["loudness"] == -16.0
    assert options["material"] == "wood,impact=metal"  # one spelling, which render_options reads back
    assert render_options(options).material == "wood" and render_options(options).kind_materials == (("impact", "metal"),)
    assert options["surface"] == "gravel" and options["footwear"] == "boots"
    assert options["export"] == ["csv", "otio"] and options["scene"] is False and options["stems_per_person"] is True
    assert options["preview_size"] == [640, 360]


@pytest.mark.parametrize("fields, fragments", [
    ({"surface": "lava"}, ("surface", "lava", "gravel")),
    ({"export": "pdf"}, ("export", "pdf", "otio")),
    ({"seed": "many"}, ("seed",)),
    ({"min_confidence": "2"}, ("min_confidence",)),
    ({"colour": "red"}, ("colour",)),
    ({"start_timecode": "1:2"}, ("start_timecode", "HH:MM:SS:FF")),
    ({"ambience": "lava"}, ("ambience", "lava", "shore")),
    ({"music": "jazz"}, ("music", "jazz", "ambient")),
    ({"loudness": "-3"}, ("loudness", "-40..-9")),
    ({"material": "fall=wood"}, ("material", "fall", "hit, impact")),
])
def test_bad_options_are_refused_before_any_work(client, clip, fields, fragments):
    refused(upload(client, clip, **fields), 422, *fragments)
    nothing_stored(client)


def test_keep_audio_needs_audio(client, tmp_path):
    silent = make_video(tmp_path / "silent.mp4", n_frames=10)
    refused(upload(client, silent, keep_audio="true"), 422, "keep_audio", "no audio track")
    nothing_stored(client)


def test_not_a_video(client, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("hello\n" * 200)
    refused(upload(client, text), 422, "notes.mp4", "not a media file")
    nothing_stored(client)


def test_truncated(client, clip, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:300_000])
    detail = refused(upload(client, cut), 422, "cut.mp4")
    assert str(tmp_path) not in detail and "jobs" not in detail  # no server path in the message
    nothing_stored(client)


def test_upload_cut_short(client, clip):
    head = (b'--abc\r\nContent-Disposition: form-data; name="video"; filename="clip.mp4"\r\n'
            b"Content-Type: video/mp4\r\n\r\n")
    body = head + clip.read_bytes()  # the whole video, but no closing boundary: the client stopped sending
    response = client.post("/api/jobs", content=body, headers={"content-type": "multipart/form-data; boundary=abc"})
    refused(response, 400, "stopped before it was complete")
    nothing_stored(client)


def test_too_large(tmp_path, clip):
    client = make_client(tmp_path / "data", max_upload_mb=0.1)
    refused(upload(client, clip), 413, "0.1 MB", "FOLEY_MAX_UPLOAD_MB")
    nothing_stored(client)


def test_too_large_by_its_declared_length(tmp_path):
    client = make_client(tmp_path / "data", max_upload_mb=1)
    response = client.post("/api/jobs", content=b"x" * 10, headers={
        "content-type": "multipart/form-data; boundary=abc", "content-length": str(50 * 1024 * 1024)})
    refused(response, 413, "1 MB")


def test_too_long(tmp_path, clip):
    client = make_client(tmp_path / "data", max_duration_s=1.5)
    refused(upload(client, clip), 422, "2.4 s long", "1.5 s", "FOLEY_MAX_DURATION_S")
    nothing_stored(client)


def test_too_many_pixels_and_frames(tmp_path, clip):
    client = make_client(tmp_path / "data", max_side_px=640)
    refused(upload(client, clip), 422, "1280x720", "640 px", "FOLEY_MAX_SIDE_PX")
    client = make_client(tmp_path / "data2", max_fps=25)
    refused(upload(client, clip), 422, "29.97 fps", "25 fps", "FOLEY_MAX_FPS")
    nothing_stored(client)


@pytest.mark.parametrize("name", ["../../escape.mp4", "/etc/passwd", "..\\..\\x.mp4", "a/b.mp4", ".."])
def test_path_traversal_file_name(client, clip, tmp_path, name):
    refused(upload(client, clip, name=name), 400, "is a path")
    nothing_stored(client)
    assert not (tmp_path / "escape.mp4").exists() and not (tmp_path.parent / "escape.mp4").exists()


def test_names_are_job_ids_never_the_users(client, clip):
    job = upload(client, clip, name="my clip (final).mp4").json()
    folder = client.app.state.settings.jobs_dir / job["id"]
    assert sorted(p.name for p in folder.iterdir()) == ["input"]
    assert job["filename"] == "my clip _final_.mp4"


def test_no_video_or_not_multipart(client, clip):
    refused(client.post("/api/jobs", data={"seed": "1"}), 415, "multipart/form-data")
    refused(client.post("/api/jobs", files={"other": ("x.txt", b"hi")}, data={"seed": "1"}), 400, "video")
    refused(client.post("/api/jobs", content=clip.read_bytes()[:1000], headers={"content-type": "video/mp4"}),
            415, "multipart")
    nothing_stored(client)


def test_token_required_when_set(tmp_path, clip):
    client = make_client(tmp_path / "data", api_token="s3cret")
    for method, path in [("GET", "/api/jobs"), ("GET", "/api/jobs/0" * 1), ("POST", "/api/jobs"),
                         ("DELETE", "/api/jobs/x"), ("GET", "/api/jobs/x/results"), ("PUT", "/api/jobs/x/edits")]:
        response = client.request(method, path)
        refused(response, 401, "Authorization: Bearer")
        assert response.headers["www-authenticate"] == "Bearer"
        refused(client.request(method, path, headers={"Authorization": "Bearer wrong"}), 401, "wrong")
        refused(client.request(method, path, headers={"Authorization": "Basic s3cret"}), 401)
    good = {"Authorization": "Bearer s3cret"}
    assert client.get("/api/jobs", headers=good).status_code == 200
    assert upload(client, clip, headers=good).status_code == 201
    assert client.get("/docs").status_code == 200  # the documentation itself is open


def test_unknown_job(client):
    for method, path in [("GET", "/api/jobs/{}"), ("GET", "/api/jobs/{}/events"), ("POST", "/api/jobs/{}/cancel"),
                         ("DELETE", "/api/jobs/{}"), ("GET", "/api/jobs/{}/results"),
                         ("GET", "/api/jobs/{}/results/x.mp4"), ("GET", "/api/jobs/{}/edits")]:
        for job_id in ("0" * 32, "nope", "ABCDEF" * 6):
            refused(client.request(method, path.format(job_id)), 404, "no job")
        assert client.request(method, path.format("..%2F..%2Fetc")).status_code == 404  # no route, no file
    refused(client.put(f"/api/jobs/{'0' * 32}/edits", json={}), 404, "no job")


def test_too_many_jobs_from_one_client(tmp_path, clip):
    client = make_client(tmp_path / "data", rate_limit=2)
    assert upload(client, clip).status_code == 201
    assert upload(client, clip).status_code == 201
    response = upload(client, clip)
    refused(response, 429, "too many jobs", "2 a minute", "FOLEY_RATE_LIMIT")
    assert int(response.headers["retry-after"]) >= 1
    assert client.get("/api/jobs").status_code == 200  # only creation is limited
    assert len(client.get("/api/jobs").json()["jobs"]) == 2


def test_full_disk_refuses_the_upload_and_keeps_nothing(client, clip, monkeypatch):
    def full(self, data, start, end):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads._Form, "part_data", full)
    refused(upload(client, clip), 507, "disk is full")
    nothing_stored(client)


def test_cors_closed_by_default_and_open_when_named(tmp_path):
    preflight = {"Origin": "http://example.test", "Access-Control-Request-Method": "POST"}
    closed = make_client(tmp_path / "a")
    assert "access-control-allow-origin" not in closed.options("/api/jobs", headers=preflight).headers
    opened = make_client(tmp_path / "b", cors_origins=["http://example.test"])
    allowed = opened.options("/api/jobs", headers=preflight).headers["access-control-allow-origin"]
    assert allowed == "http://example.test"


def test_openapi_documents_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events", "/api/jobs/{job_id}/cancel",
                          "/api/jobs/{job_id}/results", "/api/jobs/{job_id}/results/{name}",
                          "/api/jobs/{job_id}/edits", "/api/jobs/{job_id}/edits/detected",
                          "/api/worker", "/api/worker/claim", "/api/worker/jobs/{job_id}"}
    form = paths["/api/jobs"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"video", "surface", "seed", "export"} <= set(form["properties"])


def test_synthetic_video_runs_to_done(client, tmp_path):
    video = make_video(tmp_path / "square.mp4", n_frames=20)
    job = upload(client, video, export="").json()
    assert run_queued(client) == 1
    done = client.get(f"/api/jobs/{job['id']}").json()
    assert done["state"] == "done", done
    assert {f["kind"] for f in done["results"]} == {"video", "events", "stem", "mix"}


def test_events_only_has_no_sound(client, tmp_path):
    video = make_video(tmp_path / "square.mp4", n_frames=20)
    refused(upload(client, video, events_only="true", export="preview"), 422, "preview needs the sound")
    job = upload(client, video, events_only="true").json()
    assert "preview" not in job["options"]["export"]
    assert run_queued(client) == 1
    done = client.get(f"/api/jobs/{job['id']}").json()
    kinds = {f["kind"] for f in done["results"]}
    assert done["state"] == "done" and "events" in kinds and "otio" in kinds
    assert not kinds & {"video", "stem", "mix", "preview"}
