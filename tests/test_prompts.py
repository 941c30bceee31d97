"""Prompt builder: short, specific, and never a word that asks a generator for a room."""

from __future__ import annotations

import itertools
import re

import pytest

from foleystudio.errors import InputError
from foleystudio.materials import FOOTWEAR, SURFACES
from foleystudio.prompts import GAIT_VERBS, REVERB_WORDS, PromptScene, build_prompt


def test_example_prompt_reads_as_one_short_sentence():
    text = build_prompt(surface="rubber", footwear="spikes", gait="sprint", strength=0.9)
    assert text.startswith("heavy footsteps of a person sprinting in track spikes on a rubber running track")
    assert len(text.split()) <= 24


def test_generator_prompts_have_no_reverb_words():
    for surface, footwear, gait in itertools.product(SURFACES, FOOTWEAR, sorted(GAIT_VERBS)):
        text = build_prompt(surface=surface, footwear=footwear, gait=gait, purpose="generator").lower()
        words = set(re.findall(r"[a-z]+", text))
        found = [w for w in REVERB_WORDS if (w in text if " " in w else w in words)]
        assert not found, (text, found)


def test_aliases_and_barefoot_read_naturally():
    text = build_prompt(surface="Paving stones", footwear="bare feet", gait="walk")
    assert "walking barefoot on paving stones" in text


def test_report_says_where_and_how_sure():
    scene = PromptScene(indoor=False, lighting="bright", surface_source="estimate", surface_probability=0.83)
    text = build_prompt(surface="grass", footwear="sandals", purpose="report", scene=scene, people=2)
    assert "2 people walking in sandals on grass" in text
    assert "outdoors" in text and "bright light" in text and "p=0.83" in text
    assert "default" in build_prompt(surface="concrete", purpose="report", scene=PromptScene(surface_source="default"))


def test_bad_values_are_refused():
    with pytest.raises(InputError):
        build_prompt(surface="lava")
    with pytest.raises(ValueError):
        build_prompt(surface="grass", purpose="poem")
