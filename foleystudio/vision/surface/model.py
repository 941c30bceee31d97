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
from foleystudio.materials import SURFACES
from foleystudio.vision.surface.features import FEATURE_VERSION, feature_length, surface_features

SCHEMA = "foleystudio.surface-model.1"
DEFAULT_WEIGHTS = Path(__file__).with_name("weights.npz")


@dataclass(frozen=True, eq=False)
class SurfaceModel:
    """An ensemble of m one-hidden-layer MLPs; their softmax outputs are averaged."""

    classes: tuple[str, ...]  # surface names, a subset of SURFACES, in output order
    mean: np.ndarray  # (d,) feature standardisation
    std: np.ndarray  # (d,)
    w1: np.ndarray  # (m, d, h)
    b1: np.ndarray  # (m, h)
    w2: np.ndarray  # (m, h, k)
    b2: np.ndarray  # (m, k)
    temperature: float = 1.0  # logits are divided by this before the softmax
    info: str = "{}"  # JSON: how it was trained (data, split, accuracy)
    max_z: float = 4.0  # clip standardised features: a safety bound against wild extrapolation off-domain (no measurable effect on the dev clips)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(n, d) or (d,) features -> (n, k) or (k,) class probabilities."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float32))
        z = np.clip((x - self.mean) / self.std, -self.max_z, self.max_z)
        w1, b1, w2, b2 = (np.asarray(a, dtype=np.float32) for a in _members(self))
        h = np.maximum(np.einsum("nd,mdh->mnh", z, w1) + b1[:, None, :], 0.0)
        logits = (np.einsum("mnh,mhk->mnk", h, w2) + b2[:, None, :]) / self.temperature
        logits -= logits.max(axis=2, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=2, keepdims=True)
        p = p.mean(axis=0)
        return p[0] if np.ndim(features) == 1 else p


def _members(model: SurfaceModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights with the member axis first (a single MLP's 2-D weights become one member)."""
    if model.w1.ndim == 2:
        return model.w1[None], model.b1[None], model.w2[None], model.b2[None]
    return model.w1, model.b1, model.w2, model.b2


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
            if meta.get("schema") != SCHEMA:
                raise ModelError(f"{path}: schema {meta.get('schema')!r}, expected {SCHEMA!r}")
            arrays = {k: data[k].astype(np.float32) for k in ("mean", "std", "w1", "b1", "w2", "b2")}
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: not a surface model ({exc})") from None
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
    arrays = {k: getattr(model, k).astype(np.float32) for k in ("mean", "std")}
    arrays.update({k: v.astype(np.float16) for k, v in zip(("w1", "b1", "w2", "b2"), _members(model))})  # half: 4 decimals is plenty
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
