"""Surface classifier accuracy: held-out CC0 texture tiles, and real ground patches from the clips.

    .venv/bin/python scripts/make_surface_crops.py          # once (pose over the clips, a few minutes)
    .venv/bin/python benchmarks/surface_accuracy.py [--weights path.npz] [--views 12]

Prints top-1 and a confusion matrix for (1) the 45 tiles in shared/surfaces/tiles, whose
source swatches the model never saw, (2) camera-like views of every held-out swatch, and
(3) the real patches next to the feet, held out by source group: the committed weights
were trained on these patches too, so each group is scored by a model refitted with the
same recipe without any patch of that group or of footage it shares (leave one group out).
Per clip/shot it gives the surface the scene estimator would give (`shot_surface`: mean of
the shot's patches), strict (the most common label under the shot's feet; either, when two
labels tie) and lenient (also a surface the annotation says the picture cannot rule out),
and whether the estimator would trust it (confident) or fall back to the default.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_surface import ANNOTATIONS, FOOTAGE_SHARE, FOOTAGE_VIEWS, TEXTURE_CACHE, cache_key  # noqa: E402

from foleystudio.vision.scene import shot_surface  # noqa: E402
from foleystudio.vision.surface.dataset import CLASSES, augmented_features, heldout_views, load_swatches, load_tiles, shared_dir  # noqa: E402
from foleystudio.vision.surface.features import surface_features  # noqa: E402
from foleystudio.vision.surface.fit import FitConfig, confusion_matrix, fit_mlp, format_confusion  # noqa: E402
from foleystudio.vision.surface.footage import FootagePatch, held_out_proba, load_patches, patch_features, shot_truth, view_features  # noqa: E402
from foleystudio.vision.surface.model import load_model  # noqa: E402


FEET_VISIBLE = ("barefoot", "sandals")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--crops", type=Path, default=ROOT / "out" / "surface_crops")
    parser.add_argument("--views", type=int, default=12, help="camera-like views per held-out swatch")
    parser.add_argument("--skip-tiles", action="store_true")
    parser.add_argument("--in-sample", action="store_true", help="score the real patches with the committed weights (trained on them)")
    args = parser.parse_args(argv)
    model = load_model(args.weights)
    surfaces = (args.shared or shared_dir()) / "surfaces"
    if not args.skip_tiles:
        tiles_report(model, surfaces, args.views)
    patches = load_patches(args.crops, ANNOTATIONS)
    annotations = json.loads(ANNOTATIONS.read_text())["clips"]
    x = patch_features(patches)
    scenes = json.loads((args.crops / "index.json").read_text()).get("scenes", {})
    settings = {(clip, s["shot"]): s.get("picture_outdoor_probability") for clip, shots in scenes.items() for s in shots}
    if args.in_sample:
        clips_report(model.predict_proba(x), patches, annotations, settings, "committed weights, IN-SAMPLE (trained on these patches)")
    proba = held_out(model, patches, x, surfaces)
    clips_report(proba, patches, annotations, settings, "held out by source group")
    scene_report(scenes, annotations)
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
    print(format_confusion(confusion_matrix(y, pred, k), model.classes), flush=True)


def held_out(model, patches: list[FootagePatch], x: np.ndarray, surfaces: Path) -> np.ndarray:
    """Leave-one-group-out probabilities with the committed model's recipe (its info)."""
    info = json.loads(model.info)
    config = FitConfig(**info["fit"])
    per_class, straight, seed = info["views_per_class"], info["straight_share"], info["seed"]
    key = cache_key(per_class, straight, seed)
    started = time.time()
    if TEXTURE_CACHE.is_file() and str(np.load(TEXTURE_CACHE)["key"]) == key:
        cached = np.load(TEXTURE_CACHE)
        x_tex, y_tex = cached["x"], cached["y"]
    else:
        print("\n(texture views not cached by train_surface.py: drawing them again, a few minutes)", flush=True)
        train = [s for s in load_swatches(surfaces) if not s.held_out]
        x_tex, y_tex = augmented_features(train, per_class=per_class, rng=np.random.default_rng(seed), straight_share=straight)
    view_x, owner = view_features(patches, views=info.get("footage_views", FOOTAGE_VIEWS), rng=np.random.default_rng(seed + 2))

    def fitter(xs: np.ndarray, ys: np.ndarray, ws: np.ndarray):
        return fit_mlp(xs, ys, CLASSES, config=config, sample_weight=ws).predict_proba

    def progress(event: dict) -> None:
        print(f"  held out {event['group']:<12} {event['patches']:>4} patches, trained on {event['trained_on']} real views"
              f"  ({time.time() - started:.0f} s)", flush=True)

    print("\nrefitting without each source group:", flush=True)
    share = info.get("footage_share", FOOTAGE_SHARE)
    return held_out_proba(x_tex, y_tex, patches, view_x, owner, x, CLASSES, share=share, fitter=fitter, callback=progress)


def clips_report(
    proba: np.ndarray, patches: list[FootagePatch], annotations: dict, settings: dict[tuple[str, int], float | None], title: str
) -> None:
    """Patch and shot figures; a shot's answer is weighed by its picture's setting as the pipeline does
    (`settings`: the picture-only outdoor probability make_surface_crops.py recorded per shot)."""
    classes = CLASSES
    truth = np.array([classes.index(p.label) for p in patches])
    pred = proba.argmax(axis=1)
    lenient_ok = [classes[i] in p.accepted for i, p in zip(pred, patches)]
    print(f"\nreal ground patches next to the feet, {title} ({len(patches)} from {len({p.clip for p in patches})} clips): "
          f"top-1 {np.mean(truth == pred):.3f} strict, {np.mean(lenient_ok):.3f} lenient")
    print(format_confusion(confusion_matrix(truth, pred, len(classes)), classes))
    by_shot: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, p in enumerate(patches):
        by_shot[(p.clip, p.shot)].append(i)
    print("\nper clip and shot (truth: the most common label under its feet; the estimator's answer, weighed by the setting):")
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    n_ok = n_len = n_confident = n_conf_right = n_conf_wrong = 0
    plain = [0, 0]  # without the setting weight: right (strict), confident and wrong
    for (clip, shot), rows in sorted(by_shot.items()):
        labels = shot_truth([patches[i].label for i in rows], patches[rows[0]].shot_surface)
        ok = set().union(*[patches[i].accepted for i in rows if patches[i].label in labels])
        unweighed, sure = shot_surface([proba[i] for i in rows], classes)
        plain[0] += unweighed.surface in labels
        plain[1] += sure and unweighed.surface not in ok
        outdoor = settings.get((clip, shot))
        guess, confident = shot_surface([proba[i] for i in rows], classes, outdoor_probability=outdoor)
        strict, lenient = guess.surface in labels, guess.surface in ok
        n_ok += strict
        n_len += lenient
        n_confident += confident
        n_conf_right += confident and strict
        n_conf_wrong += confident and not lenient  # rendered with a surface the picture rules out
        groups[annotations[clip]["group"]].append((strict, lenient))
        flag = "ok" if strict else ("ok~" if lenient else "WRONG")
        print(f"  {clip:<28} shot {shot}: truth {'/'.join(sorted(labels)):<15} got {guess.surface:<9} p={guess.probability:.2f}"
              f"{' (unsure: default)' if not confident else ''} over {len(rows)} patches, p_out {outdoor if outdoor is not None else '-'}  {flag}")
    n = len(by_shot)
    print(f"clips/shots right (most probable class): {n_ok}/{n} strict, {n_len}/{n} lenient")
    print(f"confident answers: {n_confident}/{n}: {n_conf_right} right (strict), {n_conf_wrong} wrong (not even lenient); "
          f"the other shots fall back to the default surface")
    print(f"without the setting weight: {plain[0]}/{n} strict, {plain[1]} confident and wrong")
    print("per source group (share of its clips/shots right, strict / lenient):")
    for group, res in sorted(groups.items()):
        print(f"  {group:<12} {np.mean([r[0] for r in res]):.2f} / {np.mean([r[1] for r in res]):.2f}  ({len(res)})")


def scene_report(scenes: dict, annotations: dict) -> None:
    """What estimate_scene said per shot when the crops were made (indoor/outdoor, lighting, footwear)."""
    if not scenes:
        return
    print("\nscene estimator per clip (indoor/outdoor, lighting, footwear) vs annotation:")
    io_ok = fw_ok = io_n = fw_n = person_ok = person_n = 0
    for clip, shots in sorted(scenes.items()):
        ann = annotations.get(clip)
        if ann is None:
            continue
        for s in shots:
            want_bare = label_footwear(ann, s["start_s"])
            got_bare = s["footwear"] in ("barefoot",) if s["footwear_confident"] else None
            io_n += 1
            io_ok += s["indoor"] == ann["indoor"]
            if got_bare is not None:
                fw_n += 1
                fw_ok += got_bare == want_bare
            # Each person's own confident claim: right when someone in the shot is annotated so (no person ids).
            annotated = annotated_bare(ann, s["start_s"])
            for _, footwear, confident in s.get("footwear_by_person", []):
                if confident:
                    person_n += 1
                    person_ok += (footwear == "barefoot") in annotated
            print(f"  {clip:<28} shot {s['shot']}: indoor {s['indoor']!s:<5} (truth {ann['indoor']!s:<5}) "
                  f"p_out={s['outdoor_probability']:.2f} light {s['lighting']:<6} footwear {s['footwear']}"
                  f"{'' if s['footwear_confident'] else ' (default)'} (feet visible: {want_bare})")
    print(f"indoor/outdoor right: {io_ok}/{io_n} (None counts as wrong); shot-level footwear claims right: {fw_ok}/{fw_n} "
          f"(a shot of two people is judged by its first person's label); per-person claims right: {person_ok}/{person_n} "
          f"(what contacts use; right when someone in the shot is annotated so)")


def _annotated_shot(annotation: dict, t_s: float) -> dict:
    return [s for s in annotation["shots"] if s["start_s"] <= t_s + 1e-6][-1]


def label_footwear(annotation: dict, t_s: float) -> bool:
    return _annotated_shot(annotation, t_s)["footwear"] in FEET_VISIBLE


def annotated_bare(annotation: dict, t_s: float) -> set[bool]:
    """Whether feet show (barefoot, sandals), for everyone the shot's annotation names (its regions too)."""
    shot = _annotated_shot(annotation, t_s)
    return {f in FEET_VISIBLE for f in [shot["footwear"], *(r.get("footwear", shot["footwear"]) for r in shot.get("regions", []))]}


if __name__ == "__main__":
    raise SystemExit(main())
