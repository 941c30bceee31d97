"""Short text descriptions of a sound from scene + surface + footwear + gait.

`build_prompt(...)` fills a template. For a neural generator (`purpose="generator"`)
the text names only what makes the sound (who moves how, on what, in what) and no
room, distance or reverb words: space is added later by the spatial stage, and a
generator asked for "a hall" bakes a reverb in that cannot be taken out. For reports
(`purpose="report"`) it also says where (indoors/outdoors, light) and how sure.

`bed_prompt(kind, look)` says what an ambience bed sounds like, for AudioLDM2 (sound/neural_beds.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from foleystudio.materials import normalise_footwear, normalise_surface

PURPOSES = ("generator", "report")
# Words that make text-to-audio models add room sound; never in a generator prompt.
REVERB_WORDS = ("reverb", "reverberant", "echo", "echoing", "hall", "room", "church", "cathedral", "cave",
                "tunnel", "spacious", "ambience", "ambient", "distant", "far away", "indoors", "outdoors", "wet mix")

SURFACE_PHRASES = {
    "concrete": "concrete",
    "asphalt": "asphalt",
    "stone": "paving stones",
    "tile": "ceramic tiles",
    "marble": "a marble floor",
    "wood": "a wooden floor",
    "deck": "wooden decking",
    "metal": "a metal floor",
    "carpet": "carpet",
    "rubber": "a rubber running track",
    "grass": "grass",
    "gravel": "loose gravel",
    "dirt": "a dirt path",
    "sand": "sand",
    "snow": "snow",
    "ice": "ice",
    "leaves": "dry leaves",
    "mud": "mud",
    "water": "shallow water",
}
FOOTWEAR_PHRASES = {
    "shoes": "in shoes",
    "sneakers": "in sneakers",
    "boots": "in heavy boots",
    "heels": "in high heels",
    "sandals": "in sandals",
    "spikes": "in track spikes",
    "barefoot": "barefoot",
    "socks": "in socks",
}
GAIT_VERBS = {
    "walk": "walking",
    "stroll": "strolling",
    "jog": "jogging",
    "run": "running",
    "sprint": "sprinting",
    "jump": "jumping and landing",
    "land": "landing",
    "shuffle": "shuffling",
    "stand": "shifting weight",
    "sneak": "sneaking",
}


@dataclass(frozen=True)
class PromptScene:
    """What a report may say about the place (any field may be unknown)."""

    indoor: bool | None = None
    lighting: str | None = None  # e.g. "bright", "dim"
    surface_source: str | None = None  # "cue", "user", "estimate", "default"
    surface_probability: float | None = None


def build_prompt(
    *,
    surface: str,
    footwear: str = "shoes",
    gait: str = "walk",
    strength: float | None = None,
    people: int = 1,
    purpose: str = "generator",
    scene: PromptScene | None = None,
) -> str:
    """One short sentence, e.g. "heavy footsteps of a person sprinting in track spikes on a rubber running track"."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose {purpose!r}: use one of {PURPOSES}")
    surface_phrase = SURFACE_PHRASES[normalise_surface(surface)]
    footwear_phrase = FOOTWEAR_PHRASES[normalise_footwear(footwear)]
    verb = GAIT_VERBS.get(gait.strip().lower(), gait.strip().lower() or "walking")
    weight = _weight(strength)
    who = "a person" if people <= 1 else f"{people} people"
    text = f"{weight}footsteps of {who} {verb} {footwear_phrase} on {surface_phrase}"
    if purpose == "generator":
        return text + ", close-up foley, isolated, no music"
    return text + _where(scene or PromptScene())


def _weight(strength: float | None) -> str:
    if strength is None:
        return ""
    if strength >= 0.7:
        return "heavy "
    if strength <= 0.25:
        return "light "
    return ""


def _where(scene: PromptScene) -> str:
    parts = []
    if scene.indoor is not None:
        parts.append("indoors" if scene.indoor else "outdoors")
    if scene.lighting:
        parts.append(f"{scene.lighting} light")
    text = (", " + ", ".join(parts)) if parts else ""
    if scene.surface_source == "estimate" and scene.surface_probability is not None:
        text += f" (surface estimated, p={scene.surface_probability:.2f})"
    elif scene.surface_source in ("cue", "user"):
        text += " (surface set by the user)"
    elif scene.surface_source == "default":
        text += " (surface unknown: default)"
    return text


# What each bed sounds like, in the words a text-to-audio model was trained on (no music, no speech).
BED_PROMPTS = {
    "room_small": "quiet room tone of a small room, faint air conditioning hum",
    "room_large": "room tone of a large hall, soft distant murmur, air",
    "outdoor_air": "outdoor ambience, gentle breeze, open air, faint distant activity",
    "wind": "wind blowing in gusts outdoors",
    "city": "city street ambience, distant traffic, cars passing",
    "park": "park ambience, birds singing, leaves rustling in a light breeze",
    "rain": "steady rain falling outdoors",
    "crowd": "crowd murmur, many people talking indistinctly",
    "shore": "ocean waves washing on the shore",
    "night": "night ambience, crickets and insects chirping",
}


def bed_prompt(kind: str, look=None) -> str:
    """The text-to-audio prompt of an ambience bed (a kind of materials.AMBIENCES): what the place sounds like,
    with the time of day when the picture (`look`, a vision.place.Picture) says. Unlike a step's prompt it names
    the place: a bed is the place's own sound, and nothing is added to it later."""
    prompt = BED_PROMPTS[kind]
    if look is not None and look.luma < 0.15 and kind not in ("night", "room_small", "room_large"):
        prompt += ", at night"
    return prompt + ", no music, no speech"
