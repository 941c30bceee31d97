"""The footstep backend interface: one request in, one step sound out.

Every backend (procedural, samples, neural) renders a single step for a
`StepRequest` with a caller-supplied random generator; placement, pan and mix
live elsewhere. `onset` marks the attack so placement can put that sample on
the contact time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from foleystudio.errors import InputError

SURFACES: tuple[str, ...] = (
    "concrete", "asphalt", "tile", "marble", "wood", "deck", "metal", "carpet", "rubber",
    "grass", "gravel", "dirt", "sand", "snow", "leaves", "mud", "water",
)
FOOTWEAR: tuple[str, ...] = ("sneakers", "leather", "heels", "boots", "barefoot")
GAITS: tuple[str, ...] = ("walk", "run")
KINDS: tuple[str, ...] = ("step", "landing", "scuff")
BACKENDS: tuple[str, ...] = ("procedural", "samples", "stable-audio", "audioldm2")
NEURAL_BACKENDS: tuple[str, ...] = ("stable-audio", "audioldm2")  # need the neural extra and --model-dir

# Other spellings people (and the scene estimator) use for the same ground.
SURFACE_ALIASES: dict[str, str] = {
    "wood_floor": "wood", "floor": "wood", "parquet": "wood",
    "planks": "deck", "wooden_deck": "deck", "boardwalk": "deck",
    "grating": "metal", "metal_plate": "metal",
    "rubber_track": "rubber", "track": "rubber",
    "stone": "concrete", "pavement": "concrete", "sidewalk": "concrete",
    "puddle": "water", "soil": "dirt", "earth": "dirt",
    "rug": "carpet", "ceramic": "tile",
    "ice": "marble",  # the scene vocabulary's ice: hard, smooth, little resonance
}
FOOTWEAR_ALIASES: dict[str, str] = {
    "sneaker": "sneakers", "trainers": "sneakers", "shoes": "leather",
    "dress": "leather", "dress_shoes": "leather", "high_heels": "heels",
    "boot": "boots", "bare": "barefoot",
    # the scene vocabulary's footwear, rendered with the nearest model
    "sandals": "barefoot", "socks": "barefoot", "spikes": "heels",
}


@dataclass(frozen=True)
class StepRequest:
    surface: str  # one of SURFACES (or an alias)
    footwear: str  # one of FOOTWEAR (or an alias)
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


def _pick(value: str, allowed: tuple[str, ...], aliases: dict[str, str], what: str) -> str:
    key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    key = aliases.get(key, key)
    if key not in allowed:
        raise InputError(f"unknown {what} {value!r}; allowed: {', '.join(allowed)}")
    return key


def normalize_surface(surface: str) -> str:
    """Canonical surface name, or InputError naming the allowed values."""
    return _pick(surface, SURFACES, SURFACE_ALIASES, "surface")


def normalize_footwear(footwear: str) -> str:
    """Canonical footwear name, or InputError naming the allowed values."""
    return _pick(footwear, FOOTWEAR, FOOTWEAR_ALIASES, "footwear")


def normalize_request(request: StepRequest) -> StepRequest:
    """The request with canonical names and strength clipped to 0..1; bad values raise."""
    gait = _pick(request.gait, GAITS, {}, "gait")
    kind = _pick(request.kind, KINDS, {}, "kind")
    strength = float(request.strength)
    if not np.isfinite(strength):
        raise InputError(f"step strength must be a number in 0..1, got {request.strength!r}")
    return StepRequest(
        surface=normalize_surface(request.surface),
        footwear=normalize_footwear(request.footwear),
        gait=gait,
        kind=kind,
        strength=min(max(strength, 0.0), 1.0),
    )


def _options(cls, values: dict, backend: str):
    allowed = tuple(cls.__dataclass_fields__)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise InputError(f"unknown option(s) {', '.join(unknown)} for the {backend} backend; allowed: {', '.join(allowed)}")
    return cls(**values)


def get_backend(
    name: str = "procedural",
    *,
    sr: int = 48000,
    library: str | None = None,
    model_dir: str | None = None,
    lora: str | None = None,
    seed: int = 0,
    **options,
) -> FootstepBackend:
    """The footstep backend called `name` (one of BACKENDS).

    `library` is the samples backend's folder (<surface>/<footwear or any>/*.wav);
    `model_dir` a neural backend's local diffusers pipeline folder and `lora` an
    optional PEFT adapter folder for it; `seed` the job's seed, which a neural backend's
    generated clips depend on (the others take their randomness per step from the
    caller's generator); `options` go to the backend's options dataclass.
    """
    key = str(name).strip().lower()
    if key == "procedural":
        from foleystudio.sound.procedural import ProceduralBackend, ProceduralOptions

        return ProceduralBackend(sr=sr, options=_options(ProceduralOptions, options, key))
    if key == "samples":
        if not library:
            raise InputError("the samples backend needs --library DIR (<surface>/<footwear or any>/*.wav)")
        from foleystudio.sound.samples import SampleBackend, SampleOptions

        return SampleBackend(library, sr=sr, options=_options(SampleOptions, options, key))
    if key in NEURAL_BACKENDS:
        from foleystudio.sound.neural import NeuralOptions, load_neural_backend

        options = {"seed": seed, **options}
        return load_neural_backend(key, model_dir, sr=sr, lora=lora, options=_options(NeuralOptions, options, key))
    if key == "neural":
        models = " or --backend ".join(NEURAL_BACKENDS)
        raise InputError(f"name the neural model: --backend {models} (with --model-dir DIR)")
    raise InputError(f"unknown sound backend {name!r}; allowed: {', '.join(BACKENDS)}")
