"""What a shot's place sounds like: a few picture measures, and the ambience bed they point to.

`describe_picture` summarises a shot's stored frames (downscaled RGB) in measures a person
would name: how bright and how colourful, warm or cold, how much blue sky, vegetation and
water there is, how much of the picture is made of straight, man-made edges. Together with
the shot's setting (indoors or out), its ground and its people (how many, how large they
appear), `choose_bed` picks one of materials.AMBIENCES and says in words what it saw.

The rules are a priori (what a sound editor would reach for), set before any clip was
looked at, and kept coarse: a picture cannot tell rain from an overcast day, so rain is
only ever the user's choice (a cue or `--ambience`). No network, no model: colour and
edges only, about 2 ms a frame at the sampler's 384 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from foleystudio.materials import AMBIENCE_ALIASES, AMBIENCES
from foleystudio.vision.actions import body_size_px
from foleystudio.vision.pose import Poses

SIDE_PX = 160  # frames are measured at this width: colour fractions do not need more


@dataclass(frozen=True)
class Picture:
    """A shot's look, each measure 0..1 (warmth -1..1), averaged over a few of its frames."""

    luma: float  # mean luminance
    saturation: float  # mean HSV saturation
    warmth: float  # (red - blue) / brightness: -1 cold/blue .. +1 warm/red-yellow
    sky: float  # smooth blue in the top third
    green: float  # vegetation anywhere
    water: float  # blue-green-grey, smooth, horizontal bands in the bottom half
    structure: float  # straight horizontal/vertical edges among all edges: buildings, rooms, vehicles
    people: int = 0  # most people seen at once in the shot
    person_height: float | None = None  # median standing height of the people, as a share of the frame's height


@dataclass(frozen=True)
class PlaceGuess:
    kind: str  # one of materials.AMBIENCES
    seen: tuple[str, ...]  # what led there, in words ("outdoors", "vegetation 34%", "3 people", ...)


def describe_picture(frames: Sequence[np.ndarray], *, poses: Poses | None = None,
                     frame_range: tuple[int, int] | None = None) -> Picture | None:
    """The measures of `frames` (RGB uint8), with the people of `poses` within `frame_range` (first, one past
    the last); None with no frame."""
    if not len(frames):
        return None
    values = np.mean([_measure(f) for f in frames], axis=0)
    people, height = _people(poses, frame_range) if poses is not None and frame_range is not None else (0, None)
    luma, sat, warmth, sky, green, water, structure = (round(float(v), 3) for v in values)
    return Picture(luma=luma, saturation=sat, warmth=warmth, sky=sky, green=green, water=water, structure=structure,
                   people=people, person_height=height)


def _measure(rgb: np.ndarray) -> tuple[float, ...]:
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (SIDE_PX, max(1, round(SIDE_PX * h / w))), interpolation=cv2.INTER_AREA) if w > SIDE_PX else rgb
    f = small.astype(np.float32) / 255.0
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0] * 2.0, hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    grad = np.hypot(gx, gy)
    rows = small.shape[0]
    top, bottom = slice(0, max(1, rows // 3)), slice(rows // 2, rows)
    luma = float(grey.mean())
    warmth = float(np.mean(f[..., 0] - f[..., 2]) / max(luma, 0.05))
    sky = (hue >= 190) & (hue <= 245) & (sat > 0.2) & (val > 0.5) & (grad < 0.15)
    green = (hue >= 50) & (hue <= 160) & (sat > 0.25) & (val > 0.15)
    # water: blue to cyan, smooth, with more horizontal than vertical texture (ripples, a horizon)
    watery = (hue >= 160) & (hue <= 240) & (sat > 0.15) & (val > 0.2) & (grad < 0.3) & (np.abs(gy) >= np.abs(gx))
    edges = grad > 0.25
    angle = np.degrees(np.arctan2(np.abs(gy), np.abs(gx)))  # 0: a vertical edge, 90: a horizontal one
    straight = edges & ((angle < 8.0) | (angle > 82.0))
    structure = float(straight.sum() / max(1, edges.sum())) if edges.sum() >= 0.01 * edges.size else 0.0
    return (luma, float(sat.mean()), float(np.clip(warmth, -1.0, 1.0)), float(sky[top].mean()), float(green.mean()),
            float(watery[bottom].mean()), structure)


def _people(poses: Poses, frame_range: tuple[int, int]) -> tuple[int, float | None]:
    first, stop = frame_range
    counts: dict[int, int] = {}
    heights = []
    for track in poses.tracks:
        inside = (track.frames >= first) & (track.frames < stop) & track.present
        if not inside.any():
            continue
        for frame in track.frames[inside]:
            counts[int(frame)] = counts.get(int(frame), 0) + 1
        size = body_size_px(track)[inside]
        if np.isfinite(size).any():
            heights.append(float(np.nanmedian(size)) / max(1, poses.height))
    most = max(counts.values(), default=0)
    return most, (round(float(np.median(heights)), 3) if heights else None)


# The rules' thresholds, a priori (what a sound editor would call the place), not fitted to any clip.
NIGHT_LUMA = 0.12  # darker than a dim room: outdoors, the night's insects
CROWD_PEOPLE = 5  # this many people seen at once: their murmur is the place
PARK_GREEN = 0.25
SHORE_WATER = 0.12  # a tenth of the bottom half water-coloured and smooth
CITY_STRUCTURE = 0.45  # straight edges this much of all edges: buildings, roads, cars ...
CITY_SKY = 0.3  # ... with buildings, not sky, along the top (a track's lane lines under an open sky are no city)
SHORE_SKY = 0.05  # water needs a horizon: some sky (a blue floor or track is not the sea)
LARGE_ROOM_HEIGHT = 0.3  # people under this share of the frame's height indoors: the room is big
OUTDOOR_GROUNDS = {"grass": "park", "leaves": "park", "dirt": "park", "mud": "park", "sand": "shore",
                   "water": "shore", "snow": "wind", "asphalt": "city"}


def choose_bed(picture: Picture | None, *, indoor: bool | None, outdoor_probability: float = 0.5,
               surface: str | None = None, environment: str | None = None) -> PlaceGuess:
    """The ambience of a shot: indoors a room (large when its people look small in it, a crowd when there are
    many), outdoors the night, the shore, a crowd, a park, the city, the wind on snow, else open air. Rain
    is never guessed: an overcast day looks the same.

    `surface`: the shot's confident ground (None: unsure); `environment`: a whole-frame estimator's name for
    the place, when one ran (the CLIP estimator), used as a spelling of an ambience when it is one.
    """
    seen: list[str] = []
    outdoors = indoor is False or (indoor is None and outdoor_probability >= 0.5)
    seen.append("outdoors" if outdoors else "indoors")
    if environment:
        seen.append(f"looks like a {environment}")
        key = environment.strip().lower().replace(" ", "_")
        named = key if key in AMBIENCES else AMBIENCE_ALIASES.get(key)
        if named is not None:
            return PlaceGuess(named, tuple(seen))
    p = picture
    if p is not None and p.people:
        seen.append(f"{p.people} {'person' if p.people == 1 else 'people'} at once")
    if not outdoors:
        if p is not None and p.people >= CROWD_PEOPLE:
            return PlaceGuess("crowd", tuple(seen))
        if p is not None and p.person_height is not None and p.person_height < LARGE_ROOM_HEIGHT:
            seen.append(f"people {p.person_height:.0%} of the frame tall: a big room")
            return PlaceGuess("room_large", tuple(seen))
        return PlaceGuess("room_small", tuple(seen))
    if surface:
        seen.append(f"{surface} underfoot")
    if p is None:
        return PlaceGuess(OUTDOOR_GROUNDS.get(surface or "", "outdoor_air"), tuple(seen))
    if p.luma < NIGHT_LUMA:
        seen.append(f"dark (luma {p.luma:.2f})")
        return PlaceGuess("night", tuple(seen))
    water = p.water >= SHORE_WATER and p.sky >= SHORE_SKY and surface in (None, "sand", "water")
    if water or surface in ("sand", "water"):
        if water:
            seen.append(f"water {p.water:.0%} of the lower half")
        return PlaceGuess("shore", tuple(seen))
    if p.people >= CROWD_PEOPLE:
        return PlaceGuess("crowd", tuple(seen))
    if p.green >= PARK_GREEN or OUTDOOR_GROUNDS.get(surface or "") == "park":
        seen.append(f"vegetation {p.green:.0%}")
        return PlaceGuess("park", tuple(seen))
    if (p.structure >= CITY_STRUCTURE and p.sky < CITY_SKY) or surface == "asphalt":
        seen.append(f"straight edges {p.structure:.0%}, sky {p.sky:.0%}")
        return PlaceGuess("city", tuple(seen))
    if surface == "snow":
        return PlaceGuess("wind", tuple(seen))
    if p.sky >= CITY_SKY:
        seen.append(f"open sky {p.sky:.0%}")
    return PlaceGuess("outdoor_air", tuple(seen))
