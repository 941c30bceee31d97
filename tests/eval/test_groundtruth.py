import copy
import json
import os
from pathlib import Path

import pytest

from foleystudio.errors import InputError
from foleystudio.eval.groundtruth import IgnoreRegion, load_ground_truth, parse_ground_truth

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "schema": "footstep-gt.1",
    "video": "clip.mp4",
    "fps": 30.0,
    "duration_s": 4.0,
    "source": "hand-labelled",
    "people": 2,
    "events": [
        {"t": 1.5, "frame": 45, "foot": "right", "person": 1, "kind": "landing", "y_band": [0.6, 0.9]},
        {"t": 0.5, "frame": 15, "foot": "left", "person": 0, "kind": "step"},
        {"t": 1.0},
    ],
    "ignore": [[3.0, 4.0]],
    "ignore_regions": [[0.0, 2.0, 0.0, 0.5]],
    "tolerance_s": 0.1,
    "notes": "anything",
}


def shared_dir() -> Path:
    path = Path(os.environ.get("FOLEY_SHARED") or ROOT.parent / "shared")
    assert (path / "gt").is_dir(), f"shared test material missing: {path}/gt (set FOLEY_SHARED)"
    return path


def test_reads_every_shared_file():
    files = sorted((shared_dir() / "gt").glob("*.json"))
    assert files
    for file in files:
        gt = load_ground_truth(file)
        assert gt.name == file.stem
        assert (shared_dir() / "media" / gt.video).is_file()
        assert [e.t_s for e in gt.events] == sorted(e.t_s for e in gt.events)


def test_known_shared_file():
    gt = load_ground_truth(shared_dir() / "gt" / "hato_b12.json")
    assert gt.video == "hato_b12.mp4"
    assert len(gt.events) == 6
    assert gt.events[0].t_s == pytest.approx(0.251)
    assert gt.events[0].foot == "unknown" and gt.events[0].kind == "step"  # defaults
    assert gt.ignore_s == ((0.0, 0.2), (1.55, 2.402))
    assert gt.tolerance_s is None and gt.ignore_regions == ()


def test_optional_fields_and_defaults():
    gt = parse_ground_truth(VALID, source_name="x.json")
    assert [e.t_s for e in gt.events] == [0.5, 1.0, 1.5]  # sorted by time
    default = gt.events[1]
    defaults = (default.foot, default.person, default.kind, default.frame, default.y_band)
    assert defaults == ("unknown", 0, "step", None, None)
    assert gt.events[2].y_band == (0.6, 0.9)
    assert gt.ignore_regions == (IgnoreRegion(0.0, 2.0, 0.0, 0.5),)
    assert gt.tolerance_s == 0.1
    assert gt.people == 2 and gt.fps == 30.0


def test_scalar_y_band_is_a_point():
    data = copy.deepcopy(VALID)
    data["events"][0]["y_band"] = 0.7
    assert parse_ground_truth(data).events[2].y_band == (0.7, 0.7)


def test_minimal_file():
    gt = parse_ground_truth({"schema": "footstep-gt.1", "video": "a.mp4", "events": []})
    assert gt.events == () and gt.ignore_s == () and gt.tolerance_s is None


def _set(path: str, value):
    """A mutation of VALID: dotted path with list indices, value None deletes."""

    def apply(data):
        keys = [int(k) if k.isdigit() else k for k in path.split(".")]
        target = data
        for k in keys[:-1]:
            target = target[k]
        if value is _DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
        return data

    return apply


_DELETE = object()

BAD = [
    (_set("schema", "footstep-gt.2"), "schema"),
    (_set("schema", _DELETE), "schema"),
    (_set("video", _DELETE), "video"),
    (_set("video", ""), "video"),
    (_set("events", _DELETE), "events"),
    (_set("events", {"t": 1}), "events"),
    (_set("events.0", 3), "events[0]"),
    (_set("events.0.t", _DELETE), "events[0].t"),
    (_set("events.0.t", "1.5"), "events[0].t"),
    (_set("events.0.t", -0.1), "events[0].t"),
    (_set("events.0.t", float("nan")), "events[0].t"),
    (_set("events.0.t", True), "events[0].t"),
    (_set("events.0.foot", "middle"), "events[0].foot"),
    (_set("events.0.kind", "hop"), "events[0].kind"),
    (_set("events.0.person", -1), "events[0].person"),
    (_set("events.0.person", 1.5), "events[0].person"),
    (_set("events.0.frame", -3), "events[0].frame"),
    (_set("events.0.y_band", [0.9, 0.6]), "events[0].y_band"),
    (_set("events.0.y_band", [0.5, 1.5]), "events[0].y_band"),
    (_set("events.0.y_band", [0.5]), "events[0].y_band"),
    (_set("ignore", [[2.0, 1.0]]), "ignore[0]"),
    (_set("ignore", [[1.0]]), "ignore[0]"),
    (_set("ignore", [1.0, 2.0]), "ignore[0]"),
    (_set("ignore", "none"), "ignore"),
    (_set("ignore_regions", [[0.0, 1.0, 0.5]]), "ignore_regions[0]"),
    (_set("ignore_regions", [[2.0, 1.0, 0.0, 0.5]]), "ignore_regions[0]"),
    (_set("ignore_regions", [[0.0, 1.0, 0.6, 0.5]]), "ignore_regions[0]"),
    (_set("ignore_regions", [[0.0, 1.0, 0.0, 2.0]]), "ignore_regions[0]"),
    (_set("tolerance_s", -0.01), "tolerance_s"),
    (_set("tolerance_s", "67ms"), "tolerance_s"),
    (_set("fps", 0), "fps"),
    (_set("people", -1), "people"),
]


@pytest.mark.parametrize("mutate, field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_bad_fields_name_file_and_field(tmp_path, mutate, field):
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(mutate(copy.deepcopy(VALID))))
    with pytest.raises(InputError) as info:
        load_ground_truth(file)
    message = str(info.value)
    assert message.startswith(f"{file}: ")
    assert f" {field}:" in message


def test_not_json(tmp_path):
    file = tmp_path / "broken.json"
    file.write_text('{"schema": "footstep-gt.1", ')
    with pytest.raises(InputError, match=r"broken\.json: not valid JSON"):
        load_ground_truth(file)


def test_top_level_not_object(tmp_path):
    file = tmp_path / "list.json"
    file.write_text("[]")
    with pytest.raises(InputError, match=r"list\.json: \(top level\)"):
        load_ground_truth(file)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such ground-truth file"):
        load_ground_truth(tmp_path / "nope.json")
