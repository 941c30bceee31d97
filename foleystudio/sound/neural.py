"""Neural footstep backends: text-to-audio steps from a local diffusers pipeline.

`stable-audio` (Stable Audio Open, `StableAudioPipeline`) and `audioldm2`
(`AudioLDM2Pipeline`) load from a directory the user gives (`--model-dir`), with an
optional PEFT LoRA adapter on the denoiser (`--lora`). For each surface x footwear x
gait one clip of several steps is generated from a prompt (foleystudio.prompts:
what makes the sound, never the room), cut into single steps at their attacks, and
the steps are placed like recordings (`samples.ClipBackend`: choice without repeat,
pitch and gain jitter, attack on the contact).

torch and diffusers are imported only when a pipeline is loaded; `check_neural`
validates the directory without them, so a CLI can refuse a bad path before any work.
"""

from __future__ import annotations

import contextlib
import importlib.util
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import find_peaks

from foleystudio.errors import InputError, ModelError, RenderError
from foleystudio.local_models import first_line, missing_component, read_model_json, tolerate_torchvision
from foleystudio.sound.features import attack_onset, energy_envelope, resample
from foleystudio.sound.procedural import dsp
from foleystudio.sound.samples import Clip, ClipBackend
from foleystudio.sound.types import StepRequest


@dataclass(frozen=True)
class ModelSpec:
    pipeline: str  # diffusers class named in model_index.json
    denoiser: str  # the component a LoRA adapter patches
    length_arg: str  # the pipeline's keyword for the clip length in seconds
    example: str  # what a user would point --model-dir at


MODELS: dict[str, ModelSpec] = {
    "stable-audio": ModelSpec("StableAudioPipeline", "transformer", "audio_end_in_s",
                              "stabilityai/stable-audio-open-1.0"),
    "audioldm2": ModelSpec("AudioLDM2Pipeline", "unet", "audio_length_in_s", "cvssp/audioldm2"),
}
INSTALL_HINT = "pip install '.[neural]'"
# Footwear the sound engine knows but the prompt vocabulary does not, said the nearest way it can.
PROMPT_FOOTWEAR = {"leather": "shoes"}


@dataclass(frozen=True)
class NeuralOptions:
    # Generation: one clip per surface x footwear x gait, kept for the backend's life.
    seed: int = 0  # a clip depends only on this, the prompt and the model: pass the job's seed
    clip_s: float = 6.0  # audio asked for per clip: ~10 walking steps (capped at the model's window)
    num_inference_steps: int = 50  # half the pipelines' defaults (100 / 200): CPU time, short sounds
    guidance_scale: float | None = None  # None: the pipeline's default (7.0 Stable Audio, 3.5 AudioLDM2)
    negative_prompt: str = "music, speech, voice, reverb, echo, hum, low quality"
    prompt_template: str | None = None  # e.g. "{footwear} on {surface}, {gait}" for a LoRA's own wording
    lora_scale: float = 1.0  # strength of the --lora adapter, merged into the denoiser's weights
    threads: int = 0  # torch CPU threads; 0 leaves torch's default (all cores)
    window_s: float | None = None  # stable-audio: seconds of latents denoised; None: the model's whole
    # window (47 s for Stable Audio Open 1.0, whatever clip_s asks). A window just over clip_s
    # cuts CPU time in proportion; the model was trained on whole windows (quality not measured).
    # Cutting the clip into steps.
    min_step_gap_s: float = 0.2  # attacks closer than this are one step (heel-toe roll-off is 40-120 ms)
    step_prominence_db: float = 6.0  # a step rises this far above the dip before it
    step_floor_db: float = -30.0  # peaks quieter than this (re the clip's loudest) are not steps
    attack_rel_db: float = -20.0  # attack = energy first within this of the step's peak ...
    attack_floor_db: float = 10.0  # ... and this far above the dip it rises from
    pre_roll_s: float = 0.0005  # kept before the attack, faded in: no click, and the step still starts within 1 ms
    max_len_s: float = 0.6  # a step is cut here at the latest (with a fade), or at the next step
    fade_s: float = 0.02  # fade at the cut
    min_len_s: float = 0.05  # shorter pieces (a clipped last step) are dropped
    # Placement, as for recordings (samples.SampleOptions).
    pitch_range_st: float = 1.0  # per-step resampling, +- semitones
    gain_range_db: float = 2.0  # per-step level jitter, +- dB (issue 4)
    headroom_db: float = -1.0  # peak of a full-strength step
    min_strength_db: float = -12.0  # level at strength 0 relative to strength 1


Generate = Callable[[str, int, float], tuple[np.ndarray, int]]  # (prompt, seed, seconds) -> (mono, sr)


class NeuralBackend(ClipBackend):
    """Generated steps placed like recordings; `generate` makes the clips (see `load_neural_backend`)."""

    def __init__(self, name: str, generate: Generate, *, sr: int = 48000, options: NeuralOptions = NeuralOptions()):
        super().__init__(sr, options)
        self.name = name
        self.generate = generate
        self._steps: dict[tuple[str, str, str], list[Clip]] = {}
        self.prompts: dict[tuple[str, str, str], str] = {}  # what each clip was generated from
        if options.prompt_template is not None:
            step_prompt("wood", "boots", "walk", options.prompt_template)  # a bad template fails now

    def _candidates(self, req: StepRequest) -> tuple[tuple[str, str, str], list[Clip]]:
        key = (req.surface, req.footwear, req.gait)
        if key not in self._steps:
            opt = self.options
            prompt = step_prompt(*key, opt.prompt_template)
            audio, model_sr = self.generate(prompt, clip_seed(opt.seed, *key), opt.clip_s)
            x = resample(np.asarray(audio, np.float32), model_sr, self.sr)
            pieces = split_steps(x, self.sr, opt)
            if not pieces:
                raise RenderError(f"the {self.name} model made no usable audio (silent or not finite) "
                                  f"for {prompt!r}; try another --seed")
            origin = Path(self.name, *key)
            self._steps[key] = [Clip(origin / str(i), a, onset) for i, (a, onset) in enumerate(pieces)]
            self.prompts[key] = prompt
        return key, self._steps[key]

    def _clip(self, item: Clip) -> Clip:
        return item


def step_prompt(surface: str, footwear: str, gait: str, template: str | None = None) -> str:
    """The generator prompt for a clip of steps: names the sound's source, never a room."""
    if template is not None:
        try:
            return template.format(surface=surface, footwear=footwear, gait=gait)
        except (KeyError, IndexError, ValueError) as exc:
            raise InputError(
                f"prompt template {template!r} is invalid ({exc}); it may use {{surface}}, {{footwear}}, {{gait}}"
            ) from None
    from foleystudio.prompts import build_prompt

    try:
        return build_prompt(surface=surface, footwear=footwear, gait=gait, purpose="generator")
    except InputError:
        return build_prompt(surface=surface, footwear=PROMPT_FOOTWEAR.get(footwear, "shoes"), gait=gait,
                            purpose="generator")


def clip_seed(seed: int, surface: str, footwear: str, gait: str) -> int:
    """A generator seed per clip, the same whatever order the contacts ask in."""
    return zlib.crc32(f"{int(seed)}|{surface}|{footwear}|{gait}".encode())


def split_steps(x: np.ndarray, sr: int, opt: NeuralOptions = NeuralOptions()) -> list[tuple[np.ndarray, int]]:
    """Single steps out of a clip of several, each as (audio, attack sample in it).

    Steps are peaks of the 10 ms energy envelope that stand `step_prominence_db` above
    the dip before them and at least `min_step_gap_s` apart; a step runs from its dip
    to the next step's dip (at most `max_len_s`). Its attack is found within that span
    by `features.attack_onset`; `pre_roll_s` before it is kept, faded in.
    """
    x = np.asarray(x, np.float32)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak <= 0.0 or not np.isfinite(peak):
        return []
    x = x / peak
    hop = max(1, sr // 1000)  # envelope at 1 ms
    env = energy_envelope(x, sr, win_s=0.01)[::hop]
    env_db = 10.0 * np.log10(env / env.max() + 1e-12)
    peaks, _ = find_peaks(env_db, height=opt.step_floor_db, prominence=opt.step_prominence_db,
                          distance=max(1, int(opt.min_step_gap_s * 1000)))
    if peaks.size == 0:  # no clear rise anywhere: take the loudest moment as the one step
        peaks = np.array([int(np.argmax(env_db))])
    dips = [0] + [a + int(np.argmin(env_db[a:b])) for a, b in zip(peaks[:-1], peaks[1:])] + [env_db.size]
    pre, max_len, min_len = (int(v * sr) for v in (opt.pre_roll_s, opt.max_len_s, opt.min_len_s))
    steps = []
    for i, p in enumerate(peaks):
        lo, hi = dips[i] * hop, min(dips[i + 1] * hop, x.size)
        rise_end = min(hi, (p + 10) * hop)  # the envelope peak lags the attack by up to its window
        attack = lo + attack_onset(x[lo:rise_end], sr, rel_db=opt.attack_rel_db, floor_db=opt.attack_floor_db)
        start = max(0, attack - pre)
        end = min(hi, start + max_len)
        if end - attack < min_len:
            continue
        audio = x[start:end].copy()
        n_in = attack - start
        if n_in > 1:
            audio[:n_in] *= np.sin(0.5 * np.pi * np.arange(n_in) / n_in).astype(np.float32) ** 2
        dsp.fade_out(audio, int(opt.fade_s * sr))
        steps.append((audio, n_in))
    return steps


# --- loading: everything below needs the neural extra ---------------------------------------


def check_neural(name: str, model_dir: str | Path | None, lora: str | Path | None = None) -> Path:
    """The model directory, once it looks loadable: ModelError naming what is wrong otherwise.

    Cheap (reads model_index.json, imports nothing), so a CLI can call it before any work.
    """
    if name not in MODELS:
        raise InputError(f"unknown neural backend {name!r}; allowed: {', '.join(MODELS)}")
    spec = MODELS[name]
    missing = [m for m in ("torch", "diffusers", "transformers") if importlib.util.find_spec(m) is None]
    if missing:
        raise ModelError(f"the {name} backend needs {', '.join(missing)}, not installed here: {INSTALL_HINT}")
    if not model_dir:
        raise InputError(f"the {name} backend needs --model-dir DIR: a local copy of {spec.example}")
    what = f"a diffusers {spec.pipeline} folder, e.g. a local copy of {spec.example}"
    root, index = read_model_json(model_dir, "model_index.json", label="model directory", expected=what)
    found = index.get("_class_name") if isinstance(index, dict) else None
    if found != spec.pipeline:
        other = next((n for n, s in MODELS.items() if s.pipeline == found), None)
        hint = f" (use --backend {other})" if other else ""
        raise ModelError(f"model directory {root} holds {found or 'no known pipeline'}, "
                         f"the {name} backend needs {spec.pipeline}{hint}")
    component = missing_component(root, index)
    if component is not None:
        raise ModelError(f"model directory {root} is incomplete: model_index.json lists {component!r} "
                         f"but there is no {component}/ folder")
    if lora is not None:
        _check_lora(Path(lora).expanduser())
    return root


def _check_lora(path: Path) -> None:
    if not (path / "adapter_config.json").is_file():
        raise ModelError(f"LoRA adapter {path} has no adapter_config.json; expected a PEFT adapter folder "
                         "(adapter_config.json + adapter_model.safetensors, as PeftModel.save_pretrained writes)")
    if importlib.util.find_spec("peft") is None:
        raise ModelError(f"a LoRA adapter needs peft, not installed here: {INSTALL_HINT}")


def load_neural_backend(
    name: str, model_dir: str | Path, *, sr: int = 48000, lora: str | Path | None = None,
    options: NeuralOptions = NeuralOptions(),
) -> NeuralBackend:
    """The `name` backend ("stable-audio" or "audioldm2") with its pipeline loaded on the CPU."""
    root = check_neural(name, model_dir, lora)
    generator = PipelineGenerator(name, root, lora=lora, options=options)
    return NeuralBackend(name, generator, sr=sr, options=options)


class PipelineGenerator:
    """A loaded diffusers pipeline as a `Generate` function: (prompt, seed, seconds) -> (mono, sr)."""

    def __init__(self, name: str, root: Path, *, lora: str | Path | None = None,
                 options: NeuralOptions = NeuralOptions()):
        tolerate_torchvision()
        import diffusers
        import torch

        self.name, self.spec, self.options = name, MODELS[name], options
        if options.threads > 0:
            torch.set_num_threads(options.threads)
        with quiet_libraries():
            try:
                self.pipe = getattr(diffusers, self.spec.pipeline).from_pretrained(str(root), local_files_only=True)
            except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, AttributeError) as exc:
                raise ModelError(f"cannot load the {name} model from {root}: {first_line(exc)}") from None
            if name == "audioldm2":
                self._give_language_model_a_head(root)
            if lora is not None:
                self._merge_lora(Path(lora).expanduser())
        self.pipe.set_progress_bar_config(disable=True)
        if name == "stable-audio":
            self.sr = int(self.pipe.vae.config.sampling_rate)
            window = self.pipe.transformer.config.sample_size * self.pipe.vae.hop_length
        else:
            self.sr = int(self.pipe.vocoder.config.sampling_rate)
            window = None  # AudioLDM2 generates any length
        self.max_s = None if window is None else window / self.sr

    def _short_window(self, seconds: float, generator):
        """Initial noise for a window of `seconds` instead of the transformer's sample_size."""
        import torch

        hop = self.pipe.vae.hop_length
        n = min(int(np.ceil(seconds * self.sr / hop)), self.pipe.transformer.config.sample_size)
        shape = (1, self.pipe.transformer.config.in_channels, n)
        return torch.randn(shape, generator=generator, dtype=self.pipe.transformer.dtype)

    def _give_language_model_a_head(self, root: Path) -> None:
        """Some AudioLDM2 folders save a bare GPT2Model, which the pipeline cannot step with
        under transformers 5 (no generation helpers); the same weights load as GPT2LMHeadModel,
        and the pipeline reads only its hidden states."""
        if hasattr(self.pipe.language_model, "_update_model_kwargs_for_generation"):
            return
        from transformers import GPT2LMHeadModel

        try:
            self.pipe.language_model = GPT2LMHeadModel.from_pretrained(str(root / "language_model"),
                                                                       local_files_only=True)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise ModelError(f"cannot load the language model in {root / 'language_model'} as GPT2LMHeadModel: "
                             f"{first_line(exc)}") from None

    def _merge_lora(self, path: Path) -> None:
        from peft import PeftModel
        from peft.tuners.lora import LoraLayer

        denoiser = getattr(self.pipe, self.spec.denoiser)
        _check_lora_fits(path, denoiser, f"the {self.name} {self.spec.denoiser}")
        try:
            patched = PeftModel.from_pretrained(denoiser, str(path))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise ModelError(f"cannot apply LoRA adapter {path} to the {self.name} {self.spec.denoiser}: "
                             f"{first_line(exc)}") from None
        if self.options.lora_scale != 1.0:
            for module in patched.modules():
                if isinstance(module, LoraLayer):
                    module.scale_layer(self.options.lora_scale)
        merged = patched.merge_and_unload()
        setattr(self.pipe, self.spec.denoiser, merged)

    def __call__(self, prompt: str, seed: int, seconds: float) -> tuple[np.ndarray, int]:
        """One clip for `prompt`: mono float32 at the model's rate, the same for the same seed."""
        import torch

        opt = self.options
        if self.max_s is not None:
            seconds = min(seconds, self.max_s)
        kwargs = {
            "prompt": prompt,
            "negative_prompt": opt.negative_prompt or None,
            "num_inference_steps": opt.num_inference_steps,
            "generator": torch.Generator("cpu").manual_seed(int(seed)),
            "output_type": "np",
            self.spec.length_arg: float(seconds),
        }
        if opt.guidance_scale is not None:
            kwargs["guidance_scale"] = opt.guidance_scale
        if self.name == "stable-audio" and opt.window_s is not None:
            kwargs["latents"] = self._short_window(max(opt.window_s, seconds), kwargs["generator"])
        with quiet_libraries(), torch.inference_mode():
            audio = np.asarray(self.pipe(**kwargs).audios[0], np.float32)
        if audio.ndim == 2:  # (channels, samples): Stable Audio is stereo
            audio = audio.mean(axis=0)
        return audio, self.sr


def _check_lora_fits(path: Path, model, what: str) -> None:
    """Every layer the adapter's weights name must exist in `model`.

    peft only warns about weights it cannot place and then runs the model unchanged,
    which would look like a working --lora that does nothing.
    """
    weights = path / "adapter_model.safetensors"
    if not weights.is_file():
        return  # a pickled adapter: peft reports what it can
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(weights), framework="pt") as fh:
            keys = list(fh.keys())
    except (OSError, SafetensorError) as exc:
        raise ModelError(f"cannot read LoRA adapter {weights}: {first_line(exc)}") from None
    layers = {name for name, _ in model.named_modules()}
    lost = [k for k in keys if _lora_layer(k) not in layers]
    if not keys or lost:
        example = f" (e.g. {_lora_layer(lost[0])})" if lost else ""
        raise ModelError(f"LoRA adapter {path} does not fit {what}: {len(lost)} of {len(keys)} weights "
                         f"are for layers it does not have{example}")


def _lora_layer(key: str) -> str:
    """'base_model.model.blocks.0.attn.to_q.lora_A.weight' -> 'blocks.0.attn.to_q'."""
    key = key.removeprefix("base_model.model.")
    for marker in (".lora_A", ".lora_B", ".lora_embedding_A", ".lora_embedding_B", ".lora_magnitude_vector"):
        if marker in key:
            return key.split(marker)[0]
    return key.rsplit(".", 1)[0]


@contextlib.contextmanager
def quiet_libraries():
    """No progress bars or info logs from diffusers/transformers (stages never print)."""
    from diffusers.utils import logging as dlog
    from transformers.utils import logging as tlog

    saved = [(log, log.get_verbosity(), log.is_progress_bar_enabled()) for log in (dlog, tlog)]
    for log, _, _ in saved:
        log.set_verbosity_error()
        log.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="torchsde")  # solver-internal time warnings
            warnings.filterwarnings("ignore", category=FutureWarning)  # the libraries' deprecations, not the user's
            yield
    finally:
        for log, verbosity, bars in saved:
            log.set_verbosity(verbosity)
            if bars:
                log.enable_progress_bar()
