"""Cue sheets: both formats parse to the same cues; bad files name the file and the line."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from foleystudio.errors import InputError
from foleystudio.vision.contacts import ContactEvent
from foleystudio.edits.cues import CueSheet, read_cues, resolve_surfaces

JSON_SHEET = """{
  "schema": "foleystudio.cues.1",
  "cues": [
    {"start": 0, "end": 4.5, "surface": "grass"},
    {"start": "0:04.5", "person": 1, "surface": "Paving stones", "footwear": "boots"},
    {"start": "00:00:02", "end": "3", "person": 0, "footwear": "barefoot"}
  ]
}
"""

CSV_SHEET = """# a comment line
start,end,person,surface,footwear
0,4.5,,grass,
0:04.5,,1,Paving stones,boots
00:00:02,3,0,,barefoot
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name,text", [("cues.json", JSON_SHEET), ("cues.csv", CSV_SHEET)])
def test_both_formats_give_the_same_cues(tmp_path, name, text):
    sheet = read_cues(_write(tmp_path, name, text))
    first, second, third = sheet.cues
    assert (first.start_s, first.end_s, first.person, first.surface, first.footwear) == (0.0, 4.5, None, "grass", None)
    assert (second.start_s, second.person, second.surface, second.footwear) == (4.5, 1, "stone", "boots")
    assert math.isinf(second.end_s)
    assert (third.start_s, third.end_s, third.person, third.footwear) == (2.0, 3.0, 0, "barefoot")


def test_json_cues_know_their_lines(tmp_path):
    sheet = read_cues(_write(tmp_path, "cues.json", JSON_SHEET))
    assert [c.line for c in sheet.cues] == [4, 5, 6]


def test_a_bare_json_list_is_accepted(tmp_path):
    sheet = read_cues(_write(tmp_path, "cues.json", '[{"start": 1, "end": 2, "surface": "snow"}]'))
    assert sheet.cues[0].surface == "snow" and sheet.cues[0].line == 1


@pytest.mark.parametrize(
    "name,text,line,words",
    [
        ("bad.json", '{"cues": [\n  {"start": 0, "surface": "grass"},\n  {"start": 1, "surface": "lava"}\n]}', 3, "unknown surface 'lava'"),
        ("bad.json", '{"cues": [\n  {"start": 0, "surface": "grass"}\n  {"start": 1}\n]}', 3, "not valid JSON"),
        ("bad.json", '{"cues": [\n  {"start": 5, "end": 2, "surface": "grass"}\n]}', 2, "end 2 s is not after start 5 s"),
        ("bad.json", '{"cues": [\n  {"start": 0, "surfce": "grass"}\n]}', 2, "unknown field 'surfce'"),
        ("bad.json", '{"cues": [\n  {"start": 0}\n]}', 2, "needs a surface, a footwear, a material, an ambience or several"),
        ("bad.json", '{"cues": [\n  {"start": "soon", "surface": "grass"}\n]}', 2, "start 'soon' is not a time"),
        ("bad.json", '{"cues": [\n  {"start": 0, "person": "bob", "surface": "grass"}\n]}', 2, "person 'bob'"),
        ("bad.json", '{"cues": [\n  {"start": -1, "surface": "grass"}\n]}', 2, "at or after 0"),
        ("bad.json", '{"schema": "other.1", "cues": []}', 1, "schema 'other.1'"),
        ("bad.json", '{"cues": [\n  "grass"\n]}', 2, "expected an object"),
        ("bad.csv", "start,end,surface\n0,1,grass\n1,2,grass,extra\n", 3, "4 cells but the header has 3 columns"),
        ("bad.csv", "start,end,surface\n0,1,grass\n1,x,grass\n", 3, "end 'x' is not a time"),
        ("bad.csv", "begin,surface\n0,grass\n", 1, "header must name the columns"),
        ("bad.csv", "start,footwear\n0,clogs\n", 2, "unknown footwear 'clogs'"),
    ],
)
def test_bad_files_name_the_file_and_the_line(tmp_path, name, text, line, words):
    path = _write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        read_cues(path)
    message = str(err.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


@pytest.mark.parametrize(
    "name,text,words",
    [("missing.json", None, "not found"), ("empty.json", "", "empty"), ("empty.csv", "# nothing\n", "empty"),
     ("cues.txt", "start\n", "use .json or .csv"), ("none.json", '{"cues": []}', "no cues")],
)
def test_unusable_files_say_why(tmp_path, name, text, words):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(InputError, match=words):
        read_cues(path)


def _contact(t_s: float, person: int = 0) -> ContactEvent:
    return ContactEvent(t_s=t_s, frame=int(t_s * 30), person=person, foot="left", kind="step", confidence=0.9,
                        strength=0.5, x=0.5, y=0.9, body_px=300.0)


@dataclass(frozen=True)
class _Estimate:
    surface: str = "wood"
    probability: float = 0.8
    surface_confident: bool = True
    footwear: str = "barefoot"
    footwear_confident: bool = True


def test_resolver_precedence_cue_then_flag_then_estimate_then_default(tmp_path):
    sheet = read_cues(_write(tmp_path, "cues.csv", CSV_SHEET))
    contacts = [_contact(1.0), _contact(2.5), _contact(5.0, person=1), _contact(5.0, person=0)]
    est = [_Estimate()] * 4
    got = resolve_surfaces(contacts, est, cues=sheet)
    assert [(c.surface, c.surface_source) for c in got] == [
        ("grass", "cue"), ("grass", "cue"), ("stone", "cue"), ("wood", "estimate")]
    assert [(c.footwear, c.footwear_source) for c in got] == [
        ("barefoot", "estimate"), ("barefoot", "cue"), ("boots", "cue"), ("barefoot", "estimate")]
    flagged = resolve_surfaces(contacts, est, cues=sheet, surface="gravel", footwear="sneakers")
    assert flagged[3].surface == "gravel" and flagged[3].surface_source == "user"
    assert flagged[0].surface_source == "cue" and flagged[0].footwear == "sneakers"
    unsure = resolve_surfaces(contacts[:1], [_Estimate(surface_confident=False, footwear_confident=False)],
                              default_surface="tile", default_footwear="heels")
    assert (unsure[0].surface, unsure[0].surface_source, unsure[0].footwear, unsure[0].footwear_source) == (
        "tile", "default", "heels", "default")
    assert resolve_surfaces(contacts[:1])[0].surface_source == "default"


def test_person_cue_beats_everyone_cue_and_later_lines_win():
    from foleystudio.edits.cues import Cue

    sheet = CueSheet(
        cues=(Cue(0, 10, 2, "snow", None, 3), Cue(0, 10, None, "grass", None, 5), Cue(0, 10, None, "sand", None, 6)),
        source="x",
    )
    assert sheet.lookup(1.0, 2)[0].surface == "snow"
    assert sheet.lookup(1.0, 0)[0].surface == "sand"
    assert sheet.lookup(10.0, 0) == (None, None)


def test_resolver_rejects_unknown_flags():
    with pytest.raises(InputError, match="unknown surface 'lava'"):
        resolve_surfaces([_contact(1.0)], surface="lava")


@pytest.mark.parametrize("name,text", [
    ("m.csv", "start,end,person,material\n0,2,,wood\n1,,0,steel\n"),
    ("m.json", '{"cues": [{"start": 0, "end": 2, "material": "wood"}, {"start": 1, "person": 0, "material": "steel"}]}'),
])
def test_a_material_cue_says_what_the_specifics_strike_when(tmp_path, name, text):
    sheet = read_cues(_write(tmp_path, name, text))
    assert [c.material for c in sheet.cues] == ["wood", "metal"]  # spellings as materials.HIT_MATERIALS has them
    assert sheet.material_at(0.5, 0).material == "wood"
    assert sheet.material_at(1.5, 0).material == "metal"  # the person's cue beats everyone's
    assert sheet.material_at(1.5, -1).material == "wood"  # a sound of no one: only cues for everyone
    assert sheet.material_at(2.5, -1) is None
    assert sheet.lookup(0.5, 0) == (None, None)  # no surface or footwear for the steps


def test_an_unknown_material_names_the_line(tmp_path):
    with pytest.raises(InputError, match=r"m.csv:2: .*lava"):
        read_cues(_write(tmp_path, "m.csv", "start,material\n0,lava\n"))


@pytest.mark.parametrize("name,text", [
    ("a.csv", "start,end,ambience,surface\n0,4,beach,\n3,6,rain,grass\n"),
    ("a.json", '{"cues": [{"start": 0, "end": 4, "ambience": "beach"}, {"start": 3, "end": 6, "ambience": "rain", '
               '"surface": "grass"}]}'),
])
def test_an_ambience_cue_sets_the_bed_of_its_time_range(tmp_path, name, text):
    sheet = read_cues(_write(tmp_path, name, text))
    assert [c.ambience for c in sheet.ambience_cues()] == ["shore", "rain"]  # "beach" is spelled as AMBIENCES has it
    assert sheet.ambience_at(1.0).ambience == "shore"
    assert sheet.ambience_at(3.5).ambience == "rain"  # the later line wins where they overlap
    assert sheet.ambience_at(6.0) is None
    assert sheet.lookup(3.5, 0)[0].surface == "grass"  # the same cue also sets the ground


def test_an_ambience_is_the_places_not_a_persons(tmp_path):
    with pytest.raises(InputError, match=r"a.csv:2: an ambience is the place's"):
        read_cues(_write(tmp_path, "a.csv", "start,person,ambience\n0,1,rain\n"))
    with pytest.raises(InputError, match=r"a.csv:2: .*lava.*shore"):
        read_cues(_write(tmp_path, "a.csv", "start,ambience\n0,lava\n"))
