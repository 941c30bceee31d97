"""`make bench`: seconds per stage and real-time factor for every clip in ../shared/media.

Stages are timed on the public API with the pose cache off, so every number is a cold
run: probe, decode (frame conversion, shot thumbnails and the frame sample included),
motion (the optical flow the impacts come from, fed every decoded frame), pose (MediaPipe
inference, every person), contacts, actions (claps, hits, falls, impacts), scene (ground
patches, person masks, surface classifier), render (every layer: synthesis + placement +
loudness), export (WAV + events + mux). RTF is wall time divided by the clip's duration:
below 1 is faster than real time. A second table gives each layer's share of render.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from foleystudio.api import AnalysisOptions, Analysis, export, render
from foleystudio.media.frames import iter_frames
from foleystudio.media.probe import probe_video
from foleystudio.native_log import muted_native_stderr
from foleystudio.vision.actions import detect_actions
from foleystudio.vision.contacts import detect_contacts
from foleystudio.vision.motion import MotionConfig, MotionTracker
from foleystudio.vision.pose import estimate_poses
from foleystudio.vision.scene import estimate_scene, tap_frames
from foleystudio.vision.shots import ShotDetector
from foleystudio.vision.surface.sampler import FrameSampler

STAGES = ("probe", "decode", "motion", "pose", "contacts", "actions", "scene", "render", "export")
LAYER_COLUMNS = ("footsteps", "specifics", "moves", "ambience", "music", "mix")  # "mix": placing, ducking, master


class _Timed:
    """The motion tracker, timed: what feeding it costs, apart from decoding."""

    def __init__(self, tracker: MotionTracker):
        self.tracker, self.seconds = tracker, 0.0

    def feed(self, *args) -> None:
        t0 = time.perf_counter()
        self.tracker.feed(*args)
        self.seconds += time.perf_counter() - t0


def bench_clip(path: Path, out_dir: Path) -> dict:
    t = {}
    start = time.perf_counter()
    info = probe_video(path)
    t["probe"] = time.perf_counter() - start

    decode_s = 0.0

    shots, sampler = ShotDetector(), FrameSampler()
    width, height = info.display_size
    motion = _Timed(MotionTracker(MotionConfig(), width, height, info.fps))

    def timed_frames():
        nonlocal decode_s
        it = tap_frames(iter_frames(info), shots=shots, sampler=sampler, motion=motion)
        while True:
            t0 = time.perf_counter()
            try:
                frame = next(it)
            except StopIteration:
                decode_s += time.perf_counter() - t0
                return
            decode_s += time.perf_counter() - t0
            yield frame

    width, height = info.display_size
    t0 = time.perf_counter()
    with muted_native_stderr():
        poses = estimate_poses(timed_frames(), width=width, height=height, config=AnalysisOptions().pose)
    t["decode"] = decode_s - motion.seconds
    t["motion"] = motion.seconds
    t["pose"] = time.perf_counter() - t0 - decode_s

    t0 = time.perf_counter()
    contacts = detect_contacts(poses)
    t["contacts"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    actions = detect_actions(poses, motion.tracker.result(), contacts=contacts)
    t["actions"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    options = AnalysisOptions()
    found = shots.finish(end_s=info.duration_s, end_frame=info.n_frames)
    with muted_native_stderr():
        scene = estimate_scene(contacts.events, shots=found, sampler=sampler, poses=poses, config=options.scene)
    t["scene"] = time.perf_counter() - t0
    analysis = Analysis(info=info, poses=poses, contacts=contacts, actions=actions, shots=found, scene=scene)

    t0 = time.perf_counter()
    rendered = render(analysis)
    t["render"] = time.perf_counter() - t0
    layers = {layer: rendered.seconds.get(layer, 0.0) for layer in LAYER_COLUMNS}

    t0 = time.perf_counter()
    export(analysis, rendered, out_dir / f"{path.stem}_foley.mp4")
    t["export"] = time.perf_counter() - t0

    total = sum(t.values())
    return {"clip": path.name, "duration_s": info.duration_s, "frames": info.n_frames,
            "size": f"{info.width}x{info.height}", "events": len(contacts), "specifics": len(actions),
            "people": len(poses.tracks), "followed": sum(int(tr.present.sum()) for tr in poses.tracks), **t,
            "layers": layers, "total": total,
            "rtf": total / info.duration_s, "ms_per_frame": 1000 * (t["decode"] + t["pose"]) / info.n_frames}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--clip", action="append", default=[], help="only these clip names (repeatable)")
    args = parser.parse_args(argv)
    media = Path(args.shared) / "media"
    clips = sorted(media.glob("*.mp4"))
    if args.clip:
        clips = [c for c in clips if c.name in args.clip or c.stem in args.clip]
    if not clips:
        print(f"error: no clips found in {media}", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            rows.append(bench_clip(clip, Path(tmp)))
            print(f"  {clip.name}: {rows[-1]['total']:.1f} s", file=sys.stderr, flush=True)
    header = f"{'clip':26s} {'dur s':>6s} {'frames':>6s} {'size':>9s} " + " ".join(f"{s:>8s}" for s in STAGES)
    header += f" {'total':>7s} {'RTF':>6s} {'ms/frm':>6s} {'events':>6s}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['clip']:26s} {r['duration_s']:6.1f} {r['frames']:6d} {r['size']:>9s} "
              + " ".join(f"{r[s]:8.2f}" for s in STAGES)
              + f" {r['total']:7.2f} {r['rtf']:6.2f} {r['ms_per_frame']:6.1f} {r['events']:6d}")
    print("-" * len(header))
    med = {k: statistics.median(r[k] for r in rows) for k in (*STAGES, "total", "rtf", "ms_per_frame")}
    print(f"{'median':26s} {'':6s} {'':6s} {'':9s} " + " ".join(f"{med[s]:8.2f}" for s in STAGES)
          + f" {med['total']:7.2f} {med['rtf']:6.2f} {med['ms_per_frame']:6.1f}")
    print("\nrender by layer, seconds (and per minute of video)")
    print(f"{'clip':26s} " + " ".join(f"{c:>10s}" for c in LAYER_COLUMNS) + f" {'specifics':>9s}")
    for r in rows:
        print(f"{r['clip']:26s} " + " ".join(f"{r['layers'][c]:10.3f}" for c in LAYER_COLUMNS)
              + f" {r['specifics']:9d}")
    per_min = {c: statistics.median(60 * r["layers"][c] / r["duration_s"] for r in rows) for c in LAYER_COLUMNS}
    print(f"{'median per minute':26s} " + " ".join(f"{per_min[c]:10.3f}" for c in LAYER_COLUMNS))
    total_media = sum(r["duration_s"] for r in rows)
    total_wall = sum(r["total"] for r in rows)
    print(f"all clips: {total_media:.1f} s of video in {total_wall:.1f} s (RTF {total_wall / total_media:.2f}), "
          f"{os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
