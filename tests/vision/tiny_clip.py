"""A tiny randomly initialised open_clip model, saved to a folder like real weights.

The real CLIP class with a 1-layer, 32-wide vision and text transformer at 32 x 32 px:
loading, prompting and scoring run the same code as ViT-B-32 does, in well under a
second on a CPU and with nothing from the hub. The text vocabulary stays CLIP's
49408 tokens (the bundled BPE tokenizer's ids), which is most of the 6 MB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

MODEL_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "head_width": 16, "patch_size": 16},
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
PREPROCESS_CFG = {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}


def tiny_state_dict(*, seed: int = 0, logit_scale: float | None = None, model_cfg: dict = MODEL_CFG) -> dict:
    """The weights of a fresh tiny CLIP; `logit_scale` (e.g. 1000) makes its softmax as sure as a trained one."""
    import torch

    from foleystudio.vision.surface.clip import import_open_clip

    open_clip = import_open_clip()  # copes with the CUDA-only torchvision wheel beside the CPU torch

    torch.manual_seed(seed)
    model = open_clip.CLIP(**model_cfg)
    if logit_scale is not None:
        with torch.no_grad():
            model.logit_scale.fill_(math.log(logit_scale))
    return model.state_dict()


def build_tiny_clip(path: Path, *, seed: int = 0, checkpoint: str = "open_clip_model.safetensors",
                    logit_scale: float | None = None, config: dict | None = None) -> Path:
    """`path`/open_clip_config.json + `path`/`checkpoint` (.safetensors, or torch.save for .bin/.pth)."""
    import torch
    from safetensors.torch import save_file

    path.mkdir(parents=True, exist_ok=True)
    state = tiny_state_dict(seed=seed, logit_scale=logit_scale)
    (path / "open_clip_config.json").write_text(json.dumps(config or {"model_cfg": MODEL_CFG,
                                                                      "preprocess_cfg": PREPROCESS_CFG}))
    if checkpoint.endswith(".safetensors"):
        save_file({k: v.contiguous() for k, v in state.items()}, str(path / checkpoint))
    else:
        torch.save(state, path / checkpoint)
    return path
