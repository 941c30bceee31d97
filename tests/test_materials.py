"""The one vocabulary: names, spellings, what the engine renders for what the picture shows."""

from __future__ import annotations

import pytest

from foleystudio.errors import InputError
from foleystudio.materials import (
    ENGINE_FOOTWEAR,
    ENGINE_SURFACES,
    FABRIC_ALIASES,
    FABRICS,
    FOOTWEAR,
    FOOTWEAR_ALIASES,
    RENDERED_FOOTWEAR,
    RENDERED_SURFACE,
    SURFACE_ALIASES,
    SURFACES,
    engine_footwear,
    engine_surface,
    format_material_spec,
    normalise_fabric,
    normalise_footwear,
    normalise_surface,
    parse_material_spec,
)
from foleystudio.sound.procedural.models import FOOTWEAR_MODELS, SURFACE_MODELS
from foleystudio.vision.surface import load_model


def test_every_engine_name_renders_as_itself():
    for surface in ENGINE_SURFACES:
        assert engine_surface(surface) == surface
    for footwear in ENGINE_FOOTWEAR:
        assert engine_footwear(footwear) == footwear


def test_every_name_a_user_or_the_picture_can_give_maps_to_an_engine_model():
    assert set(RENDERED_SURFACE) == set(SURFACES) and set(RENDERED_SURFACE.values()) == set(ENGINE_SURFACES)
    assert set(RENDERED_FOOTWEAR) == set(FOOTWEAR) and set(RENDERED_FOOTWEAR.values()) == set(ENGINE_FOOTWEAR)
    assert set(ENGINE_SURFACES) <= set(SURFACE_MODELS) and set(ENGINE_FOOTWEAR) <= set(FOOTWEAR_MODELS)
    for surface in load_model().classes:  # what the committed classifier can say
        assert engine_surface(surface) in ENGINE_SURFACES


def test_seen_to_rendered_known_answers():
    assert engine_surface("stone") == "concrete"
    assert engine_surface("ice") == "marble"
    assert engine_surface("Paving stones") == "concrete"  # a spelling, then the engine's nearest
    assert engine_footwear("shoes") == "leather"
    assert engine_footwear("sandals") == "barefoot" and engine_footwear("socks") == "barefoot"
    assert engine_footwear("spikes") == "heels"
    assert normalise_footwear("leather") == "shoes"  # the engine's name, in the user's vocabulary


def test_spellings():
    assert normalise_surface("Paving stones") == "stone"
    assert normalise_surface("tartan") == "rubber"
    assert normalise_surface(" Wood ") == "wood"
    assert normalise_surface("planks") == "wood"
    assert normalise_surface("wooden-deck") == "deck"
    assert normalise_footwear("bare feet") == "barefoot"
    assert normalise_footwear("High-Heels") == "heels"
    assert normalise_footwear("dress shoes") == "shoes"


@pytest.mark.parametrize("names, aliases", [(SURFACES, SURFACE_ALIASES), (FOOTWEAR, FOOTWEAR_ALIASES),
                                            (FABRICS, FABRIC_ALIASES)])
def test_alias_tables_point_into_their_vocabulary(names, aliases):
    assert len(set(names)) == len(names)
    assert set(aliases.values()) <= set(names)
    assert not set(aliases) & set(names)  # a spelling never shadows a name
    assert all(key == "_".join(key.split()) and key == key.lower() for key in aliases)


def test_refusals_list_what_is_allowed():
    with pytest.raises(InputError) as err:
        normalise_surface("lava")
    assert str(err.value) == f"unknown surface 'lava'; use one of: {', '.join(SURFACES)}"
    with pytest.raises(InputError) as err:
        normalise_footwear("clogs")
    assert str(err.value) == f"unknown footwear 'clogs'; use one of: {', '.join(FOOTWEAR)}"
    with pytest.raises(InputError) as err:
        engine_surface("lava")
    assert str(err.value) == f"unknown surface 'lava'; allowed: {', '.join(ENGINE_SURFACES)}"
    with pytest.raises(InputError) as err:
        engine_footwear("clogs")
    assert str(err.value) == f"unknown footwear 'clogs'; allowed: {', '.join(ENGINE_FOOTWEAR)}"
    with pytest.raises(InputError) as err:
        normalise_fabric("silk")
    assert str(err.value) == "unknown fabric 'silk'; use one of: cotton, nylon, leather, denim"


def test_fabrics():
    assert FABRICS == ("cotton", "nylon", "leather", "denim")
    for fabric in FABRICS:
        assert normalise_fabric(fabric) == fabric
    assert normalise_fabric("jacket") == "nylon"
    assert normalise_fabric(" Jeans ") == "denim"
    assert normalise_fabric("T-shirt") == "cotton"
    assert normalise_fabric("leather jacket") == "leather"


@pytest.mark.parametrize("text, default, kinds", [
    ("metal", "metal", ()),
    ("steel", "metal", ()),  # a spelling
    ("hit=wood,impact=metal", None, (("hit", "wood"), ("impact", "metal"))),
    (" Impact = glass , stone ", "stone", (("impact", "glass"),)),
])
def test_a_material_for_every_kind_per_kind_or_both(text, default, kinds):
    assert parse_material_spec(text) == (default, kinds)
    assert parse_material_spec(format_material_spec(default, kinds)) == (default, kinds)


@pytest.mark.parametrize("text, says", [
    ("lava", "lava"),
    ("fall=wood", "not a kind that strikes"),  # a fall lands on the ground
    ("hit=wood,hit=metal", "given twice"),
    ("wood,metal", "two materials"),
    ("hit=lava", "lava"),
    (" , ", "expected a material"),
])
def test_a_bad_material_is_refused_saying_why(text, says):
    with pytest.raises(InputError, match=says):
        parse_material_spec(text)
