"""MediaPipe is imported without matplotlib, and matplotlib still works for whoever wants it (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys

import pytest

FRESH = """
import sys
from foleystudio.vision.mediapipe_import import import_mediapipe
{before}
mp = import_mediapipe()
from mediapipe.python.solutions import drawing_utils
print("pyplot" if "matplotlib.pyplot" in sys.modules else "no-pyplot")
print(type(drawing_utils.plt).__name__)
print(callable(drawing_utils.plt.figure))  # reading an attribute imports the real pyplot
import matplotlib.pyplot as plt
print(plt.figure is drawing_utils.plt.figure, import_mediapipe() is mp)
"""


def run(before: str = "") -> list[str]:
    done = subprocess.run([sys.executable, "-c", FRESH.format(before=before)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")


@pytest.mark.parametrize("before, pyplot, stand_in", [
    ("", "no-pyplot", "_Deferred"),
    ("import matplotlib.pyplot", "pyplot", "module"),  # already there: left alone
])
def test_mediapipe_comes_without_matplotlib(before, pyplot, stand_in):
    lines = run(before)
    assert lines[:4] == [pyplot, stand_in, "True", "True True"]
