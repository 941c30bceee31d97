"""Neural beds: the ambience from AudioLDM2 and the music from MusicGen, each from a local model folder.

These models make clips of a few seconds; a bed is as long as the video. So each is made in windows:

- ambience (`render_ambience_neural`): per span, windows of at most `window_s` from the span's prompt, each with a
  seed of its own (never a buffer twice: a bed that loops is heard to loop), levelled one by one to the procedural
  kind's calibrated loudness (`ambience.KIND_LUFS`, so switching renderers keeps the mix balance) and joined by
  equal-power crossfades of `overlap_s`; the spans are crossfaded at their boundaries exactly as the procedural
  renderer does;
- music (`render_music_neural`): a prompt from the `MusicPlan` (`music_prompt`), then windows that each continue
  the last `context_s` of the music before them (MusicGen's audio prompt: the same key, tempo and groove go on),
  crossfaded over the re-decoded context, faded in and out to exactly zero, at the procedural score's -20 LUFS
  under -1 dBTP.

Both models are mono (a stereo MusicGen is used as it is). The second channel comes from a decorrelated copy:
mid = the generated audio, side = that audio through a fixed random-phase all-pass (20 ms), L/R = mid +- width *
side. L + R is the generated audio itself (no comb filter when a mix is folded to mono), and L and R correlate by
(1 - width^2) / (1 + width^2): 0 for the ambience (diffuse, as the procedural beds are), 0.72 for the music (wide,
with a centre).

torch, diffusers and transformers are imported only when a model is loaded; `check_bed_model` validates a folder
without them, so a CLI can refuse a bad path before any work.
"""

from __future__ import annotations

import importlib.util
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.signal import butter, oaconvolve, sosfiltfilt

from foleystudio.errors import InputError, ModelError, RenderError
from foleystudio.local_models import first_line, missing_component, read_model_json, tolerate_torchvision
from foleystudio.sound.ambience import KIND_LUFS, BedSpan, check_spans, fade_gains, crossfade_plan
from foleystudio.sound.features import resample
from foleystudio.sound.footsteps import Stem
from foleystudio.sound.mix import integrated_lufs, loudness_gain
from foleystudio.sound.music import NOTE_NAMES, MusicPlan
from foleystudio.sound.neural import INSTALL_HINT, Generate, NeuralOptions, PipelineGenerator, quiet_libraries
from foleystudio.timebase import SAMPLE_RATE

__all__ = ["BED_MODELS", "MusicGenOptions", "MusicGenerator", "check_bed_model", "highpassed", "music_prompt",
           "render_ambience_neural", "render_music_neural", "widen"]

Progress = Callable[[dict], None]  # {"layer": "ambience" | "music", "window": i (from 1), "windows": n}


@dataclass(frozen=True)
class BedModel:
    flag: str  # the option a user gives the folder with
    example: str  # what a user would point it at
    extras: tuple[str, ...]  # libraries it loads with


BED_MODELS: dict[str, BedModel] = {
    "ambience": BedModel("--ambience-model", "cvssp/audioldm2", ("torch", "diffusers", "transformers")),
    "music": BedModel("--music-model", "facebook/musicgen-small", ("torch", "transformers")),
}
AMBIENCE_NEGATIVE = "music, speech, voice, singing, low quality"  # hum and reverb belong to a place: not negative
AMBIENCE_WIDTH = 1.0  # side as loud as mid: L and R uncorrelated, a diffuse bed
MUSIC_WIDTH = 0.4  # L/R correlation 0.72: wide, and a centre still holds
DECORRELATOR_S = 0.02  # all-pass length: decorrelates above ~50 Hz, short enough not to smear an attack audibly
MIN_GENERATE_S = 1.0  # shorter asks are generated this long and cut: the models are trained on 10 s clips
MIN_MEASURABLE_S = 0.4  # BS.1770's block: shorter audio is levelled by its mean square
HIGHPASS_HZ = 20.0  # generated audio can sit on an offset (a codec's, a vocoder's): it would eat headroom


# ---- ambience ----------------------------------------------------------------------------------------------


def render_ambience_neural(
    spans: Sequence[BedSpan],
    prompts: Sequence[str],
    *,
    model_dir: str | Path | None = None,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    crossfade_s: float = 0.5,
    window_s: float = 10.0,
    steps: int = 50,
    overlap_s: float = 1.0,
    level_db: float = 0.0,
    threads: int = 0,
    generate: Generate | None = None,
    progress: Progress | None = None,
) -> Stem:
    """The ambience bed from an AudioLDM2 folder: span i sounds like `prompts[i]` (`picture.bed_prompt`), at its
    kind's calibrated loudness plus `level_db`, crossfaded over `crossfade_s` at every boundary. Spans tile
    [0, n_samples) in order, as for `ambience.render_ambience`; no spans, silence.

    Each span is generated in windows of at most `window_s` (`steps` denoising steps each) joined over `overlap_s`;
    the seed of a window is (seed, span, kind, window)'s. `generate` ((prompt, seed, seconds) -> (mono, sr))
    stands in for the model; `threads` > 0 sets torch's CPU threads.
    """
    check_spans(spans, n_samples, sr)
    if len(prompts) != len(spans):
        raise InputError(f"the neural ambience needs one prompt per span: {len(spans)} spans, {len(prompts)} prompts")
    for i, prompt in enumerate(prompts):
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError(f"ambience span {i} ({spans[i].kind}) has an empty prompt")
    if not (np.isfinite(window_s) and window_s > 0) or not (np.isfinite(overlap_s) and overlap_s >= 0):
        raise InputError(f"ambience windows need window_s > 0 and overlap_s >= 0, not {window_s} and {overlap_s}")
    if steps < 1:
        raise InputError(f"the neural ambience needs at least 1 inference step, not {steps}")
    out = np.zeros((n_samples, 2), np.float32)
    if not spans:
        return Stem(name="ambience", audio=out, sr=sr)
    if generate is None:
        root = check_bed_model("ambience", model_dir)
        generate = PipelineGenerator("audioldm2", root, options=NeuralOptions(
            num_inference_steps=steps, negative_prompt=AMBIENCE_NEGATIVE, threads=threads))
    size = max(1, round(window_s * sr))
    overlap = min(round(overlap_s * sr), size // 2)
    plan = crossfade_plan(spans, round(max(crossfade_s, 0.0) * sr))
    layout = [_windows(lo, hi, size, overlap) for lo, hi, _, _ in plan]
    total, done = sum(len(w) for w in layout), 0
    for i, (span, prompt, (_, _, fade_in, fade_out), windows) in enumerate(zip(spans, prompts, plan, layout)):
        target = KIND_LUFS[span.kind] + level_db
        for j, (a, b) in enumerate(windows):
            window_seed = zlib.crc32(f"{int(seed)}|ambience|{i}|{span.kind}|{j}".encode())
            mono = _generated(generate, prompt, window_seed, b - a, sr, f"ambience span {i} ({span.kind})")
            audio = widen(mono, AMBIENCE_WIDTH, sr, warmup=warmup(sr))
            audio *= np.float32(10.0 ** ((target - _loudness(audio, sr)) / 20.0))
            gain = fade_gains(a, b, fade_in, fade_out)
            gain *= _window_gains(b - a, overlap if j > 0 else 0, overlap if j < len(windows) - 1 else 0)
            out[a:b] += audio * gain[:, None]
            done += 1
            if progress is not None:
                progress({"layer": "ambience", "window": done, "windows": total})
    return Stem(name="ambience", audio=out, sr=sr)


def _windows(lo: int, hi: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """[lo, hi) as the fewest windows of at most `size` samples, consecutive ones sharing `overlap`, all of one
    length but the last (no short window left over at the end)."""
    m = hi - lo
    if m <= size:
        return [(lo, hi)]
    k = math.ceil((m - overlap) / (size - overlap))
    step = math.ceil((m - overlap) / k)
    return [(lo + j * step, min(lo + j * step + step + overlap, hi)) for j in range(k)]


def _window_gains(n: int, fade_in: int, fade_out: int) -> np.ndarray:
    """Equal-power ramps at a window's ends: sin in, cos out, the same curve as the span crossfades."""
    gain = np.ones(n, np.float32)
    if fade_in:
        gain[:fade_in] = np.sin(0.5 * np.pi * (np.arange(fade_in) + 0.5) / fade_in)
    if fade_out:
        gain[n - fade_out:] *= np.cos(0.5 * np.pi * (np.arange(fade_out) + 0.5) / fade_out).astype(np.float32)
    return gain


def _generated(generate: Generate, prompt: str, seed: int, n: int, sr: int, what: str) -> np.ndarray:
    """`n` samples at `sr` of mono audio for `prompt` after `warmup(sr)` more (for `widen`'s filter to start up
    on): RenderError when the model makes silence or non-numbers."""
    n += warmup(sr)
    audio, model_sr = generate(prompt, seed, max(n / sr + 0.05, MIN_GENERATE_S))
    x = resample(np.asarray(audio, np.float32).reshape(-1), model_sr, sr)[:n]
    if np.all(np.isfinite(x)):
        x = highpassed(x, sr)
    if x.size < n:
        raise RenderError(f"the ambience model made {x.size / sr:.2f} s for {what}, asked for {n / sr:.2f} s")
    if not np.all(np.isfinite(x)) or not np.any(x):
        raise RenderError(f"the ambience model made no usable audio (silent or not finite) for {what} from "
                          f"{prompt!r}; try another --seed")
    return x


# ---- music -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MusicGenOptions:
    window_s: float = 10.0  # new music per generate call (MusicGen was trained on 30 s; CPU time grows with it)
    context_s: float = 3.0  # each window continues this much of the music before it (the audio prompt)
    crossfade_s: float = 0.5  # from the music before to its continuation, inside the re-decoded context
    guidance_scale: float = 3.0  # classifier-free guidance, MusicGen's published default
    fade_in_s: float = 1.0  # swell in from silence (at most a quarter of the music)
    fade_out_s: float = 3.0  # MusicGen does not end on a cadence: a long fade ends it (at most a quarter)
    threads: int = 0  # torch CPU threads; 0 leaves torch's default (all cores)


STYLE_WORDS = {  # how each procedural style is said to a text-to-music model
    "ambient": "calm ambient pads", "pulse": "gentle electronic pulse, plucked synths",
    "piano": "solo piano", "drive": "driving drums and bass",
}


def music_prompt(plan: MusicPlan) -> str:
    """The MusicGen prompt of a plan: style, key and mode, tempo, then brightness and energy in words, e.g.
    "calm ambient pads in A minor, 72 bpm, dark, soft, instrumental"."""
    bright = "dark" if plan.brightness < 0.35 else "warm" if plan.brightness < 0.65 else "bright"
    energy = "soft" if plan.energy < 0.35 else "steady" if plan.energy < 0.65 else "energetic"
    key = f"{NOTE_NAMES[int(plan.key)]} {plan.mode}"
    return f"{STYLE_WORDS[plan.style]} in {key}, {round(plan.tempo_bpm)} bpm, {bright}, {energy}, instrumental"


MusicGenerate = Callable[[str, int, float, "np.ndarray | None"], tuple[np.ndarray, int]]
# (prompt, seed, new seconds, context (n, channels) or None) -> (audio (m, channels) beginning with the context
# re-decoded, sr); `MusicGenerator` is one


def render_music_neural(
    plan: MusicPlan,
    *,
    model_dir: str | Path | None = None,
    n_samples: int,
    sr: int = SAMPLE_RATE,
    seed: int = 0,
    options: MusicGenOptions = MusicGenOptions(),
    generate: MusicGenerate | None = None,
    progress: Progress | None = None,
) -> Stem:
    """The music of `plan` from a MusicGen folder, `n_samples` long: faded in from silence, its last sample 0, at
    about -20 LUFS with its true peak under -1 dBTP (as `music.render_music`). The same seed gives the same
    samples. The plan's accents (cuts) are not played: the model cannot place a hit on a sample."""
    if n_samples < 0 or sr <= 0:
        raise InputError(f"cannot render {n_samples} samples at {sr} Hz")
    opt = options
    if not (opt.window_s > 0 and opt.context_s >= 0 and opt.crossfade_s >= 0):
        raise InputError(f"music windows need window_s > 0, context_s >= 0 and crossfade_s >= 0, not "
                         f"{opt.window_s}, {opt.context_s} and {opt.crossfade_s}")
    if n_samples == 0:
        return Stem(name="music", audio=np.zeros((0, 2), np.float32), sr=sr)
    if generate is None:
        generate = MusicGenerator(check_bed_model("music", model_dir), options=opt)
    prompt = music_prompt(plan)
    x, model_sr = _continued(generate, prompt, seed, n_samples / sr, opt, progress)
    x = resample(x, model_sr, sr)[:n_samples]
    if np.all(np.isfinite(x)):
        x = highpassed(x, sr)
    if len(x) < n_samples:
        raise RenderError(f"the music model made {len(x) / sr:.2f} s, asked for {n_samples / sr:.2f} s")
    if not np.all(np.isfinite(x)) or not np.any(x):
        raise RenderError(f"the music model made no usable audio (silent or not finite) from {prompt!r}; "
                          "try another --seed")
    audio = x if x.shape[1] == 2 else widen(x[:, 0], MUSIC_WIDTH, sr)  # its start-up is under the fade-in
    fade_in, fade_out = (min(round(s * sr), n_samples // 4) for s in (opt.fade_in_s, opt.fade_out_s))
    audio[:fade_in] *= _ramp(fade_in)[:, None]
    if fade_out:
        audio[-fade_out:] *= _ramp(fade_out)[::-1, None]
    audio[-1] = 0.0
    audio *= np.float32(loudness_gain(audio, sr))
    return Stem(name="music", audio=np.ascontiguousarray(audio, np.float32), sr=sr)


def _continued(generate: MusicGenerate, prompt: str, seed: int, seconds: float, opt: MusicGenOptions,
               progress: Progress | None) -> tuple[np.ndarray, int]:
    """At least `seconds` of music at the model's rate, (n, channels): a first window, then windows that each
    continue the end of the music so far, joined by a crossfade inside the context they re-decode."""
    hop = getattr(generate, "hop", 1)  # a context of whole codec frames: its re-decoding ends where the new music starts
    pieces: list[np.ndarray] = []
    have, need, model_sr, window = 0, 0, 0, 0
    while window == 0 or have < need:
        context = None
        if window and opt.context_s > 0:
            c = min(int(opt.context_s * model_sr), have) // hop * hop
            context = _tail(pieces, c) if c else None
        left_s = seconds + 0.1 if window == 0 else (need - have) / model_sr + 0.1
        window_seed = zlib.crc32(f"{int(seed)}|music|{window}".encode())
        y, model_sr = generate(prompt, window_seed, min(opt.window_s, left_s), context)
        y = np.asarray(y, np.float32)
        y = y.reshape(len(y), -1)
        need = need or math.ceil((seconds + 0.05) * model_sr)
        if context is None:
            pieces.append(y.copy())
        else:
            c = len(context)
            if len(y) <= c:
                raise RenderError(f"the music model continued {c / model_sr:.2f} s of context with nothing new")
            last = pieces[-1]  # the context's end: crossfaded into its re-decoding, the same music (equal gain)
            xf = min(round(opt.crossfade_s * model_sr), c, len(last))
            if xf:
                ramp = _ramp(xf)[:, None]
                last[-xf:] = last[-xf:] * (1.0 - ramp) + y[c - xf:c] * ramp
            pieces.append(y[c:].copy())
        have += len(pieces[-1])
        window += 1
        if not len(pieces[-1]):
            raise RenderError("the music model made no audio")
        if progress is not None:
            total = window + max(0, math.ceil((need - have) / (opt.window_s * model_sr)))
            progress({"layer": "music", "window": window, "windows": total})
    return np.concatenate(pieces)[:need], model_sr


def _tail(pieces: list[np.ndarray], n: int) -> np.ndarray:
    out, left = [], n
    for piece in reversed(pieces):
        out.append(piece[max(0, len(piece) - left):])
        left -= len(out[-1])
        if left <= 0:
            break
    return np.concatenate(out[::-1])


class MusicGenerator:
    """A loaded MusicGen as a `MusicGenerate`: (prompt, seed, new seconds, context) -> (audio, sr)."""

    def __init__(self, root: Path, *, options: MusicGenOptions = MusicGenOptions()):
        tolerate_torchvision()
        import torch
        from safetensors import SafetensorError
        from transformers import MusicgenForConditionalGeneration, MusicgenProcessor

        self.options = options
        if options.threads > 0:
            torch.set_num_threads(options.threads)
        with quiet_libraries():
            try:
                self.model = MusicgenForConditionalGeneration.from_pretrained(str(root), local_files_only=True)
                self.processor = MusicgenProcessor.from_pretrained(str(root), local_files_only=True)
            except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, AttributeError,
                    SafetensorError) as exc:
                raise ModelError(f"cannot load the MusicGen model from {root}: {first_line(exc)}") from None
        self.model.eval()
        codec = self.model.config.audio_encoder
        self.sr = int(codec.sampling_rate)
        self.hop = int(codec.hop_length)
        self.frame_rate = float(codec.frame_rate)
        decoder = self.model.decoder.config
        self.channels = int(decoder.audio_channels)
        self.delay = decoder.num_codebooks // self.channels - 1  # frames the codebook delay pattern costs a call
        self.max_frames = int(decoder.max_position_embeddings) - self.delay - 1

    def __call__(self, prompt: str, seed: int, seconds: float, context: np.ndarray | None = None):
        import torch

        kwargs = {"text": [prompt], "padding": True, "return_tensors": "pt"}
        context_frames = 0
        if context is not None:
            context_frames = math.ceil(len(context) / self.hop)
            audio = context[:, 0] if self.channels == 1 else context.T
            kwargs.update(audio=[np.ascontiguousarray(audio, np.float32)], sampling_rate=self.sr)
        new_frames = max(1, min(math.ceil(seconds * self.frame_rate), self.max_frames - context_frames))
        with quiet_libraries(), torch.inference_mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            inputs = self.processor(**kwargs)
            out = self.model.generate(**inputs, do_sample=True, guidance_scale=self.options.guidance_scale,
                                      max_new_tokens=new_frames + self.delay)
        return out[0].float().numpy().T, self.sr  # (channels, samples) -> (samples, channels)


# ---- stereo and levels -------------------------------------------------------------------------------------


def widen(mono: np.ndarray, width: float, sr: int, *, warmup: int = 0) -> np.ndarray:
    """(n - warmup, 2) float32 from mono: L/R = (mid +- width * side) / sqrt(1 + width^2), side a decorrelated
    copy of mid. Each channel keeps mid's power, L + R is mid (scaled), L and R correlate by
    (1 - width^2) / (1 + width^2). The first `warmup` samples only start the filter up (they are not returned):
    from a cold start the side's first DECORRELATOR_S would be a burst of the filter's own noise."""
    x = np.asarray(mono, np.float32)
    mid = x[warmup:]
    side = oaconvolve(x, _decorrelator(sr))[warmup:len(x)].astype(np.float32)
    side *= np.float32(width)
    out = np.empty((len(mid), 2), np.float32)
    out[:, 0] = mid + side
    out[:, 1] = mid - side
    out *= np.float32(1.0 / math.sqrt(1.0 + width * width))
    return out


def highpassed(x: np.ndarray, sr: int) -> np.ndarray:
    """`x` (along its first axis) without its offset and what lies under HIGHPASS_HZ: zero-phase, so a window's
    ends are not disturbed by the filter starting up (float32)."""
    x = np.asarray(x, np.float64)
    if len(x) < 2:
        return np.zeros_like(x, np.float32)
    sos = butter(2, HIGHPASS_HZ, "highpass", fs=sr, output="sos")
    return sosfiltfilt(sos, x - x.mean(axis=0), axis=0, padlen=min(len(x) - 1, 3 * round(sr / HIGHPASS_HZ)))\
        .astype(np.float32)


def warmup(sr: int) -> int:
    """Samples `widen` needs before the first it returns for a side without a start-up burst."""
    return len(_decorrelator(sr))


@lru_cache(maxsize=4)
def _decorrelator(sr: int) -> np.ndarray:
    """A fixed random-phase all-pass FIR, DECORRELATOR_S long, unit energy: flat in magnitude at its bins."""
    n = max(8, round(DECORRELATOR_S * sr))
    phase = np.random.default_rng(20240).uniform(0.0, 2.0 * np.pi, n // 2 + 1)
    phase[0] = 0.0
    if n % 2 == 0:
        phase[-1] = 0.0
    h = np.fft.irfft(np.exp(1j * phase), n)
    return (h / np.sqrt(np.sum(h * h))).astype(np.float32)


def _loudness(audio: np.ndarray, sr: int) -> float:
    """BS.1770 integrated loudness, or for audio shorter than a block the mean square's (no gate)."""
    lufs = integrated_lufs(audio, sr) if len(audio) >= MIN_MEASURABLE_S * sr else float("-inf")
    if np.isfinite(lufs):
        return lufs
    return -0.691 + 10.0 * math.log10(max(float(np.sum(np.mean(np.square(audio, dtype=np.float64), axis=0))), 1e-20))


def _ramp(m: int) -> np.ndarray:
    """A raised-cosine rise over m samples from exactly 0 (reversed: a fall to exactly 0)."""
    return (0.5 - 0.5 * np.cos(np.pi * np.arange(m) / max(m, 1))).astype(np.float32)


# ---- folders -----------------------------------------------------------------------------------------------


def check_bed_model(kind: str, model_dir: str | Path | None) -> Path:
    """The folder of the `kind` ("ambience" or "music") model, once it looks loadable; InputError naming the folder
    and what is missing otherwise, ModelError when the libraries to load it are not installed.

    Cheap (reads JSON and lists files, imports nothing), so a CLI can call it before any work.
    """
    if kind not in BED_MODELS:
        raise InputError(f"no neural model for the {kind!r} bed; there is one for: {', '.join(BED_MODELS)}")
    spec = BED_MODELS[kind]
    missing = [m for m in spec.extras if importlib.util.find_spec(m) is None]
    if missing:
        raise ModelError(f"the neural {kind} needs {', '.join(missing)}, not installed here: {INSTALL_HINT}")
    if not model_dir:
        raise InputError(f"the neural {kind} needs {spec.flag} DIR: a local copy of {spec.example}")
    return _check_audioldm2(model_dir, spec) if kind == "ambience" else _check_musicgen(model_dir, spec)


def _read(model_dir: str | Path, name: str, kind: str, expected: str) -> tuple[Path, object]:
    try:
        return read_model_json(model_dir, name, label=f"{kind} model directory", expected=expected)
    except ModelError as exc:  # the folder the user named is wrong: their input, not a broken model
        raise InputError(str(exc)) from None


def _check_audioldm2(model_dir: str | Path, spec: BedModel) -> Path:
    what = f"a diffusers AudioLDM2Pipeline folder, e.g. a local copy of {spec.example}"
    root, index = _read(model_dir, "model_index.json", "ambience", what)
    found = index.get("_class_name") if isinstance(index, dict) else None
    if found != "AudioLDM2Pipeline":
        raise InputError(f"ambience model directory {root} holds {found or 'no known pipeline'}; "
                         f"the neural ambience needs {what}")
    component = missing_component(root, index)
    if component is not None:
        raise InputError(f"ambience model directory {root} is incomplete: model_index.json lists {component!r} "
                         f"but there is no {component}/ folder")
    return root


MUSICGEN_FILES = {  # what a MusicGen folder needs besides config.json: any one of each
    "weights": ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json"),
    "processor config": ("preprocessor_config.json", "processor_config.json"),
    "tokenizer": ("tokenizer.json", "spiece.model"),
}


def _check_musicgen(model_dir: str | Path, spec: BedModel) -> Path:
    what = (f"a transformers MusicGen folder (config.json, weights, processor and tokenizer, as save_pretrained "
            f"writes them), e.g. a local copy of {spec.example}")
    root, config = _read(model_dir, "config.json", "music", what)
    found = config.get("model_type") if isinstance(config, dict) else None
    if found != "musicgen":
        raise InputError(f"music model directory {root} holds a {found or 'model of no known type'} model; "
                         f"the neural music needs {what}")
    for part, names in MUSICGEN_FILES.items():
        if not any((root / name).is_file() for name in names):
            raise InputError(f"music model directory {root} has no {part} ({' or '.join(names)}); expected {what}")
    return root
