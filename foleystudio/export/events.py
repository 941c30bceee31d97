"""The event list (schema foleystudio.events.1): every contact with its sound choices."""

from __future__ import annotations

import os
from collections.abc import Sequence

from foleystudio.media.probe import VideoInfo
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.scene import SceneEstimate

SCHEMA = "foleystudio.events.1"


def events_document(
    info: VideoInfo, events: Sequence[ContactEvent], styles: Sequence[dict], scene: SceneEstimate | None = None
) -> dict:
    """The JSON document; `styles[i]` holds event i's surface, footwear and where they came from."""
    document = {
        "schema": SCHEMA,
        "video": os.path.basename(info.path),
        "fps": float(info.fps),
        "fps_exact": f"{info.fps.numerator}/{info.fps.denominator}",
        "duration_s": round(info.duration_s, 6),
        "events": [
            {
                "t": round(e.t_s, 4),
                "frame": e.frame,
                "person": e.person,
                "foot": e.foot,
                "kind": e.kind,
                "confidence": e.confidence,
                "strength": e.strength,
                "x": e.x,
                "y": e.y,
                **style,
            }
            for e, style in zip(events, styles, strict=True)
        ],
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
    return document
