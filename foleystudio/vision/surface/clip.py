"""An optional CLIP surface estimator: open_clip zero-shot, from weights the user has locally.

`load_clip(DIR)` loads an open_clip model from a directory (never from the network)
and returns a `ClipEstimator`, which `estimate_scene` uses like the built-in classifier:
a ground patch is scored against text prompts for every surface in `materials.SURFACES`
("a photo of gravel.", "a close-up photo of gravel, seen from above.", ...; the
prompts of one class are averaged, CLIP's prompt ensembling) and the softmax is that
patch's probabilities. Whole frames of a shot are scored against "indoors"/"outdoors"
prompts and a list of environments ("a street", "a forest", "a gym", ...).

The directory (`--clip-dir`) holds:

    open_clip_config.json   {"model_cfg": {...}, "preprocess_cfg": {...}} as in the
                            open_clip repos on the Hugging Face hub, or
                            {"model_name": "ViT-B-32"}: a built-in open_clip architecture
                            (optionally with "preprocess_cfg": {"mean": ..., "std": ...})
    a checkpoint            the first of CHECKPOINT_NAMES present (open_clip's own order:
                            open_clip_model.safetensors, open_clip_pytorch_model.bin, ...),
                            a state dict of the whole model
    tokenizer files         only for models whose text_cfg names an hf_tokenizer_name

A model whose text tower is a Hugging Face transformer (text_cfg "hf_model_name") also
needs that transformer's config in the local Hugging Face cache: loading runs with
HF_HUB_OFFLINE=1, so a missing file is a ModelError, never a download.

`check_clip` validates that layout without importing torch, so a CLI can refuse a bad
directory before any work. torch and open_clip come with the `clip` extra.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from foleystudio.errors import InputError, ModelError
from foleystudio.local_models import first_line, read_model_json, tolerate_torchvision
from foleystudio.materials import SURFACES
from foleystudio.vision.surface.estimator import FrameView

CONFIG_NAME = "open_clip_config.json"
CHECKPOINT_NAMES = (  # open_clip's preferred order (factory._find_checkpoint_in_dir), so both pick the same file
    "open_clip_model.safetensors",
    "open_clip_pytorch_model.safetensors",
    "open_clip_pytorch_model.bin",
    "open_clip_pytorch_model.pth",
    "model.safetensors",
    "pytorch_model.bin",
    "pytorch_model.pth",
    "model.pth",
)
INSTALL_HINT = "pip install '.[clip]'"
LAYOUT = f"{CONFIG_NAME} and a checkpoint ({CHECKPOINT_NAMES[0]} or {CHECKPOINT_NAMES[2]})"

# What each surface looks like, in words; every name in SURFACES has an entry.
SURFACE_PHRASES: dict[str, tuple[str, ...]] = {
    "concrete": ("a concrete floor", "a concrete pavement"),
    "asphalt": ("an asphalt road", "tarmac"),
    "stone": ("paving stones", "cobblestones"),
    "tile": ("a tiled floor", "ceramic floor tiles"),
    "marble": ("a polished marble floor",),
    "wood": ("a wooden floor", "parquet flooring"),
    "deck": ("wooden decking", "a wooden boardwalk"),
    "metal": ("a metal floor", "a steel diamond plate floor"),
    "carpet": ("a carpet", "a rug"),
    "rubber": ("a rubber running track", "a rubber gym floor"),
    "grass": ("grass", "a lawn"),
    "gravel": ("gravel", "loose pebbles"),
    "dirt": ("a dirt path", "bare earth"),
    "sand": ("sand", "a sandy beach"),
    "snow": ("snow", "a snowy path"),
    "ice": ("ice", "a frozen surface"),
    "leaves": ("fallen leaves", "a path covered in dry leaves"),
    "mud": ("mud", "a muddy path"),
    "water": ("a shallow puddle of water", "wet ground under water"),
}
ENVIRONMENTS = (
    "street", "park", "forest", "beach", "field", "mountain trail", "snowy landscape", "sports track", "stadium",
    "gym", "office", "living room", "kitchen", "corridor", "warehouse", "shop", "stage", "parking garage",
)


@dataclass(frozen=True)
class ClipConfig:
    surfaces: tuple[str, ...] = SURFACES  # classes scored, in output order (a subset of SURFACE_PHRASES)
    templates: tuple[str, ...] = (  # CLIP's prompt ensembling: each phrase in each template, embeddings averaged
        "a photo of {}.",
        "a close-up photo of {}, seen from above.",
        "the ground is {}.",
    )
    indoor_prompts: tuple[str, ...] = ("a photo taken indoors.", "a photo of the inside of a building.")
    outdoor_prompts: tuple[str, ...] = ("a photo taken outdoors.", "a photo of an outdoor scene.")
    environments: tuple[str, ...] = ENVIRONMENTS
    environment_template: str = "a photo of a {}."
    max_batch: int = 16  # frames encoded at once: bounds memory on a large vision tower


@dataclass(frozen=True)
class ClipSource:
    """Where a CLIP model lives, as `check_clip` found it."""

    root: Path
    checkpoint: Path
    model_name: str | None  # a built-in open_clip architecture; None: the config's own model_cfg
    preprocess: dict = field(default_factory=dict, compare=False)  # preprocess_cfg overrides for a built-in name


def check_clip(clip_dir: str | os.PathLike | None) -> ClipSource:
    """The model directory, once it looks loadable: ModelError naming what is wrong otherwise.

    Cheap (reads the config JSON, imports nothing), so a CLI can call it before any work.
    """
    if not clip_dir:
        raise InputError(f"the CLIP estimator needs a model directory with {LAYOUT}")
    missing = [m for m in ("torch", "open_clip") if importlib.util.find_spec(m) is None]
    if missing:
        names = ", ".join("open_clip_torch" if m == "open_clip" else m for m in missing)
        raise ModelError(f"the CLIP estimator needs {names}, not installed here: {INSTALL_HINT}")
    root, config = read_model_json(clip_dir, CONFIG_NAME, label="CLIP model directory", expected=LAYOUT)
    config_file = root / CONFIG_NAME
    if not isinstance(config, dict) or not (isinstance(config.get("model_cfg"), dict) or config.get("model_name")):
        raise ModelError(f"{config_file} has neither \"model_cfg\" (an open_clip model config) "
                         "nor \"model_name\" (a built-in open_clip architecture such as \"ViT-B-32\")")
    checkpoint = next((root / n for n in CHECKPOINT_NAMES if (root / n).is_file()), None)
    if checkpoint is None:
        raise ModelError(f"CLIP model directory {root} has no checkpoint; "
                         f"expected one of: {', '.join(CHECKPOINT_NAMES)}")
    model_name = None if isinstance(config.get("model_cfg"), dict) else str(config["model_name"])
    preprocess = config.get("preprocess_cfg") if isinstance(config.get("preprocess_cfg"), dict) else {}
    return ClipSource(root=root, checkpoint=checkpoint, model_name=model_name, preprocess=preprocess)


def load_clip(clip_dir: str | os.PathLike, *, config: ClipConfig = ClipConfig()) -> ClipEstimator:
    """The CLIP estimator for the model in `clip_dir`, on the CPU (cached per directory and config)."""
    source = check_clip(clip_dir)
    return _load(source.root.resolve(), config)


@functools.lru_cache(maxsize=2)
def _load(root: Path, config: ClipConfig) -> ClipEstimator:
    source = check_clip(root)
    unknown = [s for s in config.surfaces if s not in SURFACE_PHRASES]
    if unknown or not config.surfaces:
        raise InputError(f"ClipConfig.surfaces: {unknown or 'none given'}; "
                         f"use names from: {', '.join(SURFACE_PHRASES)}")
    open_clip = import_open_clip()
    with _offline(), _quiet():
        try:
            if source.model_name is None:
                model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{root}", pretrained_text=False)
                tokenizer = open_clip.get_tokenizer(f"local-dir:{root}")
            else:
                if open_clip.get_model_config(source.model_name) is None:
                    raise ModelError(f"{root / CONFIG_NAME}: {source.model_name!r} is not a built-in open_clip "
                                     "architecture; e.g. ViT-B-32, ViT-B-16, ViT-L-14 (see open_clip.list_models())")
                pre = {f"image_{k}": source.preprocess[k] for k in ("mean", "std", "interpolation", "resize_mode")
                       if k in source.preprocess}
                model, _, preprocess = open_clip.create_model_and_transforms(
                    source.model_name, pretrained=str(source.checkpoint), pretrained_text=False, **pre)
                tokenizer = open_clip.get_tokenizer(source.model_name)
        except _load_errors() as exc:
            raise ModelError(f"cannot load the CLIP model in {root} ({source.checkpoint.name}): "
                             f"{first_line(exc)}") from None
    model.eval()
    return ClipEstimator(model, preprocess, tokenizer, config=config)


class ClipEstimator:
    """A loaded open_clip model as a `SurfaceEstimator`: zero-shot surfaces, setting and environment."""

    name = "clip"

    def __init__(self, model, preprocess, tokenizer, *, config: ClipConfig = ClipConfig()):
        """`model`, `preprocess` (PIL image -> tensor) and `tokenizer` as open_clip makes them."""
        self.model, self.preprocess, self.tokenizer, self.config = model, preprocess, tokenizer, config
        self.classes: tuple[str, ...] = tuple(config.surfaces)
        self.logit_scale = float(model.logit_scale.exp().item())  # CLIP's learned temperature (100 when trained)
        groups = [[t.format(p) for p in SURFACE_PHRASES[s] for t in config.templates] for s in self.classes]
        groups += [list(config.indoor_prompts), list(config.outdoor_prompts)]
        groups += [[config.environment_template.format(e)] for e in config.environments]
        text = self._texts(groups)
        k = len(self.classes)
        self.surface_text, self.setting_text, self.environment_text = text[:k], text[k : k + 2], text[k + 2 :]

    def patch_proba(self, rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """(k,) probabilities over `classes` for one RGB uint8 patch; masked-out pixels get the ground's mean colour."""
        return self._softmax(self._images([_fill(rgb, mask)]) @ self.surface_text.T)[0]

    def frames_view(self, frames: Sequence[np.ndarray]) -> FrameView | None:
        """Outdoor probability and environment of a shot: per-frame probabilities, averaged."""
        if not len(frames):
            return None
        images = self._images(list(frames))
        outdoor = float(self._softmax(images @ self.setting_text.T)[:, 1].mean())
        env = self._softmax(images @ self.environment_text.T).mean(axis=0)
        order = np.argsort(-env)
        ranked = tuple((self.config.environments[i], round(float(env[i]), 4)) for i in order)
        return FrameView(outdoor_probability=round(outdoor, 4), environment=ranked[0][0],
                         environment_probability=ranked[0][1], environments=ranked)

    def _images(self, rgbs: list[np.ndarray]) -> np.ndarray:
        """Unit-norm image embeddings, (n, e)."""
        import torch
        from PIL import Image

        out = []
        with torch.inference_mode():
            for start in range(0, len(rgbs), self.config.max_batch):
                batch = torch.stack([self.preprocess(Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)))
                                     for rgb in rgbs[start : start + self.config.max_batch]])
                out.append(_unit(self.model.encode_image(batch).float().numpy()))
        return np.concatenate(out)

    def _texts(self, groups: list[list[str]]) -> np.ndarray:
        """One unit-norm embedding per group of prompts: the mean of theirs, renormalised; (groups, e)."""
        import torch

        prompts = [p for g in groups for p in g]
        with torch.inference_mode():
            emb = np.concatenate([_unit(self.model.encode_text(self.tokenizer(prompts[i : i + 256])).float().numpy())
                                  for i in range(0, len(prompts), 256)])  # one pass for all: ~150 prompts
        bounds = np.cumsum([0] + [len(g) for g in groups])
        return _unit(np.stack([emb[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:])]))

    def _softmax(self, cosines: np.ndarray) -> np.ndarray:
        logits = self.logit_scale * cosines.astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)


def _fill(rgb: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The patch with non-ground pixels (a leg, a shoe) painted the ground's mean colour, so CLIP sees only ground."""
    if mask is None or mask.all() or not mask.any():
        return rgb
    out = rgb.copy()
    out[~mask] = rgb[mask].mean(axis=0).round().astype(rgb.dtype)
    return out


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def import_open_clip():
    """open_clip, or ModelError saying how to install it (see `tolerate_torchvision`)."""
    tolerate_torchvision()
    try:
        import open_clip
    except ImportError as exc:
        raise ModelError(f"cannot import open_clip ({first_line(exc)}): {INSTALL_HINT}") from None
    return open_clip


@contextlib.contextmanager
def _offline() -> Iterator[None]:
    """No hub look-ups while loading: a model that needs a download fails instead of fetching it."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({k: "1" for k in saved})
    constants = sys.modules.get("huggingface_hub.constants")  # read the variable at import: set it there too
    hub_saved = getattr(constants, "HF_HUB_OFFLINE", None)
    if constants is not None:
        constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if constants is not None:
            constants.HF_HUB_OFFLINE = hub_saved


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """open_clip logs through the root logger; its notes are not the user's business."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _load_errors() -> tuple[type[BaseException], ...]:
    """What a bad checkpoint or config raises while loading (a corrupt file, wrong shapes, a missing key)."""
    import pickle

    from safetensors import SafetensorError

    return (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, AttributeError,
            pickle.UnpicklingError, SafetensorError)
