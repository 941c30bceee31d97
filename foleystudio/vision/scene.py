"""Scene per shot, and the ground under every contact: `estimate_scene`.

Runs after the single decoding pass, on what was kept during it: the shots (a
ShotDetector fed with thumbnails) and a bounded FrameSampler of downscaled frames.
For each contact it takes the stored frame nearest the contact inside the same shot
(a surface never crosses a cut), cuts the ground patch next to the foot, masks the
person out (selfie segmentation on a square around them, plus the legs of the pose
when given) and classifies the patch with the surface estimator: the built-in
classifier, or CLIP zero-shot from a local model (`surface/clip.py`), which also says
indoors/outdoors and names the environment from whole frames. Per shot the patch
probabilities are averaged; each contact then gets the average of its own
neighbourhood (the contacts around it, so a real change of ground mid-shot wins after
a few steps) and the shot's, so one odd patch does not flip a step to another surface. Unsure answers fall back to the
configured default and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from foleystudio.materials import normalise_footwear, normalise_surface
from foleystudio.media.frames import Frame
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.landmarks import FOOT
from foleystudio.vision.motion import MotionTracker
from foleystudio.vision.place import Picture, describe_picture
from foleystudio.vision.pose import Poses
from foleystudio.vision.shots import Shot, ShotDetector, Shots
from foleystudio.vision.surface.ground import (
    GroundConfig,
    GroundPatch,
    PersonSegmenter,
    cut_patch,
    ground_box,
    leg_mask,
)
from foleystudio.vision.surface.footwear import feet_in_frame, footwear_evidence
from foleystudio.vision.surface.estimator import FrameView, SurfaceEstimator, as_estimator
from foleystudio.vision.surface.model import SurfaceGuess, SurfaceModel, guess_from_proba
from foleystudio.vision.surface.sampler import FrameSampler, SampledFrame
from foleystudio.vision.surface.setting import SettingConfig, estimate_setting, indoor_from, weigh_by_setting, with_surface

Callback = Callable[[dict], None]


@dataclass(frozen=True)
class SceneConfig:
    default_surface: str = "concrete"  # the user's fallback when unsure (the CLI may set it)
    default_footwear: str = "shoes"
    min_probability: float = 0.5  # shot surface below this is unsure -> default
    min_patches: int = 2  # a shot needs this many ground patches to be confident ...
    single_patch_probability: float = 0.8  # ... or one patch this sure
    neighbour_contacts: int = 2  # a contact's own estimate averages this many contacts either side
    own_weight: float = 0.5  # weight of that neighbourhood against the shot average
    min_valid_fraction: float = 0.25  # patches with less ground left after masking are skipped
    max_patches_per_shot: int = 48  # cost bound: ~10 ms a patch
    frames_per_shot: int = 3  # frames looked at for indoor/outdoor, lighting, and the fallback patch
    barefoot_share: float = 0.6  # share of seen feet with bare-foot evidence for "barefoot"
    shoes_share: float = 0.6  # share with shoe evidence for a confident "shoes"
    footwear_max_offset_frames: int = 3  # stored frame this close to the contact: the foot is still planted
    footwear_frames_per_shot: int = 6  # stored frames per shot whose posed feet are looked at (~5 ms each)
    min_footwear_evidence: int = 3  # feet seen before any footwear claim
    ground: GroundConfig = field(default_factory=GroundConfig)
    setting: SettingConfig = field(default_factory=SettingConfig)


@dataclass(frozen=True)
class ContactSurface:
    surface: str
    probability: float  # of `surface` by the estimator (0 when it is the default)
    surface_confident: bool
    footwear: str
    footwear_confident: bool
    shot: int
    frame_used: int | None  # stored frame the patch came from (None: no patch)
    source: str  # "estimate" or "default"


@dataclass(frozen=True)
class ShotScene:
    shot: int
    start_s: float
    end_s: float
    indoor: bool | None  # None: unsure
    outdoor_probability: float
    lighting: str
    luma: float
    surface: str
    surface_probability: float
    surface_confident: bool
    probabilities: tuple[tuple[str, float], ...]  # every class, most probable first
    footwear: str  # everyone's feet in the shot together
    footwear_confident: bool
    patches: int  # ground patches the surface rests on
    source: str  # "estimate" or "default"
    environment: str | None = None  # e.g. "street", "gym": only from an estimator that looks at whole frames
    environment_probability: float = 0.0
    footwear_by_person: tuple[tuple[int, str, bool], ...] = ()  # (person, footwear, confident): each one's own feet
    picture_outdoor_probability: float | None = None  # the picture's own setting cue (no surface), which weighs the surface
    picture: Picture | None = None  # the shot's look (colour, sky, vegetation, water, edges, people): its ambience

    def footwear_of(self, person: int) -> tuple[str, bool]:
        """A person's own footwear claim (the default, unsure, when their feet did not tell).

        Someone with no entry gets the shot's answer, sure only when nobody else was judged.
        """
        for p, footwear, confident in self.footwear_by_person:
            if p == person:
                return footwear, confident
        return self.footwear, self.footwear_confident and not self.footwear_by_person


@dataclass(frozen=True)
class SceneEstimate:
    shots: tuple[ShotScene, ...]
    contacts: tuple[ContactSurface, ...]  # aligned with the contacts given
    estimator: str = "builtin"  # the surface estimator's name: "builtin" or "clip"

    def at_time(self, t_s: float) -> ShotScene:
        for s in self.shots:
            if s.start_s <= t_s < s.end_s:
                return s
        return self.shots[-1] if t_s >= self.shots[-1].start_s else self.shots[0]


def estimate_scene(
    contacts: Sequence[ContactEvent],
    *,
    shots: Shots,
    sampler: FrameSampler,
    poses: Poses | None = None,
    model: SurfaceModel | SurfaceEstimator | None = None,
    config: SceneConfig = SceneConfig(),
    callback: Callback | None = None,
) -> SceneEstimate:
    """Scene of every shot and surface/footwear of every contact (in the order given).

    `model`: the surface estimator (None: the committed classifier; a `SurfaceModel` is wrapped).
    """
    if not shots.shots:
        raise ValueError("estimate_scene needs at least one shot")
    estimator = as_estimator(model)
    default_surface = normalise_surface(config.default_surface)
    default_footwear = normalise_footwear(config.default_footwear)
    shot_of = [shots.at_frame(c.frame).index for c in contacts]
    proba: list[np.ndarray | None] = [None] * len(contacts)
    skin: list[float | None] = [None] * len(contacts)
    used: list[int | None] = [None] * len(contacts)
    feet: dict[int, list[tuple[int, float | None]]] = {shot.index: [] for shot in shots}  # (person, evidence)
    if contacts or (poses is not None and poses.tracks):
        with PersonSegmenter(config.ground) as segmenter:
            for shot in shots:
                members = [k for k, s in enumerate(shot_of) if s == shot.index]
                for k in _spread(members, config.max_patches_per_shot):
                    sample = sampler.nearest(contacts[k].frame, shot.start_frame, shot.end_frame)
                    if sample is None:
                        continue
                    proba[k], skin[k] = _look(contacts[k], sample, segmenter, poses, estimator, config)
                    used[k] = sample.index
                if poses is not None:
                    feet[shot.index] = _feet_evidence(poses, sampler, shot, segmenter, config)
                if callback is not None:
                    callback({"stage": "scene", "shot": shot.index, "patches": len(members)})
    shot_scenes = []
    for shot in shots:
        members = [k for k, s in enumerate(shot_of) if s == shot.index]
        evidence = [(contacts[k].person, skin[k]) for k in members] + feet[shot.index]
        shot_scenes.append(_shot_scene(shot, members, proba, evidence, sampler, estimator, config, default_surface,
                                       default_footwear, poses=poses))
    per_contact = []
    for k, contact in enumerate(contacts):
        scene = shot_scenes[shot_of[k]]
        per_contact.append(_contact_surface(k, shot_of, contacts, proba, scene, used[k], estimator, config, default_surface))
    return SceneEstimate(shots=tuple(shot_scenes), contacts=tuple(per_contact), estimator=estimator.name)


def _spread(members: list[int], limit: int) -> list[int]:
    if len(members) <= limit:
        return members
    picks = np.linspace(0, len(members) - 1, limit).round().astype(int)
    return [members[i] for i in sorted(set(picks))]


def _look(
    contact: ContactEvent, sample: SampledFrame, segmenter: PersonSegmenter, poses: Poses | None, model: SurfaceEstimator,
    config: SceneConfig,
) -> tuple[np.ndarray | None, float | None]:
    patch, person = contact_patch(contact, sample, segmenter, poses=poses, config=config.ground)
    proba = None
    if patch is not None and patch.valid_fraction >= config.min_valid_fraction:
        proba = model.patch_proba(patch.rgb, patch.mask)
    skin = None
    if abs(sample.index - contact.frame) <= config.footwear_max_offset_frames:
        x_px, y_px = sample.to_px(contact.x, contact.y)
        skin = footwear_evidence(sample.rgb, person, x_px, y_px, _body(contact, sample), config.ground)
    return proba, skin


def _feet_evidence(
    poses: Poses, sampler: FrameSampler, shot: Shot, segmenter: PersonSegmenter, config: SceneConfig
) -> list[tuple[int, float | None]]:
    """(person, skin share) on every well-seen foot in a few stored frames of the shot (not only at contacts)."""
    out = []
    for sample in _pick(sampler.within(shot.start_frame, shot.end_frame), config.footwear_frames_per_shot):
        for who, x_px, y_px, body in feet_in_frame(poses, None, sample.index, sample.scale):
            person = segmenter.person_mask(sample.rgb, x_px, y_px, body)
            out.append((who, footwear_evidence(sample.rgb, person, x_px, y_px, body, config.ground)))
    return out


def contact_patch(
    contact: ContactEvent,
    sample: SampledFrame,
    segmenter: PersonSegmenter,
    *,
    poses: Poses | None = None,
    config: GroundConfig = GroundConfig(),
) -> tuple[GroundPatch | None, np.ndarray]:
    """The ground patch next to `contact`'s foot in `sample`, and the person mask used (for tools)."""
    h, w = sample.rgb.shape[:2]
    x_px, y_px = sample.to_px(contact.x, contact.y)
    body = _body(contact, sample)
    person = segmenter.person_mask(sample.rgb, x_px, y_px, body)
    legs = _legs(poses, contact.person, sample, body)
    if legs is not None:
        person |= legs
    return cut_patch(sample.rgb, person, ground_box(x_px, y_px, body, w, h, config), config=config), person


def _body(contact: ContactEvent, sample: SampledFrame) -> float:
    return max(8.0, contact.body_px * sample.scale)


def tap_frames(
    frames: Iterable[Frame], *, shots: ShotDetector | None = None, sampler: FrameSampler | None = None,
    motion: MotionTracker | None = None,
) -> Iterator[Frame]:
    """Pass frames through unchanged, feeding the shot detector, the sampler and the motion tracker on the way
    (one decode). Held frames (`media.frames.mark_held`) are not fed: they show no motion of their own, and the
    analysis leaves them out (a run from cached poses feeds the frames the poses have, which are these)."""
    for frame in frames:
        if frame.held:
            yield frame
            continue
        if shots is not None:
            shots.add_frame(frame)
        if sampler is not None:
            sampler.add_frame(frame)
        if motion is not None:
            motion.feed(frame.index, frame.t_s, frame.rgb)
        yield frame


def _legs(poses: Poses | None, person: int, sample: SampledFrame, body: float) -> np.ndarray | None:
    if poses is None:
        return None
    track = next((t for t in poses.tracks if t.person == person), None)
    if track is None:
        return None
    rows = np.nonzero(track.frames == sample.index)[0]
    if rows.size == 0:
        return None
    image = track.image[rows[0]]
    legs = [image[[ids["hip"], ids["knee"], ids["ankle"], ids["heel"], ids["toe"]], :2] * sample.scale for ids in FOOT.values()]
    return leg_mask(sample.rgb.shape, legs, body)


def _shot_scene(
    shot: Shot, members: list[int], proba: list, footwear_evidence: list, sampler: FrameSampler, model: SurfaceEstimator,
    config: SceneConfig, default_surface: str, default_footwear: str, *, poses: Poses | None = None,
) -> ShotScene:
    frames = _pick(sampler.within(shot.start_frame, shot.end_frame), config.frames_per_shot)
    found = [proba[k] for k in members if proba[k] is not None]
    at_feet = bool(found)
    if not found:
        found = [p for p in (_fallback_patch(f.rgb, model) for f in frames) if p is not None]
    view = model.frames_view([f.rgb for f in frames])
    seen = estimate_setting([f.rgb for f in frames], config=config.setting)  # the picture alone, not the ground
    # Snow is not walked on indoors: the picture's own setting cue (sky, vegetation) weighs the surface.
    picture = view.outdoor_probability if view else (seen.outdoor_probability if frames else None)
    guess, confident = shot_surface(found, model.classes, at_feet=at_feet, config=config, outdoor_probability=picture)
    surface = guess.surface if confident else default_surface
    setting = with_surface(seen, guess.surface if confident else None, config.setting)
    indoor, outdoor_p = _indoor(view, config.setting.unsure_band) if view else (setting.indoor, setting.outdoor_probability)
    by_person = footwear_by_person(footwear_evidence, config, default_footwear)
    footwear, footwear_ok = shot_footwear(footwear_evidence, config, default_footwear, people=by_person)
    return ShotScene(
        shot=shot.index,
        start_s=shot.start_s,
        end_s=shot.end_s,
        indoor=indoor,
        outdoor_probability=outdoor_p,
        lighting=setting.lighting,
        luma=setting.luma,
        surface=surface,
        surface_probability=round(guess.probability, 4) if guess else 0.0,
        surface_confident=confident,
        probabilities=guess.probabilities if guess else (),
        footwear=footwear,
        footwear_confident=footwear_ok,
        patches=len(found),
        source="estimate" if confident else "default",
        environment=view.environment if view else None,
        environment_probability=view.environment_probability if view else 0.0,
        footwear_by_person=by_person,
        picture_outdoor_probability=None if picture is None else round(float(picture), 3),
        picture=describe_picture([f.rgb for f in frames], poses=poses, frame_range=(shot.start_frame, shot.end_frame)),
    )


def _indoor(view: FrameView, unsure_band: float) -> tuple[bool | None, float]:
    """The estimator's own indoor/outdoor answer, unsure (None) as close to 0.5 as the heuristic's."""
    return indoor_from(view.outdoor_probability, unsure_band), round(view.outdoor_probability, 3)


def shot_surface(
    probas: Sequence[np.ndarray], classes: tuple[str, ...], *, at_feet: bool = True, config: SceneConfig = SceneConfig(),
    outdoor_probability: float | None = None,
) -> tuple[SurfaceGuess | None, bool]:
    """A shot's surface from its patches' probabilities: their mean, and whether to trust it.

    With `outdoor_probability` (the picture's setting, 0..1) the mean is weighed by how plausible
    each surface is there (`setting_prior`). Patches not at a foot (`at_feet=False`: the bottom of
    the frame) are never trusted.
    """
    if not probas:
        return None, False
    mean = weigh_by_setting(np.mean(probas, axis=0), classes, outdoor_probability, config.setting)
    guess = guess_from_proba(classes, mean, config.min_probability)
    enough = len(probas) >= config.min_patches or guess.probability >= config.single_patch_probability
    return guess, bool(at_feet and guess.confident and enough)


def _pick(frames: tuple[SampledFrame, ...], n: int) -> list[SampledFrame]:
    if len(frames) <= n:
        return list(frames)
    return [frames[i] for i in np.linspace(0, len(frames) - 1, n).round().astype(int)]


def _fallback_patch(rgb: np.ndarray, model: SurfaceEstimator) -> np.ndarray | None:
    """No contact in the shot: the bottom-centre of the frame, usually floor or ground."""
    h, w = rgb.shape[:2]
    patch = rgb[int(0.8 * h) :, int(0.3 * w) : int(0.7 * w)]
    return model.patch_proba(patch) if patch.size else None


def footwear_by_person(
    evidence: Sequence[tuple[int, float | None]], config: SceneConfig = SceneConfig(), default: str = "shoes"
) -> tuple[tuple[int, str, bool], ...]:
    """(person, footwear, confident) of everyone in `evidence` ((person, skin share or None) per foot looked at)."""
    people = sorted({who for who, _ in evidence})
    return tuple((who, *_footwear([e for w, e in evidence if w == who], config, default)) for who in people)


def shot_footwear(
    evidence: Sequence[tuple[int, float | None]], config: SceneConfig = SceneConfig(), default: str = "shoes",
    *, people: tuple[tuple[int, str, bool], ...] | None = None,
) -> tuple[str, bool]:
    """The shot's footwear over everyone's feet, sure only when each person judged is sure of the same.

    A man in shoes beside a woman whose sandals the picture does not show is not "shoes, sure".
    `people` is `footwear_by_person` of the same evidence when the caller has it already.
    """
    footwear, confident = _footwear([e for _, e in evidence], config, default)
    if people is None:
        people = footwear_by_person(evidence, config, default)
    return footwear, confident and all(ok and f == footwear for _, f, ok in people)


def _footwear(evidence: list[float | None], config: SceneConfig, default: str) -> tuple[str, bool]:
    seen = [e for e in evidence if e is not None]
    if len(seen) < config.min_footwear_evidence:
        return default, False
    bare = np.mean([e >= config.ground.skin_barefoot for e in seen])
    shod = np.mean([e <= config.ground.skin_shoes for e in seen])
    if bare >= config.barefoot_share:
        return "barefoot", True
    if shod >= config.shoes_share:
        return ("shoes" if default == "barefoot" else default), True
    return default, False


def _contact_surface(
    k: int, shot_of: list[int], contacts: Sequence[ContactEvent], proba: list, scene: ShotScene, used: int | None,
    model: SurfaceEstimator, config: SceneConfig, default_surface: str,
) -> ContactSurface:
    same = [j for j in range(len(contacts)) if shot_of[j] == shot_of[k] and contacts[j].person == contacts[k].person]
    pos = same.index(k)
    near = [proba[j] for j in same[max(0, pos - config.neighbour_contacts) : pos + config.neighbour_contacts + 1] if proba[j] is not None]
    footwear, footwear_ok = scene.footwear_of(contacts[k].person)
    common = dict(footwear=footwear, footwear_confident=footwear_ok, shot=scene.shot, frame_used=used)
    if not near or not scene.surface_confident:
        return ContactSurface(surface=scene.surface, probability=scene.surface_probability if scene.surface_confident else 0.0,
                              surface_confident=scene.surface_confident, source=scene.source, **common)
    shot_p = np.array([dict(scene.probabilities)[c] for c in model.classes])
    own = weigh_by_setting(np.mean(near, axis=0), model.classes, scene.picture_outdoor_probability, config.setting)
    mixed = config.own_weight * own + (1 - config.own_weight) * shot_p
    guess = guess_from_proba(model.classes, mixed, config.min_probability)
    if not guess.confident:
        return ContactSurface(surface=scene.surface, probability=scene.surface_probability, surface_confident=True,
                              source="estimate", **common)
    return ContactSurface(surface=guess.surface, probability=round(guess.probability, 4), surface_confident=True,
                          source="estimate", **common)
