"""The project's one error hierarchy.

A `FoleyError` is a problem the user can fix (a bad file, a bad option, a missing
model directory). The CLI prints it as one line and exits 1; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class FoleyError(Exception):
    """Base of every error the user can act on."""


class InputError(FoleyError):
    """The input (video, cue sheet, option value) cannot be used."""


class ModelError(FoleyError):
    """A model could not be loaded or run (missing weights, wrong directory)."""


class RenderError(FoleyError):
    """Sound could not be rendered from the analysis."""


class ExportError(FoleyError):
    """An output could not be written (unwritable directory, mux failure)."""
