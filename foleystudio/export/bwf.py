"""Broadcast WAV (EBU Tech 3285): 24-bit PCM with a `bext` chunk, so a stem lands where it belongs.

The `bext` chunk's time reference is the number of samples since midnight at which the
file starts: an editor that imports the stem with "use embedded time stamp" puts it on
the timeline at the video's start timecode. Written by hand (the RIFF layout is a few
fixed fields), streamed in blocks so a long stem never needs a second full-size copy.
Files past 4 GiB are written as RF64 (EBU Tech 3306), the standard's large-file form.
"""

from __future__ import annotations

import datetime as dt
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foleystudio.errors import ExportError
from foleystudio.export.atomic import atomic_path
from foleystudio.sound.scratch import release

BEXT_FIXED_BYTES = 602  # description 256, originator 32, reference 32, date 10, time 8, time ref 8, version 2, UMID 64, loudness 10, reserved 180
BLOCK_SAMPLES = 1 << 18  # frames converted to 24-bit at a time
RIFF_LIMIT = 0xFFFFFFFF  # the largest size a RIFF chunk header holds; past it, RF64
IN_DS64 = 0xFFFFFFFF  # an RF64 size field that says "see the ds64 chunk"
PCM = 1


@dataclass(frozen=True)
class BextInfo:
    description: str = ""  # what the file is (at most 256 ASCII characters)
    originator: str = "foleystudio"  # the program that made it (32)
    originator_reference: str = ""  # a unique reference (32)
    time_reference: int = 0  # samples since midnight of the file's first sample
    coding_history: str = ""  # "A=PCM,F=48000,W=24,M=stereo,T=foleystudio" style lines
    origination: dt.datetime | None = None  # None: now


def write_bwf(path: str | os.PathLike, audio: np.ndarray, sr: int, bext: BextInfo = BextInfo()) -> None:
    """Float audio ((n,) or (n, ch)), clipped to [-1, 1], as 24-bit PCM Broadcast WAV, atomically."""
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ExportError(f"output folder {folder} does not exist")
    audio = np.asanyarray(audio)
    audio = audio[:, None] if audio.ndim == 1 else audio
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            _write(fh, audio, sr, bext)
    except OSError as exc:
        raise ExportError(f"cannot write {path} ({exc.strerror or exc})") from None


def _write(fh, audio: np.ndarray, sr: int, bext: BextInfo) -> None:
    n, channels = audio.shape
    block_align = 3 * channels
    data_bytes = n * block_align
    bext_body = _bext_body(bext, sr, channels)
    fmt_body = struct.pack("<HHIIHH", PCM, channels, sr, sr * block_align, block_align, 24)
    chunks_bytes = sum(8 + len(b) + len(b) % 2 for b in (bext_body, fmt_body)) + 8 + data_bytes + data_bytes % 2
    large = 4 + 36 + chunks_bytes > RIFF_LIMIT
    riff_size = 4 + 36 + chunks_bytes  # "WAVE" + ds64/JUNK chunk (28-byte body) + the rest
    if large:
        fh.write(b"RF64" + struct.pack("<I", IN_DS64) + b"WAVE")
        fh.write(b"ds64" + struct.pack("<IQQQI", 28, riff_size, data_bytes, n, 0))
    else:
        fh.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE")
        fh.write(b"JUNK" + struct.pack("<I", 28) + bytes(28))  # room for ds64, as Tech 3306 asks
    _chunk(fh, b"bext", bext_body)
    _chunk(fh, b"fmt ", fmt_body)
    fh.write(b"data" + struct.pack("<I", IN_DS64 if large else data_bytes))
    for start in range(0, n, BLOCK_SAMPLES):
        fh.write(_pcm24(audio[start : start + BLOCK_SAMPLES]))
        release(audio[start : start + BLOCK_SAMPLES])  # a stem on disk (sound/scratch.py) is never whole in memory
    if data_bytes % 2:
        fh.write(b"\0")


def _chunk(fh, tag: bytes, body: bytes) -> None:
    fh.write(tag + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b""))


def _pcm24(block: np.ndarray) -> bytes:
    ints = np.round(np.clip(block, -1.0, 1.0) * 8388607.0).astype("<i4")
    return ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()  # little-endian: the low three bytes


def _bext_body(bext: BextInfo, sr: int, channels: int) -> bytes:
    when = bext.origination or dt.datetime.now()
    history = bext.coding_history or (
        f"A=PCM,F={sr},W=24,M={'stereo' if channels == 2 else 'mono' if channels == 1 else channels},T=foleystudio"
    )
    reference = max(0, int(bext.time_reference))
    fixed = b"".join((
        _ascii(bext.description, 256),
        _ascii(bext.originator, 32),
        _ascii(bext.originator_reference, 32),
        _ascii(when.strftime("%Y-%m-%d"), 10),
        _ascii(when.strftime("%H:%M:%S"), 8),
        struct.pack("<IIH", reference & 0xFFFFFFFF, reference >> 32, 1),  # version 1: no loudness fields
        bytes(64 + 10 + 180),  # UMID, loudness, reserved
    ))
    assert len(fixed) == BEXT_FIXED_BYTES
    body = fixed + (history + "\r\n").encode("ascii", "replace")
    return body + b"\0" * (len(body) % 2)  # even: some readers (libsndfile's RF64) skip no pad byte


def _ascii(text: str, size: int) -> bytes:
    return str(text).encode("ascii", "replace")[:size].ljust(size, b"\0")


def read_bext(path: str | os.PathLike) -> dict:
    """The `bext` fields of a WAV file ({} when it has none): description, originator, time_reference, ..."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise ExportError(f"{path}: not a WAV file")
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return {}
            tag, size = header[:4], struct.unpack("<I", header[4:])[0]
            if tag != b"bext":
                fh.seek(size + size % 2, os.SEEK_CUR)
                continue
            body = fh.read(size)
            low, high, version = struct.unpack("<IIH", body[338:348])
            text = lambda a, b: body[a:b].split(b"\0", 1)[0].decode("ascii", "replace")  # noqa: E731
            return {
                "description": text(0, 256), "originator": text(256, 288), "originator_reference": text(288, 320),
                "origination_date": text(320, 330), "origination_time": text(330, 338),
                "time_reference": low | (high << 32), "version": version,
                "coding_history": body[BEXT_FIXED_BYTES:].split(b"\0", 1)[0].decode("ascii", "replace").strip(),
            }
