"""The steady vote: an event is kept where the detector finds it again under a pixel of landmark noise."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from foleystudio.vision.contacts import ContactConfig, ContactEvent, detect_contacts
from foleystudio.vision.steady import display_jitter, jittered, steady_contacts
from tests.vision import synth
from tests.vision.synth import Faults, Stand


def _event(t_s: float, foot: str = "left", confidence: float = 0.8) -> ContactEvent:
    return ContactEvent(t_s=t_s, frame=round(t_s * 30), person=0, foot=foot, kind="step", confidence=confidence,
                        strength=0.5, x=0.5, y=0.9, body_px=400.0)


def _scripted(track, base: list[ContactEvent], draws: list[list[ContactEvent]]):
    """A detector that finds `base` in `track` itself and draws[i] in the i-th noisy copy of it."""
    calls = iter(draws)

    def detect(seen):
        return list(base) if np.array_equal(seen.image, track.image, equal_nan=True) else list(next(calls))
    return detect


@pytest.fixture(scope="module")
def walker():
    return synth.walking(duration_s=3.0).poses


def test_an_event_found_again_in_most_draws_is_kept_at_that_share(walker):
    track = walker.tracks[0]
    sure, half, rare, other_foot = _event(1.0), _event(2.0, confidence=0.6), _event(3.0), _event(4.0)
    draws = [[_event(1.01), _event(2.05), _event(4.02, foot="right")] if k < 4 else
             [_event(0.97), _event(3.0)] if k == 4 else [_event(1.0), _event(4.0, foot="right")] for k in range(8)]
    kept = steady_contacts(track, _scripted(track, [sure, half, rare, other_foot], draws), jitter_px=1.0, draws=8,
                           share=0.5, window_s=0.09)
    # 1.0 in all 8; 2.0 in 4 of 8 (within 0.09 s): kept at half its confidence; 3.0 in 1: dropped; 4.0 found on the
    # other foot in 7 (which foot is which is the least steady thing about an event): kept
    assert [(e.t_s, e.confidence) for e in kept] == [(1.0, 0.8), (2.0, 0.3), (4.0, 0.7)]


def test_a_near_miss_in_time_is_not_found_again(walker):
    track = walker.tracks[0]
    base = [_event(1.0)]
    kept = steady_contacts(track, _scripted(track, base, [[_event(1.1)]] * 8), jitter_px=1.0, draws=8, share=0.5,
                           window_s=0.09)
    assert kept == []
    assert steady_contacts(track, _scripted(track, base, []), jitter_px=1.0, draws=0, share=0.5,
                           window_s=0.09) == base  # no draws: the detector as it is


def test_the_noise_is_a_pixel_of_the_analysed_picture_on_the_image_landmarks_only(walker):
    track = replace(walker.tracks[0], image=walker.tracks[0].image.copy())
    track.image[5, 3, :] = np.nan  # an unseen landmark stays unseen
    noisy = jittered(track, 1.5, np.random.default_rng(0))
    moved = (noisy.image[:, :, :2] - track.image[:, :, :2])[np.isfinite(track.image[:, :, :2])]
    assert np.std(moved) == pytest.approx(1.5, rel=0.05) and abs(np.mean(moved)) < 0.05
    assert np.isnan(noisy.image[5, 3]).all()
    assert np.array_equal(noisy.image[:, :, 2:], track.image[:, :, 2:], equal_nan=True)  # depth untouched
    assert noisy.world is track.world and noisy.visibility is track.visibility
    assert display_jitter(1920, 1080, 1.0) == pytest.approx(1.5) and display_jitter(640, 360, 1.0) == 1.0


def test_a_clear_walk_holds_and_the_vote_is_the_same_every_run(walker):
    """Every step of a walker filmed big is found again in every draw: the vote changes nothing; and the draws are
    seeded, so the same poses give the same events."""
    voted = detect_contacts(walker)
    assert voted == detect_contacts(walker, config=ContactConfig(steady_draws=0))
    assert voted == detect_contacts(walker)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_step_made_of_landmark_noise_alone_is_voted_out(seed):
    """A person standing still whose landmarks jitter by 4 % of a leg a frame: the detector alone reads one
    confident step (0.93-0.96) into that noise; it is not found again when a pixel of noise is drawn afresh."""
    stand = synth.facing(Stand(), faults=Faults(noise=0.04), duration_s=6.0, seed=seed).poses
    assert len(detect_contacts(stand, config=ContactConfig(steady_draws=0))) >= 1
    assert len(detect_contacts(stand)) == 0
