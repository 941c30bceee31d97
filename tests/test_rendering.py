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
from foleystudio.edits.events import LAYERS
from foleystudio.edits.cues import Cue, CueSheet
from foleystudio.rendering import MOVES_UNDER_LU, MUSIC_UNDER_LU, RenderOptions, choose_actions, choose_beds, render
from foleystudio.sound.ambience import KIND_LUFS
from foleystudio.sound.room import SpaceOptions
from foleystudio.sound.mix import MixConfig, integrated_lufs, true_peak_db
from foleystudio.vision.actions import ActionEvent, ActionEvents
from foleystudio.vision.contacts import ContactEvent, ContactEvents
from foleystudio.vision.place import Picture
from foleystudio.vision.scene import ContactSurface, SceneEstimate, ShotScene
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
    assert list(stems) == list(LAYERS)
    for audio in stems.values():
        assert audio.shape == (int(LENGTH_S * SR), 2) and audio.dtype == np.float32 and np.abs(audio).max() > 1e-4
    np.testing.assert_allclose(sum(stems.values()), rendered.mix, atol=1e-6)
    assert integrated_lufs(rendered.mix, SR) == pytest.approx(-23.0, abs=0.5) == rendered.loudness_lufs  # R128
    assert true_peak_db(rendered.mix) <= MixConfig().true_peak_db
    clap = round(1.5 * SR)  # the clap's sound starts on its sample, and nothing of it before
    assert not np.any(stems["specifics"][:clap]) and np.abs(stems["specifics"][clap:clap + 480]).max() > 0.01
    assert rendered.seconds.keys() == {*LAYERS, "mix"}
    web = render(analysis(), RenderOptions(seed=1, mix=MixConfig(loudness_lufs=-16.0)))
    assert integrated_lufs(web.mix, SR) == pytest.approx(-16.0, abs=0.5) and true_peak_db(web.mix) <= -1.0


UNMASTERED = MixConfig(loudness_lufs=None)  # the layers as placed against each other, before the master


def test_the_events_meet_the_reference_and_the_beds_sit_under_them():
    stems = stems_of(render(analysis(), RenderOptions(seed=1, mix=UNMASTERED)))
    events = stems["footsteps"] + stems["specifics"]  # at the reference, unless the peak ceiling binds first
    at_target = integrated_lufs(events, SR) == pytest.approx(MixConfig().target_lufs, abs=0.5)
    assert at_target or true_peak_db(events) == pytest.approx(MixConfig().true_peak_db, abs=0.05)
    assert integrated_lufs(stems["ambience"], SR) == pytest.approx(KIND_LUFS["room_small"], abs=1.5)  # no scene
    under = MixConfig().target_lufs - MUSIC_UNDER_LU  # the score's place against the reference ...
    assert under - MixConfig().duck_db - 1.0 < integrated_lufs(stems["music"], SR) < under  # ... and ducked


def test_the_clothes_sit_under_the_events_and_under_the_target_alone():
    full = stems_of(render(analysis(), RenderOptions()))
    events = integrated_lufs(full["footsteps"] + full["specifics"], SR)
    assert integrated_lufs(full["moves"], SR) < events - 6.0
    alone = stems_of(render(analysis(steps=False, clap=False), RenderOptions(mix=UNMASTERED)))
    assert not alone["footsteps"].any() and not alone["specifics"].any()
    assert integrated_lufs(alone["moves"], SR) == pytest.approx(MixConfig().target_lufs - MOVES_UNDER_LU, abs=0.5)


def test_levels_mutes_and_layers_left_out():
    base = stems_of(render(analysis(), RenderOptions(mix=UNMASTERED)))
    quieter = stems_of(render(analysis(), RenderOptions(levels=(("moves", -6.0),), mix=UNMASTERED)))
    np.testing.assert_allclose(quieter["footsteps"], base["footsteps"], atol=1e-7)  # the others are untouched
    assert np.abs(quieter["moves"]).max() / np.abs(base["moves"]).max() == pytest.approx(10 ** (-6 / 20), rel=1e-4)
    muted = render(analysis(), RenderOptions(mute=("specifics",)))
    assert not stems_of(muted)["specifics"].any() and muted.actions  # silent, still listed
    without = render(analysis(), RenderOptions(layers=("footsteps",)))
    assert [s.name for s in without.stems] == ["footsteps"]
    np.testing.assert_allclose(without.mix, without.stems[0].audio)
    with pytest.raises(InputError, match="unknown layer 'dialogue'"):
        render(analysis(), RenderOptions(layers=("footsteps", "dialogue")))
    with pytest.raises(InputError, match="unknown music style 'jazz'"):
        render(analysis(), RenderOptions(music="jazz"))


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


def test_a_material_per_kind_beats_the_one_for_every_kind_and_loses_to_a_cue():
    def event(t_s, kind):
        return ActionEvent(t_s=t_s, frame=int(30 * t_s), kind=kind, person=0, x=0.5, y=0.5, strength=0.5,
                           confidence=0.9, body_px=300.0)

    a = replace(analysis(), actions=ActionEvents((event(1.0, "hit"), event(2.0, "impact"), event(3.0, "clap"),
                                                  event(4.0, "hit"))))
    options = RenderOptions(material="metal", kind_materials=(("hit", "wood"),))
    _, styles = choose_actions(a, options)
    assert [s["material"] for s in styles] == ["wood", "metal", "metal", "wood"]
    cues = CueSheet(cues=(Cue(3.5, 5.0, None, None, None, line=1, material="glass"),), source="test")
    _, styles = choose_actions(a, replace(options, cues=cues))
    assert [(s["material"], s["material_source"]) for s in styles][3] == ("glass", "cue")


def test_a_cue_says_what_the_specifics_strike_in_its_time_range():
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


def scene_of(*shots: tuple[float, float, bool, Picture]) -> SceneEstimate:
    """A scene of (start, end, indoor, picture) shots, nothing known of the ground; contacts as analysis()'s."""
    shot_scenes = tuple(
        ShotScene(shot=k, start_s=start, end_s=end, indoor=indoor, outdoor_probability=0.0 if indoor else 1.0,
                  lighting="normal", luma=picture.luma, surface="concrete", surface_probability=0.0,
                  surface_confident=False, probabilities=(), footwear="shoes", footwear_confident=False, patches=0,
                  source="default", picture=picture)
        for k, (start, end, indoor, picture) in enumerate(shots))
    unknown = ContactSurface(surface="concrete", probability=0.0, surface_confident=False, footwear="shoes",
                             footwear_confident=False, shot=0, frame_used=None, source="default")
    return SceneEstimate(shots=shot_scenes, contacts=(unknown, unknown))


PARK = Picture(luma=0.5, saturation=0.5, warmth=0.0, sky=0.4, green=0.5, water=0.0, structure=0.2)
ROOM = Picture(luma=0.5, saturation=0.2, warmth=0.1, sky=0.0, green=0.0, water=0.0, structure=0.4, people=1,
               person_height=0.7)


def test_each_shot_gets_its_bed_and_a_cue_or_the_flag_change_it():
    a = replace(analysis(), scene=scene_of((0.0, 2.0, False, PARK), (2.0, 4.0, True, ROOM)))
    beds = choose_beds(a)
    assert [(b["start_s"], b["end_s"], b["ambience"], b["source"]) for b in beds] == [
        (0.0, 2.0, "park", "estimate"), (2.0, 4.0, "room_small", "estimate")]
    assert "vegetation 50%" in beds[0]["seen"] and beds[1]["seen"][0] == "indoors"
    cues = CueSheet(cues=(Cue(1.0, 3.0, None, None, None, line=1, ambience="rain"),), source="test")
    beds = choose_beds(a, RenderOptions(cues=cues))
    assert [(b["start_s"], b["end_s"], b["ambience"], b["source"], b["shot"]) for b in beds] == [
        (0.0, 1.0, "park", "estimate", 0), (1.0, 2.0, "rain", "cue", 0),  # the rain crosses the cut: the next
        (2.0, 3.0, "rain", "cue", 1), (3.0, 4.0, "room_small", "estimate", 1)]  # shot's is a new one
    beds = choose_beds(a, RenderOptions(cues=cues, ambience="street"))  # the flag's spelling of "city"
    assert [(b["ambience"], b["source"]) for b in beds] == [("city", "flag"), ("rain", "cue"), ("rain", "cue"),
                                                              ("city", "flag")]
    assert [(b["ambience"], b["source"]) for b in choose_beds(analysis())] == [("room_small", "default")]


def test_the_bed_changes_where_the_place_does():
    a = replace(analysis(), scene=scene_of((0.0, 2.0, False, PARK), (2.0, 4.0, True, ROOM)))
    bed = stems_of(render(a, RenderOptions(layers=("ambience",), mix=UNMASTERED)))["ambience"]
    park, room = bed[: int(1.5 * SR)], bed[int(2.5 * SR):]
    assert integrated_lufs(park, SR) - integrated_lufs(room, SR) == pytest.approx(
        KIND_LUFS["park"] - KIND_LUFS["room_small"], abs=2.0)


def test_the_music_ducks_under_the_foley():
    config = UNMASTERED
    under = stems_of(render(analysis(), RenderOptions(mix=config)))["music"]
    alone = stems_of(render(analysis(), RenderOptions(layers=("music",), mix=config)))["music"]
    step, clear = round(0.52 * SR), round(3.6 * SR)  # on the first step; a second after the last
    assert np.all(alone[step - 240:step + 240] != 0)
    ratio = lambda i: np.abs(under[i - 240:i + 240]).sum() / np.abs(alone[i - 240:i + 240]).sum()  # noqa: E731
    assert ratio(step) == pytest.approx(10 ** (-MixConfig().duck_db / 20), rel=0.05)  # the whole depth on a step
    assert ratio(clear) == pytest.approx(1.0, abs=1e-6)  # and nothing where the Foley is silent
    assert render(analysis(), RenderOptions(mix=config)).music["tempo_bpm"] > 0


def test_an_indoor_shot_rings_in_its_room_and_a_dry_render_does_not():
    indoor = replace(analysis(), scene=scene_of((0.0, 4.0, True, ROOM)))
    wet = stems_of(render(indoor, RenderOptions(layers=("footsteps",), mix=UNMASTERED)))["footsteps"]
    dry = stems_of(render(indoor, RenderOptions(layers=("footsteps",), mix=UNMASTERED,
                                                space=SpaceOptions(room=False, air=False))))["footsteps"]
    assert choose_beds(indoor)[0]["room"] == "small"
    tail = slice(round(0.9 * SR), round(1.2 * SR))  # 0.4-0.7 s after the first step: its own sound is over
    assert np.abs(dry[tail]).max() < 1e-4 < np.abs(wet[tail]).max()
    outdoor = replace(analysis(), scene=scene_of((0.0, 4.0, False, PARK)))
    assert choose_beds(outdoor)[0]["room"] is None
