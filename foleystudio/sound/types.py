"""The footstep backend interface: one request in, one step sound out.

Every backend (procedural, samples, neural) renders a single step for a
`StepRequest` with a caller-supplied random generator; placement, pan and mix
live elsewhere. `onset` marks the attack so placement can put that sample on
the contact time. These types live apart from `backends.get_backend`, which
imports every backend, so that no backend has to import the factory's module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from foleystudio.errors import InputError
from foleystudio.materials import engine_footwear, engine_surface

GAITS: tuple[str, ...] = ("walk", "run")
KINDS: tuple[str, ...] = ("step", "landing", "scuff")


@dataclass(frozen=True)
class StepRequest:
    surface: str  # any name or spelling foleystudio.materials knows; rendered as engine_surface(surface)
    footwear: str  # likewise, rendered as engine_footwear(footwear)
    gait: str = "walk"  # "walk" | "run"
    kind: str = "step"  # "step" | "landing" | "scuff"
    strength: float = 0.5  # 0..1 from the contact event: scales level and brightness


@dataclass(frozen=True, eq=False)
class StepSound:
    audio: np.ndarray  # mono float32 at the backend's sr, peak <= 1
    onset: int  # sample in `audio` where the attack begins; placement puts it on the contact


@runtime_checkable
class FootstepBackend(Protocol):
    name: str
    sr: int

    def render_step(self, request: StepRequest, rng: np.random.Generator) -> StepSound: ...


def normalise_request(request: StepRequest) -> StepRequest:
    """The request in the engine's names with strength clipped to 0..1; bad values raise."""
    gait = _pick(request.gait, GAITS, "gait")
    kind = _pick(request.kind, KINDS, "kind")
    strength = float(request.strength)
    if not np.isfinite(strength):
        raise InputError(f"step strength must be a number in 0..1, got {request.strength!r}")
    return StepRequest(
        surface=engine_surface(request.surface),
        footwear=engine_footwear(request.footwear),
        gait=gait,
        kind=kind,
        strength=min(max(strength, 0.0), 1.0),
    )


def _pick(value: str, allowed: tuple[str, ...], what: str) -> str:
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in allowed:
        raise InputError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return key
