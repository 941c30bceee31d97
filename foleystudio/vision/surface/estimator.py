"""What the scene asks of a surface estimator, and the built-in estimator behind it.

`estimate_scene` needs two answers: the class probabilities of one ground patch
(`patch_proba`), and optionally what a few whole frames of a shot show (`frames_view`:
indoors or outdoors, and a named environment). The built-in estimator is the MLP of
`model.py` over hand-made features; it answers no frame question, so the setting
heuristics decide indoor/outdoor. The CLIP estimator (`clip.py`) answers both. Either
gives probabilities over its `classes`, so the rest of the scene code is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from foleystudio.vision.surface.features import surface_features
from foleystudio.vision.surface.model import SurfaceModel, load_model


@dataclass(frozen=True)
class FrameView:
    """What whole frames of one shot show, by an estimator that can look at them."""

    outdoor_probability: float  # 0..1
    environment: str  # most probable environment label
    environment_probability: float  # its probability, 0..1
    environments: tuple[tuple[str, float], ...]  # every label, most probable first


@runtime_checkable
class SurfaceEstimator(Protocol):
    """Ground patches -> probabilities over `classes` (surface names, a subset of SURFACES)."""

    name: str  # recorded with the estimates ("builtin", "clip")
    classes: tuple[str, ...]

    def patch_proba(self, rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """(k,) probabilities for one RGB uint8 patch; `mask` (True = ground) leaves the rest out."""
        ...

    def frames_view(self, frames: Sequence[np.ndarray]) -> FrameView | None:
        """Indoor/outdoor and environment of a shot from some of its frames; None: cannot tell."""
        ...


@dataclass(frozen=True, eq=False)
class BuiltinEstimator:
    """The committed MLP classifier (or another `SurfaceModel`) as a `SurfaceEstimator`."""

    model: SurfaceModel
    name: str = "builtin"

    @property
    def classes(self) -> tuple[str, ...]:
        return self.model.classes

    def patch_proba(self, rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return self.model.predict_proba(surface_features(rgb, mask))

    def frames_view(self, frames: Sequence[np.ndarray]) -> FrameView | None:
        return None  # hand-made ground features say nothing about the whole picture


def as_estimator(model: SurfaceModel | SurfaceEstimator | None = None) -> SurfaceEstimator:
    """`model` as an estimator: None is the committed classifier, a `SurfaceModel` is wrapped."""
    if model is None:
        return BuiltinEstimator(load_model())
    if isinstance(model, SurfaceModel):
        return BuiltinEstimator(model)
    return model
