"""The page end to end in a real browser: upload, follow, play, edit, re-render, download, and check the files.

One session on hato_b12 (2.4 s, one person, six steps, 29.97 fps). The last step is the one
edited: its sound is seeded by its place in the event list, which turning it off or moving it
a little later keeps, so the footstep stems of three renders isolate its sound exactly:
with it (S), without it (W) and with it nudged (N). N - W is S - W moved by the nudge, to the sample.
"""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request

import av
import numpy as np
import pytest
import soundfile
from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, PHONE, drop_file, open_page, wait_ready

SR = 48000
CLIP = "hato_b12.mp4"
DRAG_PX = 24


def api(base: str, path: str):
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return json.loads(answer.read())


def current(page, expression: str):
    return page.evaluate(f"() => window.foleystudio.{expression}")


def event_point(page, key: str) -> tuple[float, float]:
    """Where event `key`'s handle is on the page (the timeline is a canvas)."""
    box = page.locator("#timeline").bounding_box()
    hit = page.evaluate("(key) => window.foleystudio.timeline.hitbox(key)", key)
    assert hit is not None, f"event {key} is not on the timeline"
    return box["x"] + hit["x"], box["y"] + hit["y"]


def rerender(page, version: int) -> float:
    """Press Re-render and wait until edit `version` is rendered and shown; the seconds it took."""
    started = time.monotonic()
    page.get_by_role("button", name=re.compile(r"^Re-render")).click()
    expect(page.locator("#render-status")).to_have_text(re.compile(r"^Rendered in"), timeout=60_000)
    assert current(page, "state.job.edits_version") == version
    return time.monotonic() - started


def download(page, name: str, folder) -> bytes:
    page.get_by_role("tab", name="Downloads").click()
    with page.expect_download() as event:
        page.get_by_role("link", name=f"Download {name}").click()
    path = folder / event.value.suggested_filename
    event.value.save_as(path)
    assert event.value.suggested_filename == name
    page.get_by_role("tab", name="Sound").click()
    return path.read_bytes()


def stem(data: bytes) -> np.ndarray:
    audio, sr = soundfile.read(io.BytesIO(data), dtype="float64")
    assert sr == SR and audio.ndim == 2 and audio.shape[1] == 2
    return audio


def test_upload_play_edit_rerender_download(new_page, page_errors, service, shared, tmp_path):
    clip = shared / "media" / CLIP
    page = new_page(DESKTOP)
    open_page(page, service)
    expect(page.get_by_role("heading", name="Drop a silent video anywhere on this page")).to_be_visible()

    # drag and drop: the upload shows its progress, the job its live status, then the result plays
    drop_file(page, clip)
    expect(page.get_by_label("Upload progress")).to_have_attribute("value", "100", timeout=30_000)
    job = page.locator(".job", has_text=CLIP)
    expect(job).to_be_visible()
    expect(job).to_have_attribute("data-state", "done", timeout=120_000)
    job_id = current(page, "state.job.id")
    options = api(service, f"/api/jobs/{job_id}")["options"]
    assert (options["stems_per_person"], options["scuffs"]) == (True, False)  # the page's two checks as they start
    expect(page.locator("#timeline")).to_have_attribute("data-events", "6", timeout=20_000)
    events = api(service, f"/api/jobs/{job_id}/results/{job_id}.events.json")["events"]
    assert [e["id"] for e in events] == [f"e{k:04d}" for k in range(6)]

    play = page.get_by_role("button", name="Play", exact=True)
    play.click()
    page.wait_for_function("document.getElementById('video').currentTime > 0.3", timeout=15_000)
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    page.wait_for_function(  # the waveform's playhead follows playback
        "Number(document.getElementById('waveform').dataset.playhead) > 0.3", timeout=5_000)
    page.locator("#timeline").focus()
    page.keyboard.press("Space")  # the shortcut pauses
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()

    # A: the surface of person 0 -> gravel; re-render: every step is gravel, from the edit's cue
    page.get_by_label("Surface of P0").select_option("gravel")
    expect(page.get_by_role("button", name="Re-render (1)")).to_be_enabled()
    seconds = rerender(page, 1)
    stem_name = "hato_b12_foley.footsteps.wav"
    with_k = stem(download(page, stem_name, tmp_path))
    events = api(service, f"/api/jobs/{job_id}/results/{job_id}.events.json")["events"]
    assert {(e["surface"], e["surface_source"]) for e in events} == {("gravel", "cue")}
    print(f"re-render after a surface change: {seconds:.2f} s")
    kinds = {f["kind"] for f in api(service, f"/api/jobs/{job_id}")["results"]}
    assert "preview" not in kinds  # a re-render makes the slow preview only when asked (C below)

    # B: click the last step on the timeline (selects it, seeks to it), X turns it off; re-render
    last = events[-1]
    k_id, k_t = last["id"], last["t"]
    page.mouse.click(*event_point(page, k_id))
    expect(page.locator("#event-info")).to_contain_text(k_id)
    assert current(page, "player.time") == pytest.approx(k_t, abs=0.01)  # click to seek
    page.keyboard.press("x")
    expect(page.get_by_role("button", name="Turn on", exact=True)).to_be_visible()
    rerender(page, 2)
    without_k = stem(download(page, stem_name, tmp_path))
    assert k_id not in [e["id"] for e in api(service, f"/api/jobs/{job_id}/results/{job_id}.events.json")["events"]]
    assert api(service, f"/api/jobs/{job_id}/edits")["document"]["off"] == [k_id]
    assert k_id in [e["id"] for e in api(service, f"/api/jobs/{job_id}/edits/detected")["events"]]
    page.reload()
    wait_ready(page)  # what the page shows of an event turned off comes from the server, not from this browser
    expect(page.locator("#timeline")).to_have_attribute("data-events", "6", timeout=20_000)

    # a layer switched off is muted in the edits document (not a level), and on again
    footsteps_on = page.get_by_label("footsteps on")
    footsteps_on.uncheck()
    assert current(page, "state.draft.mute") == ["footsteps"]
    expect(page.get_by_label("Level of footsteps")).to_be_disabled()
    footsteps_on.check()
    assert current(page, "state.draft.mute") == [] and current(page, "state.draft.levels") == {}

    # C: double-click turns it back on, a drag nudges it later, "." one frame more; re-render
    x, y = event_point(page, k_id)
    page.mouse.dblclick(x, y)
    expect(page.get_by_role("button", name="Turn off", exact=True)).to_be_visible()
    px_per_s = page.evaluate("() => window.foleystudio.view.pxPerS(document.getElementById('timeline')"
                             ".getBoundingClientRect().width)")
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 7):
        page.mouse.move(x + DRAG_PX * step / 6, y)
    page.mouse.up()
    dragged = current(page, f"state.draft.moved['{k_id}']")
    assert dragged - k_t == pytest.approx(DRAG_PX / px_per_s, abs=1.5 / px_per_s)  # where the mouse let go
    page.keyboard.press(".")
    frame = round(SR * 1001 / 30000)  # one frame at 29.97 fps, on the sample
    moved = current(page, f"state.draft.moved['{k_id}']")
    assert round(moved * SR) - round(dragged * SR) == frame
    expect(page.get_by_role("button", name="Reset time")).to_be_visible()
    page.get_by_label("with the annotated preview").check()
    rerender(page, 3)
    stored = api(service, f"/api/jobs/{job_id}/edits")["document"]
    assert stored["moved"] == {k_id: moved} and stored["off"] == []
    shift = round(moved * SR) - round(k_t * SR)
    assert shift > frame

    # every result downloads whole; the files are what they say
    results = api(service, f"/api/jobs/{job_id}")["results"]
    files = {}
    for entry in results:
        name = f"hato_b12_foley{entry['name'][len(job_id):]}"
        files[entry["kind"], name] = download(page, name, tmp_path)
        assert len(files[entry["kind"], name]) == entry["bytes"], name
    kinds = {kind for kind, _ in files}
    assert kinds >= {"video", "events", "stem", "mix", "events_csv", "otio", "edl", "fcpxml", "rpp", "markers",
                     "preview"}
    events = json.loads(files["events", "hato_b12_foley.events.json"])["events"]
    assert next(e for e in events if e["id"] == k_id)["t"] == pytest.approx(moved, abs=1e-6)
    with av.open(io.BytesIO(files["video", "hato_b12_foley.mp4"])) as video:
        assert video.streams.video and video.streams.audio
    duration_samples = round(2.401667 * SR)
    nudged = stem(files["stem", stem_name])
    for audio in (with_k, without_k, nudged, stem(files["mix", "hato_b12_foley.mix.wav"])):
        assert abs(len(audio) - duration_samples) <= 1

    # the nudged step's sound is `shift` samples later, to the sample
    start = round(k_t * SR)
    sound_before = isolate(with_k, without_k, start)
    sound_after = isolate(nudged, without_k, start)
    peak = np.abs(sound_before).max()
    assert peak > 1e-3, "the last step makes no sound"
    tolerance = 2e-4 * peak  # 24-bit files at slightly different loudness gains
    np.testing.assert_allclose(sound_after[start - 2400 : start + shift], 0.0, atol=tolerance)
    np.testing.assert_allclose(sound_after[shift:], sound_before[:-shift], atol=tolerance)
    for wrong in (shift - 1, shift + 1):  # one sample either way is far off
        assert np.abs(sound_after[wrong:] - sound_before[:-wrong]).max() > 20 * tolerance

    # a step where the machine missed one: double-click an empty spot in P0's lane; X takes it away again
    width = page.locator("#timeline").bounding_box()["width"]
    x_new = page.locator("#timeline").bounding_box()["x"] + page.evaluate(
        f"() => window.foleystudio.view.x(2.2, {width})")
    page.mouse.dblclick(x_new, event_point(page, k_id)[1])
    added = current(page, "state.draft.added")
    assert len(added) == 1 and added[0]["person"] == 0 and added[0]["t"] == pytest.approx(2.2, abs=0.01)
    expect(page.locator("#event-info")).to_contain_text("· added")
    expect(page.get_by_role("button", name="Re-render (1)")).to_be_enabled()
    page.keyboard.press("x")
    assert current(page, "state.draft.added") == []
    expect(page.get_by_role("button", name="Re-render", exact=True)).to_be_disabled()

    # a time range with its own bed: the shots lane, the job's details and the events file say so
    page.get_by_role("button", name="Add time range").click()
    page.get_by_label("Range 1 ambience").select_option("rain")
    rerender(page, 4)
    beds = api(service, f"/api/jobs/{job_id}/results/{job_id}.events.json")["ambience"]
    assert ("rain", "cue") in [(b["ambience"], b["source"]) for b in beds]
    assert {b["ambience"] for b in beds if b["source"] == "estimate"} == {"outdoor_air"}  # the track, open sky
    expect(page.locator("#job-info")).to_contain_text("rain (cue)")
    assert "rain" in current(page, "state.rendered.shots[0].beds")  # what the shots lane labels the shot with

    # the same page at a phone's width: one column, nothing wider than the screen, the controls at hand
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    for control in (page.get_by_role("button", name="Play", exact=True), page.locator("#timeline"),
                    page.get_by_role("button", name="Re-render", exact=True), page.get_by_label("Surface of P0")):
        control.scroll_into_view_if_needed()
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
    assert not page_errors, page_errors


def isolate(stem_with: np.ndarray, stem_without: np.ndarray, start: int) -> np.ndarray:
    """One step's sound: the stem with it less the stem without it, at the second one's gain.

    The two stems differ by a loudness gain (the normalisation follows the whole), found where
    they hold the same sounds: before the step.
    """
    a, b = stem_with[: start - 2400].ravel(), stem_without[: start - 2400].ravel()
    ratio = float(a @ b / (b @ b))
    return (stem_with / ratio - stem_without).mean(axis=1)
