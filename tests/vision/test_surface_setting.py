"""Indoor/outdoor cues and the setting's weight on the surface (`surface/setting.py`)."""

from __future__ import annotations

import numpy as np
import pytest

from foleystudio.materials import SURFACES
from foleystudio.vision.surface.classes import INDOOR_ONLY_SURFACES, OUTDOOR_ONLY_SURFACES
from foleystudio.vision.surface.setting import SettingConfig, estimate_setting, setting_prior, weigh_by_setting, with_surface

CLASSES = ("carpet", "concrete", "grass", "snow", "wood")


def _picture(top_rgb, bottom_rgb, h=90, w=160) -> np.ndarray:
    rgb = np.empty((h, w, 3), np.uint8)
    rgb[: h // 3], rgb[h // 3 :] = top_rgb, bottom_rgb
    return rgb


def test_blue_sky_says_outdoors_and_a_plain_room_leans_indoors():
    sky = estimate_setting([_picture((90, 150, 230), (120, 110, 100))])
    room = estimate_setting([_picture((200, 190, 170), (120, 100, 80))])
    assert sky.indoor is False and sky.outdoor_probability > 0.9
    assert room.outdoor_probability < 0.5  # no cue at all: slightly indoors (the bias), unsure
    assert estimate_setting([]).outdoor_probability == 0.5


@pytest.mark.parametrize("p_out", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_the_prior_weighs_only_surfaces_of_one_setting(p_out):
    low = SettingConfig().implausible_weight
    w = dict(zip(CLASSES, setting_prior(CLASSES, p_out)))
    assert w["concrete"] == w["wood"] == 1.0  # found in both settings: no objection
    assert w["grass"] == w["snow"] == pytest.approx(p_out + (1 - p_out) * low)
    assert w["carpet"] == pytest.approx((1 - p_out) + p_out * low)


def test_certain_settings_give_the_configured_weight_and_none_changes_nothing():
    config = SettingConfig(implausible_weight=0.2)
    indoors = dict(zip(CLASSES, setting_prior(CLASSES, 0.0, config)))
    outdoors = dict(zip(CLASSES, setting_prior(CLASSES, 1.0, config)))
    assert indoors["snow"] == pytest.approx(0.2) and indoors["carpet"] == 1.0
    assert outdoors["carpet"] == pytest.approx(0.2) and outdoors["snow"] == 1.0
    p = np.array([0.1, 0.2, 0.3, 0.3, 0.1])
    assert weigh_by_setting(p, CLASSES, None) is p
    weighed = weigh_by_setting(p, CLASSES, 0.0)
    assert weighed.sum() == pytest.approx(1.0) and weighed[3] < p[3] and weighed[1] > p[1]


def test_every_one_setting_surface_is_in_the_vocabulary():
    assert OUTDOOR_ONLY_SURFACES <= set(SURFACES) and INDOOR_ONLY_SURFACES <= set(SURFACES)
    assert not OUTDOOR_ONLY_SURFACES & INDOOR_ONLY_SURFACES


def test_a_known_surface_is_one_more_cue_on_the_same_picture():
    frames = [_picture((200, 190, 170), (120, 100, 80))]
    seen = estimate_setting(frames)
    for surface in ("grass", "carpet", "concrete", None):
        assert with_surface(seen, surface) == estimate_setting(frames, surface=surface)
    assert with_surface(seen, "grass").outdoor_probability > seen.outdoor_probability > with_surface(seen, "carpet").outdoor_probability
