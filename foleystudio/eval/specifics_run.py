"""Analyse every clip that has specifics truth (schema specifics-gt.1) and score its specifics.

    pairs = find_pairs(gt_dir, media_dir, load=load_specifics_truth, schema=SCHEMA)
    report = evaluate_specifics(pairs, callback=print)

Each clip goes through `analyse()`, the same call `foley VIDEO` makes (the scene is not
estimated: the specifics do not need it), so what is scored is what the specifics layer
renders. Every truth file and every video is read and probed before any clip is analysed.
Progress goes to `callback(dict)` in `eval.run.evaluate`'s stages; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from foleystudio.analysis import AnalysisOptions, analyse
from foleystudio.eval.run import Callback, ClipPair, each_clip, jsonable, score_dict
from foleystudio.eval.scoring import ScoringConfig
from foleystudio.eval.specifics import SpecificsScore, pool_specifics, score_specifics
from foleystudio.vision.actions import ActionEvent
from foleystudio.vision.contacts import ContactConfig

SCHEMA = "foleystudio.eval.specifics.1"


@dataclass(frozen=True)
class SpecificsClip:
    name: str
    video: str
    gt_path: str
    n_frames: int
    duration_s: float
    quiet: bool
    score: SpecificsScore
    found: tuple[ActionEvent, ...]  # every specific the analysis found, matched or not


@dataclass(frozen=True)
class SpecificsReport:
    clips: tuple[SpecificsClip, ...]
    scoring: ScoringConfig
    options: AnalysisOptions

    @property
    def overall(self) -> SpecificsScore:
        """Counts, matched errors and quiet seconds pooled across clips (not a mean of F1s)."""
        return pool_specifics(c.score for c in self.clips)

    def to_dict(self) -> dict:
        """JSON-ready form (schema foleystudio.eval.specifics.1); NaN becomes null."""
        return jsonable(
            {
                "schema": SCHEMA,
                "layer": "specifics",
                "settings": {
                    "scoring": asdict(self.scoring),
                    "actions": asdict(self.options.actions),
                    "motion": asdict(self.options.motion),
                },
                "clips": [
                    {
                        "name": c.name,
                        "video": c.video,
                        "gt": c.gt_path,
                        "n_frames": c.n_frames,
                        "duration_s": c.duration_s,
                        "quiet": c.quiet,
                        **specifics_dict(c.score),
                        "found": [
                            {"t": e.t_s, "frame": e.frame, "kind": e.kind, "person": e.person,
                             "confidence": e.confidence, "strength": e.strength}
                            for e in c.found
                        ],
                    }
                    for c in self.clips
                ],
                "overall": specifics_dict(self.overall),
            }
        )


def evaluate_specifics(
    pairs: Sequence[ClipPair],
    *,
    contacts: ContactConfig = ContactConfig(),
    scoring: ScoringConfig = ScoringConfig(),
    use_cache: bool = True,
    cache_dir: str | None = None,
    workers: int = 1,
    callback: Callback | None = None,
) -> SpecificsReport:
    """Analyse each clip (contacts with `contacts`: a landing takes a specific's place) and score its specifics."""
    options = AnalysisOptions(contacts=contacts, estimate_scene=False, use_cache=use_cache, cache_dir=cache_dir,
                              workers=workers)
    clips = []
    for pair, info, forward in each_clip(pairs, callback):
        name = pair.gt.name
        analysis = analyse(pair.video, options, callback=forward, info=info)
        score = score_specifics(pair.gt, analysis.actions, duration_s=info.duration_s, config=scoring)
        clips.append(SpecificsClip(name=name, video=pair.video, gt_path=pair.gt.path, n_frames=info.n_frames,
                                   duration_s=info.duration_s, quiet=pair.gt.quiet, score=score,
                                   found=analysis.actions.events))
        if callback:
            callback({"stage": "clip_done", "clip": name, "f1": score.score.f1})
    return SpecificsReport(clips=tuple(clips), scoring=scoring, options=options)


def specifics_dict(score: SpecificsScore) -> dict:
    return {
        **score_dict(score.score),
        "kinds_checked": score.kinds_checked,
        "kinds_right": score.kinds_right,
        "kind_accuracy": score.kind_accuracy,
        "quiet_s": score.quiet_s,
        "quiet_false": score.quiet_false,
        "false_per_10s": score.false_per_10s,
    }
