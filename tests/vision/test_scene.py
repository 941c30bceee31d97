"""Scene estimation: the frame store, ground patches, fallbacks, footwear, and surfaces per shot."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from foleystudio.media.frames import Frame
from foleystudio.vision.contacts import ContactEvent
from foleystudio.edits.cues import resolve_surfaces
from foleystudio.vision.scene import (
    SceneConfig,
    ShotScene,
    estimate_scene,
    footwear_by_person,
    shot_footwear,
    shot_surface,
    tap_frames,
)
from foleystudio.vision.shots import ShotDetector
from foleystudio.vision.surface.dataset import load_tiles
from foleystudio.vision.surface.footwear import footwear_evidence
from foleystudio.vision.surface.ground import GroundConfig, ground_box
from foleystudio.vision.surface.model import SurfaceModel, load_model
from foleystudio.vision.surface.sampler import FrameSampler, SamplerConfig

W, H = 640, 360


def _frame(index: int, ground: np.ndarray, wall=(205, 195, 170)) -> Frame:
    """A wall over a ground plane textured with `ground` (a held-out tile)."""
    img = np.empty((H, W, 3), np.uint8)
    img[:] = wall
    reps = (int(np.ceil(H / 2 / ground.shape[0])), int(np.ceil(W / ground.shape[1])), 1)
    img[H // 2 :] = np.tile(ground, reps)[: H - H // 2, :W]
    shift = index % 7  # a little camera shake so frames are not identical
    return Frame(index=index, t_s=index / 30, rgb=np.roll(img, shift, axis=1), scale=1.0)


def _contact(frame: int, person: int = 0) -> ContactEvent:
    return ContactEvent(t_s=frame / 30, frame=frame, person=person, foot="left", kind="step", confidence=0.9,
                        strength=0.5, x=0.5, y=0.72, body_px=220.0)


@pytest.fixture(scope="module")
def two_shots(shared):
    tiles = load_tiles(shared / "surfaces")
    grass = [rgb for name, rgb in tiles if name == "grass"][0]
    planks = cv2.imread(str(shared / "surfaces" / "tiles" / "Planks_1.png"))[:, :, ::-1]
    frames = [_frame(i, grass) for i in range(30)] + [_frame(i, np.ascontiguousarray(planks), (120, 130, 150)) for i in range(30, 60)]
    detector, sampler = ShotDetector(), FrameSampler(SamplerConfig(capacity=16))
    passed = list(tap_frames(frames, shots=detector, sampler=sampler))
    assert len(passed) == 60
    return detector.finish(), sampler


def test_held_frames_pass_through_but_feed_nothing():
    class Seen:
        def __init__(self):
            self.indices = []

        def add_frame(self, frame):
            self.indices.append(frame.index)

        def feed(self, index, t_s, rgb):
            self.indices.append(index)

    rgb = np.zeros((8, 8, 3), np.uint8)
    frames = [Frame(index=i, t_s=i / 30, rgb=rgb, scale=1.0, held=i in (3, 7)) for i in range(10)]
    shots, sampler, motion = Seen(), Seen(), Seen()
    assert [f.index for f in tap_frames(frames, shots=shots, sampler=sampler, motion=motion)] == list(range(10))
    assert shots.indices == sampler.indices == motion.indices == [0, 1, 2, 4, 5, 6, 8, 9]


def test_frames_pass_through_once_into_shots_and_sampler(two_shots):
    shots, sampler = two_shots
    assert shots.boundaries == (30,)
    assert len(sampler.frames) < 16 and sampler.stride > 1
    assert sampler.nearest(31, 30, 60).index >= 30
    assert sampler.nearest(29, 0, 30).index < 30


def test_each_shot_gets_its_own_surface_and_nothing_crosses_the_cut(two_shots):
    shots, sampler = two_shots
    contacts = [_contact(f) for f in (5, 12, 20, 27, 33, 40, 48, 56)]
    scene = estimate_scene(contacts, shots=shots, sampler=sampler)
    first, second = scene.shots
    assert (first.surface, first.surface_confident, first.source) == ("grass", True, "estimate")
    assert (second.surface, second.surface_confident) == ("wood", True)
    assert first.patches == 4 and second.patches == 4
    for c, est in zip(contacts, scene.contacts):
        shot = shots.at_frame(c.frame)
        assert est.shot == shot.index
        assert shot.start_frame <= est.frame_used < shot.end_frame
        assert est.surface == ("grass" if c.frame < 30 else "wood")
    chosen = resolve_surfaces(contacts, scene.contacts)
    assert {c.surface_source for c in chosen} == {"estimate"}
    assert scene.at_time(0.5).shot == 0 and scene.at_time(1.5).shot == 1


def test_unsure_estimates_fall_back_to_the_users_default(two_shots):
    shots, sampler = two_shots
    model = load_model()
    blind = SurfaceModel(**{**model.__dict__, "w2": np.zeros_like(model.w2), "b2": np.zeros_like(model.b2)})
    contacts = [_contact(f) for f in (5, 12, 40)]
    scene = estimate_scene(contacts, shots=shots, sampler=sampler, model=blind, config=SceneConfig(default_surface="carpet"))
    assert all(s.surface == "carpet" and s.source == "default" and not s.surface_confident for s in scene.shots)
    assert all(c.surface == "carpet" and c.source == "default" for c in scene.contacts)
    chosen = resolve_surfaces(contacts, scene.contacts, default_surface="carpet")
    assert {(c.surface, c.surface_source) for c in chosen} == {("carpet", "default")}


def test_a_shot_without_contacts_still_gets_a_scene_but_no_confident_surface(two_shots):
    shots, sampler = two_shots
    scene = estimate_scene([_contact(10)], shots=shots, sampler=sampler)
    assert scene.shots[1].patches > 0 and not scene.shots[1].surface_confident
    assert scene.shots[1].lighting in ("dark", "dim", "normal", "bright")


def test_shot_surface_needs_agreeing_patches():
    classes = ("grass", "wood")
    sure, weak = np.array([0.9, 0.1]), np.array([0.6, 0.4])
    assert shot_surface([sure], classes)[1]
    assert not shot_surface([weak], classes)[1]
    assert shot_surface([weak, weak], classes)[1]
    assert not shot_surface([sure, sure], classes, at_feet=False)[1]
    assert shot_surface([], classes) == (None, False)


def test_an_indoor_picture_does_not_trust_snow_underfoot():
    classes = ("concrete", "grass", "snow", "wood")
    studio = [np.array([0.30, 0.05, 0.57, 0.08])] * 4  # a smooth grey studio floor, read as snow
    outdoors, _ = shot_surface(studio, classes, outdoor_probability=0.95)
    unsure_room, doubt = shot_surface(studio, classes, outdoor_probability=0.45)  # no sky, no vegetation: unsure
    indoors, _ = shot_surface(studio, classes, outdoor_probability=0.1)
    assert shot_surface(studio, classes)[0].surface == "snow" and shot_surface(studio, classes)[1]
    assert outdoors.surface == "snow"  # outdoors snow stays the answer
    assert unsure_room.surface == "snow" and not doubt  # weakened below trust: the user's default is used
    assert indoors.surface == "concrete"  # clearly indoors: the floor
    lawn = [np.array([0.1, 0.7, 0.1, 0.1])] * 4
    assert shot_surface(lawn, classes, outdoor_probability=0.1)[0].surface == "grass"  # strong evidence still wins


def test_sampler_memory_is_bounded_and_coverage_uniform():
    sampler = FrameSampler(SamplerConfig(max_side_px=64, capacity=10))
    rgb = np.zeros((360, 640, 3), np.uint8)
    for i in range(1000):
        sampler.add(i, i / 30, rgb)
    idx = [s.index for s in sampler.frames]
    assert len(idx) < 10 and sampler.nbytes <= 10 * 64 * 36 * 3
    assert np.ptp(np.diff(idx)) == 0 and idx[0] == 0 and idx[-1] > 800
    assert sampler.frames[0].rgb.shape == (36, 64, 3)
    assert sampler.nearest(500).index in idx and sampler.nearest(5, 2000, 3000) is None


def test_ground_box_scales_with_the_body_and_stays_in_frame():
    cfg = GroundConfig()
    x0, y0, x1, y1 = ground_box(320, 300, 200, W, H, cfg)
    assert x1 - x0 == pytest.approx(140, abs=1) and y0 < 300 < y1
    assert ground_box(5, 355, 200, W, H, cfg)[0] == 0 and ground_box(5, 355, 200, W, H, cfg)[3] == H
    far = ground_box(320, 300, 10, W, H, cfg)
    assert far[2] - far[0] >= cfg.min_side_px - 1


def test_footwear_evidence_sees_skin_shoes_and_grey_film():
    img = np.full((200, 200, 3), (90, 140, 60), np.uint8)  # grass
    person = np.zeros((200, 200), bool)
    person[120:181, 90:111] = True
    bare = img.copy()
    bare[120:181, 90:111] = (224, 172, 140)  # skin tone
    shod = img.copy()
    shod[120:181, 90:111] = (30, 30, 35)
    cfg = GroundConfig()
    assert footwear_evidence(bare, person, 100, 180, 200, cfg) > 0.9
    assert footwear_evidence(shod, person, 100, 180, 200, cfg) < 0.05
    grey = cv2.cvtColor(cv2.cvtColor(bare, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    assert footwear_evidence(grey, person, 100, 180, 200, cfg) is None
    assert footwear_evidence(bare, np.zeros_like(person), 100, 180, 200, cfg) is None


def test_footwear_is_judged_per_person():
    """A barefoot dancer beside a partner in shoes: each gets their own; the shot as a whole is unsure."""
    evidence = [(0, 0.9), (1, 0.01), (0, 0.85), (1, 0.0), (0, None), (1, 0.02), (0, 0.95), (2, None)]
    assert footwear_by_person(evidence) == ((0, "barefoot", True), (1, "shoes", True), (2, "shoes", False))
    assert footwear_by_person(evidence, default="boots")[1] == (1, "boots", True)  # shod: the user's kind of shoe


def test_the_shot_is_sure_of_its_footwear_only_when_everyone_in_it_is():
    man = [(0, 0.01), (0, 0.0), (0, 0.02), (0, 0.01)]
    assert shot_footwear(man) == ("shoes", True)
    assert shot_footwear(man + [(1, None), (1, 0.3)]) == ("shoes", False)  # her feet did not tell
    assert shot_footwear(man + [(1, 0.0), (1, 0.01), (1, 0.02)]) == ("shoes", True)  # both shod
    assert shot_footwear([(0, 0.9)] * 9 + [(1, 0.0)] * 3) == ("barefoot", False)  # mostly bare feet, but they differ


def _shot(footwear, confident, by_person) -> ShotScene:
    return ShotScene(shot=0, start_s=0.0, end_s=1.0, indoor=None, outdoor_probability=0.5, lighting="day", luma=0.5,
                     surface="grass", surface_probability=0.0, surface_confident=False, probabilities=(),
                     footwear=footwear, footwear_confident=confident, patches=0, source="default",
                     footwear_by_person=by_person)


def test_a_person_without_their_own_footwear_claim_is_not_given_someone_elses():
    shot = _shot("barefoot", True, ((0, "barefoot", True), (1, "shoes", False)))
    assert shot.footwear_of(0) == ("barefoot", True)
    assert shot.footwear_of(1) == ("shoes", False)  # the default, unsure: not the dancer's bare feet
    alone = _shot("barefoot", True, ((0, "barefoot", True),))
    assert alone.footwear_of(0) == ("barefoot", True)


def _analyse(path):
    """The pipeline's path: one decoding pass feeding pose, shots and the frame store."""
    from foleystudio.media.frames import iter_frames
    from foleystudio.media.probe import probe_video
    from foleystudio.vision.contacts import detect_contacts
    from foleystudio.vision.pose import estimate_poses

    info = probe_video(path)
    detector, sampler = ShotDetector(), FrameSampler()
    width, height = info.display_size
    poses = estimate_poses(tap_frames(iter_frames(info), shots=detector, sampler=sampler), width=width, height=height)
    contacts = list(detect_contacts(poses))
    shots = detector.finish(end_s=info.duration_s, end_frame=info.n_frames)
    return estimate_scene(contacts, shots=shots, sampler=sampler, poses=poses), contacts


@pytest.mark.clips
def test_real_clip_wooden_floor_indoors(shared):
    scene, contacts = _analyse(shared / "media" / "intel_walk_a.mp4")
    assert len(contacts) >= 3 and len(scene.shots) == 1
    shot = scene.shots[0]
    assert (shot.surface, shot.surface_confident, shot.indoor) == ("wood", True, True)
    assert {c.surface for c in scene.contacts} == {"wood"}


@pytest.mark.clips
def test_real_clip_track_outdoors_never_a_confident_wrong_surface(shared):
    scene, _ = _analyse(shared / "media" / "hato_b10.mp4")
    shot = scene.shots[0]
    assert shot.indoor is False
    assert shot.surface == "rubber" or not shot.surface_confident
    # The colour classifier is unsure on tartan (p 0.17-0.47, issue 5 still open): rubber must be a
    # leading candidate, not necessarily the first (wood 0.28 vs rubber 0.26 since contacts moved).
    assert "rubber" in [name for name, _ in shot.probabilities[:2]]
    assert shot.footwear_confident is False  # a red track looks like skin: no footwear claim


@pytest.mark.clips
def test_real_clip_bare_feet_are_seen(shared):
    scene, _ = _analyse(shared / "media" / "pose2sim_cam03.mp4")
    assert (scene.shots[0].footwear, scene.shots[0].footwear_confident) == ("barefoot", True)
