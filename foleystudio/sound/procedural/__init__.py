"""Procedural footsteps: modal impacts, PhISEM grains, bubbles; see engine.py."""

from foleystudio.sound.procedural.engine import ProceduralBackend, ProceduralOptions

__all__ = ["ProceduralBackend", "ProceduralOptions"]
