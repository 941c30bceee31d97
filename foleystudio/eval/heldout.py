"""Thresholds chosen held out: fit the contact detector's thresholds on some groups of clips, score the others.

    clips = [HeldOutClip(name, group_of(name), gt, poses), ...]
    report = held_out(clips)            # leave one group out, and the same fit on every group
    report.held_out, report.fitted      # pooled Scores: the figure that says what unseen footage will see, and
                                        # the one a fit on the very clips it is scored on flatters

A group is the source the clips come from (the clip's name up to its first "_": `hato_a14` and `hato_b12`
are both `hato`), so a fold never scores a clip with thresholds fitted on another cut of the same footage.
For each group in turn, `fit` searches the knobs (`KNOBS`: the detector's speed, travel, time, scuff and
confidence thresholds, each over a few values around the shipped one) by coordinate ascent on the pooled
F1 of the other groups' clips, from the shipped settings; a knob moves only when that raises the F1, so
ties keep what is shipped. The held-out group is then scored with what the others chose.
A change to the detector that raises the fitted figure but not the held-out one is not an improvement.

The calibration table (`bands`) is the precision of the held-out predictions by confidence band: what a
user can trust an event's confidence to mean on footage nobody tuned for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace

from foleystudio.eval.groundtruth import GroundTruth
from foleystudio.eval.scoring import Score, ScoringConfig, pool_scores, prediction_hits, score_clip
from foleystudio.vision import contacts as contacts_stage
from foleystudio.vision.contacts import ContactConfig, ContactEvent
from foleystudio.vision.pose import Poses

BAND_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_SCALES = (0.5, 0.7, 1.0, 1.4, 2.0)


@dataclass(frozen=True)
class Knob:
    name: str  # a ContactConfig field
    values: tuple[float, ...]  # the values tried, the shipped one among them


def _scaled(name: str, scales: Sequence[float] = _SCALES) -> Knob:
    shipped = getattr(ContactConfig(), name)
    return Knob(name, tuple(round(shipped * s, 6) for s in scales))


KNOBS: tuple[Knob, ...] = (
    _scaled("swing_speed"),
    _scaled("stance_speed"),
    _scaled("relative_swing"),
    _scaled("relative_stance"),
    _scaled("min_excursion"),
    _scaled("min_stance_s"),
    _scaled("min_interval_s", (0.7, 0.85, 1.0, 1.2, 1.5)),
    _scaled("scuff_clearance", (0.0, 0.5, 1.0, 1.5, 2.0)),
    _scaled("off_cycle_factor", (0.0, 0.5, 1.0, 1.5, 2.0)),
    Knob("min_confidence", (0.0, 0.2, 0.3, 0.4, 0.5, 0.6)),
)


@dataclass(frozen=True)
class HeldOutClip:
    name: str
    group: str
    gt: GroundTruth
    poses: Poses


@dataclass(frozen=True)
class Fold:
    group: str  # the group scored ("" for the fit on every group)
    fitted_on: tuple[str, ...]  # the groups the thresholds were fitted on
    settings: tuple[tuple[str, float], ...]  # the knobs the fit moved, (name, value), in KNOBS' order
    fit_f1: float  # pooled F1 of the fitted clips with those settings


@dataclass(frozen=True)
class ClipFigures:
    name: str
    group: str
    shipped: Score  # the shipped ContactConfig
    fitted: Score  # thresholds fitted on every group, this clip's among them
    held_out: Score  # thresholds fitted on the other groups alone


@dataclass(frozen=True)
class Band:
    low: float
    high: float  # the last band includes its high edge
    n: int  # predictions in the band
    right: int  # ... that matched a truth event

    @property
    def precision(self) -> float:
        return self.right / self.n if self.n else float("nan")


@dataclass(frozen=True)
class HeldOutReport:
    clips: tuple[ClipFigures, ...]
    folds: tuple[Fold, ...]  # one per group
    everything: Fold  # the fit on every group (the "fitted" figure)
    bands_shipped: tuple[Band, ...]
    bands_held_out: tuple[Band, ...]
    start: ContactConfig = ContactConfig()  # the shipped settings every fit starts from, what `settings` moved from

    @property
    def shipped(self) -> Score:
        return pool_scores(c.shipped for c in self.clips)

    @property
    def fitted(self) -> Score:
        return pool_scores(c.fitted for c in self.clips)

    @property
    def held_out(self) -> Score:
        return pool_scores(c.held_out for c in self.clips)


def group_of(name: str) -> str:
    """The source a clip comes from: its name up to the first "_" (the whole name when it has none)."""
    return name.split("_", 1)[0]


Scorer = Callable[[ContactConfig, HeldOutClip], Score]
Detector = Callable[[ContactConfig, HeldOutClip], Iterable[ContactEvent]]


def detect(config: ContactConfig, clip: HeldOutClip) -> Iterable[ContactEvent]:
    """The contact detector on the clip's poses (looked up at call time)."""
    return contacts_stage.detect_contacts(clip.poses, config=config)


def fit(
    clips: Sequence[HeldOutClip],
    score: Scorer,
    *,
    knobs: Sequence[Knob] = KNOBS,
    start: ContactConfig = ContactConfig(),
    rounds: int = 3,
) -> tuple[ContactConfig, float]:
    """The settings with the best pooled F1 over `clips` by coordinate ascent from `start`, and that F1.

    Each round tries every value of every knob with the others held; a knob moves when a value raises the
    pooled F1 (ties keep what it has, so a knob nothing distinguishes stays where it was shipped).
    """

    def pooled(config: ContactConfig) -> Score:
        return pool_scores(score(config, clip) for clip in clips)

    best, best_score = start, pooled(start)
    for _ in range(rounds):
        moved = False
        for knob in knobs:
            for value in knob.values:
                if value == getattr(best, knob.name):
                    continue
                trial = replace(best, **{knob.name: value})
                trial_score = pooled(trial)
                if trial_score.f1 > best_score.f1 + 1e-9:
                    best, best_score, moved = trial, trial_score, True
        if not moved:
            break
    return best, best_score.f1


def held_out(
    clips: Sequence[HeldOutClip],
    *,
    knobs: Sequence[Knob] = KNOBS,
    shipped: ContactConfig = ContactConfig(),
    scoring: ScoringConfig = ScoringConfig(),
    detector: Detector = detect,
    callback: Callable[[dict], None] | None = None,
) -> HeldOutReport:
    """Leave each group out in turn: fit on the others, score it; and fit on every group for the fitted figure."""
    memo: dict[tuple[ContactConfig, str], Score] = {}  # the folds try many of the same settings on a clip

    def score(config: ContactConfig, clip: HeldOutClip) -> Score:
        key = (config, clip.name)
        if key not in memo:
            memo[key] = score_clip(clip.gt, detector(config, clip), config=scoring)
        return memo[key]

    groups = list(dict.fromkeys(c.group for c in clips))
    folds, chosen = [], {}
    for index, group in enumerate(groups):
        if callback:
            callback({"stage": "held_out", "group": group, "index": index, "groups": len(groups)})
        train = [c for c in clips if c.group != group]
        config, f1 = fit(train, score, knobs=knobs, start=shipped) if train else (shipped, float("nan"))
        chosen[group] = config
        folds.append(Fold(group, tuple(g for g in groups if g != group), _moved(config, shipped), f1))
    every, every_f1 = fit(clips, score, knobs=knobs, start=shipped)
    everything = Fold("", tuple(groups), _moved(every, shipped), every_f1)
    figures = tuple(
        ClipFigures(c.name, c.group, score(shipped, c), score(every, c), score(chosen[c.group], c)) for c in clips
    )
    return HeldOutReport(
        clips=figures,
        folds=tuple(folds),
        everything=everything,
        start=shipped,
        bands_shipped=_bands(hit for c in clips for hit in prediction_hits(c.gt, detector(shipped, c), config=scoring)),
        bands_held_out=_bands(
            hit for c in clips for hit in prediction_hits(c.gt, detector(chosen[c.group], c), config=scoring)
        ),
    )


def _bands(hits) -> tuple[Band, ...]:
    hits = list(hits)
    bands = []
    for low, high in zip(BAND_EDGES[:-1], BAND_EDGES[1:]):
        last = high == BAND_EDGES[-1]
        inside = [ok for conf, ok in hits if low <= conf < high or (last and conf == high)]
        bands.append(Band(low, high, len(inside), sum(inside)))
    return tuple(bands)


def _moved(config: ContactConfig, shipped: ContactConfig) -> tuple[tuple[str, float], ...]:
    return tuple(
        (f.name, getattr(config, f.name)) for f in fields(ContactConfig)
        if getattr(config, f.name) != getattr(shipped, f.name)
    )


def held_out_dict(report: HeldOutReport) -> dict:
    """JSON-ready form (the eval report's "held_out" key; NaN is made null by the caller's `jsonable`)."""

    def brief(score: Score) -> dict:
        return {"n_truth": score.n_truth, "n_pred": score.n_pred, "tp": score.tp, "precision": score.precision,
                "recall": score.recall, "f1": score.f1, "mae_ms": score.mae_ms}

    def fold(f: Fold) -> dict:
        return {"group": f.group or None, "fitted_on": list(f.fitted_on), "settings": dict(f.settings),
                "fit_f1": f.fit_f1}

    def bands(rows: tuple[Band, ...]) -> list[dict]:
        return [{"low": b.low, "high": b.high, "n": b.n, "right": b.right, "precision": b.precision} for b in rows]

    return {
        "knobs": {k.name: list(k.values) for k in KNOBS},
        "clips": [{"name": c.name, "group": c.group, "shipped": brief(c.shipped), "fitted": brief(c.fitted),
                   "held_out": brief(c.held_out)} for c in report.clips],
        "overall": {"shipped": brief(report.shipped), "fitted": brief(report.fitted),
                    "held_out": brief(report.held_out)},
        "folds": [fold(f) for f in report.folds],
        "fitted_on_every_group": fold(report.everything),
        "calibration": {"shipped": bands(report.bands_shipped), "held_out": bands(report.bands_held_out)},
    }
