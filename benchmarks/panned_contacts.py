"""Contact detection under a camera that follows the action: real clips re-filmed with a pan.

    python benchmarks/panned_contacts.py [--shared ../shared] [--crop 0.6] [--clip sports2d]

Each clip with ground truth is cropped by a window `--crop` of its size whose centre
follows the first person's hips (smoothed over a second, clamped to the picture), as a
camera operator tracking a runner would; the window also tilts with them. The copies go
to `out/panned/` (H.264, same frames and times, so the ground truth still holds). Each
copy is analysed once (pose cached) and its contacts scored twice: with the camera path
(`vision.camera`, the default) and without it (`Poses.camera` dropped). Prints one row per
clip: how far the window travelled, then P/R/F1 at +-67 ms and the median absolute error
for both.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import av
import numpy as np
from scipy.ndimage import uniform_filter1d

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foleystudio.analysis import AnalysisOptions, analyse  # noqa: E402
from foleystudio.eval.groundtruth import load_ground_truth  # noqa: E402
from foleystudio.eval.scoring import pool_scores, score_clip  # noqa: E402
from foleystudio.media.frames import iter_frames  # noqa: E402
from foleystudio.media.probe import probe_video  # noqa: E402
from foleystudio.vision.contacts import detect_contacts  # noqa: E402
from foleystudio.vision.surface.dataset import shared_dir  # noqa: E402


def follow_windows(
    hips: np.ndarray, fps: float, size: tuple[int, int], crop: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """(n, 2) top-left corners of a crop that keeps the smoothed hips centred, inside the picture."""
    w, h = size
    cw, ch = int(w * crop) // 2 * 2, int(h * crop) // 2 * 2
    seen = np.isfinite(hips).all(axis=1)
    if not seen.any():
        centre = np.tile([w / 2, h / 2], (len(hips), 1))
    else:
        idx = np.arange(len(hips))
        centre = np.stack([np.interp(idx, idx[seen], hips[seen, i]) for i in range(2)], axis=1)
        centre = uniform_filter1d(centre, size=max(1, int(round(fps))), axis=0, mode="nearest")
    x0 = np.clip(centre[:, 0] - cw / 2, 0, w - cw)
    y0 = np.clip(centre[:, 1] - ch / 2, 0, h - ch)
    return np.stack([x0, y0], axis=1).round().astype(int), (cw, ch)


def make_panned(video: Path, out: Path, crop: float) -> tuple[Path, float]:
    """The panned copy of `video` (made once) and how far its window travels, in source pixels."""
    info = probe_video(video)
    still = analyse(video, AnalysisOptions(estimate_scene=False))
    track = still.poses.tracks[0]
    hips = np.nanmean(track.image[:, 23:25, :2], axis=1)
    corners, (cw, ch) = follow_windows(hips, float(info.fps), info.display_size, crop)
    travel = float(np.abs(np.diff(corners, axis=0)).sum())
    target = out / f"{video.stem}_panned.mp4"
    if target.exists():
        return target, travel
    out.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w") as c:
        stream = c.add_stream("libx264", rate=round(float(info.fps)))
        stream.width, stream.height, stream.pix_fmt = cw, ch, "yuv420p"
        stream.options = {"crf": "16"}
        for frame in iter_frames(info, max_side_px=max(info.display_size)):
            x0, y0 = corners[min(frame.index, len(corners) - 1)]
            picture = np.ascontiguousarray(frame.rgb[y0 : y0 + ch, x0 : x0 + cw])
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                c.mux(packet)
        for packet in stream.encode(None):
            c.mux(packet)
    tmp.replace(target)
    return target, travel


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--shared", default=None, help="the shared material (default ../shared or $FOLEY_SHARED)")
    p.add_argument("--crop", type=float, default=0.6, help="the window's share of the picture's width and height")
    p.add_argument("--clip", default=None, help="only clips whose name contains this")
    p.add_argument("--out", default=str(ROOT / "out" / "panned"), help="where the panned copies go")
    args = p.parse_args(argv)
    shared = Path(args.shared) if args.shared else shared_dir()
    rows, with_scores, without_scores = [], [], []
    for gt_file in sorted((shared / "gt").glob("*.json")):
        gt = load_ground_truth(gt_file)
        if args.clip and args.clip not in gt.video:
            continue
        t0 = time.perf_counter()
        panned, travel = make_panned(shared / "media" / gt.video, Path(args.out), args.crop)
        poses = analyse(panned, AnalysisOptions(estimate_scene=False)).poses
        on = score_clip(gt, detect_contacts(poses).events)
        off = score_clip(gt, detect_contacts(dataclasses.replace(poses, camera=None)).events)
        with_scores.append(on)
        without_scores.append(off)
        rows.append((Path(gt.video).stem, len(gt.events), travel, on, off, time.perf_counter() - t0))
        print(f"  {gt.video}: done in {rows[-1][-1]:.0f} s", file=sys.stderr)

    def cells(s) -> str:
        mae = f"{s.mae_ms:6.1f}" if np.isfinite(s.mae_ms) else "     -"
        return f"{s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} {mae}"

    print(f"window {args.crop:.0%} of the picture, following the first person's hips")
    print(f"{'clip':16s} {'truth':>5s} {'pan px':>7s} | {'with the camera path':^24s} | {'without':^24s}")
    print(f"{'':16s} {'':5s} {'':7s} | {'P':>5s} {'R':>5s} {'F1':>5s} {'MAE ms':>6s} | "
          f"{'P':>5s} {'R':>5s} {'F1':>5s} {'MAE ms':>6s}")
    for name, n, travel, on, off, _ in rows:
        print(f"{name:16s} {n:5d} {travel:7.0f} | {cells(on)} | {cells(off)}")
    if rows:
        print(f"{'overall':16s} {sum(r[1] for r in rows):5d} {'':7s} | {cells(pool_scores(with_scores))} | "
              f"{cells(pool_scores(without_scores))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
