"""The expensive half: probe, one decoding pass (pose, shots, motion, a frame sample), contacts, actions, scene.

Pose tracks are cached per video; on a cache hit the video is still decoded once at a
small size for the shot detector and the frame sample (decoding costs ~7 ms a frame,
pose ~25 ms a person), so the scene is always estimated from the picture.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from foleystudio.cache import (
    ANALYSIS_SCHEMA,
    POSE_CODE,
    code_fingerprint,
    default_cache_dir,
    load_analysis,
    load_poses,
    save_analysis,
    save_poses,
    video_key,
)
from foleystudio.chunking import Chunk, ChunkRunner, join_chunks, plan_chunks, run_chunks
from foleystudio.media.frames import iter_frames, mark_held, prefetched
from foleystudio.media.probe import VideoInfo, probe_video
from foleystudio.native_log import muted_native_stderr
from foleystudio.vision.actions import ActionConfig, ActionEvents, detect_actions
from foleystudio.vision.contacts import ContactConfig, ContactEvents, detect_contacts
from foleystudio.vision.motion import MotionConfig, MotionTracker
from foleystudio.vision.pose import PoseConfig, Poses, estimate_poses, finish_poses
from foleystudio.vision.scene import SceneConfig, SceneEstimate, estimate_scene, tap_frames
from foleystudio.vision.shots import ShotDetector, Shots
from foleystudio.vision.surface.clip import load_clip
from foleystudio.vision.surface.sampler import FrameSampler, SamplerConfig

Callback = Callable[[dict], None]

DEFAULT_SURFACE = "concrete"  # the commonest ground in film; used when nothing better is known
DEFAULT_FOOTWEAR = "sneakers"  # the commonest footwear on screen today


@dataclass(frozen=True)
class AnalysisOptions:
    pose: PoseConfig = PoseConfig()
    contacts: ContactConfig = ContactConfig()
    actions: ActionConfig = ActionConfig()
    motion: MotionConfig = MotionConfig()
    detect_actions: bool = True  # claps, hits, falls and impacts seen in motion (about 2 ms a frame)
    scene: SceneConfig = field(
        default_factory=lambda: SceneConfig(default_surface=DEFAULT_SURFACE, default_footwear=DEFAULT_FOOTWEAR)
    )
    estimate_scene: bool = True  # look at the ground under each contact (about 15 ms a patch)
    clip_dir: str | None = None  # local open_clip model folder: CLIP judges ground and setting, not the built-in model
    workers: int = 1  # processes for one video: a video long enough is analysed in chunks at once (chunking.py)
    use_cache: bool = True  # read/write pose tracks in the cache directory
    cache_dir: str | None = None  # None: $FOLEY_CACHE or ~/.cache/foleystudio


@dataclass(frozen=True, eq=False)
class Analysis:
    info: VideoInfo
    poses: Poses
    contacts: ContactEvents
    actions: ActionEvents  # the specifics layer's events (empty when detect_actions was off)
    shots: Shots
    scene: SceneEstimate | None  # None when estimate_scene was off


def analyse(
    video: str | os.PathLike,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    callback: Callback | None = None,
    info: VideoInfo | None = None,
    chunks: int | None = None,
    chunk_runner: ChunkRunner = run_chunks,
) -> Analysis:
    """Everything the renderers need to know about one video (cached whole, with the poses).

    A video long enough is cut into at most `chunks` chunks (None: `options.workers`, one per process), which
    `chunk_runner` runs (default: at once in processes on this machine) and which are joined as one pass.
    """
    info = info or probe_video(video)
    cache_dir = Path(options.cache_dir) if options.cache_dir else default_cache_dir()
    key = analysis_key(info, options) if options.use_cache else None
    cached = load_analysis(cache_dir, key) if key is not None else None
    if cached is not None:
        if callback:
            callback({"stage": "analysis", "cached": True})
        return replace(cached, info=info)  # the same content may sit under another name
    detector = ShotDetector()
    sampler = FrameSampler(SamplerConfig()) if options.estimate_scene else None
    width, height = info.display_size
    motion = MotionTracker(options.motion, width, height, info.fps) if options.detect_actions else None
    poses = analyse_poses(info, options, callback=callback, shots=detector, sampler=sampler, motion=motion,
                          chunks=chunks, chunk_runner=chunk_runner)
    shots = detector.finish(end_s=info.duration_s, end_frame=info.n_frames)
    contacts = detect_contacts(poses, config=options.contacts)
    actions = ActionEvents(())
    if motion is not None:
        actions = detect_actions(poses, motion.result(), contacts=contacts, config=options.actions)
    scene = None
    if sampler is not None:
        estimator = load_clip(options.clip_dir) if options.clip_dir else None  # cached: the CLI loaded it up front
        with muted_native_stderr():  # selfie segmentation's TFLite start-up lines
            scene = estimate_scene(contacts.events, shots=shots, sampler=sampler, poses=poses, model=estimator,
                                   config=options.scene, callback=callback)
    analysis = Analysis(info=info, poses=poses, contacts=contacts, actions=actions, shots=shots, scene=scene)
    if key is not None:
        _keep(save_analysis, cache_dir, key, analysis)
    return analysis


def _keep(save: Callable, cache_dir: Path, key: str, value) -> None:
    try:
        save(cache_dir, key, value)
    except OSError:
        pass  # an unwritable cache slows the next run; it must not fail this one


def analysis_key(info: VideoInfo, options: AnalysisOptions) -> str:
    """The cache key of a whole analysis: the video's content, every option that shapes it, the code."""
    settings = {
        "analysis": ANALYSIS_SCHEMA,
        "code": code_fingerprint(),
        "contacts": asdict(options.contacts),
        "actions": [asdict(options.actions), asdict(options.motion)] if options.detect_actions else None,
        "scene": asdict(options.scene) if options.estimate_scene else None,
        "clip": _folder_stamp(options.clip_dir) if options.clip_dir else None,
    }
    return video_key(info.path, options.pose, extra=json.loads(json.dumps(settings, default=str)))


def _folder_stamp(folder: str) -> list:
    """A local model folder by its files' names, sizes and times (a changed model is a new analysis)."""
    root = Path(folder)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
    return [str(root.resolve())] + [[p.name, p.stat().st_size, int(p.stat().st_mtime)] for p in files]


def analyse_poses(
    info: VideoInfo,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    callback: Callback | None = None,
    shots: ShotDetector | None = None,
    sampler: FrameSampler | None = None,
    motion: MotionTracker | None = None,
    chunks: int | None = None,
    chunk_runner: ChunkRunner = run_chunks,
) -> Poses:
    """Pose tracks of every person (cached); frames also go to `shots`, `sampler` and `motion` on the way
    (`chunks`, `chunk_runner`: as `analyse`'s)."""
    cache_dir = Path(options.cache_dir) if options.cache_dir else default_cache_dir()
    key = video_key(info.path, options.pose, extra={"code": code_fingerprint(names=POSE_CODE)}) if options.use_cache \
        else None  # the pose code's own fingerprint: an upgrade never reads old poses

    def progress(event: dict) -> None:
        if callback:
            callback({**event, "total": info.n_frames})

    cached = load_poses(cache_dir, key) if key is not None else None
    if cached is not None:
        if callback:
            callback({"stage": "pose", "cached": True, "frame": info.n_frames - 1, "total": info.n_frames})
        if shots is not None or sampler is not None or motion is not None:
            small = SamplerConfig().max_side_px
            analysed = set(cached.frames.tolist())  # the frames the poses were found in: held ones are not
            frames = (f for f in iter_frames(info, max_side_px=small) if f.index in analysed)
            for frame in tap_frames(frames, shots=shots, sampler=sampler, motion=motion):
                progress({"stage": "decode", "frame": frame.index})
        return cached

    plan = plan_chunks(info, options.workers if chunks is None else chunks)
    if len(plan) > 1:
        poses = _poses_in_chunks(info, plan, options, chunk_runner, callback=callback, shots=shots, sampler=sampler,
                                 motion=motion)
        if key is not None:
            _keep(save_poses, cache_dir, key, poses)
        return poses
    width, height = info.display_size
    taps = {"shots": shots, "sampler": sampler, "motion": motion}
    frames = prefetched(tap_frames(mark_held(iter_frames(info)), **taps))  # decoded (and tapped) while pose runs
    with muted_native_stderr():
        poses = estimate_poses(frames, width=width, height=height, config=options.pose, callback=progress)
    if key is not None:
        _keep(save_poses, cache_dir, key, poses)
    return poses


def _poses_in_chunks(info: VideoInfo, chunks: list[Chunk], options: AnalysisOptions, runner: ChunkRunner, *,
                     callback: Callback | None, shots: ShotDetector | None, sampler: FrameSampler | None,
                     motion: MotionTracker | None) -> Poses:
    """The poses of `chunks` run at once by `runner`; the shots, sample and stops they saw go into `shots`,
    `sampler` and `motion` as one pass would have put them."""
    joined = join_chunks(runner(info, chunks, options, callback))
    if shots is not None:
        shots.take(joined.shots)
    if sampler is not None and joined.sampled is not None:
        sampler.take(joined.sampled)
    if motion is not None and joined.stops is not None:
        motion.take(joined.stops)
    width, height = info.display_size
    return finish_poses(joined.followed, width, height, options.pose)
