"""What a shot's place sounds like: picture measures with known answers, and the bed each scene gets."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from foleystudio.materials import AMBIENCES
from foleystudio.vision.place import Picture, choose_bed, describe_picture

H, W = 216, 384


def canvas(rgb=(128, 128, 128)) -> np.ndarray:
    image = np.empty((H, W, 3), np.uint8)
    image[:] = rgb
    return image


def textured(image: np.ndarray, rows: slice, seed: int = 0, amount: float = 70.0) -> np.ndarray:
    """Random blotches a few pixels wide (leaves, grass, gravel) in `rows`: edges in every direction."""
    rng = np.random.default_rng(seed)
    h, w = image[rows].shape[:2]
    blotches = cv2.resize(rng.uniform(-amount, amount, (h // 6, w // 6)).astype(np.float32), (w, h),
                          interpolation=cv2.INTER_CUBIC)
    image[rows] = np.clip(image[rows].astype(np.float32) + blotches[..., None], 0, 255).astype(np.uint8)
    return image


def sky_over_grass() -> np.ndarray:
    image = canvas((60, 140, 50))
    image[: H // 3] = (110, 160, 235)  # a clear blue sky
    return textured(image, slice(H // 3, H))


def street() -> np.ndarray:
    """Grey buildings with windows in rows and columns: straight edges everywhere, no sky, no green."""
    image = canvas((150, 150, 150))
    for top in range(10, H, 36):
        for left in range(12, W, 40):
            image[top:top + 18, left:left + 22] = (60, 64, 70)
    image[int(H * 0.75):] = (90, 90, 92)
    return image


def sea() -> np.ndarray:
    image = canvas((120, 170, 230))  # sky
    water = np.linspace(0, 1, H - H // 2)[:, None] * np.ones(W)
    image[H // 2:] = np.stack([40 + 20 * water, 110 + 30 * water, 160 + 30 * water], axis=-1).astype(np.uint8)
    for row in range(H // 2 + 4, H, 9):  # ripples: horizontal, low contrast
        image[row] = (70, 140, 190)
    return image


def test_measures_have_known_answers():
    green = describe_picture([sky_over_grass()])
    assert green.sky > 0.9 and green.green > 0.6 and green.water < 0.05
    town = describe_picture([street()])
    assert town.structure > 0.6 and town.sky == 0 and town.green == 0
    assert green.structure < 0.35  # grass: edges every way
    assert describe_picture([sea()]).water > 0.5
    dark = describe_picture([canvas((12, 12, 20))])
    assert dark.luma < 0.06
    warm, cold = describe_picture([canvas((220, 150, 60))]), describe_picture([canvas((60, 120, 220))])
    assert warm.warmth > 0.3 and cold.warmth < -0.3
    grey = describe_picture([canvas((128, 128, 128))])
    assert grey.saturation == 0 and grey.warmth == 0 and grey.structure == 0  # no edges at all
    assert describe_picture([]) is None


def test_the_mean_over_frames():
    both = describe_picture([canvas((0, 0, 0)), canvas((255, 255, 255))])
    assert both.luma == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(("picture", "indoor", "surface", "bed"), [
    (sky_over_grass, False, None, "park"),
    (street, False, None, "city"),
    (sea, False, None, "shore"),
    (lambda: canvas((12, 12, 20)), False, None, "night"),
    (lambda: canvas((150, 150, 150)), False, None, "outdoor_air"),
    (lambda: canvas((200, 200, 210)), False, "snow", "wind"),
    (lambda: canvas((150, 150, 150)), False, "asphalt", "city"),
    (lambda: canvas((150, 150, 150)), True, None, "room_small"),
])
def test_the_bed_of_a_scene(picture, indoor, surface, bed):
    guess = choose_bed(describe_picture([picture()]), indoor=indoor, surface=surface)
    assert guess.kind == bed and guess.kind in AMBIENCES
    assert guess.seen[0] == ("indoors" if indoor else "outdoors")


def test_a_blue_floor_under_the_feet_is_not_the_sea():
    floor = sea()
    floor[: H // 2] = (150, 150, 150)  # a wall, no sky: the blue is the floor
    assert choose_bed(describe_picture([floor]), indoor=False).kind != "shore"
    # the same blue under a sky, where the feet stand on a track the surface model is sure of
    assert choose_bed(describe_picture([sea()]), indoor=False, surface="rubber").kind != "shore"


def test_people_make_a_crowd_and_small_people_a_big_room():
    look = describe_picture([canvas((150, 140, 130))])
    many = Picture(**{**look.__dict__, "people": 6, "person_height": 0.5})
    assert choose_bed(many, indoor=True).kind == "crowd"
    assert choose_bed(many, indoor=False).kind == "crowd"
    far = Picture(**{**look.__dict__, "people": 1, "person_height": 0.2})
    near = Picture(**{**look.__dict__, "people": 1, "person_height": 0.8})
    assert choose_bed(far, indoor=True).kind == "room_large"
    assert choose_bed(near, indoor=True).kind == "room_small"
    assert "1 person at once" in choose_bed(near, indoor=True).seen


def test_unsure_settings_and_named_environments():
    grey = describe_picture([canvas((150, 150, 150))])
    assert choose_bed(grey, indoor=None, outdoor_probability=0.4).kind == "room_small"
    assert choose_bed(grey, indoor=None, outdoor_probability=0.6).kind == "outdoor_air"
    assert choose_bed(grey, indoor=False, environment="beach").kind == "shore"  # a whole-frame estimator's name
    assert choose_bed(grey, indoor=True, environment="gym").kind == "room_large"
    assert choose_bed(grey, indoor=True, environment="office").kind == "room_small"  # no bed by that name
    assert choose_bed(None, indoor=False, surface="grass").kind == "park"  # an old analysis with no picture
    assert choose_bed(None, indoor=True).kind == "room_small"
