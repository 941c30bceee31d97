"""Train the ground-surface classifier from the CC0 textures in ../shared/surfaces.

    .venv/bin/python scripts/train_surface.py [--shared ../shared] [--out foleystudio/vision/surface/weights.npz]

Writes the weights (a few tens of kB) and prints the held-out figures that go into
foleystudio/vision/surface/DATA_CARD.md. Deterministic given --seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foleystudio.vision.surface.dataset import (  # noqa: E402
    CLASSES,
    HOLDOUT_EVERY,
    load_swatches,
    load_tiles,
    augmented_features,
    heldout_views,
    shared_dir,
)
from foleystudio.vision.surface.features import FEATURE_VERSION, surface_features  # noqa: E402
from foleystudio.vision.surface.fit import FitConfig, confusion_matrix, fit_mlp, format_confusion  # noqa: E402
from foleystudio.vision.surface.model import DEFAULT_WEIGHTS, save_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None, help="shared material (default: $FOLEY_SHARED or ../shared)")
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--per-class", type=int, default=1000, help="augmented training views per class")
    parser.add_argument("--test-views", type=int, default=12, help="augmented views per held-out swatch")
    parser.add_argument("--straight-share", type=float, default=0.25, help="share of plain rotated crops among the views")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    surfaces = (args.shared or shared_dir()) / "surfaces"

    started = time.time()
    swatches = load_swatches(surfaces)
    train = [s for s in swatches if not s.held_out]
    test = [s for s in swatches if s.held_out]
    print(f"{len(swatches)} swatches: {len(train)} train, {len(test)} held out", flush=True)
    rng = np.random.default_rng(args.seed)
    x_train, y_train = augmented_features(train, per_class=args.per_class, rng=rng, straight_share=args.straight_share)
    print(f"features: {x_train.shape} in {time.time() - started:.0f} s", flush=True)
    config = FitConfig(seed=args.seed)
    model = fit_mlp(x_train, y_train, CLASSES, config=config)

    figures = evaluate(model, test, surfaces, args.test_views, np.random.default_rng(args.seed + 1))
    info = {
        "data": "ambientCG previews (CC0) in shared/surfaces, + synthetic rubber",
        "swatches_train": len(train),
        "swatches_held_out": len(test),
        "holdout_rule": f"swatch index < 3 (the tiles/ sources) or index % {HOLDOUT_EVERY} == {HOLDOUT_EVERY - 1}",
        "views_per_class": args.per_class,
        "straight_share": args.straight_share,
        "fit": config.__dict__,
        "feature_version": FEATURE_VERSION,
        "seed": args.seed,
        **{k: v for k, v in figures.items() if k.endswith("accuracy")},
    }
    model = type(model)(**{**model.__dict__, "info": json.dumps(info)})
    save_model(model, args.out)
    print(json.dumps(info, indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) in {time.time() - started:.0f} s")
    return 0


def evaluate(model, test, surfaces: Path, views: int, rng: np.random.Generator) -> dict:
    """Top-1 on the shared tiles (as they are) and on camera-like views of held-out swatches."""
    k = len(CLASSES)
    tiles = load_tiles(surfaces)
    x_tiles = np.array([surface_features(rgb) for _, rgb in tiles])
    y_tiles = np.array([CLASSES.index(name) for name, _ in tiles])
    p_tiles = model.predict_proba(x_tiles).argmax(axis=1)
    tile_acc = float(np.mean(p_tiles == y_tiles))
    x_views, y_views = heldout_views(test, views=views, rng=rng)
    p_views = model.predict_proba(x_views).argmax(axis=1)
    view_acc = float(np.mean(p_views == y_views))
    x_rub, y_rub = augmented_features([], per_class=200, rng=np.random.default_rng(10_000 + int(rng.integers(1000))))
    rub_acc = float(np.mean(model.predict_proba(x_rub).argmax(axis=1) == y_rub))
    print(f"\nshared tiles (45, raw): top-1 {tile_acc:.3f}")
    print(format_confusion(confusion_matrix(y_tiles, p_tiles, k), CLASSES))
    print(f"\nheld-out swatches, {views} camera-like views each ({len(y_views)}): top-1 {view_acc:.3f}")
    print(format_confusion(confusion_matrix(y_views, p_views, k), CLASSES))
    print(f"\nsynthetic rubber, unseen seeds (200): top-1 {rub_acc:.3f}\n")
    return {"tiles_accuracy": round(tile_acc, 4), "heldout_views_accuracy": round(view_acc, 4), "synthetic_rubber_accuracy": round(rub_acc, 4)}


if __name__ == "__main__":
    raise SystemExit(main())
