"""A longer video costs no more memory than its sound needs, and finds the same events.

Real footage (intel_walk_a, 10 fps) looped to 8 s and to 24 s goes through the whole
`foley VIDEO --no-cache -q` in its own process each; the kernel's peak resident size of
each process (ru_maxrss) may grow only by what the longer soundtrack itself takes:
the three layers' stems and their mix, four stereo float32 buffers, 1.54 MB a second. Before the
loudness meters read in blocks, measuring the stem cost nine float64 copies of it and
the process grew by about 6 MB a second of video (1.3 GB for 139 s). The events of
the first pass of the footage are the same in both runs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from tests.conftest import PROJECT

SHORT_S, LONG_S = 8.0, 24.0
SOUND_MB_PER_S = 48000 * 2 * 4 * 4 / 2**20  # three stems and the mix: stereo float32 at 48 kHz
ALLOWED_MB_PER_S = 1.5 * SOUND_MB_PER_S  # 2.3 MB/s: room for allocator noise, far under the old 6 MB/s


def _benchmark():
    spec = importlib.util.spec_from_file_location("memory_bench", PROJECT / "benchmarks" / "memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _events(path: Path, before_s: float) -> list[tuple]:
    events = json.loads(path.read_text())["events"]
    return [(e["frame"], e["person"], e["foot"], e["kind"]) for e in events if e["t"] < before_s]


def test_memory_stays_flat_in_length_and_events_stay(tmp_path, shared):
    bench = _benchmark()
    foley = str(Path(sys.executable).with_name("foley"))
    clip = shared / "media" / "intel_walk_a.mp4"
    peaks, events = {}, {}
    for seconds in (SHORT_S, LONG_S):
        video = bench.looped(clip, tmp_path / f"walk_{seconds:g}s.mp4", seconds)
        peaks[seconds], _ = bench.measure(video, tmp_path, foley)
        events[seconds] = _events(tmp_path / f"walk_{seconds:g}s_foley.events.json", SHORT_S - 1.0)
    growth = (peaks[LONG_S] - peaks[SHORT_S]) / (LONG_S - SHORT_S)
    assert growth < ALLOWED_MB_PER_S, f"peak RSS {peaks}: {growth:.2f} MB per second of video"
    assert events[SHORT_S], "no events in the footage"
    assert events[LONG_S] == events[SHORT_S]
