"""Measurements the tests make on rendered audio: an onset detector and packet hashes."""

from __future__ import annotations

import hashlib

import av
import numpy as np
from scipy.signal import butter, sosfilt

BLOCK_S = 0.0005  # onset resolution: 0.5 ms blocks
RISE_TIME_S = 0.004  # an attack reaches its rise within 4 ms
START_DB = 1.0  # the first block already above everything before it by this much


def detect_onsets(audio: np.ndarray, sr: int, *, rise_db: float = 6.0, look_back_s: float = 0.003,
                  floor_db: float = -60.0, highpass_hz: float = 2000.0) -> np.ndarray:
    """Times (s) where the signal's level jumps `rise_db` above the previous `look_back_s`.

    A plain transient detector run twice, on the full band and above `highpass_hz` (an
    attack is broadband, while the tail of an earlier step is mostly low, so the high band
    finds steps that land on another step's decay): 0.5 ms block maxima of |x|, an onset
    where a block is far louder than everything in the few ms before it and above a floor
    relative to the loudest block. Onsets of both bands are merged, the earliest counting.
    """
    a = np.asarray(audio, dtype=np.float64).reshape(len(audio), -1)
    bands = [a]
    if highpass_hz:
        bands.append(sosfilt(butter(4, highpass_hz, "highpass", fs=sr, output="sos"), a, axis=0))
    times = np.sort(np.concatenate([_band_onsets(b, sr, rise_db, look_back_s, floor_db) for b in bands]))
    if times.size == 0:
        return times
    return times[np.r_[True, np.diff(times) > look_back_s]]


def _band_onsets(a: np.ndarray, sr: int, rise_db: float, look_back_s: float, floor_db: float) -> np.ndarray:
    x = np.abs(a).max(axis=1)
    block = max(1, int(round(BLOCK_S * sr)))
    n = len(x) // block
    level = x[: n * block].reshape(n, block).max(axis=1)
    peak = level.max() if n else 0.0
    if peak <= 0:
        return np.array([])
    back = max(1, int(round(look_back_s / BLOCK_S)))
    ahead = max(1, int(round(RISE_TIME_S / BLOCK_S)))
    padded = np.concatenate([np.zeros(back), level, np.zeros(ahead)])
    before = np.lib.stride_tricks.sliding_window_view(padded[: back + n - 1], back)[:n].max(axis=1)
    after = np.lib.stride_tricks.sliding_window_view(padded[back:], ahead)[:n].max(axis=1)
    floor = before + 1e-9 * peak
    rises = 20 * np.log10((after + 1e-12) / floor) >= rise_db  # the level climbs within RISE_TIME_S
    starts = 20 * np.log10((level + 1e-12) / floor) >= START_DB  # and this block is where it starts
    loud = 20 * np.log10(after / peak + 1e-12) > floor_db
    hits = np.flatnonzero(rises & starts & loud)
    if hits.size == 0:
        return np.array([])
    first = hits[np.r_[True, np.diff(hits) > back]]
    times = []
    for b in first:  # refine to the first sample of the block reaching half its peak
        seg = x[b * block : (b + 1) * block]
        times.append((b * block + int(np.argmax(seg >= 0.5 * seg.max()))) / sr)
    return np.array(times)


def video_packet_hash(path) -> tuple[str, int]:
    """SHA-256 over the bytes of every video packet, and the packet count."""
    h = hashlib.sha256()
    count = 0
    with av.open(str(path)) as c:
        for packet in c.demux(c.streams.video[0]):
            if packet.size:
                h.update(bytes(packet))
                count += 1
    return h.hexdigest(), count
