"""Pose per person per frame with MediaPipe's legacy BlazePose (model_complexity=1).

`estimate_poses` runs the pose model in video (tracking) mode over a stream of frames
and returns one `PoseTrack` per person: landmarks in display pixels, world landmarks
in metres (hip-centred), and per-landmark visibility. Frames where nobody is seen are
kept, as NaN landmarks and zero visibility, so every track is indexed like the video.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from foleystudio.errors import ModelError
from foleystudio.media.frames import Frame
from foleystudio.vision.landmarks import N_LANDMARKS

Callback = Callable[[dict], None]


@dataclass(frozen=True)
class PoseConfig:
    min_detection_confidence: float = 0.5  # MediaPipe's default
    min_tracking_confidence: float = 0.5  # MediaPipe's default
    model_complexity: int = 1  # the only model the 0.10.21 wheel ships


@dataclass(frozen=True, eq=False)
class PoseTrack:
    person: int
    frames: np.ndarray  # (n,) int, frame indices of the video
    t_s: np.ndarray  # (n,) float, presentation time of each frame
    image: np.ndarray  # (n, 33, 3) float32: x, y in display pixels; z in pixels (MediaPipe's scale)
    world: np.ndarray  # (n, 33, 3) float32: metres, origin between the hips, y down
    visibility: np.ndarray  # (n, 33) float32 in [0, 1]; 0 where not seen

    @property
    def present(self) -> np.ndarray:
        """(n,) bool: the person was found in that frame."""
        return ~np.isnan(self.image[:, 0, 0])

    def __len__(self) -> int:
        return len(self.frames)


@dataclass(frozen=True, eq=False)
class Poses:
    width: int  # display size the pixel coordinates refer to
    height: int
    frames: np.ndarray  # (n,) int, frames that were analysed
    t_s: np.ndarray  # (n,) float
    tracks: tuple[PoseTrack, ...]


def estimate_poses(
    frames: Iterable[Frame],
    *,
    width: int,
    height: int,
    config: PoseConfig = PoseConfig(),
    callback: Callback | None = None,
) -> Poses:
    """Run BlazePose over `frames` (display size `width` x `height`)."""
    indices: list[int] = []
    times: list[float] = []
    image = []
    world = []
    vis = []
    with _open_pose(config) as model:
        for frame in frames:
            if indices:
                result = model.process(frame.rgb)
            else:
                with _quiet_stderr():  # the graph starts on the first frame and logs to fd 2
                    result = model.process(frame.rgb)
            indices.append(frame.index)
            times.append(frame.t_s)
            img, wld, v = _unpack(result, frame.rgb.shape[1] / frame.scale, frame.rgb.shape[0] / frame.scale)
            image.append(img)
            world.append(wld)
            vis.append(v)
            if callback is not None:
                callback({"stage": "pose", "frame": frame.index})
    n = len(indices)
    image_arr = np.array(image, dtype=np.float32).reshape(n, N_LANDMARKS, 3)
    track = PoseTrack(
        person=0,
        frames=np.array(indices, dtype=np.int64),
        t_s=np.array(times, dtype=np.float64),
        image=image_arr,
        world=np.array(world, dtype=np.float32).reshape(n, N_LANDMARKS, 3),
        visibility=np.array(vis, dtype=np.float32).reshape(n, N_LANDMARKS),
    )
    tracks = (track,) if n and track.present.any() else ()
    return Poses(width=width, height=height, frames=track.frames, t_s=track.t_s, tracks=tracks)


_NAN_LANDMARKS = np.full((N_LANDMARKS, 3), np.nan, dtype=np.float32)


def _unpack(result, width_px: float, height_px: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if result.pose_landmarks is None:
        return _NAN_LANDMARKS, _NAN_LANDMARKS, np.zeros(N_LANDMARKS, dtype=np.float32)
    lm = result.pose_landmarks.landmark
    img = np.array([(p.x * width_px, p.y * height_px, p.z * width_px) for p in lm], dtype=np.float32)
    vis = np.array([p.visibility for p in lm], dtype=np.float32)
    if result.pose_world_landmarks is not None:
        wld = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float32)
    else:
        wld = _NAN_LANDMARKS
    return img, wld, vis


@contextlib.contextmanager
def _open_pose(config: PoseConfig):
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging to stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        with _quiet_stderr():
            from mediapipe.python.solutions import pose as mp_pose

            model = mp_pose.Pose(
                static_image_mode=False,
                model_complexity=config.model_complexity,
                smooth_landmarks=True,
                enable_segmentation=False,
                min_detection_confidence=config.min_detection_confidence,
                min_tracking_confidence=config.min_tracking_confidence,
            )
    except (ImportError, RuntimeError, FileNotFoundError) as exc:
        raise ModelError(f"MediaPipe pose could not be loaded: {exc}") from None
    try:
        yield model
    finally:
        model.close()


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ library's start-up chatter on fd 2 (Python errors still raise)."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)
