"""The sample-library backend: real recordings placed so their attack lands on the contact.

Library layout: DIR/<surface>/<footwear or any>/*.wav|flac|ogg. A second-level folder
whose name is not a footwear (e.g. the pack it came from) counts as "any"; files
directly under <surface>/ count as "any" too. Folders starting with "_" or "." are
skipped. Each step picks a recording without repeating the previous one, jitters
pitch and gain, and reports the detected attack as the onset.

`ClipBackend` is that placement on its own (choice, jitter, landing/scuff/run, strength);
`SampleBackend` feeds it recordings, the neural backends feed it generated steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from foleystudio.errors import InputError
from foleystudio.materials import ENGINE_SURFACES, engine_footwear, engine_surface
from foleystudio.sound.features import attack_onset, resample
from foleystudio.sound.procedural import dsp
from foleystudio.sound.types import StepRequest, StepSound, normalise_request

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aif", ".aiff")
ANY = "any"


@dataclass(frozen=True)
class SampleOptions:
    pitch_range_st: float = 1.0  # per-step resampling, +- semitones (small: real recordings tolerate little)
    gain_range_db: float = 2.0  # per-step level jitter, +- dB (issue 4)
    headroom_db: float = -1.0  # peak of a full-strength step
    min_strength_db: float = -12.0  # level at strength 0 relative to strength 1 (as procedural)
    pre_roll_s: float = 0.005  # audio kept before the detected attack
    max_len_s: float = 1.0  # longer recordings are cut (with a fade) after this
    fade_s: float = 0.02  # fade at the cut
    attack_rel_db: float = -20.0  # attack = energy first within this of the step's peak ...
    attack_floor_db: float = 15.0  # ... and this far above the recording's noise floor


@dataclass(frozen=True)
class Clip:
    path: Path  # the recording (for a generated step: model/surface/footwear/gait/index)
    audio: np.ndarray  # mono float32 at the backend's sr, cut to start pre_roll before the attack
    onset: int  # attack sample in `audio`


def load_mono(path: str | Path, sr: int) -> np.ndarray:
    """A recording as mono float32 at `sr` (polyphase resampling); InputError if unreadable."""
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise InputError(f"cannot read audio file {path}: {exc}") from None
    return resample(data.mean(axis=1), int(file_sr), sr).astype(np.float32)



def _canonical(name: str, engine_name) -> str | None:
    """The engine's name for a folder called `name`, or None if it names no surface (footwear)."""
    try:
        return engine_name(name)
    except InputError:
        return None


def scan_library(root: str | Path) -> tuple[dict[tuple[str, str], list[Path]], list[str]]:
    """Files per (surface, footwear-or-"any"), and the folder names that are not surfaces."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"sample library {root} is not a directory")
    found: dict[tuple[str, str], list[Path]] = {}
    skipped: list[str] = []
    for surf_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        surface = _canonical(surf_dir.name, engine_surface)
        if surface is None:
            skipped.append(surf_dir.name)
            continue
        for f in sorted(surf_dir.rglob("*")):
            if f.suffix.lower() not in AUDIO_SUFFIXES or not f.is_file():
                continue
            rel = f.relative_to(surf_dir).parts
            if any(part.startswith(("_", ".")) for part in rel[:-1]):
                continue
            shoe = _canonical(rel[0], engine_footwear) if len(rel) > 1 else None
            found.setdefault((surface, shoe or ANY), []).append(f)
    if not found:
        raise InputError(
            f"sample library {root} has no recordings; expected <surface>/<footwear or any>/*.wav "
            f"with surface one of: {', '.join(ENGINE_SURFACES)}"
        )
    return found, skipped


class ClipBackend:
    """Steps from prepared clips: choice without repeat, pitch and gain jitter, kind and strength.

    A subclass says which clips a request may use (`_candidates(req) -> (key, items)`)
    and how an item becomes a `Clip` (`_clip(item)`); its options need the fields
    pitch_range_st, gain_range_db, headroom_db and min_strength_db of `SampleOptions`.
    """

    name = "clips"

    def __init__(self, sr: int, options):
        self.sr = int(sr)
        self.options = options
        self._bags: dict[tuple, list[int]] = {}
        self._last: dict[tuple, int] = {}
        self.last_path: Path | None = None  # the clip the previous step used

    def _candidates(self, req: StepRequest) -> tuple[tuple, list]:
        raise NotImplementedError

    def _clip(self, item) -> Clip:
        raise NotImplementedError

    def _choose(self, key: tuple, count: int, rng: np.random.Generator) -> int:
        """Shuffle-bag choice: every recording once per round, never the same twice in a row."""
        if count == 1:
            return 0
        bag = self._bags.get(key)
        if not bag:
            bag = list(rng.permutation(count))
            if bag[-1] == self._last.get(key):
                bag[0], bag[-1] = bag[-1], bag[0]
        pick = int(bag.pop())
        self._bags[key] = bag
        self._last[key] = pick
        return pick

    def _one(self, key, files, req: StepRequest, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        clip = self._clip(files[self._choose(key, len(files), rng)])
        self.last_path = clip.path
        factor = 2.0 ** (rng.uniform(-self.options.pitch_range_st, self.options.pitch_range_st) / 12.0)
        n_out = int(clip.audio.size / factor)
        x = np.interp(np.arange(n_out) * factor, np.arange(clip.audio.size), clip.audio).astype(np.float32)
        return x, int(round(clip.onset / factor))

    def render_step(self, request: StepRequest, rng: np.random.Generator) -> StepSound:
        req = normalise_request(request)
        opt, sr = self.options, self.sr
        key, files = self._candidates(req)
        x, onset = self._one(key, files, req, rng)
        level_db = 0.0
        if req.kind == "landing":  # a second foot 8-35 ms later, a little softer
            y, onset_y = self._one(key, files, req, rng)
            shift = onset + int(rng.uniform(0.008, 0.035) * sr) - onset_y
            out = np.zeros(max(x.size, shift + y.size), np.float32)
            out[: x.size] += x
            out[shift : shift + y.size] += 0.7 * y
            x, level_db = out, 2.0
        elif req.kind == "scuff":
            x, level_db = dsp.biquad(x, "lowpass", 3000.0, 0.707, sr), -4.0
        elif req.gait == "run":
            x, level_db = x * np.exp(-np.arange(x.size) / (0.15 * sr)).astype(np.float32), 2.0
        cutoff_hz = 20000.0 * 2.0 ** (2.5 * (req.strength - 1.0))  # weaker steps are duller
        if cutoff_hz < 0.4 * sr:
            x = dsp.biquad(x, "lowpass", cutoff_hz, 0.707, sr)
        level_db += opt.headroom_db + rng.uniform(-opt.gain_range_db, opt.gain_range_db)
        level_db += opt.min_strength_db * (1.0 - req.strength)
        level_db = min(level_db, opt.headroom_db + 0.5)
        peak = float(np.max(np.abs(x)))
        if peak > 0.0:
            x = x * np.float32(10.0 ** (level_db / 20.0) / peak)
        return StepSound(audio=x.astype(np.float32), onset=onset)


class SampleBackend(ClipBackend):
    """Steps from a folder of recordings (see module docstring for the layout)."""

    name = "samples"

    def __init__(self, library: str | Path, sr: int = 48000, options: SampleOptions = SampleOptions()):
        super().__init__(sr, options)
        self.library = Path(library)
        self.files, self.skipped = scan_library(self.library)
        self._clips: dict[Path, Clip] = {}

    @property
    def surfaces(self) -> tuple[str, ...]:
        return tuple(sorted({s for s, _ in self.files}))

    def _clip(self, path: Path) -> Clip:
        clip = self._clips.get(path)
        if clip is None:
            opt = self.options
            x = load_mono(path, self.sr)
            if x.size == 0 or not np.any(x):
                raise InputError(f"recording {path} is silent")
            attack = attack_onset(x, self.sr, rel_db=opt.attack_rel_db, floor_db=opt.attack_floor_db)
            start = max(0, attack - int(opt.pre_roll_s * self.sr))
            x = x[start : start + int(opt.max_len_s * self.sr)].copy()
            dsp.fade_out(x, int(opt.fade_s * self.sr))
            clip = Clip(path, x, attack - start)
            self._clips[path] = clip
        return clip

    def _candidates(self, req: StepRequest) -> tuple[tuple[str, str], list[Path]]:
        surface, footwear = req.surface, req.footwear
        for key in ((surface, footwear), (surface, ANY)):
            if key in self.files:
                return key, self.files[key]
        others = sorted(k for k in self.files if k[0] == surface)
        if others:  # another shoe on the right ground beats the wrong ground
            files = [f for k in others for f in self.files[k]]
            return (surface, "*"), files
        raise InputError(
            f"sample library {self.library} has no recordings for surface {surface!r}; "
            f"it has: {', '.join(self.surfaces)}"
        )
