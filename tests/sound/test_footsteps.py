"""Placement: each step's attack lands on its contact's sample; pan and distance apply."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foleystudio.sound.backends import get_backend
from foleystudio.sound.footsteps import StepStyle, infer_gaits, place, render_footsteps
from foleystudio.sound.types import StepSound
from foleystudio.vision.contacts import ContactEvent
from tests.audio_checks import detect_onsets

SR = 48_000


class ImpulseBackend:
    """A step that is silence, then a unit impulse at a known onset, then a decay."""

    name = "impulse"
    sr = SR

    def __init__(self, pre: int = 37):
        self.pre = pre

    def render_step(self, request, rng):
        audio = np.zeros(self.pre + 200, np.float32)
        audio[self.pre :] = np.exp(-np.arange(200) / 20.0)
        return StepSound(audio=audio, onset=self.pre)


def _event(t, x=0.5, body=300.0, person=0, foot="left", kind="step"):
    return ContactEvent(t_s=t, frame=int(t * 30), person=person, foot=foot, kind=kind, confidence=1.0,
                        strength=0.5, x=x, y=0.9, body_px=body)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=SR * 2 - 1), min_size=1, max_size=8, unique=True),
       st.integers(min_value=0, max_value=300))
def test_onset_lands_on_the_contact_sample(samples, pre):
    events = [_event(s / SR) for s in sorted(samples)]
    stem = render_footsteps(events, ImpulseBackend(pre), n_samples=SR * 2, styles=[StepStyle("wood", "boots")] * len(events))
    for s in samples:
        assert stem.audio[s, 0] > 0.5  # the impulse itself
        if s > 0 and all(abs(s - o) > 200 for o in samples if o != s):
            assert stem.audio[s - 1, 0] == 0.0  # nothing before the attack


def test_stem_has_exact_length_and_crops_steps_at_the_edges():
    events = [_event(0.0), _event(0.999)]
    stem = render_footsteps(events, ImpulseBackend(100), n_samples=SR, styles=[StepStyle("wood", "boots")] * 2)
    assert stem.audio.shape == (SR, 2)
    assert stem.audio[0, 0] > 0.5 and stem.audio[SR - 48, 0] > 0.5


def test_centred_step_is_equal_in_both_channels_and_panned_step_is_not():
    stem = render_footsteps([_event(0.1, x=0.5)], ImpulseBackend(), n_samples=SR, styles=[StepStyle("wood", "boots")])
    assert np.array_equal(stem.audio[:, 0], stem.audio[:, 1])
    stem = render_footsteps([_event(0.1, x=0.1)], ImpulseBackend(), n_samples=SR, styles=[StepStyle("wood", "boots")])
    assert np.sum(stem.audio[:, 0] ** 2) > 4 * np.sum(stem.audio[:, 1] ** 2)


def test_farther_person_is_quieter_by_the_size_ratio():
    events = [_event(0.1, body=400.0), _event(0.5, body=100.0)]
    stem = render_footsteps(events, ImpulseBackend(0), n_samples=SR, styles=[StepStyle("wood", "boots")] * 2)
    near = stem.audio[int(0.1 * SR), 0]
    far = stem.audio[int(0.5 * SR), 0]
    reference = np.percentile([400.0, 100.0], 95)  # "largest seen", robust percentile
    assert 20 * np.log10(near / far) == pytest.approx(20 * np.log10(reference / 100.0), abs=1e-4)


def test_place_crops_negative_start():
    out = np.zeros((10, 2), np.float32)
    place(out, np.arange(1, 6, dtype=np.float32), -2, (1.0, 0.5))
    assert out[:3, 0].tolist() == [3, 4, 5] and out[:3, 1].tolist() == [1.5, 2, 2.5]


def test_gait_from_cadence():
    walk = [_event(0.6 * k, foot="left" if k % 2 else "right") for k in range(8)]
    run = [_event(0.3 * k, person=1) for k in range(8)]
    assert infer_gaits(walk + run) == {0: "walk", 1: "run"}


def test_procedural_steps_land_within_1_ms_of_their_contacts():
    backend = get_backend("procedural")
    times = [0.2, 0.75, 1.3, 1.9, 2.45]
    surfaces = ["concrete", "wood", "grass", "gravel", "concrete"]
    events = [_event(t, foot="left" if i % 2 else "right") for i, t in enumerate(times)]
    stem = render_footsteps(events, backend, n_samples=3 * SR, styles=[StepStyle(s, "sneakers") for s in surfaces])
    onsets = detect_onsets(stem.audio, SR)
    for t in times:
        assert np.min(np.abs(onsets - t)) <= 0.001, (t, onsets)
