"""Neural beds: AudioLDM2 ambience and MusicGen music from tiny random models built here, offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub: never the network
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np
import pytest
import soundfile

from foleystudio.errors import InputError, ModelError, RenderError
from foleystudio.sound import neural_beds
from foleystudio.sound.ambience import KIND_LUFS, BedSpan
from foleystudio.sound.mix import integrated_lufs, true_peak_db
from foleystudio.sound.music import NOTE_NAMES, STYLES, MusicPlan
from foleystudio.sound.neural_beds import (MusicGenerator, MusicGenOptions, check_bed_model, music_prompt,
                                           render_ambience_neural, render_music_neural, widen)
from tests.conftest import PROJECT, make_video
from tests.sound.tiny_pipelines import build_audioldm2, build_musicgen

pytestmark = pytest.mark.neural

SR = 48000
AMBIENCE_FAST = dict(window_s=1.0, overlap_s=0.25, steps=2, threads=1)  # tiny AudioLDM2: ms per step
MUSIC_FAST = MusicGenOptions(window_s=2.0, context_s=0.5, crossfade_s=0.2, threads=1)
PLAN = MusicPlan(tempo_bpm=72.0, key=9, mode="minor", brightness=0.3, energy=0.2, style="ambient")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("bed-models")
    return {"ambience": build_audioldm2(root / "audioldm2"), "music": build_musicgen(root / "musicgen"),
            "stereo": build_musicgen(root / "musicgen-stereo", stereo=True)}


def _lufs_inside(audio: np.ndarray, spans, i: int, margin_s: float = 0.3) -> float:
    """Loudness of span i away from its crossfades."""
    m = int(margin_s * SR)
    return integrated_lufs(audio[spans[i].start + m:spans[i].stop - m], SR)


class WaveGenerator:
    """Stands in for AudioLDM2 at 16 kHz: a low sine (a hard cut in it would jump far more than the sine steps
    between samples), its frequency, phase and level different per seed; counts calls."""

    def __init__(self):
        self.calls: list[tuple[str, int, float]] = []

    def __call__(self, prompt: str, seed: int, seconds: float):
        self.calls.append((prompt, seed, seconds))
        rng = np.random.default_rng(seed)
        t = np.arange(int(seconds * 16000)) / 16000
        level = 10 ** rng.uniform(-3, 0)  # levels 60 dB apart: the renderer levels each window
        return (level * np.sin(2 * np.pi * rng.uniform(80, 160) * t + rng.uniform(0, 2 * np.pi))).astype(np.float32), 16000


# --- ambience -----------------------------------------------------------------------------------------------


def test_ambience_spans_at_their_kinds_loudness_and_crossfaded_without_a_jump():
    spans = [BedSpan(0, 3 * SR, "park"), BedSpan(3 * SR, 6 * SR, "rain"), BedSpan(6 * SR, 8 * SR, "room_small")]
    generator, reports = WaveGenerator(), []
    stem = render_ambience_neural(spans, ["birds", "rain", "room tone"], n_samples=8 * SR, window_s=1.5,
                                  overlap_s=0.4, generate=generator, progress=reports.append)
    audio = stem.audio
    assert stem.name == "ambience" and stem.sr == SR and audio.shape == (8 * SR, 2) and audio.dtype == np.float32
    for i, span in enumerate(spans):
        assert abs(_lufs_inside(audio, spans, i) - KIND_LUFS[span.kind]) <= 1.5, span.kind
    # Windows of at most 1.5 s, every one from a seed of its own: nothing generated is played twice.
    assert all(seconds <= 1.5 + 0.1 for _, _, seconds in generator.calls)  # and a few ms to start the widener
    seeds = [seed for _, seed, _ in generator.calls]
    assert len(seeds) >= 6 and len(set(seeds)) == len(seeds)
    assert [r["window"] for r in reports] == list(range(1, len(seeds) + 1))
    assert {r["windows"] for r in reports} == {len(seeds)} and {r["layer"] for r in reports} == {"ambience"}
    # Span boundaries and window joins are crossfades: nowhere a step between samples beyond the sines' own
    # (2 pi f / sr of their amplitude, f <= 160 Hz), at the level of the bed around it.
    block = SR // 50
    for start in range(0, len(audio) - block, block):
        part = audio[max(0, start - block):start + 2 * block]
        rms = np.sqrt(np.mean(part**2, axis=0))
        steps = np.abs(np.diff(audio[start:start + block + 1], axis=0)).max(axis=0)
        assert np.all(steps <= 2.0 * 2 * np.pi * 160 / SR * np.sqrt(2) * rms), start / SR
    assert np.corrcoef(audio.T)[0, 1] < 0.2  # a diffuse bed: left and right decorrelated


def test_ambience_level_db_moves_every_span_and_no_spans_is_silence():
    spans = [BedSpan(0, 2 * SR, "city")]
    louder = render_ambience_neural(spans, ["traffic"], n_samples=2 * SR, level_db=6.0, generate=WaveGenerator())
    assert abs(integrated_lufs(louder.audio, SR) - (KIND_LUFS["city"] + 6.0)) <= 0.5
    silent = render_ambience_neural([], [], n_samples=SR, generate=WaveGenerator())
    assert silent.audio.shape == (SR, 2) and not np.any(silent.audio)


def test_ambience_from_a_tiny_audioldm2(models):
    spans = [BedSpan(0, int(1.8 * SR), "park"), BedSpan(int(1.8 * SR), 4 * SR, "rain")]
    prompts = ["park ambience, birds singing", "steady rain falling outdoors"]
    stem = render_ambience_neural(spans, prompts, model_dir=models["ambience"], n_samples=4 * SR, seed=3,
                                  **AMBIENCE_FAST)
    audio = stem.audio
    assert audio.shape == (4 * SR, 2) and audio.dtype == np.float32 and np.all(np.isfinite(audio))
    assert np.sqrt(np.mean(audio**2)) > 1e-4
    for i, span in enumerate(spans):
        assert abs(_lufs_inside(audio, spans, i) - KIND_LUFS[span.kind]) <= 1.5, span.kind
    again = render_ambience_neural(spans, prompts, model_dir=models["ambience"], n_samples=4 * SR, seed=3,
                                   **AMBIENCE_FAST)
    assert np.array_equal(audio, again.audio)
    other = render_ambience_neural(spans, prompts, model_dir=models["ambience"], n_samples=4 * SR, seed=4,
                                   **AMBIENCE_FAST)
    assert not np.allclose(audio, other.audio)


def test_ambience_refuses_bad_requests():
    spans = [BedSpan(0, SR, "park")]
    with pytest.raises(InputError, match="one prompt per span: 1 spans, 2 prompts"):
        render_ambience_neural(spans, ["a", "b"], n_samples=SR, generate=WaveGenerator())
    with pytest.raises(InputError, match="span 0 .park. has an empty prompt"):
        render_ambience_neural(spans, [" "], n_samples=SR, generate=WaveGenerator())
    with pytest.raises(InputError, match="leaves a gap"):
        render_ambience_neural([BedSpan(0, SR, "park"), BedSpan(SR + 1, 2 * SR, "rain")], ["a", "b"],
                               n_samples=2 * SR, generate=WaveGenerator())
    with pytest.raises(InputError, match="needs --ambience-model DIR"):
        render_ambience_neural(spans, ["park"], n_samples=SR)
    with pytest.raises(RenderError, match="no usable audio.*try another --seed"):
        render_ambience_neural(spans, ["park"], n_samples=SR, generate=lambda p, s, t: (np.zeros(int(t * 16000)), 16000))


# --- music --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_music_prompt_names_style_key_mode_and_tempo(style):
    plan = MusicPlan(tempo_bpm=131.6, key=3, mode="major", brightness=0.9, energy=0.8, style=style)
    prompt = music_prompt(plan)
    assert "Eb major" in prompt and "132 bpm" in prompt and "bright" in prompt and "energetic" in prompt
    assert neural_beds.STYLE_WORDS[style] in prompt
    assert music_prompt(PLAN) == "calm ambient pads in A minor, 72 bpm, dark, soft, instrumental"
    assert all(f"{NOTE_NAMES[k]} minor" in music_prompt(MusicPlan(90.0, k, "minor", 0.5, 0.5, style))
               for k in range(12))


@pytest.mark.parametrize("kind", ["music", "stereo"])
def test_music_from_a_tiny_musicgen(models, kind):
    n = 5 * SR
    stem = render_music_neural(PLAN, model_dir=models[kind], n_samples=n, seed=1, options=MUSIC_FAST)
    audio = stem.audio
    assert stem.name == "music" and stem.sr == SR
    assert audio.shape == (n, 2) and audio.dtype == np.float32 and np.all(np.isfinite(audio))
    assert np.sqrt(np.mean(audio**2)) > 1e-3
    assert np.all(audio[0] == 0.0) and np.all(audio[-1] == 0.0)  # swells in from silence, ends on exactly zero
    assert np.abs(audio[-SR // 100:]).max() < 1e-3 * np.abs(audio).max()  # faded, not cut
    lufs, peak = integrated_lufs(audio, SR), true_peak_db(audio)
    assert peak <= -1.0 + 0.05 and (abs(lufs + 20.0) <= 0.5 or peak >= -1.1)  # -20 LUFS unless the peak caps it
    again = render_music_neural(PLAN, model_dir=models[kind], n_samples=n, seed=1, options=MUSIC_FAST)
    assert np.array_equal(audio, again.audio)
    other = render_music_neural(PLAN, model_dir=models[kind], n_samples=n, seed=2, options=MUSIC_FAST)
    assert not np.allclose(audio, other.audio)


def test_music_windows_continue_the_music_before_them(models):
    generator = MusicGenerator(check_bed_model("music", models["music"]), options=MUSIC_FAST)
    calls = []

    def spy(prompt, seed, seconds, context):
        audio, sr = generator(prompt, seed, seconds, context)
        calls.append((prompt, seed, seconds, None if context is None else len(context), len(audio)))
        return audio, sr

    render_music_neural(PLAN, n_samples=5 * SR, options=MUSIC_FAST, generate=spy)
    assert len(calls) >= 3 and calls[0][3] is None
    assert len({seed for _, seed, _, _, _ in calls}) == len(calls)
    for prompt, _, seconds, context, made in calls[1:]:
        assert prompt == music_prompt(PLAN) and seconds <= MUSIC_FAST.window_s
        assert context == int(MUSIC_FAST.context_s * generator.sr)  # 0.5 s: whole codec frames at 16 kHz
        assert made >= context + int(seconds * generator.sr) - generator.hop  # the context, then what was asked


def test_music_joins_are_seamless_when_the_model_continues_exactly():
    """A model that re-decodes its context perfectly and goes on with the same sine: the joined music is that
    sine, so any misplaced window or crossfade would show as a step."""
    made = [0]

    def sine(prompt, seed, seconds, context):
        start = made[0] - (0 if context is None else len(context))
        t = (start + np.arange((0 if context is None else len(context)) + int(seconds * 16000))) / 16000
        made[0] = start + len(t)
        return np.sin(2 * np.pi * 220 * t)[:, None].astype(np.float32), 16000

    stem = render_music_neural(PLAN, n_samples=7 * SR, options=MusicGenOptions(window_s=1.5, context_s=0.5,
                                                                               fade_in_s=0.1, fade_out_s=0.1),
                               generate=sine)
    mid = stem.audio[SR // 2:-SR // 2, 0]
    step = 2 * np.pi * 220 / SR * np.abs(mid).max()  # the sine's largest step between samples
    assert np.abs(np.diff(mid)).max() <= 1.05 * step


def test_widen_keeps_the_mono_sum_and_sets_the_correlation():
    x = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
    for width in (1.0, 0.4):
        out = widen(x, width, SR)
        assert np.allclose(out.sum(axis=1), 2 * x / np.sqrt(1 + width**2), atol=1e-5)
        expected = (1 - width**2) / (1 + width**2)
        assert abs(np.corrcoef(out.T)[0, 1] - expected) < 0.05
        assert np.allclose(np.mean(out**2, axis=0), np.mean(x**2), rtol=0.05)


def test_music_refuses_a_silent_model_and_bad_windows():
    def silent(prompt, seed, seconds, context):
        return np.zeros((int(seconds * 16000), 1), np.float32), 16000

    with pytest.raises(RenderError, match="no usable audio.*try another --seed"):
        render_music_neural(PLAN, n_samples=SR, generate=silent)
    with pytest.raises(InputError, match="window_s > 0"):
        render_music_neural(PLAN, n_samples=SR, options=MusicGenOptions(window_s=0), generate=silent)
    assert render_music_neural(PLAN, n_samples=0, generate=silent).audio.shape == (0, 2)


# --- folders ------------------------------------------------------------------------------------------------


def test_folder_checks_say_what_is_missing(models, tmp_path):
    assert check_bed_model("ambience", models["ambience"]) == models["ambience"]
    assert check_bed_model("music", models["music"]) == models["music"]
    with pytest.raises(InputError, match="needs --music-model DIR: a local copy of facebook/musicgen-small"):
        check_bed_model("music", None)
    with pytest.raises(InputError, match=f"{tmp_path / 'nope'} does not exist"):
        check_bed_model("ambience", tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=f"music model directory {tmp_path / 'empty'} has no config.json"):
        check_bed_model("music", tmp_path / "empty")
    with pytest.raises(InputError, match="has no model_index.json; expected a diffusers AudioLDM2Pipeline"):
        check_bed_model("ambience", models["music"])
    with pytest.raises(InputError, match="holds a t5 model; the neural music needs a transformers MusicGen"):
        check_bed_model("music", models["ambience"] / "text_encoder_2")
    with pytest.raises(InputError, match="no neural model for the 'rain' bed"):
        check_bed_model("rain", models["ambience"])
    torn = shutil.copytree(models["music"], tmp_path / "torn")
    (torn / "tokenizer.json").unlink()
    with pytest.raises(InputError, match=rf"{torn} has no tokenizer \(tokenizer.json or spiece.model\)"):
        check_bed_model("music", torn)
    broken = shutil.copytree(models["ambience"], tmp_path / "broken")
    shutil.rmtree(broken / "vocoder")
    with pytest.raises(InputError, match="incomplete: model_index.json lists 'vocoder'"):
        check_bed_model("ambience", broken)


def test_corrupt_weights_are_model_errors(models, tmp_path):
    corrupt = shutil.copytree(models["music"], tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ModelError, match=f"cannot load the MusicGen model from {corrupt}"):
        render_music_neural(PLAN, model_dir=corrupt, n_samples=SR)
    bad = shutil.copytree(models["ambience"], tmp_path / "bad")
    (bad / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"xx")
    with pytest.raises(ModelError, match=f"cannot load the audioldm2 model from {bad}"):
        render_ambience_neural([BedSpan(0, SR, "park")], ["park"], model_dir=bad, n_samples=SR)


def test_missing_extra_says_how_to_install(monkeypatch, tmp_path):
    real = neural_beds.importlib.util.find_spec
    monkeypatch.setattr(neural_beds.importlib.util, "find_spec", lambda n, *a: None if n == "torch" else real(n, *a))
    with pytest.raises(ModelError, match=r"the neural music needs torch, not installed here: pip install"):
        check_bed_model("music", tmp_path)


def test_checking_folders_never_imports_torch(models):
    code = ("import sys; from foleystudio.sound.neural_beds import check_bed_model; "
            "check_bed_model('ambience', sys.argv[1]); check_bed_model('music', sys.argv[2]); "
            "bad = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code, str(models["ambience"]), str(models["music"])],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def test_the_cli_renders_the_beds_with_local_models(models, tmp_path):
    """`foley VIDEO --ambience-model --music-model` and `foley picture` with the tiny folders: stems from the models,
    the mix still mastered; a folder of the wrong kind is refused before any work."""
    video = make_video(tmp_path / "v.mp4", n_frames=45)
    out = tmp_path / "v_foley.mp4"
    run = subprocess.run([sys.executable, "-m", "foleystudio", str(video), "-o", str(out), "-q", "--ambience", "park",
                          "--ambience-model", str(models["ambience"]), "--music-model", str(models["music"])],
                         capture_output=True, text=True, cwd=PROJECT, timeout=600)
    assert run.returncode == 0, run.stderr
    bed, sr = soundfile.read(str(tmp_path / "v_foley.ambience.wav"))
    assert sr == SR and len(bed) == round(1.5 * SR) and np.abs(bed).max() > 0
    mix, _ = soundfile.read(str(tmp_path / "v_foley.mix.wav"))
    assert integrated_lufs(mix, SR) == pytest.approx(-23.0, abs=0.5)
    wrong = subprocess.run([sys.executable, "-m", "foleystudio", str(video), "-o", str(tmp_path / "w.mp4"),
                            "--music-model", str(models["ambience"])], capture_output=True, text=True, cwd=PROJECT,
                           timeout=120)
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: ") and "musicgen" in wrong.stderr.lower()
    assert not (tmp_path / "w.mp4").exists()
