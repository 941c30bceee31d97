"""Truth for the specifics layer (schema `specifics-gt.1`) and its scoring.

One JSON per clip:

    {"schema": "specifics-gt.1", "video": "clip.mp4", "fps": 30.0,
     "labelled_by": "audio onsets (spectral flux), reviewed by hand", "licence": "CC BY 4.0",
     "source": "https://...", "quiet": false,
     "events": [{"t": 1.234, "kind": "clap", "note": "both hands, in front of the chest"}]}

`t` is seconds from the first video frame (when the sound starts); `kind` is one of
`vision.actions.KINDS` or "any" (the default: scored on time alone either way, and the
kind is checked where it is given); `quiet: true` says nothing but feet touches anything
in the clip, so every specific found there is false (its events must then be empty).
`video`, `labelled_by` and `events` are required. A file that does not follow the schema
is refused with an `InputError` naming the file and the field, never half-read.

    truth = load_specifics_truth("clip.json")
    score = score_specifics(truth, analysis.actions, duration_s=analysis.info.duration_s)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from foleystudio.eval.groundtruth import number_field, Where, check_header, event_items, read_json
from foleystudio.eval.scoring import Score, ScoringConfig, pool_scores, score_times
from foleystudio.vision.actions import KINDS, ActionEvent

SCHEMA = "specifics-gt.1"
ANY = "any"


@dataclass(frozen=True)
class SpecificTruth:
    t_s: float  # when the sound starts, seconds from the first video frame
    kind: str  # one of vision.actions.KINDS, or "any"
    note: str  # what the labeller heard or saw ("" when none)


@dataclass(frozen=True)
class SpecificsTruth:
    path: str  # the JSON it was read from (or a name, for data given in memory)
    video: str  # file name of the clip, relative to the media directory
    events: tuple[SpecificTruth, ...]  # sorted by time
    quiet: bool  # nothing but feet touches anything: every specific found is false
    labelled_by: str  # how the times were found and checked
    fps: float | None
    licence: str
    source: str

    @property
    def name(self) -> str:
        """Short name for tables: the JSON's stem."""
        return Path(self.path).stem


def load_specifics_truth(path: str | os.PathLike) -> SpecificsTruth:
    """Read one specifics-gt.1 file, or raise InputError saying what is wrong."""
    return parse_specifics_truth(read_json(path), source_name=str(path))


def parse_specifics_truth(data: object, *, source_name: str = "<specifics truth>") -> SpecificsTruth:
    """Validate an already-decoded specifics-gt.1 object."""
    where, data, video = check_header(data, source_name, SCHEMA)
    labelled_by = data.get("labelled_by")
    if not isinstance(labelled_by, str) or not labelled_by.strip():
        raise where.error("labelled_by", "expected how the events were labelled (a non-empty string)")
    if "events" not in data:
        raise where.error("events", "missing (use [] for a clip with no specifics, and \"quiet\": true)")
    events = _events(where, data["events"])
    quiet = data.get("quiet", False)
    if not isinstance(quiet, bool):
        raise where.error("quiet", f"expected true or false, got {quiet!r}")
    if quiet and events:
        raise where.error("quiet", f"a quiet clip has no specifics, but events lists {len(events)}")
    fps = data.get("fps")
    if fps is not None:
        fps = number_field(where, "fps", fps, low=1e-3, high=10_000.0)
    return SpecificsTruth(
        path=source_name,
        video=video,
        events=tuple(sorted(events, key=lambda e: e.t_s)),
        quiet=quiet,
        labelled_by=labelled_by,
        fps=fps,
        licence=_text(where, "licence", data.get("licence", "")),
        source=_text(where, "source", data.get("source", "")),
    )


def _events(where: Where, raw: object) -> list[SpecificTruth]:
    events = []
    for field, item, t_s in event_items(where, raw, "seconds from the first video frame"):
        kind = item.get("kind", ANY)
        if kind not in (*KINDS, ANY):
            raise where.error(f"{field}.kind", f"expected one of {', '.join((*KINDS, ANY))}, got {kind!r}")
        events.append(SpecificTruth(t_s=t_s, kind=kind, note=_text(where, f"{field}.note", item.get("note", ""))))
    return events


def _text(where: Where, field: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise where.error(field, f"expected a string, got {raw!r}")
    return raw


# ---------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class SpecificsScore:
    score: Score  # P, R, F1 at both tolerances, timing error; matched on time alone
    kinds_checked: int  # matches whose truth names a kind (not "any")
    kinds_right: int  # ... and the detector said that kind
    quiet_s: float  # seconds of quiet clips scored (their predictions are all false)
    quiet_false: int  # specifics found in them

    @property
    def false_per_10s(self) -> float:
        """False specifics per 10 s of quiet clips, NaN when no quiet clip was scored."""
        return self.quiet_false / self.quiet_s * 10.0 if self.quiet_s > 0 else math.nan

    @property
    def kind_accuracy(self) -> float:
        """Share of the matches with a named kind that the detector named the same, NaN when none was named."""
        return self.kinds_right / self.kinds_checked if self.kinds_checked else math.nan


def score_specifics(
    truth: SpecificsTruth,
    predictions: Iterable[ActionEvent],
    *,
    duration_s: float,
    config: ScoringConfig = ScoringConfig(),
) -> SpecificsScore:
    """Score one clip's specifics (optimal one-to-one matching on time) against its truth."""
    preds = list(predictions)
    score, match = score_times(
        [e.t_s for e in truth.events],
        [p.t_s for p in preds],
        [p.confidence for p in preds],
        tolerance_s=config.tolerance_s,
        strict_tolerance_s=config.strict_tolerance_s,
        confident_at=config.confident_at,
    )
    named = [(t, p) for t, p in match.pairs if truth.events[t].kind != ANY]
    return SpecificsScore(
        score=score,
        kinds_checked=len(named),
        kinds_right=sum(truth.events[t].kind == preds[p].kind for t, p in named),
        quiet_s=duration_s if truth.quiet else 0.0,
        quiet_false=len(preds) if truth.quiet else 0,
    )


def pool_specifics(scores: Iterable[SpecificsScore]) -> SpecificsScore:
    """Overall: counts, matched errors and quiet seconds pooled across clips."""
    scores = list(scores)
    return SpecificsScore(
        score=pool_scores(s.score for s in scores),
        kinds_checked=sum(s.kinds_checked for s in scores),
        kinds_right=sum(s.kinds_right for s in scores),
        quiet_s=sum(s.quiet_s for s in scores),
        quiet_false=sum(s.quiet_false for s in scores),
    )
