"""The render on disk, a block at a time: the same samples as in memory, and no file left behind."""

from __future__ import annotations

import gc
from dataclasses import replace

import numpy as np
import pytest

from foleystudio.rendering import RenderOptions, render
from foleystudio.sound.mix import MixConfig
from foleystudio.sound.scratch import ScratchAudio
from tests.media.test_mux import _clip_with_sound
from tests.sound.test_scratch import scratch_maps
from tests.test_rendering import analysis

CASES = {
    "every layer": RenderOptions(seed=1),
    "per person, levels, web loudness": RenderOptions(seed=2, stems_per_person=True, levels=(("music", 3.0),),
                                                      mix=MixConfig(loudness_lufs=-16.0)),
    "unmastered": RenderOptions(seed=3, mix=MixConfig(loudness_lufs=None)),
    "the input's own sound kept": RenderOptions(seed=5, keep_audio=True),
}


def _in_memory(monkeypatch, on_disk: bool) -> None:
    if on_disk:  # every array on disk, every pass in blocks of an odd size: an edge inside every sound
        monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 0)
        monkeypatch.setattr("foleystudio.sound.scratch.BLOCK_SAMPLES", 5003)
        monkeypatch.setattr("foleystudio.sound.scratch.RESIDENT_BYTES", 1 << 16)
    else:
        monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 1 << 62)
        monkeypatch.setattr("foleystudio.sound.scratch.BLOCK_SAMPLES", 1 << 30)  # one block: the whole array


@pytest.mark.parametrize("case", list(CASES))
def test_on_disk_in_small_blocks_is_the_whole_render_in_memory(case, monkeypatch, tmp_path):
    """The steps at 0.5 and 2.5 s and the clap at 1.5 s all cross a block's edge (5003 samples apart); the
    clothes, beds and score cross dozens; the master's limiter and the music's ducking act across them."""
    monkeypatch.setenv("FOLEY_SCRATCH", str(tmp_path))
    options = CASES[case]
    video = analysis()
    if options.keep_audio:  # 1.6 s of noise that starts 0.25 s in: the rest of the 4 s is silence
        clip = _clip_with_sound(tmp_path / "sound.mkv", video_start_s=0.0, audio_start_s=0.25)
        video = replace(video, info=replace(video.info, path=str(clip), has_audio=True))
    _in_memory(monkeypatch, on_disk=False)
    whole = render(video, options)
    assert not any(isinstance(s.audio, ScratchAudio) for s in whole.stems)
    _in_memory(monkeypatch, on_disk=True)
    blocks = render(video, options)
    assert all(isinstance(s.audio, ScratchAudio) for s in blocks.stems) and isinstance(blocks.mix, ScratchAudio)
    assert [s.name for s in blocks.stems] == [s.name for s in whole.stems]
    for a, b in zip(blocks.stems, whole.stems):
        np.testing.assert_array_equal(a.audio, b.audio, err_msg=a.name)
    np.testing.assert_array_equal(blocks.mix, whole.mix)
    assert blocks.loudness_lufs == whole.loudness_lufs
    if options.keep_audio:
        original = dict((s.name, s.audio) for s in blocks.stems)["original"]
        assert not original[:12000].any() and original[12000:80000].all(axis=1).mean() > 0.9


def test_the_scratch_files_have_no_name_and_go_with_the_render(monkeypatch, tmp_path):
    monkeypatch.setenv("FOLEY_SCRATCH", str(tmp_path))
    assert scratch_maps(tmp_path) == []
    monkeypatch.setattr("foleystudio.sound.scratch.MIN_DISK_BYTES", 0)
    rendered = render(analysis(), RenderOptions(seed=4, stems_per_person=True))
    assert list(tmp_path.iterdir()) == []  # nothing to clean up, even if the process is killed
    held = scratch_maps(tmp_path)
    assert len(held) >= len(rendered.stems) + 1  # the stems and the mix are files there, mapped
    mix = np.array(rendered.mix)
    del rendered
    gc.collect()
    assert scratch_maps(tmp_path) == []  # collected: unmapped, the disk space is free again
    assert mix.any()
