"""Rendering every layer: a stem each, one loudness gain (the stems add up to the mix), levels, layers left out,
edited specifics, and the clothes kept under the events."""

from __future__ import annotations

import functools
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from foleystudio.analysis import Analysis
from foleystudio.edits.document import check_against, edit_options, read_document
from foleystudio.errors import InputError
from foleystudio.media.probe import VideoInfo
from foleystudio.rendering import MOVES_UNDER_LU, RenderOptions, choose_actions, render
from foleystudio.sound.mix import MixConfig, integrated_lufs, true_peak_db
from foleystudio.vision.actions import ActionEvent, ActionEvents
from foleystudio.vision.contacts import ContactEvent, ContactEvents
from foleystudio.vision.shots import Shot, Shots
from tests.sound.test_moves import LENGTH_S, swinging

SR = 48_000
FPS = 30


@functools.cache
def analysis(*, steps: bool = True, clap: bool = True) -> Analysis:
    """A person who swings their arms from 1 s to 3 s (the moves), steps at 0.5 and 2.5 s, claps at 1.5 s."""
    poses = swinging(0.8)
    n = int(LENGTH_S * FPS)
    info = VideoInfo(path="synthetic.mp4", container="mp4", codec="h264", fps=Fraction(FPS), n_frames=n,
                     duration_s=LENGTH_S, width=poses.width, height=poses.height, rotation=0, pix_fmt="yuv420p",
                     has_audio=False, variable_frame_rate=False, frame_times_s=tuple(i / FPS for i in range(n)))
    contacts = tuple(ContactEvent(t_s=t, frame=int(t * FPS), person=0, foot=foot, kind="step", confidence=0.9,
                                  strength=0.8, x=0.5, y=0.9, body_px=300.0)
                     for t, foot in ((0.5, "left"), (2.5, "right"))) if steps else ()
    actions = (ActionEvent(t_s=1.5, frame=45, kind="clap", person=0, x=0.5, y=0.4, strength=0.8, confidence=0.9,
                           body_px=300.0),) if clap else ()
    shots = Shots((Shot(0, 0, n, 0.0, LENGTH_S, "start", 1.0),))
    return Analysis(info=info, poses=poses, contacts=ContactEvents(contacts), actions=ActionEvents(actions),
                    shots=shots, scene=None)


def stems_of(rendered) -> dict[str, np.ndarray]:
    return {s.name: s.audio for s in rendered.stems}


def test_every_layer_is_a_stem_and_they_add_up_to_the_mix():
    rendered = render(analysis(), RenderOptions(seed=1))
    stems = stems_of(rendered)
    assert list(stems) == ["footsteps", "specifics", "moves"]
    for audio in stems.values():
        assert audio.shape == (int(LENGTH_S * SR), 2) and audio.dtype == np.float32 and np.abs(audio).max() > 1e-4
    np.testing.assert_allclose(sum(stems.values()), rendered.mix, atol=1e-6)
    events = stems["footsteps"] + stems["specifics"]  # at the loudness target, unless the peak ceiling binds first
    at_target = integrated_lufs(events, SR) == pytest.approx(MixConfig().target_lufs, abs=0.5)
    assert at_target or true_peak_db(rendered.mix) == pytest.approx(MixConfig().true_peak_db, abs=0.05)
    assert true_peak_db(rendered.mix) <= MixConfig().true_peak_db + 0.05
    clap = round(1.5 * SR)  # the clap's sound starts on its sample, and nothing of it before
    assert not np.any(stems["specifics"][:clap]) and np.abs(stems["specifics"][clap:clap + 480]).max() > 0.01
    assert rendered.seconds.keys() == {"footsteps", "specifics", "moves"}


def test_the_clothes_sit_under_the_events_and_under_the_target_alone():
    full = stems_of(render(analysis(), RenderOptions()))
    events = integrated_lufs(full["footsteps"] + full["specifics"], SR)
    assert integrated_lufs(full["moves"], SR) < events - 6.0
    alone = stems_of(render(analysis(steps=False, clap=False), RenderOptions()))
    assert not alone["footsteps"].any() and not alone["specifics"].any()
    assert integrated_lufs(alone["moves"], SR) == pytest.approx(MixConfig().target_lufs - MOVES_UNDER_LU, abs=0.5)


def test_levels_mutes_and_layers_left_out():
    base = stems_of(render(analysis(), RenderOptions()))
    quieter = stems_of(render(analysis(), RenderOptions(levels=(("moves", -6.0),))))
    np.testing.assert_allclose(quieter["footsteps"], base["footsteps"], atol=1e-7)  # the others are untouched
    assert np.abs(quieter["moves"]).max() / np.abs(base["moves"]).max() == pytest.approx(10 ** (-6 / 20), rel=1e-4)
    muted = render(analysis(), RenderOptions(mute=("specifics",)))
    assert not stems_of(muted)["specifics"].any() and muted.actions  # silent, still listed
    without = render(analysis(), RenderOptions(layers=("footsteps",)))
    assert [s.name for s in without.stems] == ["footsteps"]
    np.testing.assert_allclose(without.mix, without.stems[0].audio)
    with pytest.raises(InputError, match="unknown layer 'music'"):
        render(analysis(), RenderOptions(layers=("footsteps", "music")))


def test_a_specific_edited_off_or_moved_by_its_id():
    a = analysis()
    edits = read_document({"moved": {"s0000": 2.0}})
    check_against(edits, len(a.contacts.events), a.info.duration_s, len(a.actions.events))
    moved = render(a, edit_options(edits, a.contacts.events, RenderOptions(), actions=a.actions.events))
    assert [(e.t_s, i) for e, i in zip(moved.actions, moved.action_ids)] == [(2.0, "s0000")]
    specifics = stems_of(moved)["specifics"]
    assert not np.any(specifics[:2 * SR]) and np.abs(specifics[2 * SR:2 * SR + 480]).max() > 0.01
    off = render(a, edit_options(read_document({"off": ["s0000"]}), a.contacts.events, RenderOptions(),
                                 actions=a.actions.events))
    assert off.actions == () and not stems_of(off)["specifics"].any()
    with pytest.raises(InputError, match="no event 's0001'"):
        check_against(read_document({"off": ["s0001"]}), 2, 4.0, 1)


def test_what_a_specific_strikes():
    a = replace(analysis(), actions=ActionEvents((
        ActionEvent(t_s=1.0, frame=30, kind="hit", person=0, x=0.5, y=0.5, strength=0.5, confidence=0.9,
                    body_px=300.0),
        ActionEvent(t_s=2.0, frame=60, kind="fall", person=0, x=0.5, y=0.8, strength=0.9, confidence=0.9,
                    body_px=300.0))))
    _, styles = choose_actions(a, RenderOptions())
    assert [s["material"] for s in styles] == ["neutral", "stone"]  # a knock; a fall on the default concrete
    _, styles = choose_actions(a, RenderOptions(material="steel", surface="grass"))
    assert [(s["material"], s["material_source"]) for s in styles] == [("metal", "flag"), ("soft", "flag")]


def test_a_cue_says_what_the_specifics_strike_in_its_time_range():
    from foleystudio.edits.cues import Cue, CueSheet

    a = replace(analysis(), actions=ActionEvents((
        ActionEvent(t_s=1.0, frame=30, kind="hit", person=0, x=0.5, y=0.5, strength=0.5, confidence=0.9,
                    body_px=300.0),
        ActionEvent(t_s=2.0, frame=60, kind="fall", person=0, x=0.5, y=0.8, strength=0.9, confidence=0.9,
                    body_px=300.0),
        ActionEvent(t_s=3.0, frame=90, kind="fall", person=0, x=0.5, y=0.8, strength=0.9, confidence=0.9,
                    body_px=300.0))))
    cues = CueSheet(cues=(Cue(0.0, 1.5, None, None, None, line=1, material="glass"),
                          Cue(2.5, 4.0, 0, "grass", None, line=2)), source="test")
    _, styles = choose_actions(a, RenderOptions(cues=cues, material="wood"))
    assert [(s["material"], s["material_source"]) for s in styles] == [
        ("glass", "cue"),  # the cue beats the flag
        ("stone", "default"),  # nothing said: the default ground (concrete)
        ("soft", "cue")]  # the cue's grass is what the body lands on
