"""Ground-surface vocabulary, features and the committed classifier."""

from foleystudio.vision.surface.classes import FOOTWEAR, SURFACES, normalise_footwear, normalise_surface
from foleystudio.vision.surface.model import SurfaceGuess, SurfaceModel, classify_surface, load_model

__all__ = [
    "FOOTWEAR",
    "SURFACES",
    "SurfaceGuess",
    "SurfaceModel",
    "classify_surface",
    "load_model",
    "normalise_footwear",
    "normalise_surface",
]
