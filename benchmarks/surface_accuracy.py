"""Surface classifier accuracy: held-out CC0 texture tiles, and real ground patches from the clips.

    .venv/bin/python scripts/make_surface_crops.py          # once (pose over the clips, a few minutes)
    .venv/bin/python benchmarks/surface_accuracy.py [--weights path.npz] [--views 12]

Prints top-1 and a confusion matrix for (1) the 45 tiles in shared/surfaces/tiles,
whose source swatches the model never saw, (2) camera-like views of every held-out
swatch, (3) the real patches next to the feet, and (4) per clip/shot: the surface
the scene estimator would give (mean of the shot's patches), strict (the annotated
surface) and lenient (also a surface the annotation says the picture cannot rule out).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foleystudio.vision.scene import shot_surface  # noqa: E402
from foleystudio.vision.surface.dataset import CLASSES, heldout_views, load_swatches, load_tiles, shared_dir  # noqa: E402
from foleystudio.vision.surface.features import surface_features  # noqa: E402
from foleystudio.vision.surface.fit import confusion_matrix, format_confusion  # noqa: E402
from foleystudio.vision.surface.model import load_model  # noqa: E402

ANNOTATIONS = ROOT / "benchmarks" / "data" / "surface_annotations.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--crops", type=Path, default=ROOT / "out" / "surface_crops")
    parser.add_argument("--views", type=int, default=12, help="camera-like views per held-out swatch")
    parser.add_argument("--skip-tiles", action="store_true")
    args = parser.parse_args(argv)
    model = load_model(args.weights)
    classes = model.classes
    if not args.skip_tiles:
        tiles_report(model, (args.shared or shared_dir()) / "surfaces", args.views)
    index_path = args.crops / "index.json"
    if not index_path.exists():
        print(f"\nno real patches at {index_path}: run scripts/make_surface_crops.py first", file=sys.stderr)
        return 1
    clips_report(model, classes, json.loads(index_path.read_text()), args.crops)
    return 0


def tiles_report(model, surfaces: Path, views: int) -> None:
    k = len(model.classes)
    tiles = load_tiles(surfaces)
    truth = np.array([model.classes.index(name) for name, _ in tiles])
    pred = model.predict_proba(np.array([surface_features(rgb) for _, rgb in tiles])).argmax(axis=1)
    print(f"held-out tiles (shared/surfaces/tiles, {len(tiles)}): top-1 {np.mean(pred == truth):.3f}")
    print(format_confusion(confusion_matrix(truth, pred, k), model.classes))
    held = [s for s in load_swatches(surfaces) if s.held_out]
    x, y = heldout_views(held, views=views, rng=np.random.default_rng(1))
    y = np.array([model.classes.index(CLASSES[i]) for i in y])
    pred = model.predict_proba(x).argmax(axis=1)
    print(f"\nheld-out swatches x {views} camera-like views ({len(y)} from {len(held)} swatches): top-1 {np.mean(pred == y):.3f}")
    print(format_confusion(confusion_matrix(y, pred, k), model.classes))


def label_for(annotation: dict, t_s: float, y: float | None) -> tuple[str, set[str]]:
    shot = [s for s in annotation["shots"] if s["start_s"] <= t_s + 1e-6][-1]
    for region in shot.get("regions", []):
        if y is not None and y < region["y_max"]:
            return region["surface"], {region["surface"], *region.get("also", [])}
    return shot["surface"], {shot["surface"], *shot.get("also", [])}


def clips_report(model, classes: tuple[str, ...], index: dict, crops: Path) -> None:
    annotations = json.loads(ANNOTATIONS.read_text())["clips"]
    truth, pred, lenient_ok = [], [], []
    by_shot: dict[tuple[str, int], list] = defaultdict(list)
    for clip, entries in sorted(index["clips"].items()):
        for e in entries:
            label, ok = label_for(annotations[clip], e["t_s"], e.get("y"))
            rgb = cv2.cvtColor(cv2.imread(str(crops / e["rgb"])), cv2.COLOR_BGR2RGB)
            mask = cv2.imread(str(crops / e["mask"]), cv2.IMREAD_GRAYSCALE) > 127
            if mask.mean() < 0.25:
                continue  # estimate_scene skips these too
            p = model.predict_proba(surface_features(rgb, mask))
            truth.append(classes.index(label))
            pred.append(int(p.argmax()))
            lenient_ok.append(classes[pred[-1]] in ok)
            by_shot[(clip, e["shot"])].append((p, label, ok))
    truth, pred = np.array(truth), np.array(pred)
    print(f"\nreal ground patches next to the feet ({len(truth)} from {len(index['clips'])} clips): "
          f"top-1 {np.mean(truth == pred):.3f} strict, {np.mean(lenient_ok):.3f} lenient")
    print(format_confusion(confusion_matrix(truth, pred, len(classes)), classes))
    print("\nper clip and shot (majority label of its patches; the estimator's answer):")
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    n_ok = n_len = n_used = n_confident = 0
    for (clip, shot), rows in sorted(by_shot.items()):
        labels = [r[1] for r in rows]
        label = max(set(labels), key=labels.count)
        ok = set().union(*[r[2] for r in rows if r[1] == label])
        guess, confident = shot_surface([r[0] for r in rows], classes)
        strict, lenient = guess.surface == label, guess.surface in ok
        n_ok += strict
        n_len += lenient
        n_confident += confident
        n_used += confident and lenient  # what the pipeline renders: the default when unsure
        groups[annotations[clip]["group"]].append((strict, lenient))
        flag = "ok" if strict else ("ok~" if lenient else "WRONG")
        print(f"  {clip:<28} shot {shot}: truth {label:<9} got {guess.surface:<9} p={guess.probability:.2f}"
              f"{' (unsure: default)' if not confident else ''} over {len(rows)} patches  {flag}")
    print(f"clips/shots right (most probable class): {n_ok}/{len(by_shot)} strict, {n_len}/{len(by_shot)} lenient")
    print(f"confident answers: {n_confident}/{len(by_shot)}, of which right (lenient): {n_used}; "
          f"the other shots fall back to the default surface")
    print("per scene (share of its clips right, strict / lenient):")
    for group, res in sorted(groups.items()):
        print(f"  {group:<12} {np.mean([r[0] for r in res]):.2f} / {np.mean([r[1] for r in res]):.2f}  ({len(res)})")
    scenes = index.get("scenes", {})
    if scenes:
        print("\nscene estimator per clip (indoor/outdoor, lighting, footwear) vs annotation:")
        io_ok = fw_ok = io_n = fw_n = 0
        for clip, shots in sorted(scenes.items()):
            ann = annotations[clip]
            for s in shots:
                want_fw = label_footwear(ann, s["start_s"])
                got_bare = s["footwear"] in ("barefoot",) if s["footwear_confident"] else None
                io_n += 1
                io_ok += s["indoor"] == ann["indoor"]
                if got_bare is not None:
                    fw_n += 1
                    fw_ok += got_bare == want_fw
                print(f"  {clip:<28} shot {s['shot']}: indoor {s['indoor']!s:<5} (truth {ann['indoor']!s:<5}) "
                      f"p_out={s['outdoor_probability']:.2f} light {s['lighting']:<6} footwear {s['footwear']}"
                      f"{'' if s['footwear_confident'] else ' (default)'} (feet visible: {want_fw})")
        print(f"indoor/outdoor right: {io_ok}/{io_n} (None counts as wrong); footwear claims right: {fw_ok}/{fw_n}")


def label_footwear(annotation: dict, t_s: float) -> bool:
    shot = [s for s in annotation["shots"] if s["start_s"] <= t_s + 1e-6][-1]
    return shot["footwear"] in ("barefoot", "sandals")


if __name__ == "__main__":
    raise SystemExit(main())
