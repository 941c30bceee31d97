"""The CC0 texture set in ../shared/surfaces as training and test data (used by the
training script, the benchmark and tests; never by the pipeline).

Each preview is a contact sheet of 128-px swatches, 7 to a row (one material
variant each: Tiles001, Tiles002, ...). Swatches 0-2 of every sheet are the ones
`tiles/` was cut from, so they are always held out; of the rest every
`HOLDOUT_EVERY`-th is held out too. Held-out swatches are different materials,
not other crops of training swatches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from foleystudio.errors import InputError
from foleystudio.vision.surface.augment import augment_patch, person_hole, synth_grass, synth_rubber
from foleystudio.vision.surface.features import surface_features

MATERIAL_CLASSES = {
    "Asphalt": "asphalt",
    "Carpet": "carpet",
    "Concrete": "concrete",
    "DiamondPlate": "metal",
    "Grass": "grass",
    "Gravel": "gravel",
    "Ground": "dirt",
    "Marble": "marble",
    "Metal": "metal",
    "PavingStones": "stone",
    "Planks": "wood",
    "Rocks": "gravel",
    "Snow": "snow",
    "Tiles": "tile",
    "WoodFloor": "wood",
}
# Procedural textures (augment.py) and the share of their class's training views they draw:
# rubber has no CC0 texture in the set; grass has four swatches, all of deep-green lawn (held
# out by source group, no real lawn patch read as grass without synthetic ones: DATA_CARD.md).
SYNTHETIC_SOURCES = {"rubber": (synth_rubber, 1.0), "grass": (synth_grass, 0.5)}
CLASSES = tuple(sorted(set(MATERIAL_CLASSES.values()) | set(SYNTHETIC_SOURCES)))

SHEET_MARGIN_PX = 16  # layout of the ambientCG preview sheets at 1024 px wide
SHEET_PITCH_X_PX = 144
SHEET_PITCH_Y_PX = 176  # swatch + its caption
SWATCH_PX = 128
SHEET_COLUMNS = 7
MIN_SWATCH_PX = 24  # short strips (cut-off variants) under this are skipped
BLANK_LEVEL = 250  # a row/column whose darkest pixel is this bright is sheet background
TILE_SOURCES = 3  # swatches 0..2 are the sources of tiles/<Material>_<n>.png
HOLDOUT_EVERY = 5


@dataclass(frozen=True, eq=False)
class Swatch:
    material: str  # preview name, e.g. "PavingStones"
    index: int  # position on the sheet, 0-based
    rgb: np.ndarray

    @property
    def surface(self) -> str:
        return MATERIAL_CLASSES[self.material]

    @property
    def held_out(self) -> bool:
        return self.index < TILE_SOURCES or self.index % HOLDOUT_EVERY == HOLDOUT_EVERY - 1


def shared_dir() -> Path:
    """$FOLEY_SHARED, else ../shared beside the project root; InputError when absent."""
    env = os.environ.get("FOLEY_SHARED")
    path = Path(env) if env else Path(__file__).resolve().parents[3].parent / "shared"
    if not path.is_dir():
        raise InputError(f"shared test material not found at {path} (set FOLEY_SHARED)")
    return path


def load_swatches(surfaces_dir: str | os.PathLike) -> list[Swatch]:
    previews = sorted(Path(surfaces_dir, "previews").glob("*.webp"))
    if not previews:
        raise InputError(f"{surfaces_dir}: no previews/*.webp")
    swatches = []
    for path in previews:
        if path.stem not in MATERIAL_CLASSES:
            continue
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise InputError(f"{path}: cannot be read as an image")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        swatches.extend(Swatch(path.stem, i, cell) for i, cell in enumerate(_cells(rgb)))
    return swatches


def _cells(sheet: np.ndarray) -> list[np.ndarray]:
    cells = []
    rows = (sheet.shape[0] - SHEET_MARGIN_PX) // SHEET_PITCH_Y_PX + 1
    for r in range(rows):
        for c in range(SHEET_COLUMNS):
            y0 = SHEET_MARGIN_PX + SHEET_PITCH_Y_PX * r
            x0 = SHEET_MARGIN_PX + SHEET_PITCH_X_PX * c
            cell = sheet[y0 : y0 + SWATCH_PX, x0 : x0 + SWATCH_PX]
            h = _extent(cell.min(axis=(1, 2)))
            w = _extent(cell[:h].min(axis=(0, 2))) if h else 0
            if h >= MIN_SWATCH_PX and w >= MIN_SWATCH_PX:
                cells.append(np.ascontiguousarray(cell[:h, :w]))
    return cells


def _extent(darkest: np.ndarray) -> int:
    n = 0
    while n < len(darkest) and darkest[n] < BLANK_LEVEL:
        n += 1
    return n


def load_tiles(surfaces_dir: str | os.PathLike) -> list[tuple[str, np.ndarray]]:
    """(surface, rgb) for every tiles/<Material>_<n>.png."""
    out = []
    for path in sorted(Path(surfaces_dir, "tiles").glob("*.png")):
        material = path.stem.rsplit("_", 1)[0]
        if material in MATERIAL_CLASSES:
            bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
            out.append((MATERIAL_CLASSES[material], cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    return out


def augmented_features(
    swatches: list[Swatch], *, per_class: int, rng: np.random.Generator, synthetic: bool = True, straight_share: float = 0.25
) -> tuple[np.ndarray, np.ndarray]:
    """(n, d) features of random views and (n,) labels into CLASSES, `per_class` each.

    A `straight_share` of the views are plain rotated crops, the rest camera-like (augment.py),
    with a leg and foot masked out of most of them as the pipeline masks the person out. A class
    in SYNTHETIC_SOURCES draws its share of the views from its procedural texture (all of them
    when no swatch of it is given; none when `synthetic` is False).
    """
    by_class: dict[str, list[Swatch]] = {}
    for s in swatches:
        by_class.setdefault(s.surface, []).append(s)
    feats, labels = [], []
    for name in CLASSES:
        members = by_class.get(name, [])
        draw, share = SYNTHETIC_SOURCES.get(name, (None, 0.0)) if synthetic else (None, 0.0)
        if not members and draw is None:
            continue
        share = share if members else 1.0
        # Every material of a class gets an equal share (DiamondPlate is 20 swatches to Metal's 100).
        by_material = [[s for s in members if s.material == m] for m in sorted({s.material for s in members})]
        swatch_views = 0
        for k in range(per_class):
            if int((k + 1) * share) > int(k * share):  # the synthetic views spread evenly over k
                source = draw(rng)
            else:
                own = by_material[swatch_views % len(by_material)]
                source = own[(swatch_views // len(by_material)) % len(own)].rgb
                swatch_views += 1
            camera = (k % 100) >= straight_share * 100
            feats.append(_view_features(source, rng, camera))
            labels.append(CLASSES.index(name))
    return np.array(feats, dtype=np.float32), np.array(labels, dtype=np.int64)


def heldout_views(swatches: list[Swatch], *, views: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`views` camera-like views of every swatch (person holes too): (n, d) features, (n,) labels into CLASSES."""
    feats, labels = [], []
    for s in swatches:
        for _ in range(views):
            feats.append(_view_features(s.rgb, rng, True))
            labels.append(CLASSES.index(s.surface))
    return np.array(feats, dtype=np.float32), np.array(labels, dtype=np.int64)


def _view_features(source: np.ndarray, rng: np.random.Generator, camera: bool) -> np.ndarray:
    view = augment_patch(source, rng, camera=camera)
    mask = person_hole(*view.shape[:2], rng) if camera else None
    return surface_features(view, mask)
