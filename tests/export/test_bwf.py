"""Broadcast WAV: samples exact to 24 bits, the bext chunk read back by FFmpeg, RF64 past the RIFF limit."""

from __future__ import annotations

import datetime as dt

import av
import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from foleystudio.errors import ExportError
from foleystudio.export import bwf
from foleystudio.export.bwf import BextInfo, read_bext, write_bwf

LSB = 1.0 / 8388607


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=3), st.integers(0, 2**40))
def test_samples_survive_to_the_24_bit_step(tmp_path_factory, n, channels, reference):
    audio = np.random.default_rng(n).uniform(-1.2, 1.2, (n, channels)).astype(np.float32)
    path = tmp_path_factory.mktemp("bwf") / "x.wav"
    write_bwf(path, audio, 48000, BextInfo(time_reference=reference))
    back, sr = soundfile.read(str(path), always_2d=True, dtype="float64")
    assert sr == 48000 and back.shape == (n, channels)
    np.testing.assert_allclose(back, np.clip(audio, -1, 1), atol=LSB)
    assert read_bext(path)["time_reference"] == reference  # 64 bits: past 2^32 samples (a day at 48 kHz)


def test_ffmpeg_reads_the_bext_chunk(tmp_path):
    path = tmp_path / "stem.wav"
    when = dt.datetime(2026, 12, 4, 10, 30, 0)
    write_bwf(path, np.zeros((480, 2)), 48000, BextInfo(description="footsteps stem", originator="foleystudio",
                                                       originator_reference="ref-1", time_reference=172_800_000,
                                                       origination=when))
    with av.open(str(path)) as container:
        tags = container.metadata
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("pcm_s24le", 48000, 2)
    assert tags["time_reference"] == "172800000"  # 01:00:00:00 at 48 kHz
    assert tags["comment"] == "footsteps stem" and tags["encoded_by"] == "foleystudio"
    assert tags["date"] == "2026-12-04" and tags["creation_time"] == "10:30:00"
    assert read_bext(path)["coding_history"] == "A=PCM,F=48000,W=24,M=stereo,T=foleystudio"


def test_rf64_past_the_riff_limit(tmp_path, monkeypatch):
    """Past 4 GiB the file is RF64 with a ds64 chunk; shown by lowering the limit, read back by FFmpeg and libsndfile."""
    monkeypatch.setattr(bwf, "RIFF_LIMIT", 10_000)
    audio = np.random.default_rng(0).uniform(-1, 1, (4000, 2)).astype(np.float32)
    path = tmp_path / "big.wav"
    write_bwf(path, audio, 48000, BextInfo(time_reference=5))
    assert path.read_bytes()[:4] == b"RF64"
    back, _ = soundfile.read(str(path), always_2d=True)
    np.testing.assert_allclose(back, audio, atol=LSB)
    with av.open(str(path)) as container:
        assert container.metadata["time_reference"] == "5"


def test_a_failure_midway_leaves_no_file(tmp_path, monkeypatch):
    calls = []

    def failing(block):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return b"\0" * (len(block) * block.shape[1] * 3)

    monkeypatch.setattr(bwf, "_pcm24", failing)
    monkeypatch.setattr(bwf, "BLOCK_SAMPLES", 100)
    with pytest.raises(ExportError, match="No space left on device"):
        write_bwf(tmp_path / "stem.wav", np.zeros((1000, 2)), 48000)
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_missing_folder(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_bwf(tmp_path / "no" / "stem.wav", np.zeros((10, 2)), 48000)


def test_a_stem_on_disk_is_written_as_the_same_file(tmp_path, monkeypatch):
    from foleystudio.sound import scratch

    monkeypatch.setattr(scratch, "MIN_DISK_BYTES", 0)
    monkeypatch.setattr(scratch, "RESIDENT_BYTES", 1 << 16)
    monkeypatch.setattr(bwf, "BLOCK_SAMPLES", 1000)
    audio = (np.random.default_rng(4).standard_normal((48_000, 2)) * 0.2).astype(np.float32)
    on_disk = scratch.zeros(audio.shape)
    on_disk[:] = audio
    when = BextInfo(origination=dt.datetime(2024, 5, 1, 12, 0, 0))
    write_bwf(tmp_path / "memory.wav", audio, 48_000, when)
    write_bwf(tmp_path / "disk.wav", on_disk, 48_000, when)
    assert (tmp_path / "disk.wav").read_bytes() == (tmp_path / "memory.wav").read_bytes()
