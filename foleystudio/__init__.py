"""foleystudio: a silent video in, a synchronized, spatialized Foley soundtrack out.

The public API (the CLI and the service call the same functions):

    from foleystudio import analyse, render, export
    analysis = analyse("clip.mp4")
    export(analysis, render(analysis), "clip_foley.mp4")
"""

import os

__version__ = "0.1.0"

# numpy's OpenBLAS wakes a spinning thread per core for every small matrix product, and the pipeline's are tiny:
# on two cores that doubled the system time and slowed an analysis by a tenth. One thread, set before numpy loads
# (a caller who imported numpy first keeps its own).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from foleystudio.api import (  # noqa: E402
    Analysis,
    AnalysisOptions,
    ExportOptions,
    Outputs,
    Rendered,
    RenderOptions,
    analyse,
    export,
    render,
)
from foleystudio.errors import ExportError, FoleyError, InputError, ModelError, RenderError  # noqa: E402

__all__ = [
    "Analysis", "AnalysisOptions", "ExportOptions", "Outputs", "Rendered", "RenderOptions", "analyse", "export", "render",
    "FoleyError", "InputError", "ModelError", "RenderError", "ExportError", "__version__",
]
