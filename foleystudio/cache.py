"""The analysis cache: pose tracks per video, keyed by the file's content and the config.

Analysis is the expensive half (seconds per clip); rendering is redone whenever the
user changes a surface or a level, so poses are saved once per video as an .npz with a
versioned schema and read back on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import asdict
from pathlib import Path

import numpy as np

from foleystudio.vision.camera import CameraConfig
from foleystudio.vision.pose import PoseConfig, Poses, PoseTrack

SCHEMA = "foleystudio.poses.4"  # 2: the camera path (vision.camera); 3: tracks over their own frames;
# 4: held frames (media.frames.mark_held) are not in the tracks
_ARRAYS = ("frames", "t_s", "image", "world", "visibility")


def default_cache_dir() -> Path:
    """$FOLEY_CACHE, else $XDG_CACHE_HOME/foleystudio, else ~/.cache/foleystudio."""
    if os.environ.get("FOLEY_CACHE"):
        return Path(os.environ["FOLEY_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "foleystudio"


def video_key(path: str | os.PathLike, config: PoseConfig, extra: dict | None = None) -> str:
    """Hash of the file's bytes (size + 1 MiB samples from start, middle, end) and the config."""
    path = Path(path)
    size = path.stat().st_size
    h = hashlib.sha256()
    h.update(str(size).encode())
    with open(path, "rb") as fh:
        for offset in (0, max(0, size // 2 - (1 << 19)), max(0, size - (1 << 20))):
            fh.seek(offset)
            h.update(fh.read(1 << 20))
    camera = asdict(CameraConfig())  # the camera path is cached with the poses
    h.update(json.dumps({"schema": SCHEMA, "config": asdict(config), "camera": camera, **(extra or {})},
                        sort_keys=True).encode())
    return h.hexdigest()[:24]


def load_poses(cache_dir: Path, key: str) -> Poses | None:
    file = cache_dir / f"{key}.poses.npz"
    if not file.exists():
        return None
    try:
        with np.load(file, allow_pickle=False) as data:
            if str(data["schema"]) != SCHEMA:
                return None
            n_tracks = int(data["n_tracks"])
            tracks = tuple(
                PoseTrack(person=int(data[f"t{i}_person"]), first=int(data[f"t{i}_first"]),
                          **{a: data[f"t{i}_{a}"] for a in _ARRAYS})
                for i in range(n_tracks)
            )
            return Poses(
                width=int(data["width"]),
                height=int(data["height"]),
                frames=data["frames"],
                t_s=data["t_s"],
                tracks=tracks,
                camera=data["camera"] if "camera" in data.files else None,
            )
    except (OSError, KeyError, ValueError):
        return None  # a damaged cache entry is recomputed, never trusted


def save_poses(cache_dir: Path, key: str, poses: Poses) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {
        "schema": np.array(SCHEMA),
        "width": np.array(poses.width),
        "height": np.array(poses.height),
        "frames": poses.frames,
        "t_s": poses.t_s,
        "n_tracks": np.array(len(poses.tracks)),
    }
    if poses.camera is not None:
        arrays["camera"] = poses.camera
    for i, track in enumerate(poses.tracks):
        arrays[f"t{i}_person"] = np.array(track.person)
        arrays[f"t{i}_first"] = np.array(track.first)
        for a in _ARRAYS:
            arrays[f"t{i}_{a}"] = getattr(track, a)
    tmp = cache_dir / f".{key}.{os.getpid()}.tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, cache_dir / f"{key}.poses.npz")


ANALYSIS_SCHEMA = "foleystudio.analysis.1"
_ANALYSIS_CODE = ("vision", "analysis.py")  # what an analysis is computed by: a change there is a new analysis
# what pose tracks are computed by (not the contact detector, so that tuning it reuses the poses)
POSE_CODE = ("vision/pose.py", "vision/tracking.py", "vision/camera.py", "vision/landmarks.py", "media/frames.py",
             "chunking.py")


def code_fingerprint(root: Path = Path(__file__).resolve().parent, names: tuple[str, ...] = _ANALYSIS_CODE) -> str:
    """Hash of the analysis code and its model weights (or of the files and folders `names`), so an upgrade
    never reads an old analysis (or old poses)."""
    h = hashlib.sha256()
    for name in names:
        base = root / name
        files = sorted(base.rglob("*")) if base.is_dir() else [base]
        for file in files:
            if file.is_file() and file.suffix in (".py", ".npz", ".json"):
                h.update(str(file.relative_to(root)).encode())
                h.update(file.read_bytes())
    return h.hexdigest()[:16]


def load_analysis(cache_dir: Path, key: str):
    """The whole analysis saved under `key` (contacts, shots, scene with the poses), or None."""
    file = cache_dir / f"{key}.analysis.pickle"
    try:
        with open(file, "rb") as fh:
            schema, analysis = pickle.load(fh)  # our own cache directory: trusted as the user's files are
    except FileNotFoundError:
        return None
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None  # damaged, or written by another version: recomputed, never trusted
    return analysis if schema == ANALYSIS_SCHEMA else None


def save_analysis(cache_dir: Path, key: str, analysis) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{key}.{os.getpid()}.tmp.pickle"
    with open(tmp, "wb") as fh:
        pickle.dump((ANALYSIS_SCHEMA, analysis), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache_dir / f"{key}.analysis.pickle")
