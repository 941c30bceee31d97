"""Footstep rendering speed: a 60 s stereo stem with 150 contacts, on one core.

    .venv/bin/python benchmarks/sound_speed.py [--contacts 150] [--duration 60] [--repeats 3]

Prints, per surface (and for a mix of all surfaces and shoes), the best wall time
and CPU time of `render_footsteps` over the repeats, after one warm-up render
(first-use caches such as bubble banks are not counted). Goal (issue 4): < 1 s.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, as the goal says

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.footsteps import StepStyle, render_footsteps  # noqa: E402
from foleystudio.vision.contacts import ContactEvent  # noqa: E402

SR = 48000


def contacts(n: int, duration_s: float, seed: int = 0) -> list[ContactEvent]:
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.2, duration_s - 1.0, n))
    kinds = rng.choice(["step"] * 8 + ["landing", "scuff"], n)
    return [
        ContactEvent(t_s=float(t), frame=int(t * 30), person=0, foot=("left", "right")[i % 2], kind=str(k),
                     confidence=1.0, strength=float(rng.uniform(0.2, 1.0)), x=float(rng.uniform()),
                     y=0.8, body_px=float(rng.uniform(200, 400)))
        for i, (t, k) in enumerate(zip(times, kinds))
    ]


def bench(events, styles, duration_s: float, repeats: int) -> tuple[float, float]:
    backend = get_backend("procedural", sr=SR)
    n = int(duration_s * SR)
    render_footsteps(events, backend, n_samples=n, styles=styles, seed=1, sr=SR)  # warm-up
    best_wall = best_cpu = float("inf")
    for r in range(repeats):
        backend = get_backend("procedural", sr=SR)
        w0, c0 = time.perf_counter(), time.process_time()
        stem = render_footsteps(events, backend, n_samples=n, styles=styles, seed=r, sr=SR)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        assert stem.audio.shape == (n, 2)
    return best_wall, best_cpu


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--contacts", type=int, default=150)
    p.add_argument("--duration", type=float, default=60.0, help="stem length, s")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    events = contacts(args.contacts, args.duration)
    rows = []
    for surface in ENGINE_SURFACES:
        styles = [StepStyle(surface, ENGINE_FOOTWEAR[i % len(ENGINE_FOOTWEAR)]) for i in range(len(events))]
        rows.append((surface, *bench(events, styles, args.duration, args.repeats)))
    styles = [StepStyle(ENGINE_SURFACES[i % len(ENGINE_SURFACES)], ENGINE_FOOTWEAR[i % len(ENGINE_FOOTWEAR)])
              for i in range(len(events))]
    rows.append(("(all mixed)", *bench(events, styles, args.duration, args.repeats)))
    print(f"{args.duration:.0f} s stereo stem, {args.contacts} contacts (80% steps, 10% landings, 10% scuffs), "
          f"footwear cycling, one thread, best of {args.repeats}")
    print("| surface | wall s | cpu s | x real time | < 1 s |\n|---|---|---|---|---|")
    for name, wall, cpu in rows:
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {args.duration / wall:.0f} | {'yes' if wall < 1.0 else 'NO'} |")
    worst_wall, worst_cpu = max(r[1] for r in rows), max(r[2] for r in rows)
    print(f"\nslowest: {worst_wall:.3f} s wall, {worst_cpu:.3f} s cpu; goal < 1 s "
          f"({'met' if worst_wall < 1.0 else 'missed'} on wall time; on a busy machine wall >> cpu, judge by cpu)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
