"""Audio as long as the video, kept on disk: only the stretch being worked on is in memory.

A render holds a stem per layer, their mix and the master's curves, each as long as the video
(stereo float32 at 48 kHz is 23 MB a minute). `zeros` makes such an array in a temporary file
that has no name (O_TMPFILE, or unlinked at once), mapped into memory: the disk space goes
back when the array is collected, even after a crash. The file is sparse (its first write
costs what a fresh page of memory does; reserving its blocks up front made the first pass
2-3x slower), so the folder's free space is checked before it is made, for it and every
scratch file alive: a disk too full is a RenderError, not a crash on a write (unless another
program fills it during the render).

What a computation touches counts against one budget for every scratch array, RESIDENT_BYTES:
indexing the array itself counts (what a layer does as it places its sounds), and so does
`release(block)`, which a blockwise pass calls when it is done with a block. Past the budget,
the least recently used pages are handed back to the kernel, so resident memory stays under it
whatever the length; a short clip's arrays all fit and cost nothing more than memory would.
The samples stay in the file (the kernel's page cache, written back to disk as it sees fit),
and reading them again is a page fault, not a copy.

Where: $FOLEY_SCRATCH, else /var/tmp (a disk on every common Linux), else the system's temp
folder. On tmpfs the file is memory again: `release` then only moves it out of the process.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from foleystudio.errors import RenderError

BLOCK_SAMPLES = 1 << 17  # samples a blockwise pass works on at a time: 2.7 s at 48 kHz, 1 MB of stereo float32
RESIDENT_BYTES = 64 << 20  # scratch pages kept in memory, all arrays together (a short clip's are all of them)
MIN_DISK_BYTES = 4 << 20  # smaller arrays (a stem of 11 s) stay in memory: on disk they would cost, not save
FREE_MARGIN_BYTES = 64 << 20  # a scratch file is made only where this much is left free beside every one alive


def scratch_dir() -> str:
    """Where scratch files go: $FOLEY_SCRATCH, else /var/tmp, else the system's temporary folder."""
    given = os.environ.get("FOLEY_SCRATCH")
    if given:
        return given
    if os.path.isdir("/var/tmp") and os.access("/var/tmp", os.W_OK):
        return "/var/tmp"
    return tempfile.gettempdir()


class _Mapping:
    """One scratch file's memory map: where it lies, and the stretch of it touched since its pages were last
    handed back (lo..hi, addresses; empty when lo == hi)."""

    __slots__ = ("mm", "start", "stop", "lo", "hi", "__weakref__")

    def __init__(self, mm: mmap.mmap, start: int, size: int):
        self.mm, self.start, self.stop = mm, start, start + size
        self.lo = self.hi = start

    def touch(self, lo: int, hi: int) -> None:
        """Bytes lo..hi were read or written: the stretch grows to hold them, this map becomes the most recently
        used, and while every map's stretches together pass RESIDENT_BYTES the least recently used are handed
        back (of this one, all but lo..hi: what is being worked on, a chord's notes all fall there)."""
        global _HELD
        lo, hi = max(lo, self.start), min(hi, self.stop)
        if hi <= lo:
            return
        with _LOCK:
            key = id(self)
            entry = _RECENT.get(key)
            if entry is None or entry[0]() is not self:  # new, or an id a collected map had
                _HELD -= entry[1] if entry else 0
                entry = _RECENT[key] = [weakref.ref(self), 0]
                self.lo = self.hi = self.start
            self.lo, self.hi = (lo, hi) if self.hi <= self.lo else (min(self.lo, lo), max(self.hi, hi))
            _HELD += self.hi - self.lo - entry[1]
            entry[1] = self.hi - self.lo
            _RECENT.move_to_end(key)
            while _HELD > RESIDENT_BYTES:
                oldest, (ref, held) = next(iter(_RECENT.items()))
                m = ref()
                if m is self:
                    self._unmap(self.lo, lo)
                    self._unmap(hi, self.hi)
                    self.lo, self.hi = lo, hi
                    _HELD -= held - (hi - lo)
                    entry[1] = hi - lo
                    break
                del _RECENT[oldest]
                _HELD -= held
                if m is not None:
                    m._unmap(m.lo, m.hi)
                    m.lo = m.hi = m.start

    def drop(self, lo: int, hi: int) -> None:
        """Unmap the pages of bytes lo..hi (addresses) now; their data stays in the file (a shared mapping)."""
        global _HELD
        with _LOCK:
            self._unmap(lo, hi)
            entry = _RECENT.get(id(self))
            if entry is not None and entry[0]() is self and lo <= self.lo and hi >= self.hi:
                del _RECENT[id(self)]
                _HELD -= entry[1]
                self.lo = self.hi = self.start

    def _unmap(self, lo: int, hi: int) -> None:
        lo, hi = max(lo, self.start), min(hi, self.stop)
        if hi > lo:
            first = (lo - self.start) // mmap.PAGESIZE * mmap.PAGESIZE
            self.mm.madvise(mmap.MADV_DONTNEED, first, hi - self.start - first)


# The maps with pages in memory, least recently used first: id -> [weak reference, bytes its stretch spans] (a
# collected one's count goes when its turn comes), and those bytes together.
_RECENT: OrderedDict[int, list] = OrderedDict()
_HELD = 0
_LOCK = threading.RLock()  # reentrant: a collected file is forgotten (weakref.finalize) while it may be held


class ScratchAudio(np.ndarray):
    """An ndarray whose memory is a scratch file (made by `zeros`). Indexing it counts what it touches against
    RESIDENT_BYTES; a slice of it is a plain ndarray view, as is any result computed from it."""

    _mapping: _Mapping | None = None

    def __array_finalize__(self, obj) -> None:
        mapping = getattr(obj, "_mapping", None)
        if mapping is not None and self.size and mapping.start <= _address(self) < mapping.stop:
            self._mapping = mapping  # a view of the same file (a reshape): it counts into the same budget

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        if arr is self:
            return arr
        arr = arr.view(np.ndarray)
        return arr[()] if return_scalar or arr.shape == () else arr

    def __reduce__(self):  # a pickled copy is an ordinary array: the file stays with this process
        return np.asarray(self).copy().__reduce__()

    def __getitem__(self, key):
        view = super().__getitem__(key)
        if not isinstance(view, np.ndarray):
            return view
        view = view.view(np.ndarray)
        if self._mapping is not None and view.size:
            self._mapping.touch(*np.byte_bounds(view))
        return view

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        if self._mapping is not None:
            target = np.ndarray.__getitem__(self, key)
            if isinstance(target, np.ndarray) and target.size:
                self._mapping.touch(*np.byte_bounds(target))


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def zeros(shape: int | tuple[int, ...], dtype=np.float32, *, on_disk: bool = True) -> np.ndarray:
    """A zero-filled array in a scratch file (an ordinary one when `on_disk` is False or it is under
    MIN_DISK_BYTES). RenderError when the scratch folder has no room for it."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    dtype = np.dtype(dtype)
    size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if not on_disk or size < MIN_DISK_BYTES:
        return np.zeros(shape, dtype)
    folder = scratch_dir()
    try:
        room = os.statvfs(folder)
        free = room.f_bavail * room.f_frsize
        if free < _LIVE[0] + size + FREE_MARGIN_BYTES:  # the live ones may not be written yet: room for all
            raise OSError(f"{free / 2**20:.0f} MB free, {(_LIVE[0] + size) / 2**20:.0f} MB needed")
        with tempfile.TemporaryFile(dir=folder, prefix="foleystudio-") as fh:
            fh.truncate(size)  # sparse: reads as zeros
            mm = mmap.mmap(fh.fileno(), size)  # shared: a page handed back is read again from the file
    except OSError as exc:
        raise RenderError(f"cannot keep {size / 2**20:.1f} MB of render scratch in {folder} ({exc.strerror or exc}); "
                          "set FOLEY_SCRATCH to a writable folder on a disk with room") from None
    array = np.ndarray.__new__(ScratchAudio, shape, dtype, buffer=mm)
    array._mapping = _Mapping(mm, _address(array), size)
    with _LOCK:
        _LIVE[0] += size
    weakref.finalize(array._mapping, _forget, size)
    return array


_LIVE = [0]  # bytes of every scratch file alive: each new one needs room for all of them


def _forget(size: int) -> None:
    with _LOCK:
        _LIVE[0] -= size


def release(a: np.ndarray) -> None:
    """A pass is done with `a` (a scratch array or any view of one; a no-op for other arrays): its pages count
    against RESIDENT_BYTES, and the least recently used scratch pages are handed back past it. The samples are
    kept: the next read finds them in the file."""
    mapping = _mapping_of(a)
    if mapping is not None and a.size:
        mapping.touch(*np.byte_bounds(a))


def drop(a: np.ndarray) -> None:
    """Hand the pages of `a` (a scratch array or any view of one) back to the kernel now; its samples are kept."""
    mapping = _mapping_of(a)
    if mapping is not None and a.size:
        mapping.drop(*np.byte_bounds(a))


def _mapping_of(a) -> _Mapping | None:
    while isinstance(a, np.ndarray):
        mapping = getattr(a, "_mapping", None)
        if mapping is not None:
            return mapping
        a = a.base
    return None


def blocks(n: int, size: int | None = None) -> Iterator[tuple[int, int]]:
    """(lo, hi) of consecutive blocks of `size` samples (default BLOCK_SAMPLES) that tile 0..n."""
    size = size or BLOCK_SAMPLES
    for lo in range(0, n, size):
        yield lo, min(lo + size, n)


def any_nonzero(a: np.ndarray) -> bool:
    """np.any(a) a block at a time (a scratch array's pages are handed back as it goes)."""
    for lo, hi in blocks(len(a)):
        block = a[lo:hi]
        found = bool(np.any(block))
        release(block)
        if found:
            return True
    return False
