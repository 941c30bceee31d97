"""The page's vocabulary file says what the engine and the exports say (no browser needed)."""

from __future__ import annotations

import json
from pathlib import Path

import foleystudio
from foleystudio.edits.document import LEVEL_RANGE_DB
from foleystudio.edits.events import LAYERS
from foleystudio.export.delivery import PERSON_COLORS, RGB
from foleystudio.materials import AMBIENCES, ENGINE_FOOTWEAR, ENGINE_SURFACES, normalise_footwear, normalise_surface

WEB = Path(foleystudio.__file__).parent / "web"


def test_vocabulary_matches_the_engine_and_the_exports():
    vocabulary = json.loads((WEB / "vocabulary.json").read_text())
    assert vocabulary["surfaces"] == list(ENGINE_SURFACES)
    assert vocabulary["footwear"] == list(ENGINE_FOOTWEAR)
    assert vocabulary["layers"] == list(LAYERS)
    assert vocabulary["ambiences"] == list(AMBIENCES)
    assert tuple(vocabulary["level_range_db"]) == LEVEL_RANGE_DB
    assert vocabulary["person_colors"] == [[name, list(RGB[name])] for name in PERSON_COLORS]
    for surface in vocabulary["surfaces"]:  # an edits document takes every name the page offers
        normalise_surface(surface)
    for footwear in vocabulary["footwear"]:
        normalise_footwear(footwear)


def test_the_page_is_plain_static_files():
    names = sorted(p.name for p in WEB.iterdir())
    assert names == ["api.js", "controls.js", "edits.js", "index.html", "jobs.js", "main.js", "player.js",
                     "style.css", "timeline.js", "upload.js", "view.js", "vocabulary.json"]
    html = (WEB / "index.html").read_text()
    assert '<script type="module" src="main.js">' in html
    for module in WEB.glob("*.js"):  # relative imports only: no bundler, no CDN
        for line in module.read_text().splitlines():
            if line.startswith("import "):
                assert '"./' in line, f"{module.name}: {line}"
