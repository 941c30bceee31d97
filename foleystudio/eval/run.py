"""Run the detector and the old baseline on every clip that has ground truth, and score both.

    pairs = find_pairs("../shared/gt", "../shared/media")
    report = evaluate(pairs, config=ContactConfig(), callback=print)

Every ground-truth file and every video is read and probed before any pose is estimated,
so a bad input is refused before minutes of work. Pose tracks come from the analysis
cache when they are there. Progress goes to `callback(dict)`; nothing here prints.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from foleystudio.api import AnalysisOptions, analyse_poses
from foleystudio.errors import InputError
from foleystudio.eval.baseline import BaselineConfig, baseline_contacts
from foleystudio.eval.groundtruth import GroundTruth, load_ground_truth
from foleystudio.eval.heldout import HeldOutClip, HeldOutReport, group_of, held_out_dict
from foleystudio.eval.heldout import held_out as fit_held_out
from foleystudio.eval.scoring import Score, ScoringConfig, clip_tolerances_s, pool_scores, score_clip
from foleystudio.eval.specifics import SpecificsTruth
from foleystudio.media.probe import VideoInfo, probe_video
from foleystudio.vision import contacts as contacts_stage
from foleystudio.vision.contacts import ContactConfig

Callback = Callable[[dict], None]
SCHEMA = "foleystudio.eval.1"
_END_SLACK_S = 0.5  # a truth event this far past the video's end means the labels are for another cut


@dataclass(frozen=True)
class ClipPair:
    gt: GroundTruth | SpecificsTruth  # what `find_pairs`'s `load` read (footstep-gt.1 unless told)
    video: str  # path of the clip the ground truth describes


@dataclass(frozen=True)
class ClipResult:
    name: str
    video: str
    gt_path: str
    n_frames: int
    tolerance_s: float  # effective for this clip (never below the clip's own tolerance_s)
    strict_tolerance_s: float
    new: Score  # the detector (vision.contacts.detect_contacts)
    old: Score  # the old hip-heel peak picker (eval.baseline)


@dataclass(frozen=True)
class EvalReport:
    clips: tuple[ClipResult, ...]
    scoring: ScoringConfig
    contacts: ContactConfig
    baseline: BaselineConfig
    held_out: HeldOutReport | None = None  # thresholds fitted on other groups of clips (evaluate(held_out=True))

    @property
    def new(self) -> Score:
        """The detector's overall score, counts pooled across clips."""
        return pool_scores(c.new for c in self.clips)

    @property
    def old(self) -> Score:
        return pool_scores(c.old for c in self.clips)

    def to_dict(self) -> dict:
        """JSON-ready form (schema foleystudio.eval.1); NaN becomes null."""
        return jsonable(
            {
                "schema": SCHEMA,
                "settings": {
                    "scoring": asdict(self.scoring),
                    "contacts": asdict(self.contacts),
                    "baseline": asdict(self.baseline),
                },
                "clips": [
                    {
                        "name": c.name,
                        "video": c.video,
                        "gt": c.gt_path,
                        "n_frames": c.n_frames,
                        "tolerance_ms": c.tolerance_s * 1000.0,
                        "strict_tolerance_ms": c.strict_tolerance_s * 1000.0,
                        "new": score_dict(c.new),
                        "old": score_dict(c.old),
                    }
                    for c in self.clips
                ],
                "overall": {"new": score_dict(self.new), "old": score_dict(self.old)},
                **({"held_out": held_out_dict(self.held_out)} if self.held_out else {}),
            }
        )


def find_pairs(
    gt_dir: str | os.PathLike,
    media_dir: str | os.PathLike,
    *,
    only: Sequence[str] = (),
    load: Callable[[Path], GroundTruth | SpecificsTruth] = load_ground_truth,
    schema: str = "footstep-gt.1",
) -> tuple[ClipPair, ...]:
    """Every `*.json` in `gt_dir` with the clip its `video` field names in `media_dir`.

    `only` keeps the clips whose ground-truth or video name (without suffix) is listed;
    `load` reads one file of `schema` (e.g. `eval.specifics.load_specifics_truth`).
    """
    gt_dir, media_dir = Path(gt_dir), Path(media_dir)
    if not gt_dir.is_dir():
        raise InputError(f"{gt_dir}: no such ground-truth directory (give --gt DIR or set FOLEY_SHARED)")
    if not media_dir.is_dir():
        raise InputError(f"{media_dir}: no such media directory (give --media DIR or set FOLEY_SHARED)")
    files = sorted(gt_dir.glob("*.json"))
    if not files:
        raise InputError(f"{gt_dir}: no ground-truth files (*.json, schema {schema})")
    pairs = []
    for file in files:
        gt = load(file)
        if only and gt.name not in only and Path(gt.video).stem not in only:
            continue
        video = media_dir / gt.video
        if not video.is_file():
            raise InputError(f"{file}: video: {gt.video!r} is not in {media_dir}")
        pairs.append(ClipPair(gt=gt, video=str(video)))
    if only:
        known = {p.gt.name for p in pairs} | {Path(p.gt.video).stem for p in pairs}
        unknown = [name for name in only if name not in known]
        if unknown:
            names = ", ".join(load(f).name for f in files)
            raise InputError(f"no ground truth for {', '.join(unknown)} in {gt_dir} (available: {names})")
    return tuple(pairs)


def evaluate(
    pairs: Sequence[ClipPair],
    *,
    config: ContactConfig = ContactConfig(),
    scoring: ScoringConfig = ScoringConfig(),
    baseline: BaselineConfig = BaselineConfig(),
    use_cache: bool = True,
    cache_dir: str | None = None,
    workers: int = 1,
    held_out: bool = False,
    callback: Callback | None = None,
) -> EvalReport:
    """Detect contacts with `config` and with the old baseline on every clip; score both.

    `held_out`: also fit the detector's thresholds leaving each group of clips out (`eval.heldout`), when the
    clips come from two groups or more; `config` is the shipped settings the fits start from.
    """
    options = AnalysisOptions(contacts=config, use_cache=use_cache, cache_dir=cache_dir, workers=workers)
    results, kept = [], []
    for pair, info, forward in each_clip(pairs, callback):
        name = pair.gt.name
        poses = analyse_poses(info, options, callback=forward)
        if held_out:
            kept.append(HeldOutClip(name, group_of(name), pair.gt, poses))
        new = contacts_stage.detect_contacts(poses, config=config)  # looked up at call time
        old = baseline_contacts(poses, config=baseline)
        tolerance_s, strict_s = clip_tolerances_s(pair.gt, scoring)
        result = ClipResult(
            name=name,
            video=pair.video,
            gt_path=pair.gt.path,
            n_frames=info.n_frames,
            tolerance_s=tolerance_s,
            strict_tolerance_s=strict_s,
            new=score_clip(pair.gt, new, config=scoring),
            old=score_clip(pair.gt, old, config=scoring),
        )
        results.append(result)
        if callback:
            callback({"stage": "clip_done", "clip": name, "f1_new": result.new.f1, "f1_old": result.old.f1})
    folds = None
    if len({c.group for c in kept}) > 1:
        folds = fit_held_out(kept, shipped=config, scoring=scoring, callback=callback)
    return EvalReport(clips=tuple(results), scoring=scoring, contacts=config, baseline=baseline, held_out=folds)


def each_clip(pairs: Sequence[ClipPair], callback: Callback | None):
    """Every clip probed and checked against its truth before any work (an "eval" event with the frames of all),
    then each in turn as (pair, info, the callback that tags an event with the clip's name, or None), after its
    "clip" event."""
    infos = [checked_info(pair) for pair in pairs]
    if callback:
        callback({"stage": "eval", "clips": len(pairs), "total_frames": sum(i.n_frames for i in infos)})
    for index, (pair, info) in enumerate(zip(pairs, infos)):
        name = pair.gt.name
        if callback:
            callback({"stage": "clip", "clip": name, "index": index, "clips": len(pairs), "n_frames": info.n_frames})
        yield pair, info, ((lambda event, name=name: callback({**event, "clip": name})) if callback else None)


def score_dict(score: Score) -> dict:
    return {
        "n_truth": score.n_truth,
        "n_pred": score.n_pred,
        "tp": score.tp,
        "tp_strict": score.tp_strict,
        "precision": score.precision,
        "recall": score.recall,
        "f1": score.f1,
        "f1_strict": score.f1_strict,
        "n_confident": score.n_confident,
        "precision_confident": score.precision_confident,
        "mae_ms": score.mae_ms,
        "bias_ms": score.bias_ms,
        "errors_ms": [round(e * 1000.0, 3) for e in score.errors_s],
        "missed_s": list(score.missed_s),
        "false_s": list(score.false_s),
    }


def checked_info(pair: ClipPair) -> VideoInfo:
    """The clip probed, refused when its truth has events past its end."""
    info = probe_video(pair.video)
    late = [e.t_s for e in pair.gt.events if e.t_s > info.duration_s + _END_SLACK_S]
    if late:
        raise InputError(
            f"{pair.gt.path}: events: t = {late[0]:.3f} s is past the end of {pair.video} "
            f"({info.duration_s:.3f} s); is this ground truth for another cut?"
        )
    return info


def jsonable(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)  # e.g. an enum or a Fraction in a config
