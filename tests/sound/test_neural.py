"""Neural backends: tiny random pipelines built here, loaded from disk, run end to end offline."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub: never the network
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np
import pytest

from foleystudio.errors import InputError, ModelError, RenderError
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES
from foleystudio.prompts import REVERB_WORDS
from foleystudio.sound import neural
from foleystudio.sound.backends import NEURAL_BACKENDS, get_backend
from foleystudio.sound.footsteps import StepStyle, render_footsteps
from foleystudio.sound.neural import NeuralBackend, NeuralOptions, split_steps, step_prompt
from foleystudio.sound.types import GAITS, StepRequest
from foleystudio.vision.contacts import ContactEvent
from tests.audio_checks import detect_onsets
from tests.sound.helpers import energy_onset
from tests.sound.tiny_pipelines import BUILDERS, bare_gpt2_copy, build_lora
from tests.sound.tiny_pipelines import SR as TINY_SR

pytestmark = pytest.mark.neural

SR = 48000
FAST = dict(num_inference_steps=2, clip_s=3.0, threads=1)  # tiny models: a few ms per step
HEEL_S = (0.21, 0.74, 1.31, 1.83, 2.42)  # attacks in the synthetic clip, a walking pace
TOE_DELAY_S = 0.07  # the toe lands this long after the heel: the same step


def _walk_clip(sr: int, seed: int = 0) -> np.ndarray:
    """Steps as a generator might make them: heel and toe bursts over a faint noise floor."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(3.0 * sr)) * 3e-4
    for i, t in enumerate(HEEL_S):
        for delay, amp, decay in ((0.0, 0.8, 0.025), (TOE_DELAY_S, 0.4, 0.02)):
            i0 = int(round((t + delay) * sr))
            n = int(0.3 * sr)
            x[i0 : i0 + n] += amp * (1 - 0.1 * i) * rng.standard_normal(n) * np.exp(-np.arange(n) / (decay * sr))
    return x.astype(np.float32)


def _event(t: float, person: int = 0) -> ContactEvent:
    return ContactEvent(t_s=t, frame=int(t * 30), person=person, foot="left", kind="step", confidence=1.0,
                        strength=0.8, x=0.5, y=0.9, body_px=300.0)


class ScriptedGenerator:
    """Stands in for a pipeline: the synthetic walk at 16 kHz, counting calls."""

    def __init__(self):
        self.calls: list[tuple[str, int, float]] = []

    def __call__(self, prompt: str, seed: int, seconds: float):
        self.calls.append((prompt, seed, seconds))
        return _walk_clip(16000, seed % 1000), 16000


# --- cutting and placement (no models) ---------------------------------------------------------


def test_split_steps_finds_each_heel_and_keeps_the_toe_with_it():
    clip = _walk_clip(SR)
    steps = split_steps(clip, SR)
    assert len(steps) == len(HEEL_S)
    scale = float(np.max(np.abs(clip)))
    for (audio, onset), t in zip(steps, HEEL_S):
        assert audio.dtype == np.float32 and onset == int(NeuralOptions().pre_roll_s * SR)
        # The cut's attack is the heel's sample in the clip (to 1 ms) ...
        head = audio[onset : onset + 256]
        true = int(round(t * SR))
        lags = [lag for lag in range(-SR // 1000, SR // 1000 + 1)
                if np.allclose(head, clip[true + lag : true + lag + 256] / scale, atol=1e-6)]
        assert lags, t
        # ... and the toe 70 ms later is inside the same step, not a step of its own.
        toe = onset + int(TOE_DELAY_S * SR)
        assert np.max(np.abs(audio[toe : toe + 480])) > 0.1
        assert abs(energy_onset(audio) - onset) <= SR // 1000


def test_split_steps_of_silence_is_empty_and_of_a_hum_is_one_step():
    assert split_steps(np.zeros(SR, np.float32), SR) == []
    hum = np.sin(2 * np.pi * 100 * np.arange(SR) / SR).astype(np.float32)
    assert len(split_steps(hum, SR)) == 1


def test_generated_steps_land_on_their_contacts():
    generator = ScriptedGenerator()
    backend = NeuralBackend("stable-audio", generator, sr=SR, options=NeuralOptions(seed=5))
    contacts = [0.3, 0.85, 1.4, 1.95, 2.5, 3.05, 3.6, 4.15]
    events = [_event(t) for t in contacts]
    stem = render_footsteps(events, backend, n_samples=5 * SR, styles=[StepStyle("gravel", "boots")] * len(events),
                            seed=1)
    assert stem.audio.shape == (5 * SR, 2) and np.all(np.isfinite(stem.audio))
    found = detect_onsets(stem.audio, SR)
    for t in contacts:
        assert np.min(np.abs(found - t)) <= 0.001, t
        assert not np.any((found > t - 0.05) & (found < t - 0.001)), t  # nothing starts just before the attack
    assert len(generator.calls) == 1  # one clip per surface x footwear x gait, cut and reused
    assert "gravel" in generator.calls[0][0] and generator.calls[0][2] == NeuralOptions().clip_s


def test_no_generated_step_twice_in_a_row_and_one_clip_per_gait():
    generator = ScriptedGenerator()
    backend = NeuralBackend("audioldm2", generator, sr=SR)
    picks = []
    for seed in range(20):
        backend.render_step(StepRequest("snow", "boots"), np.random.default_rng(seed))
        picks.append(backend.last_path)
    assert all(a != b for a, b in zip(picks, picks[1:])) and len(set(picks)) == len(HEEL_S)
    backend.render_step(StepRequest("snow", "boots", gait="run"), np.random.default_rng(0))
    backend.render_step(StepRequest("snow", "boots", kind="landing"), np.random.default_rng(0))
    assert [c[0].split(" ")[4] for c in generator.calls] == ["walking", "running"]
    assert generator.calls[0][1] != generator.calls[1][1]  # each clip its own seed


@pytest.mark.parametrize("gait", GAITS)
def test_prompts_name_the_sound_never_the_room(gait):
    for surface in ENGINE_SURFACES:
        for footwear in ENGINE_FOOTWEAR:
            text = step_prompt(surface, footwear, gait)
            assert "footsteps" in text and not any(re.search(rf"\b{w}\b", text) for w in REVERB_WORDS), text
    assert step_prompt("wood", "heels", gait, "{footwear} on {surface}, {gait}") == f"heels on wood, {gait}"
    with pytest.raises(InputError, match="prompt template"):
        step_prompt("wood", "heels", gait, "{shoe} on {surface}")


# --- tiny real pipelines ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Both tiny pipelines and a LoRA adapter, saved once for the module."""
    root = tmp_path_factory.mktemp("neural-models")
    dirs = {kind: build(root / kind) for kind, build in BUILDERS.items()}
    dirs["lora"] = build_lora(dirs["stable-audio"], root / "lora")
    return dirs


@pytest.mark.parametrize("kind", NEURAL_BACKENDS)
def test_tiny_pipeline_whole_path(models, kind):
    backend = get_backend(kind, sr=SR, model_dir=str(models[kind]), seed=7, **FAST)
    assert backend.name == kind and backend.sr == SR
    contacts = [0.2, 0.75, 1.3, 1.85]
    events = [_event(t) for t in contacts]
    styles = [StepStyle("wood", "leather")] * 2 + [StepStyle("gravel", "sneakers")] * 2
    stem = render_footsteps(events, backend, n_samples=3 * SR, styles=styles, seed=2)
    assert stem.audio.shape == (3 * SR, 2) and stem.audio.dtype == np.float32
    assert np.all(np.isfinite(stem.audio)) and np.max(np.abs(stem.audio)) > 1e-3
    first_sound = np.flatnonzero(np.abs(stem.audio[:, 0]) > 0)[0]
    pre_roll = NeuralOptions().pre_roll_s * SR * 2 ** (NeuralOptions().pitch_range_st / 12)  # pitch stretches it
    assert int(0.2 * SR) - pre_roll - 1 <= first_sound <= int(0.2 * SR)
    assert set(backend.prompts) == {("wood", "leather", "walk"), ("gravel", "sneakers", "walk")}
    # The same seed gives the same audio from a fresh load; another seed does not.
    again = render_footsteps(events, get_backend(kind, sr=SR, model_dir=str(models[kind]), seed=7, **FAST),
                             n_samples=3 * SR, styles=styles, seed=2)
    assert np.array_equal(stem.audio, again.audio)
    other = render_footsteps(events, get_backend(kind, sr=SR, model_dir=str(models[kind]), seed=8, **FAST),
                             n_samples=3 * SR, styles=styles, seed=2)
    assert not np.allclose(stem.audio, other.audio)


@pytest.mark.parametrize("kind", NEURAL_BACKENDS)
def test_step_onset_is_where_the_step_audio_begins_on_the_contact(models, kind):
    backend = get_backend(kind, sr=SR, model_dir=str(models[kind]), **FAST)
    step = backend.render_step(StepRequest("tile", "heels", strength=1.0), np.random.default_rng(3))
    assert 0 <= step.onset < step.audio.size and np.max(np.abs(step.audio)) <= 1.0
    stem = render_footsteps([_event(0.5)], backend, n_samples=SR, styles=[StepStyle("tile", "heels")], seed=0)
    contact = int(0.5 * SR)
    lead = stem.audio[contact - step.onset - 10 : contact - step.onset, 0]
    assert not np.any(lead) and np.any(stem.audio[contact : contact + 480, 0])


def test_stable_audio_short_window_gives_the_asked_length(models):
    backend = get_backend("stable-audio", model_dir=str(models["stable-audio"]), window_s=1.0, **FAST)
    audio, sr = backend.generate("footsteps on sand", 3, 0.8)
    assert sr == TINY_SR and audio.shape == (int(0.8 * TINY_SR),) and np.all(np.isfinite(audio))
    again, _ = backend.generate("footsteps on sand", 3, 0.8)
    assert np.array_equal(audio, again)
    whole = get_backend("stable-audio", model_dir=str(models["stable-audio"]), **FAST)
    assert not np.allclose(whole.generate("footsteps on sand", 3, 0.8)[0], audio)  # other noise, other window


def test_audioldm2_folder_with_a_bare_gpt2_model_still_generates(models, tmp_path):
    bare = bare_gpt2_copy(models["audioldm2"], tmp_path / "bare")
    expected = get_backend("audioldm2", model_dir=str(models["audioldm2"]), **FAST).generate("footsteps", 1, 1.0)[0]
    got = get_backend("audioldm2", model_dir=str(bare), **FAST).generate("footsteps", 1, 1.0)[0]
    assert np.allclose(got, expected, atol=1e-6)


def test_lora_adapter_changes_the_sound_and_scale_zero_does_not(models):
    model_dir = str(models["stable-audio"])
    plain = get_backend("stable-audio", model_dir=model_dir, **FAST).generate("footsteps on snow", 4, 2.0)[0]
    tuned = get_backend("stable-audio", model_dir=model_dir, lora=str(models["lora"]), **FAST)
    assert not np.allclose(tuned.generate("footsteps on snow", 4, 2.0)[0], plain, atol=1e-4)
    off = get_backend("stable-audio", model_dir=model_dir, lora=str(models["lora"]), lora_scale=0.0, **FAST)
    assert np.allclose(off.generate("footsteps on snow", 4, 2.0)[0], plain, atol=1e-5)


# --- errors -------------------------------------------------------------------------------------


def _copy(models, kind, tmp_path):
    return shutil.copytree(models[kind], tmp_path / kind)


def test_missing_or_wrong_model_dirs_say_what_was_expected(models, tmp_path):
    with pytest.raises(InputError, match="needs --model-dir"):
        get_backend("stable-audio")
    with pytest.raises(ModelError, match=f"{tmp_path / 'nope'} does not exist"):
        get_backend("stable-audio", model_dir=str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="has no model_index.json; expected a diffusers StableAudioPipeline"):
        get_backend("stable-audio", model_dir=str(tmp_path / "empty"))
    with pytest.raises(ModelError, match=r"holds AudioLDM2Pipeline, the stable-audio backend needs "
                                         r"StableAudioPipeline \(use --backend audioldm2\)"):
        get_backend("stable-audio", model_dir=str(models["audioldm2"]))
    broken = _copy(models, "audioldm2", tmp_path)
    shutil.rmtree(broken / "vocoder")
    with pytest.raises(ModelError, match="incomplete: model_index.json lists 'vocoder'"):
        get_backend("audioldm2", model_dir=str(broken))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model_index.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read"):
        get_backend("audioldm2", model_dir=str(tmp_path / "junk"))


def test_corrupt_weights_and_bad_lora_are_model_errors(models, tmp_path):
    corrupt = _copy(models, "stable-audio", tmp_path)
    (corrupt / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ModelError, match=f"cannot load the stable-audio model from {corrupt}"):
        get_backend("stable-audio", model_dir=str(corrupt))
    with pytest.raises(ModelError, match="has no adapter_config.json; expected a PEFT adapter"):
        get_backend("stable-audio", model_dir=str(models["stable-audio"]), lora=str(tmp_path))
    with pytest.raises(ModelError, match=r"does not fit the audioldm2 unet: (\d+) of \1 weights"):  # DiT adapter
        get_backend("audioldm2", model_dir=str(models["audioldm2"]), lora=str(models["lora"]))
    torn = shutil.copytree(models["lora"], tmp_path / "torn-lora")
    (torn / "adapter_model.safetensors").write_bytes(b"xx")
    with pytest.raises(ModelError, match="cannot read LoRA adapter"):
        get_backend("stable-audio", model_dir=str(models["stable-audio"]), lora=str(torn))


def test_a_model_that_makes_silence_is_a_render_error():
    backend = NeuralBackend("audioldm2", lambda prompt, seed, s: (np.zeros(16000, np.float32), 16000), sr=SR)
    with pytest.raises(RenderError, match="no usable audio.*try another --seed"):
        backend.render_step(StepRequest("sand", "barefoot"), np.random.default_rng(0))


def test_unknown_options_and_the_old_name(models):
    with pytest.raises(InputError, match="unknown option.*for the audioldm2 backend"):
        get_backend("audioldm2", model_dir=str(models["audioldm2"]), shoe_size=9)
    with pytest.raises(InputError, match="--backend stable-audio or --backend audioldm2"):
        get_backend("neural")


def test_missing_extra_says_how_to_install(monkeypatch, tmp_path):
    real = neural.importlib.util.find_spec
    monkeypatch.setattr(neural.importlib.util, "find_spec", lambda n, *a: None if n == "diffusers" else real(n, *a))
    with pytest.raises(ModelError, match=r"needs diffusers, not installed here: pip install '\.\[neural\]'"):
        get_backend("audioldm2", model_dir=str(tmp_path))


def test_default_paths_never_import_torch():
    code = ("import sys, foleystudio.cli.run, foleystudio.sound.neural, foleystudio.sound.backends as b; "
            "b.get_backend('procedural'); "
            "bad = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert set(neural.MODELS) == set(NEURAL_BACKENDS)
