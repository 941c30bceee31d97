"""Synthetic people whose claps, slaps, falls and sit-downs are known exactly (see synth.py).

A standing figure (synth_motion.Stand, facing the camera 5 m away) is posed with
scripted hands or a scripted hip height, drawn by `synth.skeleton` and filmed by the
same pinhole camera, with MediaPipe-like landmark jitter. Each scene returns the
poses and the true event times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foleystudio.vision.pose import Poses, PoseTrack
from tests.vision import synth
from tests.vision.synth_motion import UP, Body, Kinematics, Stand, _left_of

FPS = 30.0
SIZE = (1920, 1080)


@dataclass(frozen=True, eq=False)
class Scene:
    poses: Poses
    truth: tuple[float, ...]  # the true event times (s)
    fps: float = FPS


def camera() -> synth.Camera:
    return synth.Camera.framing(*SIZE, 0.6 * SIZE[1], 5.0)


def times(duration_s: float, fps: float = FPS) -> np.ndarray:
    return np.arange(round(duration_s * fps)) / fps


def film(scene: np.ndarray, pelvis: np.ndarray, t: np.ndarray, *, body: Body = Body(), noise: float = 0.006,
         world_noise_m: float = 0.01, seed: int = 0, person: int = 0) -> Poses:
    """Scene landmarks (n, 33, 3) filmed by `camera()`, with jitter of `noise` leg lengths, as one track."""
    cam = camera()
    rng = np.random.default_rng(seed)
    image = cam.project(scene, pelvis[:, None, 2])
    leg_px = body.leg_m * cam.focal_px / pelvis[:, 2]
    image = image + rng.normal(0, 1, image.shape) * (noise * leg_px)[:, None, None]
    world = scene - pelvis[:, None, :]
    world[..., 1] *= -1  # MediaPipe's world landmarks: y down
    world = world + rng.normal(0, world_noise_m, world.shape)
    vis = np.clip(0.95 + rng.normal(0, 0.015, (len(t), 33)), 0, 1)
    track = PoseTrack(person, np.arange(len(t)), t.copy(), image.astype(np.float32), world.astype(np.float32),
                      vis.astype(np.float32))
    return Poses(cam.width, cam.height, np.arange(len(t)), t.copy(), (track,))


def standing(t: np.ndarray, body: Body = Body()) -> tuple[Kinematics, np.ndarray]:
    kin = Stand(body=body).kinematics(t)
    return kin, synth.skeleton(kin, body)


# ---------------------------------------------------------------------------------------------- hands


def clapping(claps_s: tuple[float, ...], *, duration_s: float = 3.0, fps: float = FPS, meet_m: float = 0.04,
             apart_m: float = 0.45, close_mps: float = 2.0, hold_s: float = 0.05, open_s: float = 0.3,
             depth_m: float = 0.0, noise: float = 0.006, seed: int = 0) -> Scene:
    """Hands in front of the chest closing at `close_mps` until `meet_m` apart at each time in `claps_s`.

    With meet_m of a few cm the palms meet (claps); with 0.3 m they stop short (no clap);
    a negative meet_m crosses them over. `depth_m` puts the right hand that much nearer
    the camera: the hands then cover each other in the picture without touching.
    """
    t = times(duration_s, fps)
    body = Body()
    kin, scene = standing(t, body)
    gap = np.full(len(t), apart_m)
    close_s = (apart_m - meet_m) / close_mps
    for tc in claps_s:
        closing = (t >= tc - close_s) & (t < tc)
        gap[closing] = apart_m - close_mps * (t[closing] - (tc - close_s))
        held = (t >= tc) & (t < tc + hold_s)
        gap[held] = meet_m
        opening = (t >= tc + hold_s) & (t < tc + hold_s + open_s)
        u = (t[opening] - tc - hold_s) / open_s
        gap[opening] = meet_m + (apart_m - meet_m) * u * u * (3 - 2 * u)
    _pose_hands(scene, kin, body, gap)
    scene[:, [16, 18, 20, 22]] += depth_m * kin.forward  # facing the camera: forward is towards it
    return Scene(film(scene, kin.pelvis, t, body=body, noise=noise, seed=seed), tuple(claps_s), fps)


def _pose_hands(scene: np.ndarray, kin: Kinematics, body: Body, gap: np.ndarray) -> None:
    """Palms facing each other `gap` apart, fingers up, 30 cm in front of the chest."""
    f, left = kin.forward, _left_of(kin.forward)
    centre = kin.pelvis + 0.22 * body.height_m * UP + 0.3 * f
    sides = ((1, 15, 17, 19, 21, 13, 11), (-1, 16, 18, 20, 22, 14, 12))
    for sign, wrist, pinky, index, thumb, elbow, shoulder in sides:
        palm = centre + (sign * 0.5 * gap)[:, None] * left
        scene[:, wrist] = palm - 0.05 * UP
        scene[:, index] = palm + 0.06 * UP
        scene[:, pinky] = palm + 0.05 * UP - 0.01 * f
        scene[:, thumb] = palm + 0.02 * UP + 0.02 * f
        scene[:, elbow] = 0.5 * (scene[:, shoulder] + scene[:, wrist]) - 0.1 * UP


def slapping(slaps_s: tuple[float, ...], *, duration_s: float = 3.0, fps: float = FPS, speed_mps: float = 3.0,
             travel_m: float = 0.5, stop_out_m: float = 0.06, seed: int = 0) -> Scene:
    """The right hand swung down onto the outside of the right thigh at `speed_mps`, stopping dead there."""
    t = times(duration_s, fps)
    body = Body()
    kin, scene = standing(t, body)
    left = _left_of(kin.forward)
    hip, knee = scene[:, 24], scene[:, 26]
    rest = 0.5 * (hip + knee) - stop_out_m * left  # on the outside of the thigh
    direction = (UP - 0.6 * left) / np.linalg.norm(UP - 0.6 * left)  # it comes from up and out
    away = np.full(len(t), travel_m)
    swing_s = travel_m / speed_mps
    for ts in slaps_s:
        m = (t >= ts - swing_s) & (t < ts)
        away[m] = speed_mps * (ts - t[m])
        held = (t >= ts) & (t < ts + 0.4)
        away[held] = 0.0
        back = (t >= ts + 0.4) & (t < ts + 0.9)
        u = (t[back] - ts - 0.4) / 0.5
        away[back] = travel_m * u * u * (3 - 2 * u)
    hand = rest + away[:, None] * direction
    scene[:, 16] = hand - 0.04 * UP
    scene[:, 20] = hand + 0.04 * UP
    scene[:, 18] = hand + 0.03 * UP
    scene[:, 22] = hand
    scene[:, 14] = 0.5 * (scene[:, 12] + scene[:, 16]) - 0.05 * left
    return Scene(film(scene, kin.pelvis, t, body=body, seed=seed), tuple(slaps_s), fps)


# ---------------------------------------------------------------------------------------------- hips


def dropping(drop_m: float, *, start_s: float = 1.0, accel_mps2: float = 0.8 * 9.81, max_mps: float = 9.9,
             ease_s: float | None = None, knees_down: bool = False, duration_s: float = 3.0, fps: float = FPS,
             noise: float = 0.006, seed: int = 0) -> Scene:
    """The hip comes down `drop_m` from `start_s` and rests.

    Falling: constant acceleration `accel_mps2` up to `max_mps`, then that speed, until it
    stops dead (the event). With `ease_s`, a smooth (cosine) descent of that length that
    glides into its bottom instead (a slow squat held there: no event).
    `knees_down` brings the knees to the floor as the hip comes down (kneeling).
    """
    t = times(duration_s, fps)
    body = Body()
    kin = Stand(body=body).kinematics(t)
    u = np.clip(t - start_s, 0.0, None)
    if ease_s is not None:
        down = drop_m * 0.5 * (1 - np.cos(np.pi * np.clip(u / ease_s, 0, 1)))
        truth: tuple[float, ...] = ()
    else:
        t_acc = max_mps / accel_mps2
        down = np.where(u < t_acc, 0.5 * accel_mps2 * u**2, 0.5 * accel_mps2 * t_acc**2 + max_mps * (u - t_acc))
        reach_acc = 0.5 * accel_mps2 * t_acc**2
        hit = np.sqrt(2 * drop_m / accel_mps2) if drop_m <= reach_acc else t_acc + (drop_m - reach_acc) / max_mps
        down = np.minimum(down, drop_m)
        truth = (start_s + float(hit),)
    kin.pelvis[:, 1] -= down
    scene = synth.skeleton(kin, body)
    if knees_down:
        share = down / drop_m
        for knee, ankle in ((25, 27), (26, 28)):
            floor = scene[:, ankle, 1] + 0.01
            scene[:, knee, 1] = scene[:, knee, 1] + (floor - scene[:, knee, 1]) * share
    return Scene(film(scene, kin.pelvis, t, body=body, noise=noise, seed=seed), truth, fps)
