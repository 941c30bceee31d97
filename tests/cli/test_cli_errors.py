"""The CLI's contract for mistakes: one `error:` line, exit 1 (bad input) or 2 (bad usage),
no traceback, and no partial output left behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foleystudio.sound.mix import integrated_lufs
from tests.conftest import PROJECT, make_video


def foley(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "foleystudio", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or PROJECT, timeout=600)


def assert_refused(result, code, *fragments):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error:") or code == 2, last
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def no_outputs(directory: Path):
    left = [p.name for p in directory.iterdir() if "foley" in p.name or "partial" in p.name]
    assert not left, left


@pytest.fixture()
def out_dir(tmp_path):
    d = tmp_path / "out"
    d.mkdir()
    return d


def test_missing_file(out_dir):
    assert_refused(foley(out_dir / "nope.mp4", "-o", out_dir / "x_foley.mp4"), 1, "no such file")
    no_outputs(out_dir)


def test_not_a_media_file(tmp_path, out_dir):
    bad = tmp_path / "readme.mp4"
    bad.write_text("hello\n" * 50)
    assert_refused(foley(bad, "-o", out_dir / "x_foley.mp4"), 1, "not a media file")
    no_outputs(out_dir)


def test_no_video_stream(tmp_path, out_dir):
    wav = tmp_path / "a.wav"
    soundfile.write(str(wav), np.zeros(4800), 48000)
    assert_refused(foley(wav, "-o", out_dir / "x_foley.mp4"), 1, "no video stream")
    no_outputs(out_dir)


def test_truncated(tmp_path, out_dir, shared):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((shared / "media" / "hato_b12.mp4").read_bytes()[:300_000])
    assert_refused(foley(cut, "-o", out_dir / "x_foley.mp4"), 1, "cut.mp4")
    no_outputs(out_dir)


def test_absurd_size(tmp_path, out_dir):
    tiny = make_video(tmp_path / "tiny.mp4", size=(16, 16))
    assert_refused(foley(tiny, "-o", out_dir / "x_foley.mp4"), 1, "too small")
    no_outputs(out_dir)


def test_output_directory_missing(tmp_path):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", tmp_path / "nowhere" / "x.mp4"), 1, "does not exist")


def test_output_directory_unwritable(tmp_path):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", "/proc/x_foley.mp4"), 1, "not writable")


def test_output_would_overwrite_input(tmp_path):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", video), 1, "overwrite the input")


def test_unknown_surface_is_refused_before_work(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", out_dir / "x_foley.mp4", "--surface", "lava"), 1, "lava", "gravel")
    no_outputs(out_dir)


def test_keep_audio_without_audio(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", out_dir / "x_foley.mp4", "--keep-audio"), 1, "no audio track")
    no_outputs(out_dir)


def test_usage_errors_exit_2(tmp_path):
    assert_refused(foley(), 2, "usage")
    assert_refused(foley("x.mp4", "--min-confidence", "2"), 2, "outside 0..1")
    assert_refused(foley("x.mp4", "--backend", "cloud"), 2, "invalid choice")
    assert_refused(foley("x.mp4", "--backend", "samples"), 2, "--library")
    assert_refused(foley("x.mp4", "--layers", "footsteps,dialogue"), 2,
                   "the layers are footsteps, specifics, moves, ambience, music")
    assert_refused(foley("x.mp4", "--music", "jazz"), 2, "invalid choice: 'jazz'")
    assert_refused(foley("x.mp4", "--workers", "0"), 2, "0 is outside 1..64")
    assert_refused(foley("eval", "--workers", "many"), 2, "'many' is not a number of processes")
    assert_refused(foley("x.mp4", "--loudness", "-5"), 2, "the loudness must be -40..-9 LUFS")
    assert_refused(foley("x.mp4", "--ambience-level", "-99"), 2, "-60..12 dB")
    assert_refused(foley("x.mp4", "--layers", "music", "--no-music"), 2, "leave no layer")
    assert_refused(foley("x.mp4", "--level", "moves=loud"), 2, "is not a number of dB")
    assert_refused(foley("x.mp4", "--level", "moves=-90"), 2, "-60..12 dB")
    assert_refused(foley("x.mp4", "--fabric", "silk"), 2, "invalid choice")


def test_unknown_material_is_refused_before_work(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4")
    assert_refused(foley(video, "-o", out_dir / "x_foley.mp4", "--material", "lava"), 1, "lava", "metal")
    assert_refused(foley(video, "-o", out_dir / "x_foley.mp4", "--material", "fall=wood"), 1, "fall", "hit, impact")
    assert_refused(foley(video, "-o", out_dir / "x_foley.mp4", "--ambience", "lava"), 1, "lava", "shore")
    no_outputs(out_dir)


def test_help_shows_defaults():
    result = foley("--help")
    assert result.returncode == 0
    assert "(default: procedural)" in result.stderr + result.stdout
    assert "--events-only" in result.stdout


def test_person_free_video_succeeds_with_silence(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4", n_frames=20)
    result = foley(video, "-o", out_dir / "v_foley.mp4", "-q", "--no-ambience", "--no-music")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for layer in ("footsteps", "specifics", "moves"):  # every layer's stem, silent: nobody, nothing moving
        audio, _ = soundfile.read(out_dir / f"v_foley.{layer}.wav")
        assert not audio.any(), layer
    assert not (out_dir / "v_foley.ambience.wav").exists() and not (out_dir / "v_foley.music.wav").exists()
    audio, sr = soundfile.read(str(out_dir / "v_foley.footsteps.wav"))
    assert sr == 48000 and len(audio) == 32000 and not audio.any()


def test_a_place_with_nobody_still_gets_its_bed_and_score(tmp_path, out_dir):
    video = make_video(tmp_path / "v.mp4", n_frames=40)
    result = foley(video, "-o", out_dir / "v_foley.mp4", "-q", "--ambience", "rain", "--music", "pulse")
    assert result.returncode == 0, result.stderr
    for layer in ("ambience", "music"):
        audio, _ = soundfile.read(out_dir / f"v_foley.{layer}.wav")
        assert np.abs(audio).max() > 1e-3, layer
    mix, sr = soundfile.read(out_dir / "v_foley.mix.wav")
    assert integrated_lufs(mix, sr) == pytest.approx(-23.0, abs=0.5)
    doc = json.loads((out_dir / "v_foley.events.json").read_text())
    assert [(b["ambience"], b["source"]) for b in doc["ambience"]] == [("rain", "flag")]
    assert doc["music"]["style"] == "pulse" and doc["events"] == []
