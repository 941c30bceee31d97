"""The page on a server with FOLEY_API_TOKEN: it asks once, keeps the token for the tab, sends it everywhere.

And it does not hammer the server: an idle page looks at the job list less and less often.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.web.conftest import DESKTOP, drop_file, open_page, wait_ready
from tests.web.server import running_service

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-token")
    with running_service(folder / "data", token=TOKEN, log=folder / "service.log") as base:
        yield base


def test_the_page_asks_for_the_token_once_and_sends_it(new_page, page_errors, guarded, tmp_path):
    page = new_page(DESKTOP)
    api_requests = []
    page.on("request", lambda r: api_requests.append(r) if "/api/" in r.url else None)
    open_page(page, guarded)

    dialog = page.get_by_role("dialog", name="API token")
    expect(dialog).to_be_visible()
    page.get_by_label("Token", exact=True).fill("not-it")
    page.get_by_role("button", name="Use token").click()
    expect(dialog).to_be_visible()  # asked again, saying why
    expect(dialog).to_contain_text("the API token is wrong")
    page.get_by_label("Token", exact=True).fill(TOKEN)
    page.get_by_role("button", name="Use token").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("No jobs yet.")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('foleystudio.token')") == TOKEN

    # the upload (XMLHttpRequest) sends it too: the server reads the file and refuses it for what it is
    not_a_video = tmp_path / "notes.mp4"
    not_a_video.write_bytes(b"this is not a video" * 100)
    page.set_input_files("#file", str(not_a_video))
    expect(page.get_by_role("alert")).to_contain_text("notes.mp4", timeout=20_000)
    expect(dialog).to_be_hidden()

    # idle, the job list is read at most every 5 s, then less often
    seen = len(api_requests)
    page.wait_for_timeout(8000)
    polls = [r for r in api_requests[seen:] if re.search(r"/api/jobs(\?|$)", r.url)]
    assert len(polls) <= 2, [r.url for r in polls]

    # a reload in the same tab keeps the token: no second question
    page.reload()
    wait_ready(page)
    expect(page.get_by_text("No jobs yet.")).to_be_visible()
    expect(dialog).to_be_hidden()
    sent = [r.all_headers().get("authorization") for r in api_requests]
    assert sent[0] is None and "Bearer not-it" in sent  # asked only after the server said 401
    first = sent.index(f"Bearer {TOKEN}")
    assert set(sent[first:]) == {f"Bearer {TOKEN}"}, sent
    assert not page_errors, page_errors


def test_with_a_token_the_video_waveform_and_downloads_still_load(new_page, page_errors, guarded, shared, tmp_path):
    """<video> and <a download> cannot send a header: with a token the page fetches them as blobs.

    And with the event stream cut off (a proxy that buffers it, say) the page follows the job by
    polling it as often as the server says (poll_after_s: once a second), no more.
    """
    page = new_page(DESKTOP)
    page.route(re.compile(r"/api/jobs/[0-9a-f]+/events$"), lambda route: route.abort())
    job_polls = []
    page.on("request", lambda r: job_polls.append(time.monotonic())
            if re.search(r"/api/jobs/[0-9a-f]+$", r.url) and r.method == "GET" else None)
    open_page(page, guarded)
    page.evaluate(f"() => sessionStorage.setItem('foleystudio.token', '{TOKEN}')")
    page.reload()
    wait_ready(page)
    page.get_by_label("annotated preview video").uncheck()  # re-encoding it is what makes a re-render slow
    drop_file(page, shared / "media" / "hato_b12.mp4")
    expect(page.locator(".job").first).to_have_attribute("data-state", "done", timeout=120_000)
    assert len(job_polls) >= 2  # followed by polling
    assert len(job_polls) <= (job_polls[-1] - job_polls[0]) / 1.0 + 2  # about once a second
    page.wait_for_function("() => document.getElementById('video').readyState >= 2", timeout=20_000)
    assert page.evaluate("() => document.getElementById('video').src").startswith("blob:")
    page.wait_for_function("() => window.foleystudio.player.peaks?.filled > 1000", timeout=20_000)
    page.get_by_role("tab", name="Downloads").click()
    with page.expect_download() as event:
        page.get_by_role("link", name="Download hato_b12_foley.events.json").click()
    assert event.value.suggested_filename == "hato_b12_foley.events.json"
    path = tmp_path / "events.json"
    event.value.save_as(path)
    assert '"schema": "foleystudio.events.1"' in path.read_text()
    page.get_by_role("tab", name="Sound").click()

    # a re-render on a finished job (a new seed) takes about a second
    page.get_by_label("Seed").fill("7")
    page.get_by_label("Seed").press("Enter")
    page.get_by_role("button", name="Re-render (1)").click()
    status = page.locator("#render-status")
    expect(status).to_have_text(re.compile(r"^Rendered in"), timeout=30_000)
    seconds = float(re.search(r"([\d.]+) s", status.inner_text()).group(1))
    print(f"re-render without the preview: {seconds} s")
    assert seconds < 5.0  # ~1 s here; the bound leaves room for a busy machine
    expect(page.get_by_role("dialog", name="API token")).to_be_hidden()
    assert not page_errors, page_errors
