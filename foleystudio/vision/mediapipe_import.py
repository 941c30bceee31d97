"""Import MediaPipe without importing matplotlib.

`import mediapipe` runs `mediapipe.python.solutions.drawing_utils`, which imports `matplotlib.pyplot` to plot
landmarks in 3-D, something foleystudio never does: 0.4-0.6 s of the 0.75-1.1 s the import takes, paid by
every process that estimates poses (each worker too). While MediaPipe is first imported, `matplotlib` and
`matplotlib.pyplot` are stand-ins that import the real module on first use, so code that does plot still
gets matplotlib; once MediaPipe is in, the stand-ins leave `sys.modules`, and a later `import matplotlib`
anywhere imports the real one.

    mediapipe = import_mediapipe()   # then `from mediapipe... import ...` as usual
"""

from __future__ import annotations

import importlib
import sys
import threading
import types

_DEFERRED = ("matplotlib", "matplotlib.pyplot")
_LOCK = threading.Lock()


class _Deferred(types.ModuleType):
    """A module that imports the real one of its name when an attribute it lacks is first read."""

    def __getattr__(self, name: str):
        if sys.modules.get(self.__name__) is self:  # still standing in: the real import would find us
            raise AttributeError(f"{self.__name__}.{name} is read while MediaPipe is being imported")
        return getattr(importlib.import_module(self.__name__), name)


def import_mediapipe() -> types.ModuleType:
    """The `mediapipe` package, imported (once) with matplotlib deferred."""
    with _LOCK:
        if "mediapipe" in sys.modules:
            return sys.modules["mediapipe"]
        placed = [name for name in _DEFERRED if name not in sys.modules]
        for name in placed:
            sys.modules[name] = _Deferred(name)
        if placed == list(_DEFERRED):
            sys.modules["matplotlib"].pyplot = sys.modules["matplotlib.pyplot"]  # `import matplotlib.pyplot as plt`
        try:
            return importlib.import_module("mediapipe")
        finally:
            for name in placed:
                if isinstance(sys.modules.get(name), _Deferred):
                    del sys.modules[name]
