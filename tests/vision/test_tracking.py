"""Tracking bookkeeping on synthetic people whose true identity is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from foleystudio.vision import tracking as tk

RED = np.r_[np.eye(12)[0], np.eye(12)[11]] / 2  # 24-bin looks: red shirt / light trousers
BLUE = np.r_[np.eye(12)[5], np.eye(12)[8]] / 2  # blue shirt / black trousers


def skeleton(cx: float, cy: float, scale: float) -> np.ndarray:
    """(33, 3) landmarks of an upright person whose hip centre is (cx, cy)."""
    pts = np.zeros((33, 3))
    pts[:, :2] = (cx, cy - 0.35 * scale)  # head and hands: up near the face
    for i, (dx, dy) in {
        11: (-0.1, -0.25), 12: (0.1, -0.25), 23: (-0.06, 0), 24: (0.06, 0), 25: (-0.06, 0.2), 26: (0.06, 0.2),
        27: (-0.06, 0.4), 28: (0.06, 0.4), 29: (-0.07, 0.42), 30: (0.05, 0.42), 31: (-0.02, 0.43), 32: (0.1, 0.43),
    }.items():
        pts[i, :2] = (cx + dx * scale, cy + dy * scale)
    return pts


def identity(person, t, cx, cy, scale=200.0, vx=0.0, look=None) -> tk.Identity:
    return tk.Identity(person, t, np.array([cx, cy]), scale, skeleton(cx, cy, scale), np.array([vx, 0.0]), look)


def test_two_people_crossing_keep_their_ids():
    """A (red) walks right, B (blue) walks left, same depth. Where they overlap, B's
    tracker slides onto A: the duplicate check must drop B (not A, whose clothes match
    the body), and when B reappears on the far side re-identification must give B back
    its id from where it was heading."""
    fps, scale, speed = 30.0, 200.0, 150.0
    a = identity(0, 0.0, 100, 500, scale, speed, RED)
    b = identity(1, 0.0, 700, 500, scale, -speed, BLUE)
    active, lost = {0: a, 1: b}, {}
    events = []
    for k in range(1, 121):
        t = k / fps
        xa, xb = 100 + speed * t, 700 - speed * t
        a.update(t, np.array([xa, 500.0]), scale, skeleton(xa, 500, scale), RED)
        if 1 in active:
            on_a = abs(xa - xb) < 0.1 * scale  # B's crop now shows A's body
            cx = xa if on_a else xb
            b.update(t, np.array([cx, 500.0]), scale, skeleton(cx, 500, scale), None)
        drop = tk.duplicates(list(active.values()), look_now=lambda who: RED)
        assert 0 not in drop
        for person in drop:
            active[person].lost_t_s = t
            lost[person] = active.pop(person)
            events.append(("dropped", person))
        if 1 in lost and abs(xa - xb) > 0.6 * scale:  # apart again: the detector finds B
            (person,) = tk.reidentify([(np.array([xb, 500.0]), scale, BLUE)], list(lost.values()), t)
            assert person == 1
            events.append(("back", person))
            active[1] = lost.pop(1)
            active[1].update(t, np.array([xb, 500.0]), scale, skeleton(xb, 500, scale), BLUE)
        if 1 in active and 1 not in lost:
            assert abs(active[1].center[0] - xb) < 0.1 * scale or abs(xa - xb) < 0.1 * scale
    assert set(active) == {0, 1} and not lost
    assert events == [("dropped", 1), ("back", 1)]


def test_reidentified_after_a_gap_where_they_were_heading():
    walker = identity(3, 1.0, 300, 400, 180, 120.0, RED)
    walker.lost_t_s = 1.0
    # 0.8 s later, 0.5 s of dead reckoning puts them at x = 360: found at 370
    assert tk.reidentify([(np.array([370.0, 400.0]), 185.0, RED)], [walker], 1.8) == [3]
    assert tk.reidentify([(np.array([370.0, 400.0]), 185.0, None)], [walker], 1.8) == [3]  # look unknown


def test_not_reidentified_when_far_late_other_size_or_other_clothes():
    walker = identity(3, 1.0, 300, 400, 180, 120.0, RED)
    walker.lost_t_s = 1.0
    far = (np.array([900.0, 400.0]), 180.0, RED)
    bigger = (np.array([360.0, 400.0]), 400.0, RED)
    other = (np.array([360.0, 400.0]), 180.0, BLUE)
    near = (np.array([360.0, 400.0]), 180.0, RED)
    assert tk.reidentify([far, bigger, other], [walker], 1.5) == [None, None, None]
    assert tk.reidentify([near], [walker], 1.0 + 2.5) == [None]  # past the 2 s window


def test_two_lost_two_found_assigned_one_to_one():
    left = identity(0, 2.0, 200, 400, 200, -100.0, RED)
    right = identity(1, 2.0, 600, 400, 200, 100.0, BLUE)
    left.lost_t_s = right.lost_t_s = 2.0
    found = [(np.array([660.0, 400.0]), 200.0, BLUE), (np.array([140.0, 400.0]), 200.0, RED)]
    assert tk.reidentify(found, [left, right], 2.6) == [1, 0]


def test_duplicates_keep_the_older_unless_its_look_is_wrong():
    old = identity(0, 1.0, 400, 400, 200, look=RED)
    new = identity(1, 1.0, 405, 402, 200, look=RED)
    assert tk.duplicates([old, new], look_now=lambda who: RED) == {1}
    stray = identity(0, 1.0, 400, 400, 200, look=BLUE)  # the old tracker slid onto someone else
    assert tk.duplicates([stray, new], look_now=lambda who: RED) == {0}
    apart = identity(2, 1.0, 700, 400, 200, look=RED)
    assert tk.duplicates([old, apart], look_now=lambda who: RED) == set()


def test_same_body_catches_a_pose_at_the_wrong_scale():
    small = skeleton(400, 400, 200)
    big = skeleton(410, 430, 420)  # the landmark model fitted the same body twice as big
    assert tk.same_body(small, 200, big, 420)
    assert not tk.same_body(small, 200, skeleton(800, 400, 200), 200)


def test_roi_from_points_is_blazepose_crop():
    upright = tk.roi_from_points(np.array([100.0, 200.0]), np.array([100.0, 120.0]))
    assert (upright.cx, upright.cy) == (100.0, 200.0)
    assert upright.size == pytest.approx(2 * 80 * 1.25)
    assert upright.angle == pytest.approx(0.0)
    lying = tk.roi_from_points(np.array([100.0, 200.0]), np.array([180.0, 200.0]))  # head to the right
    assert abs(lying.angle) == pytest.approx(math.pi / 2)


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (576, 576), (640, 360)])
def test_discovery_views_cover_the_frame_at_three_scales(size):
    w, h = size
    views = tk.discovery_views(w, h)
    assert views[0] == tk.View(0, 0, w, h) or tk.View(0, 0, w, h) in views
    covered = np.zeros((h, w), bool)
    sides = set()
    for v in views:
        assert v.x0 >= 0 and v.y0 >= 0 and v.x0 + v.side_x <= w and v.y0 + v.side_y <= h
        covered[v.y0 : v.y0 + v.side_y, v.x0 : v.x0 + v.side_x] = True
        sides.add(min(v.side_x, v.side_y))
    assert covered.all()
    assert min(sides) <= min(w, h) // 2 + 1  # a finer level for small people


def test_motion_view_points_at_the_untracked_mover():
    w, h = 1280, 720
    before = np.full((h, w, 3), 120, np.uint8)
    now = before.copy()
    now[300:500, 1000:1060] = 250  # someone walking in on the right
    now[300:500, 200:260] = 250  # someone already followed on the left
    followed = [tk.roi_from_points(np.array([230.0, 420.0]), np.array([230.0, 330.0]))]
    view = tk.motion_view(tk.thumbnail(before), tk.thumbnail(now), followed, w, h)
    assert view is not None
    assert view.x0 <= 1030 <= view.x0 + view.side_x and view.y0 <= 400 <= view.y0 + view.side_y
    assert tk.motion_view(tk.thumbnail(before), tk.thumbnail(before), [], w, h) is None


def test_scout_sees_a_cut_not_a_moving_person():
    rng = np.random.default_rng(1)
    shot_a = rng.integers(0, 255, (72, 128, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    shot_b = rng.integers(0, 255, (72, 128, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    moved = shot_a.copy()
    moved[300:500, 600:660] = 255
    scout = tk.Scout()
    assert [scout.cut(f) for f in (shot_a, moved, shot_a, shot_b, shot_b)] == [False, False, False, True, False]


def test_one_euro_keeps_a_still_value_and_follows_a_step():
    f = tk.OneEuro(min_cutoff_hz=1.0, beta=0.0)
    for k in range(10):
        assert f(np.array([5.0]), k / 30)[0] == pytest.approx(5.0)
    out = [f(np.array([10.0]), (10 + k) / 30)[0] for k in range(60)]
    assert 5.0 < out[0] < 10.0 and out[-1] == pytest.approx(10.0, abs=0.05)
    assert all(np.diff(out) >= 0)


def test_smoother_off_passes_landmarks_through():
    sm = tk.PoseSmoother(smooth_landmarks=False)
    img, world, vis = skeleton(100, 100, 100), np.ones((33, 3)), np.full(33, 0.7)
    aux = np.array([[100.0, 100.0, 0], [100.0, 50.0, 0]])
    for k in range(3):
        out = sm(k / 30, img + k, world, vis, aux)
        assert np.array_equal(out[0], img + k) and np.array_equal(out[2], vis)


def test_smoother_is_frame_rate_aware():
    """The same motion sampled at 10 and 60 fps ends up equally close to the truth."""
    ends = []
    for fps in (10, 60):
        sm = tk.PoseSmoother()
        aux = np.array([[0.0, 0.0, 0], [0.0, -100.0, 0]])
        for k in range(int(fps * 1.0) + 1):
            x = 200.0 * k / fps  # 200 px/s
            out = sm(k / fps, np.full((33, 3), x), np.zeros((33, 3)), np.ones(33), aux)
        ends.append(out[0][0, 0])
    assert ends[0] == pytest.approx(ends[1], abs=5.0)
    assert ends[1] == pytest.approx(200.0, abs=10.0)


def test_appearance_tells_shirts_apart():
    img = np.full((400, 400, 3), 128, np.uint8)
    person = skeleton(200, 220, 300)
    red, blue = img.copy(), img.copy()
    red[100:300, 150:250] = (200, 30, 30)
    blue[100:300, 150:250] = (30, 30, 200)
    look_red, look_blue = tk.appearance(red, person), tk.appearance(blue, person)
    assert tk.appearance_distance(look_red, tk.appearance(red, person)) == pytest.approx(0.0, abs=1e-6)
    assert tk.appearance_distance(look_red, look_blue) > 0.9
    assert tk.appearance(red, skeleton(-500, -500, 100)) is None  # off the frame


def test_keep_track_needs_feet_for_long_enough():
    t = np.arange(60) / 30
    vis = np.zeros((60, 33))
    present = np.zeros(60, bool)
    present[:30] = True
    vis[:30, 27:33] = 0.9
    assert tk.keep_track(vis, present, t, min_s=0.5)
    vis[:, 27:33] = 0.2  # feet never seen: a torso behind a crowd
    assert not tk.keep_track(vis, present, t, min_s=0.5)
