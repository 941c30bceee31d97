"""Ground patches from real footage as labelled data, and held-out scoring by source.

`scripts/make_surface_crops.py` cuts the patch next to every contact of the annotated
clips (benchmarks/data/surface_annotations.json) through the pipeline's own path and
writes them with an index. This module reads them back with the annotated surface under
each foot, draws training views of them, and scores the classifier by leaving one source
group out at a time: the model that scores a group never saw a patch of that group, nor
of any clip that shares footage with it (a cut clip made of two sources). Used by the
training script, the benchmark and tests; never by the pipeline.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from foleystudio.errors import InputError
from foleystudio.vision.surface.features import surface_features

MIN_VALID_FRACTION = 0.25  # as estimate_scene: patches with less ground left are skipped


@dataclass(frozen=True, eq=False)
class FootagePatch:
    clip: str  # file name in shared/media
    shot: int  # shot index in the clip
    group: str  # source group (one scene or camera rig): the unit held out together
    footage: frozenset[str]  # source groups whose frames the clip holds (a cut joins two)
    label: str  # annotated surface under this foot
    accepted: frozenset[str]  # label and what the picture cannot rule out (lenient scoring)
    shot_surface: str  # the shot's own annotated surface (breaks ties between labels)
    rgb: np.ndarray  # (h, w, 3) uint8
    mask: np.ndarray  # (h, w) bool, True = ground


def label_for(annotation: dict, t_s: float, y: float | None) -> tuple[str, set[str], str]:
    """(surface, accepted surfaces, the shot's surface) under a foot at time `t_s`, height `y` (0..1)."""
    shot = [s for s in annotation["shots"] if s["start_s"] <= t_s + 1e-6][-1]
    for region in shot.get("regions", []):
        if y is not None and y < region["y_max"]:
            return region["surface"], {region["surface"], *region.get("also", [])}, shot["surface"]
    return shot["surface"], {shot["surface"], *shot.get("also", [])}, shot["surface"]


def load_patches(crops_dir: str | os.PathLike, annotations_path: str | os.PathLike) -> list[FootagePatch]:
    """Every patch in `crops_dir`/index.json of an annotated clip with enough ground left."""
    index_path = Path(crops_dir, "index.json")
    if not index_path.is_file():
        raise InputError(f"no ground patches at {index_path}: run scripts/make_surface_crops.py first")
    index = json.loads(index_path.read_text())
    annotations = json.loads(Path(annotations_path).read_text())["clips"]
    out = []
    for clip, entries in sorted(index["clips"].items()):
        if clip not in annotations:
            continue
        ann = annotations[clip]
        footage = frozenset(ann.get("footage", [ann["group"]]))
        for e in entries:
            bgr = cv2.imread(str(Path(crops_dir, e["rgb"])), cv2.IMREAD_COLOR)
            grey = cv2.imread(str(Path(crops_dir, e["mask"])), cv2.IMREAD_GRAYSCALE)
            if bgr is None or grey is None:
                raise InputError(f"{crops_dir}: patch {e['rgb']} or its mask is missing; run make_surface_crops.py again")
            mask = grey > 127
            if mask.mean() < MIN_VALID_FRACTION:
                continue
            label, accepted, main = label_for(ann, e["t_s"], e.get("y"))
            out.append(
                FootagePatch(clip=clip, shot=e["shot"], group=ann["group"], footage=footage, label=label,
                             accepted=frozenset(accepted), shot_surface=main,
                             rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), mask=mask)
            )
    return out


def groups(patches: list[FootagePatch]) -> list[str]:
    return sorted({p.group for p in patches})


def unseen_by(patches: list[FootagePatch], group: str) -> np.ndarray:
    """(n,) bool: the patches a model that scores `group` may be trained on."""
    held = set().union(*[p.footage | {p.group} for p in patches if p.group == group])
    return np.array([p.group != group and not (p.footage & held) for p in patches], dtype=bool)


def shot_truth(labels: list[str], shot_surface: str) -> set[str]:
    """The surfaces a shot's answer is right with: the most common label under its feet (all of
    them when tied: two people on two grounds in equal numbers); its own surface when no labels."""
    if not labels:
        return {shot_surface}
    counts = Counter(labels)
    top = max(counts.values())
    return {label for label, n in counts.items() if n == top}


def augment_crop(rgb: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Another view of a real patch: a 75-100% crop, mirrored half the time, small exposure and
    contrast changes, sometimes blur or JPEG. The same crop is cut from the mask."""
    h, w = rgb.shape[:2]
    ch = max(8, int(h * rng.uniform(0.75, 1.0)))
    cw = max(8, int(w * rng.uniform(0.75, 1.0)))
    y0, x0 = int(rng.integers(0, max(1, h - ch + 1))), int(rng.integers(0, max(1, w - cw + 1)))
    patch, keep = rgb[y0 : y0 + ch, x0 : x0 + cw], mask[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        patch, keep = patch[:, ::-1], keep[:, ::-1]
    x = patch.astype(np.float32) / 255.0
    x = x ** float(rng.uniform(0.85, 1.2)) * float(rng.uniform(0.85, 1.15))
    mean = x.mean()
    x = (x - mean) * float(rng.uniform(0.85, 1.15)) + mean
    patch = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    if rng.random() < 0.3:
        patch = cv2.GaussianBlur(patch, (0, 0), float(rng.uniform(0.3, 1.0)))
    if rng.random() < 0.3:
        ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(patch), [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 90))])
        if ok:
            patch = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return np.ascontiguousarray(patch), np.ascontiguousarray(keep)


def patch_features(patches: list[FootagePatch]) -> np.ndarray:
    """(n, d) features of the patches as they are."""
    return np.array([surface_features(p.rgb, p.mask) for p in patches], dtype=np.float32)


def view_features(patches: list[FootagePatch], *, views: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(n * views, d) features of augmented views and (n * views,) the index of the patch each came from."""
    feats, owner = [], []
    for i, p in enumerate(patches):
        for _ in range(views):
            rgb, mask = augment_crop(p.rgb, p.mask, rng)
            feats.append(surface_features(rgb, mask))
            owner.append(i)
    return np.array(feats, dtype=np.float32), np.array(owner, dtype=np.int64)


def footage_weights(patches: list[FootagePatch], owner: np.ndarray, *, n_texture: int, share: float) -> np.ndarray:
    """Sample weights of footage views that sum to `share` of all weight (texture views weigh 1 each),
    split equally between (group, label) cells so that 14 tartan-track clips do not drown one studio floor."""
    if len(owner) == 0:
        return np.zeros(0)
    cells = np.array([f"{patches[i].group}/{patches[i].label}" for i in owner])
    _, inverse, counts = np.unique(cells, return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    return w / w.sum() * share * n_texture / (1.0 - share)


Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


def held_out_proba(
    texture_x: np.ndarray,
    texture_y: np.ndarray,
    patches: list[FootagePatch],
    view_x: np.ndarray,
    owner: np.ndarray,
    patch_x: np.ndarray,
    classes: tuple[str, ...],
    *,
    share: float,
    fitter: Fitter,
    callback: Callable[[dict], None] | None = None,
) -> np.ndarray:
    """(n_patches, k) probabilities, each from a model fitted without its group (leave one group out).

    `fitter(x, y, weights)` returns a predict_proba function; the texture views weigh 1 each and the
    allowed footage views `share` of the total (`footage_weights`).
    """
    labels = np.array([classes.index(p.label) for p in patches])
    out = np.zeros((len(patches), len(classes)))
    for group in groups(patches):
        allowed = unseen_by(patches, group)[owner]
        x = np.vstack([texture_x, view_x[allowed]])
        y = np.concatenate([texture_y, labels[owner[allowed]]])
        w = np.concatenate([np.ones(len(texture_y)), footage_weights(patches, owner[allowed], n_texture=len(texture_y), share=share)])
        scored = np.array([p.group == group for p in patches])
        out[scored] = fitter(x, y, w)(patch_x[scored])
        if callback is not None:
            callback({"stage": "held-out", "group": group, "patches": int(scored.sum()), "trained_on": int(allowed.sum())})
    return out
