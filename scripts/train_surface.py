"""Train the ground-surface classifier from the CC0 textures in ../shared/surfaces and the
ground patches cut from the annotated real clips.

    .venv/bin/python scripts/make_surface_crops.py     # once: the real patches (pose over the clips)
    .venv/bin/python scripts/train_surface.py [--shared ../shared] [--out foleystudio/vision/surface/weights.npz]

Writes the weights (a few hundred kB), the texture-view features the benchmark reuses for
its held-out-by-group figures (out/surface_texture_views.npz), and prints the held-out
texture figures that go into foleystudio/vision/surface/DATA_CARD.md. Deterministic given --seed.
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
    SYNTHETIC_SOURCES,
    augmented_features,
    heldout_views,
    load_swatches,
    load_tiles,
    shared_dir,
)
from foleystudio.vision.surface.features import FEATURE_VERSION, surface_features  # noqa: E402
from foleystudio.vision.surface.fit import FitConfig, confusion_matrix, fit_mlp, format_confusion  # noqa: E402
from foleystudio.vision.surface.footage import footage_weights, load_patches, view_features  # noqa: E402
from foleystudio.vision.surface.model import DEFAULT_WEIGHTS, save_model  # noqa: E402

ANNOTATIONS = ROOT / "benchmarks" / "data" / "surface_annotations.json"
CROPS = ROOT / "out" / "surface_crops"
TEXTURE_CACHE = ROOT / "out" / "surface_texture_views.npz"
FOOTAGE_SHARE = 0.4  # of all training weight; 0.2 and 0.4 gave the same held-out clip figures, 0 two shots fewer
FOOTAGE_VIEWS = 8  # augmented views per real patch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None, help="shared material (default: $FOLEY_SHARED or ../shared)")
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--crops", type=Path, default=CROPS, help="real ground patches from make_surface_crops.py")
    parser.add_argument("--no-footage", action="store_true", help="textures only (no real patches)")
    parser.add_argument("--per-class", type=int, default=1000, help="augmented texture views per class")
    parser.add_argument("--test-views", type=int, default=12, help="augmented views per held-out swatch")
    parser.add_argument("--straight-share", type=float, default=0.4, help="share of plain rotated crops among the views (how tiles look)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    surfaces = (args.shared or shared_dir()) / "surfaces"

    started = time.time()
    patches = [] if args.no_footage else load_patches(args.crops, ANNOTATIONS)  # fail early when the crops are missing
    swatches = load_swatches(surfaces)
    train = [s for s in swatches if not s.held_out]
    test = [s for s in swatches if s.held_out]
    print(f"{len(swatches)} swatches: {len(train)} train, {len(test)} held out; {len(patches)} real patches", flush=True)
    rng = np.random.default_rng(args.seed)
    x_tex, y_tex = augmented_features(train, per_class=args.per_class, rng=rng, straight_share=args.straight_share)
    TEXTURE_CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(TEXTURE_CACHE, x=x_tex, y=y_tex, key=np.array(cache_key(args.per_class, args.straight_share, args.seed)))
    view_x, owner = view_features(patches, views=FOOTAGE_VIEWS, rng=np.random.default_rng(args.seed + 2))
    print(f"features: {x_tex.shape} texture views, {view_x.shape[0]} real views in {time.time() - started:.0f} s", flush=True)

    labels = np.array([CLASSES.index(p.label) for p in patches], dtype=np.int64)
    x = np.vstack([x_tex, view_x]) if len(view_x) else x_tex
    y = np.concatenate([y_tex, labels[owner]])
    weight = np.concatenate([np.ones(len(y_tex)), footage_weights(patches, owner, n_texture=len(y_tex), share=FOOTAGE_SHARE)])
    config = FitConfig(seed=args.seed)
    model = fit_mlp(x, y, CLASSES, config=config, sample_weight=weight)

    figures = evaluate(model, test, surfaces, args.test_views, np.random.default_rng(args.seed + 1))
    info = {
        "data": "ambientCG previews (CC0) in shared/surfaces, synthetic rubber and grass, ground patches of the annotated clips",
        "swatches_train": len(train),
        "swatches_held_out": len(test),
        "holdout_rule": f"swatch index < 3 (the tiles/ sources) or index % {HOLDOUT_EVERY} == {HOLDOUT_EVERY - 1}",
        "views_per_class": args.per_class,
        "straight_share": args.straight_share,
        "footage_patches": len(patches),
        "footage_clips": len({p.clip for p in patches}),
        "footage_views": FOOTAGE_VIEWS,
        "footage_share": FOOTAGE_SHARE if patches else 0.0,
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


def cache_key(per_class: int, straight_share: float, seed: int) -> str:
    """What the cached texture-view features were drawn with (the benchmark checks it)."""
    synthetic = " ".join(f"{name} {share:.3f}" for name, (_, share) in sorted(SYNTHETIC_SOURCES.items()))
    return f"features {FEATURE_VERSION} per_class {per_class} straight {straight_share} synthetic {synthetic} seed {seed}"


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
    x_syn, y_syn = augmented_features([], per_class=200, rng=np.random.default_rng(10_000 + int(rng.integers(1000))))
    p_syn = model.predict_proba(x_syn).argmax(axis=1)
    synthetic = {CLASSES[c]: float(np.mean(p_syn[y_syn == c] == c)) for c in np.unique(y_syn)}
    print(f"\nshared tiles (45, raw): top-1 {tile_acc:.3f}")
    print(format_confusion(confusion_matrix(y_tiles, p_tiles, k), CLASSES))
    print(f"\nheld-out swatches, {views} camera-like views each ({len(y_views)}): top-1 {view_acc:.3f}")
    print(format_confusion(confusion_matrix(y_views, p_views, k), CLASSES))
    print("\n" + ", ".join(f"synthetic {name}, unseen seeds (200): top-1 {acc:.3f}" for name, acc in synthetic.items()) + "\n")
    return {"tiles_accuracy": round(tile_acc, 4), "heldout_views_accuracy": round(view_acc, 4),
            **{f"synthetic_{name}_accuracy": round(acc, 4) for name, acc in synthetic.items()}}


if __name__ == "__main__":
    raise SystemExit(main())
