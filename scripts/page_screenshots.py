"""The web page's pictures in the README: docs/page.png (1280x800) and docs/page-phone.png (390x844).

    python scripts/page_screenshots.py [--shared ../shared] [--clip sports2d_demo.mp4] [--out docs]

Starts the service with its page on loopback (a temporary data directory, one worker), uploads
the clip by dropping it on the page (without the annotated preview, so a re-render takes about a
second), waits for the job, makes a few edits (one person's surface, a time range, an event nudged,
one off), re-renders, and photographs the page in Debian's chromium.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, drop_file, open_page  # noqa: E402
from tests.web.server import running_service  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=PROJECT.parent / "shared")
    parser.add_argument("--clip", default="sports2d_demo.mp4", help="a clip in SHARED/media (two people by default)")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs")
    args = parser.parse_args()
    clip = args.shared / "media" / args.clip
    with tempfile.TemporaryDirectory() as tmp, running_service(Path(tmp) / "data") as base, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
        page = context.new_page()
        open_page(page, base)
        page.get_by_label("annotated preview video").uncheck()  # re-renders in about a second
        drop_file(page, clip)
        expect(page.locator(".job").first).to_have_attribute("data-state", "done", timeout=600_000)
        expect(page.locator("#timeline")).not_to_have_attribute("data-events", "0", timeout=30_000)
        edit(page)
        page.get_by_role("button", name=re.compile(r"^Re-render")).click()
        expect(page.locator("#render-status")).to_have_text(re.compile(r"^Rendered in"), timeout=120_000)
        pose(page)
        args.out.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out / "page.png"))
        phone = context.new_page()  # the same browser (what it has seen of the job) in a phone-wide window
        phone.set_viewport_size(PHONE)
        open_page(phone, page.url)
        expect(phone.locator("#render-status")).to_have_text(re.compile(r"^Edit \d+ rendered"), timeout=30_000)
        pose(phone)
        phone.screenshot(path=str(args.out / "page-phone.png"), full_page=True)
        browser.close()
    print(f"wrote {args.out / 'page.png'} and {args.out / 'page-phone.png'}")
    return 0


def edit(page) -> None:
    """What a sound designer does first: fix a surface, mark a range, nudge a step, drop a false one."""
    items = page.evaluate("() => window.foleystudio.state.items.map((i) => [i.key, i.person, i.t])")
    people = sorted({person for _, person, _ in items})
    page.get_by_label(f"Surface of P{people[0]}").select_option("grass")
    if len(people) > 1:
        page.get_by_label(f"Footwear of P{people[1]}").select_option("barefoot")
    duration = page.evaluate("() => window.foleystudio.state.job.video.duration_s")
    page.evaluate(f"() => window.foleystudio.timeline.range = [{duration * 0.55:.2f}, {duration * 0.8:.2f}]")
    page.get_by_role("button", name="Add time range").click()
    page.get_by_label("Range 1 surface").select_option("wood")
    if len(people) > 1:
        page.get_by_label("Range 1 person").select_option(str(people[1]))
    page.evaluate("() => window.foleystudio.timeline.clearRange()")
    keys = [key for key, person, _ in items if person == people[0]]
    select(page, keys[len(keys) // 2])
    for _ in range(2):
        page.keyboard.press(".")
    select(page, keys[-1])
    page.keyboard.press("x")


def select(page, key: str) -> None:
    box = page.locator("#timeline").bounding_box()
    hit = page.evaluate("(key) => window.foleystudio.timeline.hitbox(key)", key)
    page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])


def pose(page) -> None:
    """A moment worth looking at: an event selected, the playhead on it, the picture settled."""
    page.wait_for_function("() => window.foleystudio.state.items.length > 0", timeout=30_000)
    items = page.evaluate("() => window.foleystudio.state.items.filter((i) => !i.off).map((i) => i.key)")
    page.locator("#timeline").scroll_into_view_if_needed()
    select(page, items[len(items) // 2 + 1])
    page.wait_for_function("() => document.getElementById('video').readyState >= 2", timeout=30_000)
    page.wait_for_timeout(600)
    page.evaluate("() => { document.activeElement.blur(); window.scrollTo(0, 0); }")


if __name__ == "__main__":
    sys.exit(main())
