"""Measurements the tests make on rendered audio: an onset detector and packet hashes."""

from __future__ import annotations

import hashlib

import av
import numpy as np
from scipy.signal import butter, sosfilt

BLOCK_S = 0.0005  # onset resolution: 0.5 ms blocks


def detect_onsets(audio: np.ndarray, sr: int, *, rise_db: float = 6.0, look_back_s: float = 0.003,
                  floor_db: float = -60.0, highpass_hz: float = 2000.0) -> np.ndarray:
    """Times (s) where the block peak jumps `rise_db` above the previous `look_back_s`.

    A plain transient detector: high-pass at `highpass_hz` (an attack is broadband, the
    tail of an earlier step is mostly low), 0.5 ms block maxima of |x|, an onset where
    a block is far louder than everything in the few ms before it and above a floor
    relative to the loudest block. Consecutive onset blocks are merged (the first counts).
    """
    a = np.asarray(audio, dtype=np.float64).reshape(len(audio), -1)
    if highpass_hz:
        a = sosfilt(butter(4, highpass_hz, "highpass", fs=sr, output="sos"), a, axis=0)
    x = np.abs(a).max(axis=1)
    block = max(1, int(round(BLOCK_S * sr)))
    n = len(x) // block
    level = x[: n * block].reshape(n, block).max(axis=1)
    peak = level.max() if n else 0.0
    if peak <= 0:
        return np.array([])
    back = max(1, int(round(look_back_s / BLOCK_S)))
    padded = np.concatenate([np.zeros(back), level])
    windows = np.lib.stride_tricks.sliding_window_view(padded[:-1], back)[: n]
    before = windows.max(axis=1)
    ratio = 20 * np.log10((level + 1e-12) / (before + 1e-12 * peak + 1e-9 * peak))
    loud = 20 * np.log10(level / peak + 1e-12) > floor_db
    hits = np.flatnonzero((ratio >= rise_db) & loud)
    if hits.size == 0:
        return np.array([])
    first = hits[np.r_[True, np.diff(hits) > back]]
    # refine to the first sample of the block that crosses half the block's peak
    times = []
    for b in first:
        seg = x[b * block : (b + 1) * block]
        i = int(np.argmax(seg >= 0.5 * seg.max())) if seg.max() > 0 else 0
        times.append((b * block + i) / sr)
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
