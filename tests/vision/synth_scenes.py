"""Small grey videos whose motion is known exactly: textured objects, camera moves, light, cuts.

Every frame is a view of a textured "world" (blobs at three scales, like `test_camera`)
through a 2x3 affine map, so a pan, a zoom or a roll is exact to the sub-pixel; objects
are textured squares pasted at sub-pixel positions (bilinear), so a stop between two
frames is drawn where it is.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

W, H = 256, 144  # the size MotionTracker is budgeted at
FPS = 30.0


def texture(h: int, w: int, seed: int) -> np.ndarray:
    """Random blobs at three scales, float32 in 0..255 (mean 128, spread 40)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((h, w), np.float32)
    for sigma in (1.5, 4.0, 10.0):
        img += cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigma) * sigma
    img = (img - img.mean()) / img.std() * 40.0 + 128.0
    return np.clip(img, 0, 255)


def view(world: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The W x H picture of `world` through `a` (2x3: world px -> picture px), float32."""
    return cv2.warpAffine(world, a, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def paste(image: np.ndarray, patch: np.ndarray, x: float, y: float) -> np.ndarray:
    """`patch` drawn on `image` with its top-left corner at sub-pixel (x, y)."""
    size = (image.shape[1], image.shape[0])
    a = np.array([[1.0, 0.0, x], [0.0, 1.0, y]])
    moved = cv2.warpAffine(patch, a, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpAffine(np.ones_like(patch), a, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return image * (1 - mask) + moved * mask


def frames(pictures: list[np.ndarray], fps: float = FPS) -> list[tuple[int, float, np.ndarray]]:
    """(index, t_s, uint8 grey) triples, as the pipeline feeds MotionTracker."""
    return [(k, k / fps, np.clip(p, 0, 255).astype(np.uint8)) for k, p in enumerate(pictures)]


def still_camera(k: int) -> np.ndarray:
    return np.array([[1.0, 0.0, -W / 2], [0.0, 1.0, -H / 2]])  # the middle of a 2W x 2H world


def to_world(xy: tuple[float, float]) -> np.ndarray:
    """A picture position of the still camera in world px (objects move in the world, not in the picture)."""
    return np.asarray(xy, float) + [W / 2, H / 2]


def panning(px_per_frame: tuple[float, float], until: int | None = None) -> Callable[[int], np.ndarray]:
    """A camera moving `px_per_frame` (picture px) from frame 0, stopping dead at frame `until`."""
    def a(k: int) -> np.ndarray:
        m = still_camera(k)
        j = k if until is None else min(k, until)
        m[:, 2] -= np.asarray(px_per_frame) * j
        return m
    return a


def zooming(per_frame: float, until: int | None = None) -> Callable[[int], np.ndarray]:
    """A camera zooming in by `per_frame` (1.02: 2 % a frame) about the picture's centre, stopping at `until`."""
    def a(k: int) -> np.ndarray:
        s = per_frame ** (k if until is None else min(k, until))
        centre = np.array([W / 2, H / 2])
        world_centre = np.array([W, H])  # the middle of the world
        return np.array([[s, 0.0, centre[0] - s * world_centre[0]], [0.0, s, centre[1] - s * world_centre[1]]])
    return a


def block_path(n: int, stop_s: float, start_xy: tuple[float, float], velocity_px_s: tuple[float, float],
               fps: float = FPS) -> np.ndarray:
    """(n, 2) top-left corner of a block moving at a constant velocity that stops dead at `stop_s`."""
    t = np.minimum(np.arange(n) / fps, stop_s)
    return np.asarray(start_xy) + t[:, None] * np.asarray(velocity_px_s)


def bounce_path(n: int, hit_s: float, top_y: float, floor_y: float, x: float, fps: float = FPS,
                restitution: float = 0.6) -> np.ndarray:
    """(n, 2) a ball dropped so that it reaches `floor_y` at `hit_s`, then bounces with `restitution`."""
    g = 2.0 * (floor_y - top_y) / hit_s**2  # px/s^2 from the drop
    t = np.arange(n) / fps
    v_up = restitution * g * hit_s
    y = np.where(t <= hit_s, top_y + 0.5 * g * t**2, floor_y - v_up * (t - hit_s) + 0.5 * g * (t - hit_s) ** 2)
    return np.stack([np.full(n, x), np.minimum(y, floor_y)], axis=1)


def scene(n: int, camera: Callable[[int], np.ndarray] = still_camera, *, path: np.ndarray | None = None,
          block_px: int = 24, gain: Callable[[int], float] = lambda k: 1.0, seed: int = 0) -> list[np.ndarray]:
    """n pictures of a textured world through `camera`, with a textured block at `path`.

    `path` is in the still camera's picture px (the block's top-left corner); the block
    lives in the world, so a moving camera films it moving with the world once it stops.
    """
    world = texture(2 * H, 2 * W, seed)
    block = texture(block_px, block_px, seed + 101)
    out = []
    for k in range(n):
        here = world if path is None else paste(world, block, *to_world(path[k]))
        p = view(here, camera(k))
        out.append((p - 128.0) * gain(k) + 128.0 * (0.6 + 0.4 * gain(k)))
    return out


def wall(n: int, camera: Callable[[int], np.ndarray], seed: int = 0) -> list[np.ndarray]:
    """A plain wall with one textured picture on it (a tenth of the frame): the only texture the flow can hold.

    A camera that pans or zooms over it and stops dead makes that one compact thing stop
    dead in the picture: only the camera's own motion, taken off, tells it from an impact.
    """
    world = np.full((2 * H, 2 * W), 128.0, np.float32)
    world += np.random.default_rng(seed).normal(0.0, 0.5, world.shape).astype(np.float32)
    world[H + 10 : H + 50, W + 10 : W + 70] = texture(40, 60, seed + 5)
    return [view(world, camera(k)) for k in range(n)]
