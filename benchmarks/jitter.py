"""How much the contact detector's score moves when the landmarks move by a fraction of a pixel.

    python benchmarks/jitter.py [--shared ../shared] [--sigmas 0.25,0.5,1] [--seeds 20]

Any re-encode moves MediaPipe's landmarks a little (two builds of one variant differ by half a grey level and
move a clip's F1 by up to 0.06), so a detector whose decisions sit near their thresholds scores by luck. This
adds Gaussian noise of `sigma` pixels of the analysed picture (at most 1280 px on a side) to every seen image
landmark of every clip with ground truth (poses from the cache; world landmarks untouched, so the gait cycle's
opinion is not perturbed), detects again, and prints the pooled F1 at +-67 ms over `--seeds` draws (median,
lowest, highest) and each clip's median and lowest, against the unperturbed score. Nothing is fitted.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from foleystudio.api import AnalysisOptions, analyse_poses  # noqa: E402
from foleystudio.eval.run import checked_info, find_pairs  # noqa: E402
from foleystudio.eval.scoring import pool_scores, score_clip  # noqa: E402
from foleystudio.native_log import muted_native_stderr  # noqa: E402
from foleystudio.vision.contacts import detect_contacts  # noqa: E402
from foleystudio.vision.steady import display_jitter  # noqa: E402
from foleystudio.vision.steady import jittered as jittered_track  # noqa: E402


def jittered(poses, sigma_px: float, rng: np.random.Generator):
    """`poses` with N(0, sigma) analysed pixels added to every seen image landmark's x and y (the steady vote's
    noise, drawn here for every track of the video in turn)."""
    display_px = display_jitter(poses.width, poses.height, sigma_px)
    return dataclasses.replace(poses, tracks=tuple(jittered_track(t, display_px, rng) for t in poses.tracks))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--sigmas", default="0.25,0.5,1", help="noise, pixels of the analysed picture")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    pairs = find_pairs(args.shared / "gt", args.shared / "media")
    clips = []
    for pair in pairs:
        with muted_native_stderr():
            clips.append((pair.gt, analyse_poses(checked_info(pair), AnalysisOptions())))
    base = {gt.name: score_clip(gt, detect_contacts(poses)) for gt, poses in clips}
    pooled_base = pool_scores(base.values()).f1
    print(f"pooled F1 at +-67 ms without noise: {pooled_base:.3f}; {args.seeds} draws per sigma")
    names = [gt.name for gt, _ in clips]
    print(f"{'sigma px':>8s} {'median':>7s} {'lowest':>7s} {'highest':>7s}  "
          + " ".join(f"{n[:13]:>13s}" for n in names))
    print(f"{'0':>8s} {pooled_base:7.3f} {pooled_base:7.3f} {pooled_base:7.3f}  "
          + " ".join(f"{base[n].f1:13.2f}" for n in names))
    for sigma in (float(s) for s in args.sigmas.split(",") if s):
        pooled, per_clip = [], {n: [] for n in names}
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            scores = []
            for gt, poses in clips:
                score = score_clip(gt, detect_contacts(jittered(poses, sigma, rng)))
                per_clip[gt.name].append(score.f1)
                scores.append(score)
            pooled.append(pool_scores(scores).f1)
        cells = " ".join(f"{statistics.median(per_clip[n]):6.2f}/{min(per_clip[n]):.2f}".rjust(13) for n in names)
        print(f"{sigma:8.2f} {statistics.median(pooled):7.3f} {min(pooled):7.3f} {max(pooled):7.3f}  {cells}")
    print("per clip: median/lowest F1 over the draws")
    return 0


if __name__ == "__main__":
    sys.exit(main())
