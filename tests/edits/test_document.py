"""The edits document: checked field by field, and turned into the options rendering applies."""

from __future__ import annotations

import math

import pytest

from foleystudio.edits.document import SCHEMA, check_against, edit_options, empty_document, read_document
from foleystudio.errors import InputError
from foleystudio.rendering import RenderOptions, layer_gains
from foleystudio.vision.contacts import ContactEvent


def events(*times: float) -> tuple[ContactEvent, ...]:
    return tuple(ContactEvent(t_s=t, frame=int(t * 30), person=k % 2, foot="left" if k % 2 else "right",
                              kind="step", confidence=0.9, strength=0.5, x=0.5, y=0.8, body_px=200.0)
                 for k, t in enumerate(times))


def test_empty_document_changes_nothing_but_names_the_events():
    edits = read_document(empty_document())
    options = edit_options(edits, events(0.5, 1.0), RenderOptions(seed=4, surface="grass"))
    assert [(e.id, e.t_s) for e in options.events.events] == [("e0000", 0.5), ("e0001", 1.0)]
    assert options.seed == 4 and options.surface == "grass" and options.cues is None and options.levels == ()


def test_off_moved_added_cues_levels_seed():
    edits = read_document({
        "schema": SCHEMA, "off": ["e0001"], "moved": {"e0002": 0.25},
        "added": [{"t": 1.5, "person": 1, "foot": "Right", "surface": "wood", "footwear": "heels"}],
        "cues": [{"start": 0, "end": 1, "surface": "gravel"}, {"person": 1, "footwear": "boots"}],
        "levels": {"footsteps": -3}, "seed": 9,
    })
    check_against(edits, 3, 2.0)
    options = edit_options(edits, events(0.5, 1.0, 1.2), RenderOptions(seed=4))
    listed = [(e.id, e.t_s, e.person, e.foot, e.surface, e.footwear) for e in options.events.events]
    assert listed == [("e0002", 0.25, 0, "right", None, None), ("e0000", 0.5, 0, "right", None, None),
                      (None, 1.5, 1, "right", "wood", "heels")]
    cues = options.cues.cues
    assert (cues[0].start_s, cues[0].end_s, cues[0].person, cues[0].surface) == (0.0, 1.0, None, "gravel")
    assert (cues[1].start_s, cues[1].end_s, cues[1].person, cues[1].footwear) == (0.0, math.inf, 1, "boots")
    assert options.levels == (("footsteps", -3.0),) and options.seed == 9


@pytest.mark.parametrize("document, fragment", [
    ([], "expected an object"),
    ({"schema": "foleystudio.edits.2"}, "edits.schema"),
    ({"extra": 1}, "unknown field 'extra'"),
    ({"off": "e0001"}, "edits.off: must be a list"),
    ({"off": [3]}, "edits.off[0]"),
    ({"moved": []}, "edits.moved: must be an object"),
    ({"moved": {"e0000": "soon"}}, "edits.moved['e0000']"),
    ({"off": ["e0000"], "moved": {"e0000": 1}}, "also turned off"),
    ({"added": [{"person": 0}]}, "edits.added[0].t"),
    ({"added": [{"t": 1, "kind": "dance"}]}, "edits.added[0].kind"),
    ({"added": [{"t": 1, "surface": "lava"}]}, "edits.added[0].surface"),
    ({"added": [{"t": 1, "person": -1}]}, "person"),
    ({"cues": [{"start": 0}]}, "needs a surface, a footwear, a material, an ambience or several"),
    ({"cues": [{"footwear": "flippers"}]}, "edits.cues[0].footwear"),
    ({"levels": {"footsteps": "loud"}}, "edits.levels['footsteps']"),
    ({"levels": {"footsteps": -90}}, "outside -60..12 dB"),
    ({"levels": {"dialogue": 0}}, "unknown layer 'dialogue'"),
    ({"seed": 1.5}, "edits.seed"),
    ({"mute": "footsteps"}, "edits.mute: must be a list"),
    ({"mute": ["dialogue"]}, "edits.mute: unknown layer 'dialogue'"),
])
def test_every_problem_names_its_field(document, fragment):
    with pytest.raises(InputError, match=None) as caught:
        read_document(document)
    assert fragment in str(caught.value)


def test_ids_and_times_are_checked_against_the_analysis():
    with pytest.raises(InputError, match="no event 'e0005'"):
        check_against(read_document({"off": ["e0005"]}), 3, 2.0)
    with pytest.raises(InputError, match="past the end"):
        check_against(read_document({"added": [{"t": 2.5}]}), 3, 2.0)
    with pytest.raises(InputError, match="no events were found"):
        check_against(read_document({"moved": {"e0000": 1}}), 0, 2.0)


def test_layer_levels_are_linear_gains():
    assert layer_gains((("footsteps", -6.0),))["footsteps"] == pytest.approx(0.501, abs=1e-3)
    assert layer_gains(()) == {}
    with pytest.raises(InputError, match="unknown layer 'dialogue'"):
        layer_gains((("dialogue", 0.0),))


def test_a_muted_layer_has_no_gain_whatever_its_level():
    edits = read_document({"levels": {"footsteps": 6}, "mute": ["footsteps", "footsteps"]})
    assert edits.mute == ("footsteps",)
    options = edit_options(edits, events(0.5), RenderOptions())
    assert options.mute == ("footsteps",) and options.levels == (("footsteps", 6.0),)
    assert layer_gains(options.levels, mute=options.mute) == {"footsteps": 0.0}
    assert edit_options(read_document({}), events(0.5), RenderOptions(mute=("footsteps",))).mute == ("footsteps",)
