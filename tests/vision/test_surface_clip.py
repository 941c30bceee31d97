"""The CLIP surface estimator: a tiny random open_clip model built here, loaded from disk, offline."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from foleystudio.errors import InputError, ModelError
from foleystudio.materials import SURFACES
from foleystudio.media.frames import Frame
from foleystudio.rendering import choose_styles
from foleystudio.vision.contacts import ContactEvent
from foleystudio.vision.scene import SceneConfig, SceneEstimate, estimate_scene, tap_frames
from foleystudio.vision.shots import ShotDetector
from foleystudio.vision.surface import clip
from foleystudio.vision.surface.clip import ENVIRONMENTS, SURFACE_PHRASES, ClipConfig, check_clip, load_clip
from foleystudio.vision.surface.estimator import FrameView, SurfaceEstimator
from foleystudio.vision.surface.model import SurfaceGuess, guess_from_proba
from foleystudio.vision.surface.sampler import FrameSampler, SamplerConfig
from tests.vision.tiny_clip import MODEL_CFG, build_tiny_clip

pytestmark = pytest.mark.neural

W, H = 320, 180


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "tiny")


@pytest.fixture(scope="module")
def sure(tmp_path_factory):
    """The same tiny model with a trained CLIP's temperature: its answers pass the confidence threshold."""
    return build_tiny_clip(tmp_path_factory.mktemp("clip") / "sure", logit_scale=1000.0)


def _texture(seed: int, size=(48, 64)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 200, 3)
    return np.clip(base + rng.normal(0, 25, (*size, 3)), 0, 255).astype(np.uint8)


def _frame(index: int, ground: np.ndarray, wall=(200, 190, 170)) -> Frame:
    img = np.empty((H, W, 3), np.uint8)
    img[:] = wall
    img[H // 2 :] = np.tile(ground, (3, 5, 1))[: H - H // 2, :W]
    return Frame(index=index, t_s=index / 30, rgb=np.roll(img, index % 5, axis=1), scale=1.0)


def _contact(frame: int) -> ContactEvent:
    return ContactEvent(t_s=frame / 30, frame=frame, person=0, foot="left", kind="step", confidence=0.9,
                        strength=0.5, x=0.5, y=0.75, body_px=110.0)


def test_every_surface_has_prompts_and_the_default_scores_them_all():
    assert set(SURFACE_PHRASES) == set(SURFACES)
    assert ClipConfig().surfaces == SURFACES
    assert len(set(ENVIRONMENTS)) == len(ENVIRONMENTS)


def test_patch_probabilities_are_a_distribution_over_the_surfaces(tiny):
    estimator = load_clip(tiny)
    assert isinstance(estimator, SurfaceEstimator) and estimator.name == "clip"
    assert estimator.classes == SURFACES
    p = estimator.patch_proba(_texture(0))
    assert p.shape == (len(SURFACES),) and np.all(p >= 0)
    np.testing.assert_allclose(p.sum(), 1.0, atol=1e-6)
    guess = guess_from_proba(estimator.classes, p, 0.5)  # the same type the built-in classifier gives
    assert isinstance(guess, SurfaceGuess) and guess.surface in SURFACES
    assert [c for c, _ in guess.probabilities] == sorted(SURFACES, key=lambda c: -p[SURFACES.index(c)])


def test_answers_are_deterministic_and_the_mask_hides_the_person(tiny):
    estimator = load_clip(tiny)
    patch = _texture(1)
    first = estimator.patch_proba(patch)
    np.testing.assert_array_equal(first, estimator.patch_proba(patch))
    clip._load.cache_clear()  # a fresh load from disk gives the same numbers
    again = load_clip(tiny)
    assert again is not estimator
    np.testing.assert_allclose(again.patch_proba(patch), first, atol=1e-6)
    mask = np.ones(patch.shape[:2], bool)
    mask[10:30, 20:40] = False
    legs, shoe = patch.copy(), patch.copy()
    legs[~mask], shoe[~mask] = (20, 20, 200), (250, 10, 10)
    np.testing.assert_allclose(again.patch_proba(legs, mask), again.patch_proba(shoe, mask), atol=1e-6)
    assert not np.allclose(again.patch_proba(legs), again.patch_proba(shoe), atol=1e-6)


def test_frames_view_gives_setting_and_an_environment(tiny):
    view = load_clip(tiny).frames_view([_frame(i, _texture(2)).rgb for i in range(3)])
    assert isinstance(view, FrameView)
    assert 0.0 <= view.outdoor_probability <= 1.0
    assert view.environment in ENVIRONMENTS and view.environment == view.environments[0][0]
    assert sum(p for _, p in view.environments) == pytest.approx(1.0, abs=1e-3)
    assert load_clip(tiny).frames_view([]) is None


def test_scene_uses_the_clip_estimator_end_to_end(sure):
    estimator = load_clip(sure)
    frames = [_frame(i, _texture(3)) for i in range(30)] + [_frame(i, _texture(4), (40, 60, 120)) for i in range(30, 60)]
    detector, sampler = ShotDetector(), FrameSampler(SamplerConfig(capacity=16))
    list(tap_frames(frames, shots=detector, sampler=sampler))
    shots = detector.finish()
    contacts = [_contact(f) for f in (5, 12, 20, 27, 33, 40, 48, 56)]
    scene = estimate_scene(contacts, shots=shots, sampler=sampler, model=estimator, config=SceneConfig())
    assert isinstance(scene, SceneEstimate) and scene.estimator == "clip" and len(scene.shots) == 2
    for shot in scene.shots:
        assert shot.environment in ENVIRONMENTS and 0.0 < shot.environment_probability <= 1.0
        assert [c for c, _ in shot.probabilities] and {c for c, _ in shot.probabilities} == set(SURFACES)
        assert shot.surface_confident, shot  # a sure model agrees with itself on one texture
        assert shot.patches == 4 and shot.source == "estimate"
    assert [c.surface for c in scene.contacts] == [scene.shots[0].surface] * 4 + [scene.shots[1].surface] * 4
    styles = choose_styles(SimpleNamespace(contacts=SimpleNamespace(events=tuple(contacts)), scene=scene))
    assert {(s["surface_source"], s["surface_estimator"]) for s in styles} == {("estimate", "clip")}


def test_builtin_estimator_still_records_its_name():
    frames = [_frame(i, _texture(5)) for i in range(10)]
    detector, sampler = ShotDetector(), FrameSampler(SamplerConfig(capacity=16))
    list(tap_frames(frames, shots=detector, sampler=sampler))
    scene = estimate_scene([], shots=detector.finish(), sampler=sampler)
    assert scene.estimator == "builtin" and scene.shots[0].environment is None


def test_other_checkpoint_names_and_a_built_in_architecture_name(tmp_path):
    from foleystudio.vision.surface.clip import import_open_clip

    reference = load_clip(build_tiny_clip(tmp_path / "st")).patch_proba(_texture(6))
    bin_dir = build_tiny_clip(tmp_path / "bin", checkpoint="open_clip_pytorch_model.bin")
    np.testing.assert_allclose(load_clip(bin_dir).patch_proba(_texture(6)), reference, atol=1e-6)
    # {"model_name": ...}: an architecture open_clip knows by name (registered here, as ViT-B-32 is built in)
    cfg_file = tmp_path / "foley-tiny-test.json"
    cfg_file.write_text(json.dumps(MODEL_CFG))
    import_open_clip().add_model_config(cfg_file)
    named = build_tiny_clip(tmp_path / "named", config={"model_name": "foley-tiny-test",
                                                        "preprocess_cfg": {"mean": [0.5] * 3, "std": [0.25] * 3}})
    np.testing.assert_allclose(load_clip(named).patch_proba(_texture(6)), reference, atol=1e-6)


@pytest.mark.parametrize("case, fragment", [
    ("missing", "does not exist or is not a directory"),
    ("empty", "has no open_clip_config.json"),
    ("bad json", "cannot read"),
    ("no model", "neither \"model_cfg\""),
    ("no checkpoint", "has no checkpoint; expected one of: open_clip_model.safetensors"),
    ("corrupt", "cannot load the CLIP model in"),
    ("wrong shapes", "cannot load the CLIP model in"),
    ("unknown name", "is not a built-in open_clip architecture"),
])
def test_bad_directories_are_refused_in_one_line(tmp_path, case, fragment):
    root = tmp_path / "m"
    if case != "missing":
        root.mkdir()
    config = json.dumps({"model_cfg": MODEL_CFG})
    if case in ("bad json", "no model", "no checkpoint", "corrupt", "unknown name"):
        (root / "open_clip_config.json").write_text({"bad json": "{model_cfg", "no model": '{"other": 1}',
                                                     "unknown name": '{"model_name": "ViT-Q-99"}'}.get(case, config))
    if case in ("corrupt", "unknown name"):
        (root / "open_clip_model.safetensors").write_bytes(b"not a checkpoint" * 8)
    if case == "wrong shapes":
        wide = {**MODEL_CFG, "vision_cfg": {**MODEL_CFG["vision_cfg"], "width": 64, "head_width": 32}}
        build_tiny_clip(root, config={"model_cfg": wide})
    with pytest.raises(ModelError, match=fragment) as info:
        load_clip(root)
    assert "\n" not in str(info.value)


def test_no_directory_and_a_missing_extra_say_what_to_do(monkeypatch, tmp_path):
    with pytest.raises(InputError, match="needs a model directory"):
        check_clip(None)
    real = clip.importlib.util.find_spec
    monkeypatch.setattr(clip.importlib.util, "find_spec", lambda n, *a: None if n == "open_clip" else real(n, *a))
    with pytest.raises(ModelError, match=r"needs open_clip_torch, not installed here: pip install '\.\[clip\]'"):
        check_clip(tmp_path)


def test_default_paths_never_import_torch():
    code = ("import sys, foleystudio.cli.run, foleystudio.analysis, foleystudio.vision.scene; "
            "bad = [m for m in ('torch', 'open_clip', 'torchvision') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
