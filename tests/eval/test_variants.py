"""Variants of a clip (eval/variants.py) and their scoring (eval/variants_run.py, `foley eval --variants`).

The builders run on a tiny synthetic clip whose every frame says which it is (its index in
binary, 5 black or white blocks across the top), leans left to right (a horizontal ramp) and has
colour (red and blue differ), so frame counts, held frames, mirroring and grey have known answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foleystudio.cli import eval as eval_cli
from foleystudio.errors import InputError
from foleystudio.eval import variants as variants_mod
from foleystudio.eval.baseline import BaselineConfig
from foleystudio.eval.groundtruth import parse_ground_truth
from foleystudio.eval.run import ClipResult, EvalReport, find_pairs
from foleystudio.eval.scoring import Score, ScoringConfig
from foleystudio.eval.variants import (
    VARIANTS,
    CropConfig,
    Variant,
    build_variant,
    cached_variant,
    crop_box,
    frame_plan,
    output_size,
    parse_variants,
    people_box,
    variant_truth,
)
from foleystudio.eval.variants_run import (
    VariantResult,
    VariantsReport,
    evaluate_variants,
    format_variants_table,
)
from foleystudio.media.encode import write_video
from foleystudio.media.frames import iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.vision.contacts import ContactConfig
from foleystudio.vision.pose import Poses, PoseTrack

N_FRAMES, FPS, SIZE = 30, Fraction(30), (320, 240)
BAND_ROWS, BITS = 12, 5  # the band that numbers the frame, in binary
TEXTURE = np.kron(np.random.default_rng(7).uniform(-25, 25, (15, 40)), np.ones((8, 8)))[..., None]


def _picture(index: int) -> np.ndarray:
    w, h = SIZE
    ramp = np.linspace(20, 230, w, dtype=np.float32)[None, :].repeat(h, axis=0)
    rgb = np.stack([ramp, np.full_like(ramp, 120.0), 250.0 - ramp], axis=2)
    rgb[h // 2:] += TEXTURE  # detail for the compressed variant to lose
    for bit in range(BITS):
        rgb[:BAND_ROWS, bit * w // BITS:(bit + 1) * w // BITS] = 230 if index >> bit & 1 else 20
    return np.clip(rgb, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("variants") / "numbered.mp4"
    frames = ((float(i / FPS), _picture(i)) for i in range(N_FRAMES))
    write_video(path, frames, size=SIZE, fps=FPS, audio=None, crf=4)
    return path


def _decoded(path: Path) -> list[np.ndarray]:
    info = probe_video(path)
    return [f.rgb for f in iter_frames(info, max_side_px=max(info.display_size))]


def _indices(frames: list[np.ndarray]) -> list[int]:
    """Which source frame each decoded frame shows, from its band."""
    w = SIZE[0]
    centres = [(bit * w // BITS + w // (2 * BITS)) for bit in range(BITS)]
    return [sum(1 << bit for bit, x in enumerate(centres) if f[2:BAND_ROWS - 2, x - 8:x + 8].mean() > 125)
            for f in frames]


def _built(clip: Path, tmp_path: Path, name: str, **kwargs) -> Path:
    return build_variant(probe_video(clip), VARIANTS[name], tmp_path / f"{name}.mp4", **kwargs)


def test_parse_variants_and_the_cli_list_agree():
    assert [v.name for v in parse_variants("all")] == list(VARIANTS)
    assert [v.name for v in parse_variants("grey, mirror")] == ["mirror", "grey"]  # VARIANTS' order
    with pytest.raises(ValueError, match="unknown variant sepia; use 'all' or some of: reencoded, mirror"):
        parse_variants("mirror,sepia")
    assert tuple(VARIANTS) == eval_cli.VARIANT_NAMES  # the help's list (kept there so --help imports nothing)


def test_frame_plans():
    times = [i / 30 for i in range(30)]
    rate, plan = frame_plan(times, 1.0, FPS, VARIANTS["24fps"])
    assert rate == 24 and len(plan) == 24
    # nearest source frame to k/24, a tie (k = 2: source 2.5) going to the earlier
    assert [i for _, i in plan] == [math.ceil(Fraction(k * 30, 24) - Fraction(1, 2)) for k in range(24)]
    assert plan[2] == (pytest.approx(2 / 24), 2)
    rate, plan = frame_plan(times, 1.0, FPS, VARIANTS["60fps"])
    assert len(plan) == 60 and [i for _, i in plan] == [k // 2 for k in range(60)]
    rate, plan = frame_plan(times, 1.0, FPS, VARIANTS["repeated"])
    assert rate == FPS and [t for t, _ in plan] == times
    assert [i for _, i in plan][:10] == [0, 1, 2, 3, 3, 5, 6, 7, 8, 8]


def test_mirrored_pixels_are_the_flipped_original(clip, tmp_path):
    source, mirrored = _decoded(clip), _decoded(_built(clip, tmp_path, "mirror"))
    assert len(mirrored) == N_FRAMES
    flipped = np.abs(mirrored[7].astype(int) - source[7][:, ::-1]).mean()
    unflipped = np.abs(mirrored[7].astype(int) - source[7]).mean()
    assert flipped < 2.0 and unflipped > 25.0


@pytest.mark.parametrize("name, size", [("360p", (480, 360)), ("480p", (640, 480))])
def test_scaled_sizes(clip, tmp_path, name, size):
    info = probe_video(_built(clip, tmp_path, name))
    assert (info.width, info.height) == size and info.n_frames == N_FRAMES
    assert output_size((1768, 994), VARIANTS[name]) == ({"360p": 640, "480p": 854}[name], size[1])


@pytest.mark.parametrize("name", ["24fps", "25fps", "60fps"])
def test_resampled_clips_keep_their_length_and_show_the_nearest_frame(clip, tmp_path, name):
    path = _built(clip, tmp_path, name)
    info = probe_video(path)
    rate = VARIANTS[name].fps
    assert info.fps == rate and info.n_frames == int(rate)  # 1 s
    assert info.duration_s == pytest.approx(1.0, abs=1e-3)
    assert info.frame_times_s[5] == pytest.approx(5 / float(rate), abs=1e-4)
    _, plan = frame_plan([i / 30 for i in range(N_FRAMES)], 1.0, FPS, VARIANTS[name])
    assert _indices(_decoded(path)) == [i for _, i in plan]


def test_repeated_frames_hold_every_fifth(clip, tmp_path):
    path = _built(clip, tmp_path, "repeated")
    info = probe_video(path)
    assert info.n_frames == N_FRAMES and info.fps == FPS
    expected = [i - 1 if i % 5 == 4 else i for i in range(N_FRAMES)]
    assert _indices(_decoded(path)) == expected


def test_grey_has_equal_channels(clip, tmp_path):
    frame = _decoded(_built(clip, tmp_path, "grey"))[3].astype(int)
    assert np.abs(frame[..., 0] - frame[..., 2]).max() <= 2 and np.abs(frame[..., 1] - frame[..., 0]).max() <= 2
    source = _decoded(clip)[3].astype(float)
    assert np.abs(frame[..., 1] - source @ variants_mod.BT709_LUMA).mean() < 2.0


def test_compressed_is_smaller_than_a_transparent_copy(clip, tmp_path):
    plain = build_variant(probe_video(clip), Variant("plain", "as it is"), tmp_path / "plain.mp4")
    squeezed = _built(clip, tmp_path, "compressed")
    assert squeezed.stat().st_size < 0.8 * plain.stat().st_size
    source = np.stack(_decoded(clip)).astype(int)
    error = {p.stem: np.abs(np.stack(_decoded(p)) - source).mean() for p in (plain, squeezed)}
    assert error["compressed"] > 2 * error["plain"]


def test_crop_spares_everyone_and_keeps_even_sizes(clip, tmp_path):
    cfg = CropConfig()
    assert crop_box(None, cfg) == (0.06, 0.15, 0.94, 0.85)  # nobody seen: every side cut in full
    assert crop_box((0.3, 0.3, 0.7, 0.75), cfg) == (0.06, 0.15, 0.94, 0.85)
    # someone near the top and the right edge: those sides are cut only down to the margin, or not at all
    assert crop_box((0.5, 0.1, 0.98, 0.9), cfg) == pytest.approx((0.06, 0.06, 1.0, 0.94))
    box = (0.06, 0.15, 0.94, 0.85)
    assert output_size(SIZE, VARIANTS["crop"], box) == (284, 168)  # columns 18..302, rows 36..204
    path = _built(clip, tmp_path, "crop", box=box)
    info = probe_video(path)
    assert (info.width, info.height) == (284, 168)
    source, cropped = _decoded(clip)[9], _decoded(path)[9]
    assert np.abs(cropped.astype(int) - source[36:204, 18:302]).mean() < 2.0


def test_people_box_from_poses():
    image = np.full((3, 33, 3), np.nan, np.float32)
    image[0, :, :2] = [[100.0, 50.0]] * 33
    image[1, :, :2] = [[300.0, 200.0]] * 33
    image[1, 0, :2] = [5.0, 5.0]  # hardly visible: no one is there
    visibility = np.ones((3, 33), np.float32)
    visibility[1, 0] = 0.1
    track = PoseTrack(0, np.arange(3), np.arange(3) / 30, image, image * 0, visibility)
    poses = Poses(width=400, height=250, frames=track.frames, t_s=track.t_s, tracks=(track,))
    assert people_box(poses) == pytest.approx((0.25, 0.2, 0.75, 0.8))
    assert people_box(dataclasses.replace(poses, tracks=())) is None


def _truth(**extra):
    return parse_ground_truth({
        "schema": "footstep-gt.1", "video": "numbered.mp4", "fps": 30,
        "events": [
            {"t": 0.2, "frame": 6, "foot": "left", "y_band": [0.2, 0.5]},
            {"t": 0.4, "frame": 12, "foot": "right", "y_band": [0.5, 0.95]},  # feet in the bottom 15%
            {"t": 0.6, "frame": 18, "foot": "unknown"},
        ],
        "ignore_regions": [[0.0, 1.0, 0.0, 0.1], [0.0, 1.0, 0.5, 0.6]],
        **extra,
    }, source_name="numbered.json")


def test_truth_of_a_mirrored_clip_swaps_feet():
    gt = variant_truth(_truth(), VARIANTS["mirror"])
    assert [e.foot for e in gt.events] == ["right", "left", "unknown"]
    assert [e.t_s for e in gt.events] == [0.2, 0.4, 0.6] and gt.name == "numbered"


def test_truth_of_a_cropped_clip_drops_the_feet_cut_off():
    gt = variant_truth(_truth(), VARIANTS["crop"], box=(0.06, 0.15, 0.94, 0.85))
    assert [e.t_s for e in gt.events] == [0.2, 0.6]  # the event without a position is kept
    assert gt.events[0].y_band == pytest.approx(((0.2 - 0.15) / 0.7, (0.5 - 0.15) / 0.7))
    assert len(gt.ignore_regions) == 1  # the band at the top lies wholly in the cut
    assert (gt.ignore_regions[0].y0, gt.ignore_regions[0].y1) == pytest.approx((0.5, 0.45 / 0.7))


def test_truth_of_a_resampled_clip_keeps_times():
    gt = variant_truth(_truth(), VARIANTS["24fps"])
    assert [e.t_s for e in gt.events] == [0.2, 0.4, 0.6]
    assert [e.frame for e in gt.events] == [5, 10, 14] and gt.fps == 24.0
    assert variant_truth(_truth(), VARIANTS["repeated"]).events == _truth().events


def test_variants_are_built_once(clip, tmp_path, monkeypatch):
    info = probe_video(clip)
    first = cached_variant(info, VARIANTS["grey"], tmp_path)
    monkeypatch.setattr(variants_mod, "build_variant", lambda *a, **k: pytest.fail("built again"))
    assert cached_variant(info, VARIANTS["grey"], tmp_path) == first
    with pytest.raises(pytest.fail.Exception):
        cached_variant(info, VARIANTS["grey"], tmp_path, box=(0.0, 0.1, 1.0, 0.9))  # another recipe


def _report(f1s: dict[str, tuple[int, int, int]]) -> EvalReport:
    clips = tuple(
        ClipResult(name, f"{name}.mp4", f"{name}.json", 30, 0.067, 0.033,
                   Score(truth, pred, tp, tp, pred, tp, ()), Score(truth, pred, tp, tp, pred, tp, ()))
        for name, (truth, pred, tp) in f1s.items()
    )
    return EvalReport(clips, ScoringConfig(), ContactConfig(), BaselineConfig())


def test_table_marks_the_clips_that_fall():
    original = _report({"a": (10, 10, 10), "b": (10, 10, 8)})
    worse = _report({"a": (10, 10, 9), "b": (10, 10, 7)})  # a: -0.10, b: -0.10 ... and one within
    better = _report({"a": (10, 10, 10), "b": (10, 10, 8)})
    report = VariantsReport(original, (VariantResult(VARIANTS["grey"], worse, ((0, 0, 1, 1),) * 2),
                                       VariantResult(VARIANTS["mirror"], better, ((0, 0, 1, 1),) * 2)))
    text = format_variants_table(report)
    lines = text.splitlines()
    assert lines[0].split() == ["variant", "F1", "dF1", "a", "b"]
    assert lines[2].split() == ["original", "0.90", "1.00", "0.80"]
    assert lines[4].split() == ["grey", "0.80", "-0.10", "0.90", "!", "0.70", "!"]
    assert lines[5].split() == ["mirror", "0.90", "+0.00", "1.00", "0.80"]
    assert "2 clip/variant pairs more than 0.05 below" in text
    markdown = format_variants_table(report, markdown=True)
    assert markdown.startswith("| variant | F1 | dF1 | a | b |") and "| grey | 0.80 | -0.10 | 0.90 ! |" in markdown
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == "foleystudio.eval-variants.1"
    assert [c["below"] for c in data["variants"][0]["clips"]] == [True, True]
    assert data["variants"][1]["delta_f1"] == 0.0


def _parse(*argv):
    parser = argparse.ArgumentParser(prog="foley")
    eval_cli.add_parser(parser.add_subparsers(dest="command"))
    return parser, parser.parse_args(["eval", *argv])


def test_cli_usage(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        _parse("--variants", "sepia")
    assert stop.value.code == 2 and "unknown variant sepia" in capsys.readouterr().err
    _, args = _parse("--variants", "mirror,24fps", "--layer", "specifics")
    assert eval_cli.run(args) == 2 and "--variants scores foot contacts only" in capsys.readouterr().err
    _, args = _parse()
    assert args.variants is None  # without the flag, `foley eval` is what it was
    (tmp_path / "file").write_text("")
    _, args = _parse("--variants", "grey", "--variants-dir", str(tmp_path / "file"))
    with pytest.raises(InputError, match="--variants-dir: .* is not a directory"):
        eval_cli.run(args)
    parser, _ = _parse()
    with pytest.raises(SystemExit):
        parser.parse_args(["eval", "--help"])
    assert "(default: none; only with --layer footsteps)" in " ".join(capsys.readouterr().out.split())


@pytest.fixture(scope="module")
def b12_variants(shared, tmp_path_factory):
    """hato_b12 (six contacts) and two of its variants, built and scored once for this module."""
    folder = tmp_path_factory.mktemp("variants")
    pairs = find_pairs(shared / "gt", shared / "media", only=["hato_b12"])
    return evaluate_variants(pairs, parse_variants("mirror,repeated"), variants_dir=str(folder)), folder


@pytest.mark.clips
def test_variants_of_a_real_clip_are_built_once_and_scored_against_their_own_truth(b12_variants):
    report, folder = b12_variants
    assert report.original.clips[0].new.n_truth == 6
    assert [r.variant.name for r in report.variants] == ["mirror", "repeated"]
    for result in report.variants:
        assert result.report.clips[0].new.n_truth == 6  # the same contacts: nobody's feet leave these pictures
        assert 0.0 <= result.report.new.f1 <= 1.0
    assert len(list(folder.glob("hato_b12.*.mp4"))) == 2


@pytest.mark.clips
@pytest.mark.parametrize("name", [
    pytest.param("mirror", marks=pytest.mark.xfail(strict=True, reason=(
        "issue 18, target unmet: mirrored, hato_b12 scores F1 0.91 against 1.00 (BlazePose is not "
        "mirror-symmetric); this test passes, and so fails as strict, once the detector holds"))),
    pytest.param("repeated", marks=pytest.mark.xfail(strict=True, reason=(
        "issue 18, target unmet: with every 5th frame held, hato_b12 scores F1 0.83 against 1.00: the held frames "
        "are found and left out (media.frames.mark_held), so speeds are on real time, but the left step at 0.50 s "
        "is missed and a doubtful one (confidence 0.60) is said at 1.35 s, beside the right one at 1.46 s"))),
])
def test_a_variant_of_a_real_clip_scores_within_005_of_the_original(b12_variants, name):
    report, _ = b12_variants
    result = next(r for r in report.variants if r.variant.name == name)
    assert result.report.new.f1 >= report.original.new.f1 - 0.05, (name, result.report.new.f1)
    assert not any(report.below(result))
