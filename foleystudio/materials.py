"""One vocabulary of surfaces, footwear and fabrics, for vision, sound, edits and the CLI.

Three layers of names:

- `SURFACES`, `FOOTWEAR`, `FABRICS`: what a user may name (`--surface`, cue sheets) and
  what the picture shows (the surface classifier predicts a subset of `SURFACES`).
- `*_ALIASES`: other spellings people type ("tartan", "Paving stones", "bare feet"),
  one table per kind; `normalise_surface` and friends turn any of them into one name.
- `ENGINE_SURFACES`, `ENGINE_FOOTWEAR`: what the sound engine renders, and
  `RENDERED_SURFACE`, `RENDERED_FOOTWEAR`: the nearest of those for every name the
  picture can show (stone is rendered as concrete, sandals as barefoot).
  `engine_surface` and `engine_footwear` go from any spelling straight to that.
"""

from __future__ import annotations

from foleystudio.errors import InputError

SURFACES: tuple[str, ...] = (
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
FOOTWEAR: tuple[str, ...] = ("shoes", "sneakers", "boots", "heels", "sandals", "spikes", "barefoot", "socks")
FABRICS: tuple[str, ...] = ("cotton", "nylon", "leather", "denim")  # what clothes rustle with (the moves layer)
# What a hand, a stick or a body strikes (the specifics layer: hits, impacts, falls); "neutral" is a dull knock
# of no material in particular, "soft" a cushion, a carpet, grass: a thud with nothing that rings.
HIT_MATERIALS: tuple[str, ...] = ("wood", "metal", "glass", "plastic", "stone", "soft", "neutral")
# The ambience layer's beds: what a place sounds like under the Foley (sound/ambience.py renders them)
AMBIENCES: tuple[str, ...] = ("room_small", "room_large", "outdoor_air", "wind", "city", "park", "rain", "crowd",
                              "shore", "night")

# What the sound engine has a model for; the order is the order `foley sounds list` shows.
ENGINE_SURFACES: tuple[str, ...] = (
    "concrete", "asphalt", "tile", "marble", "wood", "deck", "metal", "carpet", "rubber",
    "grass", "gravel", "dirt", "sand", "snow", "leaves", "mud", "water",
)
ENGINE_FOOTWEAR: tuple[str, ...] = ("sneakers", "leather", "heels", "boots", "barefoot")

# Seen -> rendered: every name in SURFACES / FOOTWEAR and the engine model that plays it.
RENDERED_SURFACE: dict[str, str] = {
    **{name: name for name in ENGINE_SURFACES},
    "stone": "concrete",
    "ice": "marble",  # hard, smooth, little resonance
}
RENDERED_FOOTWEAR: dict[str, str] = {
    "shoes": "leather",  # the engine's dress shoes
    "sneakers": "sneakers",
    "boots": "boots",
    "heels": "heels",
    "sandals": "barefoot",
    "spikes": "heels",  # a hard, narrow point of contact
    "barefoot": "barefoot",
    "socks": "barefoot",
}

# The ground a body falls, sits or kneels on -> what the specifics layer strikes.
FLOOR_MATERIAL: dict[str, str] = {
    "concrete": "stone", "asphalt": "stone", "stone": "stone", "tile": "stone", "marble": "stone", "ice": "stone",
    "gravel": "stone", "wood": "wood", "deck": "wood", "metal": "metal", "rubber": "plastic", "carpet": "soft",
    "grass": "soft", "dirt": "soft", "sand": "soft", "snow": "soft", "leaves": "soft", "mud": "soft", "water": "soft",
}

# Other spellings -> a name in SURFACES / FOOTWEAR / FABRICS (keys as `_key` makes them).
SURFACE_ALIASES: dict[str, str] = {
    "paving": "stone",
    "pavingstones": "stone",
    "paving_stones": "stone",
    "cobble": "stone",
    "cobbles": "stone",
    "cobblestone": "stone",
    "flagstone": "stone",
    "tiles": "tile",
    "ceramic": "tile",
    "floor": "wood",
    "wood_floor": "wood",
    "woodfloor": "wood",
    "wooden": "wood",
    "floorboards": "wood",
    "parquet": "wood",
    "planks": "wood",
    "hardwood": "wood",
    "decking": "deck",
    "wooden_deck": "deck",
    "boardwalk": "deck",
    "steel": "metal",
    "diamond_plate": "metal",
    "grating": "metal",
    "metal_plate": "metal",
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
FOOTWEAR_ALIASES: dict[str, str] = {
    "shoe": "shoes",
    "leather": "shoes",  # the engine's name for them
    "dress": "shoes",
    "dress_shoes": "shoes",
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
}
FABRIC_ALIASES: dict[str, str] = {
    "t_shirt": "cotton",
    "tshirt": "cotton",
    "shirt": "cotton",
    "hoodie": "cotton",
    "sweatshirt": "cotton",
    "jacket": "nylon",
    "windbreaker": "nylon",
    "raincoat": "nylon",
    "tracksuit": "nylon",
    "polyester": "nylon",
    "leather_jacket": "leather",
    "jeans": "denim",
}


# ... and in HIT_MATERIALS: what people call the thing struck.
HIT_MATERIAL_ALIASES: dict[str, str] = {
    "wooden": "wood",
    "table": "wood",
    "door": "wood",
    "steel": "metal",
    "iron": "metal",
    "can": "metal",
    "pan": "metal",
    "bottle": "glass",
    "window": "glass",
    "plastic_box": "plastic",
    "concrete": "stone",
    "rock": "stone",
    "brick": "stone",
    "tile": "stone",
    "cushion": "soft",
    "sofa": "soft",
    "carpet": "soft",
    "grass": "soft",
    "default": "neutral",
    "generic": "neutral",
}


# ... and in AMBIENCES: what people call a place's sound.
AMBIENCE_ALIASES: dict[str, str] = {
    "room": "room_small",
    "room_tone": "room_small",
    "roomtone": "room_small",
    "small_room": "room_small",
    "interior": "room_small",
    "hall": "room_large",
    "large_room": "room_large",
    "big_room": "room_large",
    "gym": "room_large",
    "church": "room_large",
    "outdoors": "outdoor_air",
    "outside": "outdoor_air",
    "air": "outdoor_air",
    "exterior": "outdoor_air",
    "street": "city",
    "traffic": "city",
    "urban": "city",
    "birds": "park",
    "forest": "park",
    "garden": "park",
    "countryside": "park",
    "storm": "rain",
    "murmur": "crowd",
    "people": "crowd",
    "walla": "crowd",
    "beach": "shore",
    "sea": "shore",
    "waves": "shore",
    "water": "shore",
    "lake": "shore",
    "insects": "night",
    "crickets": "night",
}


def normalise_ambience(name: str) -> str:
    """The name in AMBIENCES for `name` or one of its spellings, or InputError listing AMBIENCES."""
    return _normalise(name, AMBIENCES, AMBIENCE_ALIASES, "ambience")


def normalise_surface(name: str) -> str:
    """The name in SURFACES for `name` or one of its spellings, or InputError listing SURFACES."""
    return _normalise(name, SURFACES, SURFACE_ALIASES, "surface")


def normalise_footwear(name: str) -> str:
    """The name in FOOTWEAR for `name` or one of its spellings, or InputError listing FOOTWEAR."""
    return _normalise(name, FOOTWEAR, FOOTWEAR_ALIASES, "footwear")


def normalise_fabric(name: str) -> str:
    """The name in FABRICS for `name` or one of its spellings, or InputError listing FABRICS."""
    return _normalise(name, FABRICS, FABRIC_ALIASES, "fabric")


def normalise_hit_material(name: str) -> str:
    """The name in HIT_MATERIALS for `name` or one of its spellings, or InputError listing HIT_MATERIALS."""
    return _normalise(name, HIT_MATERIALS, HIT_MATERIAL_ALIASES, "material")


MATERIAL_KINDS: tuple[str, ...] = ("hit", "impact")  # the specifics that strike a material (falls land on the ground)


def parse_material_spec(text: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """`--material`: one material for every hit and impact ("metal"), one per kind ("hit=wood,impact=metal"),
    or both ("metal,hit=wood": hits on wood, impacts on metal). Returns (for every kind or None, ((kind,
    material), ...) sorted by kind); InputError for an unknown kind or material, a kind given twice, or nothing."""
    default, kinds = None, {}
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        if "=" not in part:
            if default is not None:
                raise InputError(f"material {text!r}: two materials for every kind ({default}, {part}); "
                                 f"name the kind, e.g. hit=wood")
            default = normalise_hit_material(part)
            continue
        kind, _, name = (s.strip() for s in part.partition("="))
        if kind.lower() not in MATERIAL_KINDS:
            raise InputError(f"material {text!r}: {kind!r} is not a kind that strikes a material; "
                             f"use one of: {', '.join(MATERIAL_KINDS)}")
        if kind.lower() in kinds:
            raise InputError(f"material {text!r}: {kind.lower()} is given twice")
        kinds[kind.lower()] = normalise_hit_material(name)
    if default is None and not kinds:
        raise InputError(f"material {text!r}: expected a material ({', '.join(HIT_MATERIALS)}) or KIND=MATERIAL")
    return default, tuple(sorted(kinds.items()))


def format_material_spec(default: str | None, kinds: tuple[tuple[str, str], ...]) -> str:
    """The one spelling of what parse_material_spec read: "metal,hit=wood"."""
    return ",".join(([default] if default else []) + [f"{k}={m}" for k, m in kinds])


def _normalise(name: str, names: tuple[str, ...], aliases: dict[str, str], what: str) -> str:
    found = _lookup(name, names, aliases)
    if found is None:
        raise InputError(f"unknown {what} {name!r}; use one of: {', '.join(names)}")
    return found


def engine_surface(name: str) -> str:
    """The surface in ENGINE_SURFACES that renders `name`, or InputError listing them."""
    found = _lookup(name, SURFACES, SURFACE_ALIASES)
    if found is None:
        raise InputError(f"unknown surface {name!r}; allowed: {', '.join(ENGINE_SURFACES)}")
    return RENDERED_SURFACE[found]


def engine_footwear(name: str) -> str:
    """The footwear in ENGINE_FOOTWEAR that renders `name`, or InputError listing them."""
    found = _lookup(name, FOOTWEAR, FOOTWEAR_ALIASES)
    if found is None:
        raise InputError(f"unknown footwear {name!r}; allowed: {', '.join(ENGINE_FOOTWEAR)}")
    return RENDERED_FOOTWEAR[found]


def _lookup(name: str, names: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    key = _key(name)
    return key if key in names else aliases.get(key)


def _key(name: str) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())
