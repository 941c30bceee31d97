"""Reading a model directory the user gave (nothing here is ever downloaded).

The neural sound backends and the CLIP surface estimator both take a local folder
that must hold one JSON description; they share the checks and their messages.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from foleystudio.errors import ModelError


def read_model_json(model_dir: str | os.PathLike, name: str, *, label: str, expected: str) -> tuple[Path, object]:
    """The directory and its parsed `name` JSON; ModelError saying what is missing otherwise.

    `label` names the directory in messages ("model directory", "CLIP model directory");
    `expected` says what a good one holds.
    """
    root = Path(model_dir).expanduser()
    if not root.is_dir():
        raise ModelError(f"{label} {root} does not exist or is not a directory; expected {expected}")
    path = root / name
    if not path.is_file():
        raise ModelError(f"{label} {root} has no {name}; expected {expected}")
    try:
        return root, json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from None


def first_line(exc: BaseException) -> str:
    """An exception's message, first line only (library errors run to pages), or its type."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


_TORCHVISION_STANDIN: list = []  # keeps the stand-in schemas registered for the life of the process


def tolerate_torchvision() -> None:
    """Make `import torchvision` work beside a torchvision built for another torch.

    The only torchvision wheel for torch 2.13 on PyPI is the CUDA build; with the CPU torch
    its C++ ops do not load and the import fails registering fake kernels for
    `torchvision::nms`/`qnms`. transformers, diffusers and open_clip import torchvision
    when it is installed but use none of its ops, only its transforms, so declaring those
    two schemas lets every later import finish. Call it before importing any of them.
    """
    if importlib.util.find_spec("torchvision") is None:
        return
    try:
        import torchvision  # noqa: F401
    except RuntimeError as exc:
        if "torchvision::" not in str(exc):
            raise ModelError(f"cannot import torchvision: {first_line(exc)}") from None
        import torch

        for name in [m for m in sys.modules if m.split(".")[0] == "torchvision"]:
            del sys.modules[name]
        _TORCHVISION_STANDIN.append(lib := torch.library.Library("torchvision", "FRAGMENT"))
        for op in ("nms", "qnms"):
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        import torchvision  # noqa: F401


def missing_component(root: Path, index: dict) -> str | None:
    """The first component a diffusers model_index.json lists whose folder is not in `root`, or None."""
    for component, entry in index.items():
        if not component.startswith("_") and isinstance(entry, list) and entry[0] and not (root / component).is_dir():
            return component
    return None
