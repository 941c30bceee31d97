"""The surface classifier: a one-hidden-layer MLP over `surface_features`, numpy inference.

Weights live in `weights.npz` beside this file (written by scripts/train_surface.py;
see DATA_CARD.md). `classify_surface` is the verb; `SurfaceModel` can also be built
in memory (tests, other weights) and saved with `save_model`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foleystudio.errors import ModelError
from foleystudio.vision.surface.classes import SURFACES
from foleystudio.vision.surface.features import FEATURE_VERSION, feature_length, surface_features

SCHEMA = "foleystudio.surface-model.1"
DEFAULT_WEIGHTS = Path(__file__).with_name("weights.npz")


@dataclass(frozen=True, eq=False)
class SurfaceModel:
    classes: tuple[str, ...]  # surface names, a subset of SURFACES, in output order
    mean: np.ndarray  # (d,) feature standardisation
    std: np.ndarray  # (d,)
    w1: np.ndarray  # (d, h)
    b1: np.ndarray  # (h,)
    w2: np.ndarray  # (h, k)
    b2: np.ndarray  # (k,)
    temperature: float = 1.0  # logits are divided by this before the softmax
    info: str = "{}"  # JSON: how it was trained (data, split, accuracy)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(n, d) or (d,) features -> (n, k) or (k,) class probabilities."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float32))
        z = (x - self.mean) / self.std
        h = np.maximum(z @ self.w1 + self.b1, 0.0)
        logits = (h @ self.w2 + self.b2) / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p[0] if np.ndim(features) == 1 else p


@dataclass(frozen=True)
class SurfaceGuess:
    surface: str  # most probable class
    probability: float  # its probability, 0..1
    probabilities: tuple[tuple[str, float], ...]  # every class, most probable first
    confident: bool  # probability >= the caller's threshold


def classify_surface(
    rgb: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    model: SurfaceModel | None = None,
    min_probability: float = 0.5,
) -> SurfaceGuess:
    """Classify one RGB uint8 ground patch; `mask` (True = ground) leaves the rest out."""
    model = model or load_model()
    return guess_from_proba(model.classes, model.predict_proba(surface_features(rgb, mask)), min_probability)


def guess_from_proba(classes: tuple[str, ...], proba: np.ndarray, min_probability: float) -> SurfaceGuess:
    order = np.argsort(-proba)
    ranked = tuple((classes[i], round(float(proba[i]), 4)) for i in order)
    top = float(proba[order[0]])
    return SurfaceGuess(surface=ranked[0][0], probability=top, probabilities=ranked, confident=top >= min_probability)


def load_model(path: str | os.PathLike | None = None) -> SurfaceModel:
    """The committed weights (cached), or those at `path`."""
    return _load(str(path or DEFAULT_WEIGHTS))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> SurfaceModel:
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {k: data[k].astype(np.float32) for k in ("mean", "std", "w1", "b1", "w2", "b2")}
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: not a surface model ({exc})") from None
    if meta.get("schema") != SCHEMA:
        raise ModelError(f"{path}: schema {meta.get('schema')!r}, expected {SCHEMA!r}")
    if meta.get("feature_version") != FEATURE_VERSION or arrays["mean"].shape != (feature_length(),):
        raise ModelError(
            f"{path}: trained on feature version {meta.get('feature_version')}, this code computes "
            f"version {FEATURE_VERSION}; retrain with scripts/train_surface.py"
        )
    classes = tuple(meta["classes"])
    unknown = [c for c in classes if c not in SURFACES]
    if unknown:
        raise ModelError(f"{path}: classes {unknown} are not surfaces this project knows")
    return SurfaceModel(classes=classes, temperature=float(meta.get("temperature", 1.0)), info=json.dumps(meta.get("info", {})), **arrays)


def save_model(model: SurfaceModel, path: str | os.PathLike) -> None:
    meta = {
        "schema": SCHEMA,
        "feature_version": FEATURE_VERSION,
        "classes": list(model.classes),
        "temperature": model.temperature,
        "info": json.loads(model.info),
    }
    arrays = {k: getattr(model, k).astype(np.float32) for k in ("mean", "std", "w1", "b1", "w2", "b2")}
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
