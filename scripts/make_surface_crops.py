"""Cut ground patches next to the feet in the real clips, for the surface benchmark.

    .venv/bin/python scripts/make_surface_crops.py [--shared ../shared] [--out out/surface_crops] [--clips a.mp4 ...]

For every clip annotated in benchmarks/data/surface_annotations.json this runs the
pipeline's own path in one decoding pass (pose, shot detector, frame sampler), then
detect_contacts, and cuts the patch next to each contact exactly as estimate_scene
does. Clips with fewer than MIN_CONTACTS contacts (people standing, squatting) get
patches at the lower foot on evenly spaced frames instead ("standing" patches).
Patches are written under --out (derived from third-party footage: never commit
them) with an index.json the benchmark reads.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from foleystudio.media.frames import iter_frames  # noqa: E402
from foleystudio.media.probe import probe_video  # noqa: E402
from foleystudio.vision.contacts import ContactEvent, detect_contacts  # noqa: E402
from foleystudio.vision.landmarks import FOOT, NOSE  # noqa: E402
from foleystudio.vision.pose import estimate_poses  # noqa: E402
from foleystudio.vision.scene import contact_patch, estimate_scene, tap_frames  # noqa: E402
from foleystudio.vision.shots import ShotDetector  # noqa: E402
from foleystudio.vision.surface.dataset import shared_dir  # noqa: E402
from foleystudio.vision.surface.ground import PersonSegmenter  # noqa: E402
from foleystudio.vision.surface.sampler import FrameSampler  # noqa: E402

ANNOTATIONS = ROOT / "benchmarks" / "data" / "surface_annotations.json"
MIN_CONTACTS = 4  # fewer: the clip has no walking; use standing feet
STANDING_PATCHES = 8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "surface_crops")
    parser.add_argument("--clips", nargs="*", help="only these clips (file names)")
    parser.add_argument("--max-side", type=int, default=1280, help="decode size for pose (the pipeline's default)")
    args = parser.parse_args(argv)
    media = (args.shared or shared_dir()) / "media"
    annotations = json.loads(ANNOTATIONS.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    index_path = args.out / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {"schema": "foleystudio.surface-crops.1", "clips": {}}
    for clip in annotations["clips"]:
        if args.clips and clip not in args.clips:
            continue
        started = time.time()
        entries, scene = crop_clip(media / clip, args.out / Path(clip).stem, args.max_side)
        index["clips"][clip] = entries
        index.setdefault("scenes", {})[clip] = scene
        print(f"{clip}: {len(entries)} patches in {time.time() - started:.0f} s", flush=True)
        index_path.write_text(json.dumps(index, indent=1))
    return 0


def crop_clip(path: Path, out_dir: Path, max_side: int) -> tuple[list[dict], list[dict]]:
    info = probe_video(path)
    width, height = info.display_size
    shots = ShotDetector()
    sampler = FrameSampler()  # the pipeline's default: bounded, so long clips get sparse frames
    frames = tap_frames(iter_frames(info, max_side_px=max_side), shots=shots, sampler=sampler)
    poses = estimate_poses(frames, width=width, height=height)
    found = shots.finish(end_s=info.duration_s, end_frame=info.n_frames)
    contacts = list(detect_contacts(poses))
    kind = "contact"
    if len(contacts) < MIN_CONTACTS:
        contacts, kind = standing_feet(poses, width, height), "standing"
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    with PersonSegmenter() as segmenter:
        for k, contact in enumerate(contacts):
            shot = found.at_frame(contact.frame)
            sample = sampler.nearest(contact.frame, shot.start_frame, shot.end_frame)
            if sample is None:
                continue
            patch, _ = contact_patch(contact, sample, segmenter, poses=poses)
            if patch is None:
                continue
            stem = f"{k:04d}"
            cv2.imwrite(str(out_dir / f"{stem}_rgb.png"), cv2.cvtColor(patch.rgb, cv2.COLOR_RGB2BGR))
            cv2.imwrite(str(out_dir / f"{stem}_mask.png"), patch.mask.astype(np.uint8) * 255)
            entries.append(
                {
                    "rgb": f"{out_dir.name}/{stem}_rgb.png",
                    "mask": f"{out_dir.name}/{stem}_mask.png",
                    "kind": kind,
                    "shot": shot.index,
                    "shot_start_s": shot.start_s,
                    "t_s": contact.t_s,
                    "frame": contact.frame,
                    "sample_frame": sample.index,
                    "person": contact.person,
                    "foot": contact.foot,
                    "x": round(contact.x, 4),
                    "y": round(contact.y, 4),
                    "body_px": round(contact.body_px, 1),
                    "valid_fraction": round(patch.valid_fraction, 3),
                }
            )
    scene = estimate_scene(contacts, shots=found, sampler=sampler, poses=poses)
    return entries, [dataclasses.asdict(s) for s in scene.shots]


def standing_feet(poses, width: int, height: int) -> list[ContactEvent]:
    """Pseudo-contacts at the lower foot on evenly spaced frames where a person is seen."""
    out = []
    for track in poses.tracks:
        seen = np.nonzero(track.present)[0]
        for row in seen[np.linspace(0, len(seen) - 1, min(STANDING_PATCHES, len(seen))).round().astype(int)] if len(seen) else []:
            pts = track.image[row]
            feet = {side: pts[[ids["heel"], ids["toe"]], :2].mean(axis=0) for side, ids in FOOT.items()}
            side = max(feet, key=lambda s: feet[s][1])
            x, y = feet[side]
            body = float(y - pts[NOSE, 1]) * 1.1
            if not np.isfinite(body) or body <= 0:
                continue
            out.append(
                ContactEvent(t_s=float(track.t_s[row]), frame=int(track.frames[row]), person=track.person, foot=side,
                             kind="step", confidence=0.5, strength=0.5, x=float(x / width), y=float(y / height),
                             body_px=body)
            )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
