"""FFmpeg's EBU R128 meter (libavfilter's `ebur128`, through PyAV's filter graph): a second opinion.

The mix is mastered with pyloudnorm's BS.1770 meter (sound/loudness.py); broadcast QC reads
it with meters like FFmpeg's. This runs that one on the samples, no file and no ffmpeg binary
needed (PyAV bundles the libraries): integrated loudness and true peak as FFmpeg reports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import av.filter
import numpy as np

BLOCK_SAMPLES = 1 << 15


@dataclass(frozen=True)
class R128:
    integrated_lufs: float  # FFmpeg's "I"
    true_peak_db: float  # the loudest channel's true peak, dBTP (-inf for silence)


def ebur128(audio: np.ndarray, sr: int) -> R128:
    """FFmpeg's reading of stereo (n, 2) float `audio` at `sr` (streamed a block at a time)."""
    audio = np.asarray(audio)
    if audio.ndim != 2 or audio.shape[1] != 2:
        raise ValueError(f"ebur128 reads stereo (n, 2) audio, got shape {audio.shape}")
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=sr, layout="stereo", time_base=Fraction(1, sr))
    meter = graph.add("ebur128", "metadata=1:peak=true")
    sink = graph.add("abuffersink")
    source.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    last: dict = {}
    for start in range(0, len(audio), BLOCK_SAMPLES):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[start:start + BLOCK_SAMPLES].T, np.float32),
                                           format="fltp", layout="stereo")
        frame.sample_rate, frame.pts, frame.time_base = sr, start, Fraction(1, sr)
        graph.push(frame)
        last = _drain(graph, last)
    graph.push(None)
    last = _drain(graph, last)
    peak = float(last.get("lavfi.r128.true_peak", 0.0))
    return R128(integrated_lufs=float(last.get("lavfi.r128.I", "-inf")),
                true_peak_db=20.0 * np.log10(peak) if peak > 0 else float("-inf"))


def _drain(graph: av.filter.Graph, last: dict) -> dict:
    while True:
        try:
            frame = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return last
        last = dict(frame.metadata) or last
