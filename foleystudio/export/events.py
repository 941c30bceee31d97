"""The event list (schema foleystudio.events.1): every event of every layer with its sound choices, by time.

Footsteps rows ("e0000") carry the foot, surface and footwear; specifics rows ("s0000": claps,
hits, falls, ...) carry what they strike (`material`), no foot, and person -1 for a sound of no one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict

from foleystudio.edits.events import action_ids, event_ids
from foleystudio.media.probe import VideoInfo
from foleystudio.timebase import SAMPLE_RATE, seconds_to_sample
from foleystudio.vision.actions import ActionEvent
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.scene import SceneEstimate

SCHEMA = "foleystudio.events.1"


def events_document(
    info: VideoInfo,
    events: Sequence[ContactEvent],
    styles: Sequence[dict],
    scene: SceneEstimate | None = None,
    *,
    ids: Sequence[str] | None = None,
    actions: Sequence[ActionEvent] = (),
    action_styles: Sequence[dict] = (),
    actions_ids: Sequence[str] | None = None,
    beds: Sequence[dict] = (),
    music: dict | None = None,
    loudness_lufs: float | None = None,
) -> dict:
    """The JSON document; `styles[i]` holds event i's surface, footwear and where they came from.

    `ids[i]` is event i's id (default: its index, "e0000"), which an edited list keeps
    so that render can find the event it was (edits/events.py); `actions` are the specifics,
    with their styles (material) and ids ("s0000"); `beds` the ambience span by span (what each shot's
    picture showed and which bed was chosen: rendering.choose_beds), `music` the score's plan, and
    `loudness_lufs` the mix's integrated loudness as mastered.
    """
    ids = ids if ids is not None else event_ids(len(events))
    actions_ids = actions_ids if actions_ids is not None else action_ids(len(actions))
    specifics = [
        {
            "id": action_id,
            "layer": "specifics",
            "t": on_sample(a.t_s),
            "frame": a.frame,
            "person": a.person,
            "foot": None,
            "kind": a.kind,
            "confidence": round(float(a.confidence), 4),
            "strength": round(float(a.strength), 4),
            "x": round(float(a.x), 4),
            "y": round(float(a.y), 4),
            "body_px": round(float(a.body_px), 1) if math.isfinite(a.body_px) and a.body_px > 0 else None,
            **style,
        }
        for action_id, a, style in zip(actions_ids, actions, action_styles or [{}] * len(actions), strict=True)
    ]
    document = {
        "schema": SCHEMA,
        "video": os.path.basename(info.path),
        "fps": float(info.fps),
        "fps_exact": f"{info.fps.numerator}/{info.fps.denominator}",
        "duration_s": round(info.duration_s, 6),
        "events": sorted([
            {
                "id": event_id,
                "layer": "footsteps",
                "t": on_sample(e.t_s),
                "frame": e.frame,
                "person": e.person,
                "foot": e.foot,
                "kind": e.kind,
                "confidence": e.confidence,
                "strength": e.strength,
                "x": e.x,
                "y": e.y,
                "body_px": round(float(e.body_px), 1) if math.isfinite(e.body_px) else None,
                **style,
            }
            for event_id, e, style in zip(ids, events, styles, strict=True)
        ] + specifics, key=lambda row: row["t"]),
    }
    if scene is not None:
        document["shots"] = [
            {
                "start_s": round(s.start_s, 4),
                "end_s": round(s.end_s, 4),
                "indoor": s.indoor,
                "picture_outdoor_probability": s.picture_outdoor_probability,  # sky and vegetation only; weighs the surface
                "lighting": s.lighting,
                "surface": s.surface,
                "surface_probability": round(float(s.surface_probability), 3),
                "surface_confident": s.surface_confident,
                "footwear": s.footwear,
                "footwear_confident": s.footwear_confident,
                "footwear_by_person": {str(p): {"footwear": f, "confident": ok} for p, f, ok in s.footwear_by_person},
                "surface_estimator": scene.estimator,
                "environment": s.environment,
            }
            for s in scene.shots
        ]
        for row, s in zip(document["shots"], scene.shots):
            if s.picture is not None:
                row["picture"] = asdict(s.picture)
    if beds:
        document["ambience"] = [dict(bed) for bed in beds]
    if music is not None:
        document["music"] = music
    if loudness_lufs is not None:
        document["loudness_lufs"] = round(float(loudness_lufs), 2)
    return document


def on_sample(t_s: float, sr: int = SAMPLE_RATE) -> float:
    """An event's time as written: on the sample its sound starts at, to the microsecond.

    Read back, it lands on the same sample (1 us is 0.05 of a sample at 48 kHz), so an
    event moved by an offset in an edited list moves by exactly that offset.
    """
    return round(seconds_to_sample(t_s, sr) / sr, 6)
