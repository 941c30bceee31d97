"""Camera motion from the picture: known pans, zooms, cuts and a still camera, with a 'person' masked out."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from foleystudio.media.frames import Frame
from foleystudio.vision.camera import IDENTITY, CameraTracker, apply, invert, is_moving

W, H = 640, 360


def _scene(seed: int = 0) -> np.ndarray:
    """A large textured 'world' (blobs at several scales), RGB uint8."""
    rng = np.random.default_rng(seed)
    big = np.zeros((H * 3, W * 3, 3), np.float32)
    for sigma in (2, 6, 18):
        big += cv2.GaussianBlur(rng.normal(0, 1, big.shape).astype(np.float32), (0, 0), sigma) * sigma
    big = (big - big.min()) / (big.max() - big.min()) * 255
    return big.astype(np.uint8)


def _view(world: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The picture of `world` through `a` (2x3: world px -> picture px)."""
    return cv2.warpAffine(world, a, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _track(views: list[np.ndarray], boxes=None, cuts=()) -> np.ndarray:
    tracker = CameraTracker()
    for k, rgb in enumerate(views):
        tracker.add(Frame(k, k / 30, rgb, 1.0), boxes[k] if boxes else [], cut=k in cuts)
    return tracker.path()


def _world_to_picture(k: int, shift_px: tuple[float, float], zoom: float = 1.0) -> np.ndarray:
    """Frame k looks at the world from (W + k*dx, H + k*dy), zoomed zoom**k about the picture centre."""
    s = zoom ** k
    ox, oy = W + k * shift_px[0], H + k * shift_px[1]
    c = np.array([W / 2, H / 2])
    return np.array([[s, 0, c[0] - s * (ox + c[0])], [0, s, c[1] - s * (oy + c[1])]])


def _expected(k: int, shift_px, zoom=1.0) -> np.ndarray:
    """Picture of frame k -> picture of frame 0."""
    a0 = np.vstack([_world_to_picture(0, shift_px, zoom), [0, 0, 1]])
    ak = np.vstack([_world_to_picture(k, shift_px, zoom), [0, 0, 1]])
    return (a0 @ np.linalg.inv(ak))[:2]


def _error_px(got: np.ndarray, want: np.ndarray) -> float:
    corners = np.array([[[0, 0], [W, 0], [0, H], [W, H]]], np.float64)
    return float(np.abs(apply(got[None], corners) - apply(want[None], corners)).max())


@pytest.mark.parametrize("shift", [(3.0, 0.0), (-2.5, 1.0), (0.4, -0.3)])
def test_a_pan_is_followed_to_a_fraction_of_a_pixel(shift):
    world = _scene()
    n = 40
    path = _track([_view(world, _world_to_picture(k, shift)) for k in range(n)])
    assert path.shape == (n, 2, 3)
    assert _error_px(path[0], IDENTITY) == 0
    for k in (1, 10, n - 1):  # drift: under 0.05 px a frame (2 px after 40 frames of a 100 px pan)
        assert _error_px(path[k], _expected(k, shift)) < 0.5 + 0.05 * k, k
    for k in range(1, n):  # what contact detection uses: frame-to-frame motion, to a fraction of a pixel
        assert _error_px(_step(path[k - 1], path[k]), _step(_expected(k - 1, shift), _expected(k, shift))) < 0.25, k


def _step(before: np.ndarray, now: np.ndarray) -> np.ndarray:
    """Picture of frame k -> picture of frame k-1, from their maps to frame 0."""
    return (np.linalg.inv(np.vstack([before, [0, 0, 1]])) @ np.vstack([now, [0, 0, 1]]))[:2]


def test_a_zoom_is_a_change_of_scale():
    world = _scene(1)
    n = 30
    path = _track([_view(world, _world_to_picture(k, (1.0, 0.0), zoom=1.004)) for k in range(n)])
    assert np.hypot(*path[-1][0, :2]) == pytest.approx(1.004 ** -(n - 1), abs=0.003)
    assert _error_px(path[-1], _expected(n - 1, (1.0, 0.0), 1.004)) < 1.5


def test_a_still_camera_is_exactly_still():
    world = _scene(2)
    rng = np.random.default_rng(0)
    still = _world_to_picture(0, (0, 0))
    views = [np.clip(_view(world, still) + rng.normal(0, 2, (H, W, 3)), 0, 255).astype(np.uint8) for _ in range(20)]
    path = _track(views)
    assert np.array_equal(path, np.broadcast_to(IDENTITY, path.shape))
    assert not is_moving(path, W, H)


def test_a_followed_person_does_not_hold_the_camera_still():
    """The camera pans with a big 'person' who stays mid-picture: masked out, the ground's motion wins."""
    world = _scene(3)
    person = np.random.default_rng(9).integers(0, 255, (260, 200, 3), dtype=np.uint8)
    box = (220, 50, 420, 310)
    views = []
    for k in range(30):
        v = _view(world, _world_to_picture(k, (4.0, 0.0)))
        v[box[1]:box[3], box[0]:box[2]] = person  # same place in every frame, like a tracked runner
        views.append(v)
    masked = _track(views, boxes=[[box]] * 30)
    assert _error_px(masked[-1], _expected(29, (4.0, 0.0))) < 2.0
    assert is_moving(masked, W, H)


def test_a_cut_starts_a_new_ground_frame():
    world = _scene(4)
    views = [_view(world, _world_to_picture(k, (3.0, 0.0))) for k in range(20)]
    path = _track(views, cuts=(10,))
    assert _error_px(path[10], IDENTITY) == 0
    assert _error_px(path[19], _expected(9, (3.0, 0.0))) < 1.0  # nine frames of pan since the cut


def test_apply_and_invert_round_trip():
    rng = np.random.default_rng(5)
    a = np.concatenate([rng.normal(0, 0.1, (8, 2, 2)) + np.eye(2), rng.normal(0, 50, (8, 2, 1))], axis=2)
    pts = rng.uniform(0, 500, (8, 3, 2))
    pts[0, 1] = np.nan
    back = apply(invert(a), apply(a, pts))
    assert np.allclose(back[np.isfinite(back)], pts[np.isfinite(pts)])
    assert np.isnan(back[0, 1]).all()
