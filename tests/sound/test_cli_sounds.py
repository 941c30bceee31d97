"""`foley sounds list | audition`: exit codes, the WAV it writes, steps on the beat."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from foleystudio.cli import main
from foleystudio.cli.sounds import LEAD_IN_S, PACE_S
from tests.audio_checks import detect_onsets


def test_list(capsys):
    assert main(["sounds", "list"]) == 0
    out = capsys.readouterr().out
    for word in ("gravel", "water", "barefoot", "landing"):
        assert word in out


def test_audition_writes_eight_steps_on_the_beat(tmp_path, capsys):
    out = tmp_path / "x.wav"
    args = ["sounds", "audition", "--surface", "gravel", "--footwear", "boots", "--gait", "walk", "--seed", "3"]
    assert main(args + ["-o", str(out)]) == 0
    info = sf.info(str(out))
    assert info.samplerate == 48000 and info.subtype == "PCM_24"
    audio, sr = sf.read(str(out), dtype="float32")
    onsets = detect_onsets(audio, sr)
    expected = LEAD_IN_S + PACE_S["walk"] * np.arange(8)
    hits = [np.min(np.abs(onsets - t)) for t in expected]
    assert max(hits) < 0.002
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]  # no temporary left behind
    # Same seed, same file.
    again = tmp_path / "y.wav"
    assert main(args + ["-o", str(again)]) == 0
    np.testing.assert_array_equal(sf.read(str(again))[0], audio)


def test_audition_errors(tmp_path, capsys):
    assert main(["sounds", "audition", "--surface", "lava", "-o", str(tmp_path / "a.wav")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown surface 'lava'") and "gravel" in err
    assert main(["sounds", "audition", "-o", str(tmp_path / "no" / "a.wav")]) == 1
    assert main(["sounds", "audition", "--backend", "samples", "-o", str(tmp_path / "a.wav")]) == 1
    assert "--library" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_audition_samples(tmp_path, shared):
    out = tmp_path / "s.wav"
    rc = main(["sounds", "audition", "--backend", "samples", "--library", str(shared / "sounds"),
               "--surface", "wood", "--steps", "4", "-o", str(out)])
    assert rc == 0 and sf.info(str(out)).samplerate == 48000
