"""Local model directories: the shared checks and importing the torch stack beside torchvision."""

from __future__ import annotations

import subprocess
import sys

import pytest

from foleystudio.errors import ModelError
from foleystudio.local_models import read_model_json


def test_reads_the_description(tmp_path):
    (tmp_path / "index.json").write_text('{"a": 1}')
    root, data = read_model_json(tmp_path, "index.json", label="model directory", expected="an index")
    assert root == tmp_path and data == {"a": 1}


@pytest.mark.parametrize("case, message", [
    ("no-dir", "does not exist or is not a directory; expected an index"),
    ("no-file", "has no index.json; expected an index"),
    ("bad-json", "cannot read"),
])
def test_each_problem_is_a_model_error_that_says_what(tmp_path, case, message):
    root = tmp_path / "missing" if case == "no-dir" else tmp_path
    if case == "bad-json":
        (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(ModelError, match=message):
        read_model_json(root, "index.json", label="model directory", expected="an index")


@pytest.mark.neural
@pytest.mark.parametrize("module, name", [("transformers", "T5EncoderModel"), ("diffusers", "StableAudioPipeline"),
                                          ("open_clip", "CLIP")])
def test_the_torch_stack_imports_in_a_fresh_process(module, name):
    """Whatever the test order: a fresh interpreter, as a user's `foley run` is."""
    code = ("from foleystudio.local_models import tolerate_torchvision; tolerate_torchvision(); "
            f"import {module}; getattr({module}, {name!r})")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
