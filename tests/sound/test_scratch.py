"""Scratch arrays: audio on disk that behaves as an array, keeps its samples when its pages are handed back, holds
only a bounded stretch in memory, and leaves no file behind."""

from __future__ import annotations

import gc
import pickle

import numpy as np
import pytest

from foleystudio.errors import RenderError
from foleystudio.sound import scratch
from foleystudio.sound.scratch import ScratchAudio, any_nonzero, blocks, drop, release, zeros

N = 1 << 20  # a million stereo samples: 8 MB


@pytest.fixture(autouse=True)
def scratch_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_SCRATCH", str(tmp_path))
    return tmp_path


def resident_bytes(a: np.ndarray) -> int:
    """How much of the mapping that holds `a` is in this process's resident set now (/proc/self/smaps)."""
    start = a.__array_interface__["data"][0]
    inside = False
    with open("/proc/self/smaps") as fh:
        for line in fh:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= start < hi
            elif inside and head == "Rss:":
                return int(line.split()[1]) * 1024
    raise AssertionError("no mapping holds the array")


def scratch_maps(folder) -> list[str]:
    with open("/proc/self/maps") as fh:
        return [line for line in fh if str(folder) in line]


def test_a_scratch_array_is_zeros_on_disk_with_no_name(scratch_dir):
    a = zeros((N, 2))
    assert isinstance(a, ScratchAudio) and a.shape == (N, 2) and a.dtype == np.float32
    assert not any_nonzero(a)
    assert list(scratch_dir.iterdir()) == []  # unnamed: nothing to clean up, even after a crash
    assert scratch_maps(scratch_dir)  # ... but it is a file there, mapped
    del a
    gc.collect()
    assert not scratch_maps(scratch_dir)  # collected: unmapped, and the file's space is the disk's again


def test_small_arrays_and_on_disk_false_stay_in_memory():
    assert type(zeros((1000, 2))) is np.ndarray
    assert type(zeros((N, 2), on_disk=False)) is np.ndarray


def test_samples_survive_their_pages_being_handed_back():
    a = zeros((N, 2))
    data = np.random.default_rng(0).standard_normal((N, 2)).astype(np.float32)
    np.asarray(a)[:] = data  # through a plain view: no budget counts it, every page stays
    assert resident_bytes(a) == a.nbytes
    drop(a)
    assert resident_bytes(a) == 0
    np.testing.assert_array_equal(a, data)
    drop(np.asarray(a)[1000:5000])  # a plain view of it hands back its own pages
    np.testing.assert_array_equal(a[1000:5000], data[1000:5000])


def test_what_is_touched_stays_under_one_budget_for_every_array(monkeypatch):
    monkeypatch.setattr(scratch, "RESIDENT_BYTES", 1 << 20)
    arrays = [zeros((N, 2)) for _ in range(3)]
    block = 1 << 14  # 128 kB at a time, as a layer adds its sounds or a pass reads them
    most = 0
    for lo in range(0, N, block):
        arrays[0][lo:lo + block, 0] += 1.0  # indexing the array counts ...
        view = np.asarray(arrays[1])[lo:lo + block]
        view += 2.0
        release(view)  # ... and so does a pass's release of a plain view
        arrays[2][lo:lo + block] = arrays[0][lo:lo + block]
        most = max(most, sum(resident_bytes(a) for a in arrays))
    assert most <= (1 << 20) + 3 * 2 * block * 8  # the budget, and the blocks being worked on, of 24 MB
    assert np.all(arrays[0][:, 0] == 1.0) and not arrays[0][:, 1].any()
    assert np.all(arrays[1] == 2.0) and np.array_equal(arrays[2], arrays[0])


def test_a_short_clips_arrays_all_stay_in_memory():
    a = zeros((N, 2))  # 8 MB: far under the budget
    for lo, hi in blocks(N):
        a[lo:hi] += 1.0
        release(a[lo:hi])
    assert resident_bytes(a) == a.nbytes  # the next pass finds every page where it was


def test_results_are_plain_arrays_and_a_pickle_is_a_copy():
    a = zeros((N, 2))
    a[5] = 1.0
    for result in (a * 2, a[10:20], a.sum(axis=1), np.asarray(a), a + np.ones((N, 2), np.float32)):
        assert type(result) is np.ndarray
    assert isinstance(a.sum(), (float, np.floating)) and a.sum() == 2.0
    copy = pickle.loads(pickle.dumps(a))
    assert type(copy) is np.ndarray and np.array_equal(copy, a)


def test_release_of_an_ordinary_array_does_nothing():
    a = np.ones((10, 2), np.float32)
    release(a)
    assert np.all(a == 1.0)


def test_no_room_for_scratch_is_a_render_error(monkeypatch, tmp_path):
    monkeypatch.setenv("FOLEY_SCRATCH", str(tmp_path / "missing"))
    with pytest.raises(RenderError, match="FOLEY_SCRATCH"):
        zeros((N, 2))


def test_each_new_file_needs_room_for_every_one_alive(monkeypatch, tmp_path):
    """The files are sparse: the room they will take is checked up front, for all of them together."""
    free = 50 * N * 8  # as if the disk had room for 50 of these
    monkeypatch.setattr(scratch.os, "statvfs", lambda _: type("V", (), {"f_bavail": free, "f_frsize": 1})())
    monkeypatch.setattr(scratch, "FREE_MARGIN_BYTES", 0)
    held = [zeros((N, 2)) for _ in range(50)]
    with pytest.raises(RenderError, match="MB needed"):
        zeros((N, 2))
    held.pop()
    gc.collect()
    zeros((N, 2))  # one gone: room for one again
