"""The footstep backend factory: `get_backend(name)` for every backend there is.

It imports each backend when asked for it, so the types they share (`StepRequest`,
`StepSound`, `FootstepBackend`) live in `foleystudio.sound.types`, and the surface and
footwear names in `foleystudio.materials`.
"""

from __future__ import annotations

from foleystudio.errors import InputError
from foleystudio.sound.types import FootstepBackend

BACKENDS: tuple[str, ...] = ("procedural", "samples", "stable-audio", "audioldm2")
NEURAL_BACKENDS: tuple[str, ...] = ("stable-audio", "audioldm2")  # need the neural extra and --model-dir


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
