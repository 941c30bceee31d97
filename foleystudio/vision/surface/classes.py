"""The ground-surface and footwear vocabulary shared by vision, cues and sound.

`SURFACES` is every surface a user may name (`--surface`, cue sheets) and the sound
engine may render; the classifier predicts a subset of it (see `weights.npz`).
`normalise_surface` turns what people type ("tartan", "Paving stones") into one name.
"""

from __future__ import annotations

from foleystudio.errors import InputError

SURFACES = (
    "concrete",
    "asphalt",
    "stone",  # paving stones, cobbles, flagstones
    "tile",
    "marble",
    "wood",  # indoor wooden floors, parquet, planks
    "deck",  # hollow outdoor decking, boardwalks
    "metal",
    "carpet",
    "rubber",  # tartan / rubber running track, gym rubber, treadmill belt
    "grass",
    "gravel",
    "dirt",
    "sand",
    "snow",
    "ice",
    "leaves",
    "mud",
    "water",
)

OUTDOOR_SURFACES = frozenset({"asphalt", "stone", "deck", "grass", "gravel", "dirt", "sand", "snow", "ice", "leaves", "mud", "water"})
INDOOR_SURFACES = frozenset({"tile", "marble", "wood", "carpet"})
# Surfaces almost never walked on in the other setting: snow or grass indoors, carpet outside.
OUTDOOR_ONLY_SURFACES = frozenset({"asphalt", "grass", "gravel", "dirt", "sand", "snow", "ice", "leaves", "mud", "water"})
INDOOR_ONLY_SURFACES = frozenset({"carpet"})

FOOTWEAR = ("shoes", "sneakers", "boots", "heels", "sandals", "spikes", "barefoot", "socks")

_SURFACE_ALIASES = {
    "paving": "stone",
    "pavingstones": "stone",
    "paving_stones": "stone",
    "cobble": "stone",
    "cobbles": "stone",
    "cobblestone": "stone",
    "flagstone": "stone",
    "tiles": "tile",
    "ceramic": "tile",
    "wood_floor": "wood",
    "woodfloor": "wood",
    "wooden": "wood",
    "floorboards": "wood",
    "parquet": "wood",
    "planks": "wood",
    "hardwood": "wood",
    "decking": "deck",
    "boardwalk": "deck",
    "steel": "metal",
    "diamond_plate": "metal",
    "rug": "carpet",
    "rubber_track": "rubber",
    "track": "rubber",
    "tartan": "rubber",
    "treadmill": "rubber",
    "lawn": "grass",
    "turf": "grass",
    "rocks": "gravel",
    "pebbles": "gravel",
    "ground": "dirt",
    "earth": "dirt",
    "soil": "dirt",
    "dirt_road": "dirt",
    "pavement": "concrete",
    "sidewalk": "concrete",
    "tarmac": "asphalt",
    "road": "asphalt",
    "puddle": "water",
    "shallow_water": "water",
}

_FOOTWEAR_ALIASES = {
    "shoe": "shoes",
    "trainers": "sneakers",
    "sneaker": "sneakers",
    "running_shoes": "sneakers",
    "boot": "boots",
    "high_heels": "heels",
    "sandal": "sandals",
    "flip_flops": "sandals",
    "spiked": "spikes",
    "track_spikes": "spikes",
    "bare": "barefoot",
    "bare_feet": "barefoot",
    "sock": "socks",
    "leather": "shoes",  # the sound engine's dress shoes
    "dress_shoes": "shoes",
}


def normalise_surface(name: str) -> str:
    """The canonical surface for `name`, or InputError listing the allowed names."""
    key = _key(name)
    if key in SURFACES:
        return key
    if key in _SURFACE_ALIASES:
        return _SURFACE_ALIASES[key]
    raise InputError(f"unknown surface {name!r}; use one of: {', '.join(SURFACES)}")


def normalise_footwear(name: str) -> str:
    """The canonical footwear for `name`, or InputError listing the allowed names."""
    key = _key(name)
    if key in FOOTWEAR:
        return key
    if key in _FOOTWEAR_ALIASES:
        return _FOOTWEAR_ALIASES[key]
    raise InputError(f"unknown footwear {name!r}; use one of: {', '.join(FOOTWEAR)}")


def _key(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())
