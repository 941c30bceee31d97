"""A longer video costs hardly more memory, and finds the same events.

Real footage (intel_walk_a, 10 fps) looped to 30 s and to 90 s goes through the whole
`foley VIDEO --no-cache -q` in its own process each, and the kernel's peak resident size of
each process (ru_maxrss) is compared. Both lengths keep their soundtrack in scratch files
(sound/scratch.py: an array past 4 MB, a stem past 11 s, goes to disk, and at most 64 MB of
them are in memory at once; at 30 s the five stems and the mix already fill that), so what
may grow is the analysis's per-frame data: a few hundred kB a second of this footage.
Held whole, the five stems and the mix grew 2.2 MB a second (six stereo float32 buffers);
before the loudness meters read in blocks, about 6 MB a second (1.3 GB for 139 s). The
events of the first pass of the footage are the same in both runs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from tests.conftest import PROJECT

SHORT_S, LONG_S = 30.0, 90.0
WHOLE_SOUND_MB_PER_S = 48000 * 2 * 4 * 6 / 2**20  # five stems and the mix held whole: stereo float32 at 48 kHz
ALLOWED_MB_PER_S = WHOLE_SOUND_MB_PER_S / 3  # 0.73 MB/s: room for allocator noise, a third of whole stems


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
