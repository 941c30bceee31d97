"""Browser fixtures: Debian's chromium driven by Playwright (no browser download), and the real service."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.web.server import running_service

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `make test` installs it when missing
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page_errors():
    """Uncaught errors in the page; a test asserts there were none."""
    return []


@pytest.fixture()
def new_page(browser, page_errors):
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{error}\n{error.stack}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """The service with its page and one worker on a fresh data directory (module-wide: its jobs are shared)."""
    folder = tmp_path_factory.mktemp("web-service")
    with running_service(folder / "data", log=folder / "service.log") as base:
        yield base


def wait_ready(page) -> None:
    """Wait until the page's script has wired its handlers: its module awaits the vocabulary first,
    so the static page (and its headings) can show before a drop would be taken."""
    page.wait_for_function("() => document.documentElement.dataset.ready === 'true'", timeout=20_000)


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def drop_file(page, path: Path, mime: str = "video/mp4") -> None:
    """Drop a file on the page's drop zone as a user dragging it from their desktop would."""
    page.evaluate("""({data, name, mime}) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: mime}));
        const zone = document.getElementById("drop-zone");
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
        }
    }""", {"data": base64.b64encode(path.read_bytes()).decode(), "name": path.name, "mime": mime})
