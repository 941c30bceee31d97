"""Ground-surface features and the committed classifier (the names: foleystudio.materials)."""

from foleystudio.vision.surface.model import SurfaceGuess, SurfaceModel, classify_surface, load_model

__all__ = [
    "SurfaceGuess",
    "SurfaceModel",
    "classify_surface",
    "load_model",
]
