"""Real clips analysed, rendered and exported in every format once a session, for the export and edit tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from foleystudio.analysis import Analysis, AnalysisOptions, analyse
from foleystudio.api import ExportOptions, Outputs, export
from foleystudio.export import FORMATS
from foleystudio.rendering import Rendered, RenderOptions, render

TIMELINES = tuple(name for name in FORMATS if name != "preview")  # the preview has its own test


@dataclass
class Delivered:
    analysis: Analysis
    rendered: Rendered
    outputs: Outputs
    folder: Path
    document: dict

    def file(self, suffix: str) -> Path:
        return self.folder / f"clip_foley{suffix}"


def deliver(video: Path, folder: Path, **export_options) -> Delivered:
    analysis = analyse(video, AnalysisOptions())
    rendered = render(analysis, RenderOptions(seed=3, stems_per_person=True))
    folder.mkdir(parents=True, exist_ok=True)
    outputs = export(analysis, rendered, folder / "clip_foley.mp4",
                     exports=ExportOptions(formats=TIMELINES, **export_options))
    document = json.loads(Path(outputs.events).read_text())
    return Delivered(analysis=analysis, rendered=rendered, outputs=outputs, folder=folder, document=document)
