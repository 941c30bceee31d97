"""`foley picture`: a bed and a score from one still image, and what was seen, said and saved."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
import soundfile

from foleystudio.errors import InputError
from foleystudio.media.meter import ebur128
from foleystudio.picture import picture_sound
from foleystudio.sound.mix import MixConfig, integrated_lufs, true_peak_db
from tests.conftest import PROJECT
from tests.vision.test_place import sky_over_grass

SR = 48_000


@pytest.fixture(scope="module")
def park(tmp_path_factory):
    path = tmp_path_factory.mktemp("picture") / "park.png"
    cv2.imwrite(str(path), cv2.cvtColor(sky_over_grass(), cv2.COLOR_RGB2BGR))
    return path


def test_a_park_picture_gets_birds_and_a_score_at_broadcast_loudness(park):
    made = picture_sound(park, 6.0, seed=3)
    assert made.ambience == "park" and made.ambience_source == "estimate"
    assert "park ambience" in made.description and "vegetation" in made.description
    assert made.prompt.startswith("park ambience, birds")
    assert [s.name for s in made.stems] == ["ambience", "music"]
    for stem in made.stems:
        assert stem.audio.shape == (6 * SR, 2) and stem.audio.dtype == np.float32 and np.abs(stem.audio).max() > 0
    np.testing.assert_allclose(sum(s.audio for s in made.stems), made.mix, atol=1e-6)
    assert integrated_lufs(made.mix, SR) == pytest.approx(-23.0, abs=0.5) and true_peak_db(made.mix) <= -1.0
    bed, score = (integrated_lufs(s.audio, SR) for s in made.stems)
    assert bed > score  # the score sits under the place
    record = made.record()
    assert record["schema"] == "foleystudio.picture.1" and record["ambience"]["kind"] == "park"
    assert record["music"]["style"] == "ambient" and record["duration_s"] == 6.0


def test_the_user_chooses_the_bed_and_the_style(park):
    made = picture_sound(park, 3.0, ambience="beach", music=None, mix=MixConfig(loudness_lufs=-16.0))
    assert made.ambience == "shore" and made.ambience_source == "flag" and made.music is None
    assert [s.name for s in made.stems] == ["ambience"]
    assert integrated_lufs(made.mix, SR) == pytest.approx(-16.0, abs=0.5)


def test_bad_input_is_refused(park, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    for image, duration, match in ((text, 5.0, "not an image"), (tmp_path / "none.png", 5.0, "no such file"),
                                   (park, 0.1, "duration must be")):
        with pytest.raises(InputError, match=match):
            picture_sound(image, duration)
    with pytest.raises(InputError, match="unknown ambience 'lava'"):
        picture_sound(park, 2.0, ambience="lava")


def test_the_command_writes_the_mix_stems_and_what_it_saw(park, tmp_path):
    out = tmp_path / "bed.wav"
    result = subprocess.run([sys.executable, "-m", "foleystudio", "picture", str(park), "--duration", "5", "-o",
                             str(out), "--music", "piano"], capture_output=True, text=True, cwd=PROJECT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "park ambience" in result.stdout and "prompt: park ambience" in result.stdout
    mix, sr = soundfile.read(str(out), dtype="float32")
    assert sr == SR and mix.shape == (5 * SR, 2) and soundfile.info(str(out)).subtype == "PCM_24"
    r128 = ebur128(mix, sr)
    assert r128.integrated_lufs == pytest.approx(-23.0, abs=0.5) and r128.true_peak_db <= -0.9
    stems = [soundfile.read(str(tmp_path / f"bed.{layer}.wav"), dtype="float32")[0] for layer in ("ambience", "music")]
    np.testing.assert_allclose(sum(stems), mix, atol=2e-5)
    saved = json.loads((tmp_path / "bed.picture.json").read_text())
    assert saved["music"]["style"] == "piano" and saved["prompt"] in result.stdout


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--duration", "0"], 2, "0.5..3600 s"),
    (["-o", "bed.mp3"], 2, "the output is a WAV file"),
    (["--music", "jazz"], 2, "invalid choice: 'jazz'"),
    (["--loudness", "-3"], 2, "the loudness must be"),
    (["--tempo", "45"], 2, "50..170 bpm"),
])
def test_the_command_refuses_bad_usage(park, tmp_path, args, code, message):
    result = subprocess.run([sys.executable, "-m", "foleystudio", "picture", str(park), *args], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == code and message in result.stderr and "Traceback" not in result.stderr


def test_an_unreadable_picture_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\xff\xd8 broken")
    result = subprocess.run([sys.executable, "-m", "foleystudio", "picture", str(bad)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "not an image" in result.stderr
