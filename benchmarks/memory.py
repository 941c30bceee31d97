"""`make bench-memory`: peak memory of `foley VIDEO --no-cache -q` against the video's length.

Long videos are real footage looped: the clip (by default sports2d_demo, upscaled once
to 1920x1080 at its 30 fps) is copied packet for packet, with shifted timestamps, until
it lasts each length asked for, so building ten minutes costs seconds, not an encode.
Each length runs in its own process; its peak resident memory (the kernel's ru_maxrss
for that child alone) and wall time are reported, then the growth per minute between
the shortest and the longest. Flat memory means the growth is a few MB a minute.

`--warm` runs each length twice: first with the analysis cache on (it analyses and fills
the cache: the whole pipeline's cost), then again from that cache, so the second figure is
the sound's own share (loading the cached analysis, render, stems, mix and mux).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]


def scaled_copy(src: Path, out: Path, size: tuple[int, int]) -> Path:
    """`src` re-encoded once at `size` (H.264, every frame, at its average frame rate)."""
    with av.open(str(src)) as inp, av.open(str(out), "w") as dst:
        ins = inp.streams.video[0]
        rate = ins.average_rate or Fraction(30)
        vs = dst.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "20"}
        for i, frame in enumerate(inp.decode(ins)):
            frame = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            frame.pts, frame.time_base = i, 1 / rate
            for packet in vs.encode(frame):
                dst.mux(packet)
        for packet in vs.encode():
            dst.mux(packet)
    return out


def looped(src: Path, out: Path, seconds: float) -> Path:
    """`src`'s video stream repeated (stream copy, no decode) for `seconds`, cut at the next keyframe."""
    with av.open(str(src)) as inp:
        ins = inp.streams.video[0]
        packets = [(p.pts, p.dts, p.duration, p.is_keyframe, bytes(p)) for p in inp.demux(ins) if p.size]
        first = min(p[0] for p in packets)
        step = max(p[2] for p in packets) or 1
        period = max(p[0] for p in packets) + step - first  # one pass, in time-base units
        end = first + int(seconds / ins.time_base)
        with av.open(str(out), "w") as dst:
            vs = dst.add_stream_from_template(ins)
            for k in range(int(-(-seconds // float(period * ins.time_base)))):
                for pts, dts, duration, key, data in packets:
                    if key and pts + k * period >= end:
                        return out  # whole groups of pictures only: every kept frame decodes
                    packet = av.Packet(data)
                    packet.pts, packet.dts = pts + k * period, (dts if dts is not None else pts) + k * period
                    packet.duration, packet.is_keyframe, packet.time_base = duration, key, ins.time_base
                    packet.stream = vs
                    dst.mux(packet)
    return out


def prepared(src: Path, tmp: Path, size: tuple[int, int] | None = None, loop_s: float | None = None,
             made: dict | None = None) -> Path:
    """`src` scaled to `size` (once per clip and size when `made` keeps them) and looped to `loop_s`, in `tmp`."""
    video, made = src, {} if made is None else made
    if size:
        if (src.name, size) not in made:
            made[src.name, size] = scaled_copy(src, tmp / f"{src.stem}_{size[0]}x{size[1]}.mp4", size)
        video = made[src.name, size]
    if loop_s:
        video = looped(video, tmp / f"{video.stem}_{loop_s:g}s.mp4", loop_s)
    return video


def measure(video: Path, out_dir: Path, foley: str, *, cache: bool = False) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one `foley VIDEO --no-cache -q` process (`cache`: without --no-cache,
    so it reads the analysis from OUT_DIR/cache, or makes it and writes it there)."""
    env = {**os.environ, "FOLEY_CACHE": str(out_dir / "cache")}
    cmd = [foley, str(video), "-o", str(out_dir / f"{video.stem}_foley.mp4"), "-q"] + ([] if cache else ["--no-cache"])
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the running maximum of all
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
    return usage.ru_maxrss / 1024, wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("FOLEY_SHARED", "../shared"), help="shared material")
    parser.add_argument("--clip", default="sports2d_demo.mp4", help="the real clip to loop (in SHARED/media)")
    parser.add_argument("--size", default="1920x1080", help="upscale the clip to WxH first ('' keeps its own)")
    parser.add_argument("--minutes", default="1,5,10", help="comma-separated lengths")
    parser.add_argument("--foley", default=str(Path(sys.executable).with_name("foley")), help="the foley command")
    parser.add_argument("--warm", action="store_true",
                        help="also measure a second run from the analysis cache the first filled (the sound's share)")
    args = parser.parse_args(argv)
    src = Path(args.shared) / "media" / args.clip
    if not src.exists():
        print(f"error: {src}: no such clip", file=sys.stderr)
        return 1
    minutes = [float(m) for m in args.minutes.split(",") if m.strip()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.size:
            w, h = (int(v) for v in args.size.lower().split("x"))
            src = scaled_copy(src, tmp / f"{src.stem}_{w}x{h}.mp4", (w, h))
        for m in minutes:
            video = looped(src, tmp / f"{src.stem}_{m:g}min.mp4", 60.0 * m)
            rss, wall = measure(video, tmp, args.foley, cache=args.warm)
            warm = measure(video, tmp, args.foley, cache=True) if args.warm else (float("nan"), float("nan"))
            video.unlink()
            rows.append((m, rss, wall, *warm))
            print(f"  {m:g} min: {rss:.0f} MB, {wall:.0f} s" + (f"; from the cache {warm[0]:.0f} MB, {warm[1]:.0f} s"
                                                                  if args.warm else ""), file=sys.stderr, flush=True)
    print(f"{args.clip} looped{' at ' + args.size if args.size else ''}; {os.cpu_count()} CPUs")
    print(f"{'minutes':>8s} {'peak RSS MB':>12s} {'wall s':>8s} {'RTF':>6s}"
          + (f" {'cached: MB':>11s} {'wall s':>7s}" if args.warm else ""))
    for m, rss, wall, warm_rss, warm_wall in rows:
        print(f"{m:8g} {rss:12.0f} {wall:8.0f} {wall / (60 * m):6.2f}"
              + (f" {warm_rss:11.0f} {warm_wall:7.0f}" if args.warm else ""))
    if len(rows) > 1:
        (m0, r0, _, w0, _), (m1, r1, _, w1, _) = rows[0], rows[-1]
        print(f"growth: {(r1 - r0) / (m1 - m0):.1f} MB per minute of video ({m0:g} to {m1:g} min)"
              + (f"; from the cache {(w1 - w0) / (m1 - m0):.1f} MB per minute" if args.warm else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
