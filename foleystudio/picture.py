"""Picture to audio: an ambience bed and a temp score from one still image.

The image is looked at as a shot of a video would be (vision/place.py: brightness, colour, sky,
vegetation, water, straight edges; vision/surface/setting.py: indoors or out), which chooses the
bed and shapes the score (key and mode from the picture's light and colour; a still picture has
no pace, so the tempo is the slowest the style allows unless `tempo_bpm` is given). It also says,
in words, what it saw (`description`) and writes the text prompt a text-to-audio model would be
given for the same place (`prompt`), so a user with local weights hears the same choice.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np

from foleystudio.errors import InputError
from foleystudio.materials import normalise_ambience
from foleystudio.prompts import bed_prompt
from foleystudio.sound.ambience import AmbienceOptions, BedSpan, render_ambience
from foleystudio.sound.footsteps import Stem
from foleystudio.sound.mix import MixConfig, integrated_lufs, master
from foleystudio.sound.music import STYLES, MusicPlan, plan_music, render_music
from foleystudio.sound.neural_beds import render_ambience_neural, render_music_neural
from foleystudio.timebase import SAMPLE_RATE, duration_to_samples
from foleystudio.vision.place import Picture, choose_bed, describe_picture
from foleystudio.vision.surface.setting import estimate_setting

SCHEMA = "foleystudio.picture.1"
MAX_DURATION_S = 3600.0
MAX_SIDE_PX = 384  # the picture is measured at the size a video's stored frames have
MUSIC_UNDER_DB = 6.0  # the score sits this far under the bed's level (no Foley to duck it under)

@dataclass(frozen=True, eq=False)
class PictureSound:
    image: str
    picture: Picture
    indoor: bool | None
    outdoor_probability: float
    ambience: str
    ambience_source: str  # "flag" or "estimate"
    seen: tuple[str, ...]
    music: MusicPlan | None
    description: str
    prompt: str
    stems: tuple[Stem, ...]  # ambience, music (those made)
    mix: np.ndarray  # (n, 2) float32
    sr: int
    loudness_lufs: float | None
    seconds: float

    def record(self) -> dict:
        """What was seen and chosen, as the JSON beside the sound."""
        return {
            "schema": SCHEMA,
            "image": os.path.basename(self.image),
            "duration_s": round(len(self.mix) / self.sr, 6),
            "description": self.description,
            "prompt": self.prompt,
            "indoor": self.indoor,
            "outdoor_probability": round(float(self.outdoor_probability), 3),
            "picture": asdict(self.picture),
            "ambience": {"kind": self.ambience, "source": self.ambience_source, "seen": list(self.seen)},
            "music": asdict(self.music) if self.music is not None else None,
            "loudness_lufs": None if self.loudness_lufs is None else round(self.loudness_lufs, 2),
        }


def read_image(path: str | os.PathLike) -> np.ndarray:
    """The image as RGB uint8, downscaled to MAX_SIDE_PX; InputError for a file that is not one."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    data = np.fromfile(str(path), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None or bgr.ndim != 3 or min(bgr.shape[:2]) < 8:
        raise InputError(f"{path}: not an image this program can read (PNG, JPEG, WebP, BMP, TIFF)")
    h, w = bgr.shape[:2]
    f = min(1.0, MAX_SIDE_PX / max(h, w))
    if f < 1.0:
        bgr = cv2.resize(bgr, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def picture_sound(
    image: str | os.PathLike,
    duration_s: float,
    *,
    ambience: str | None = None,
    music: str | None = "auto",
    tempo_bpm: float | None = None,
    seed: int = 0,
    mix: MixConfig = MixConfig(),
    sr: int = SAMPLE_RATE,
    ambience_model: str | None = None,
    music_model: str | None = None,
) -> PictureSound:
    """An ambience bed (the picture's, or `ambience`) and a score (`music`: a style, "auto", or None for none)
    `duration_s` long from one still image, mastered to mix.loudness_lufs. With `ambience_model` (an AudioLDM2
    folder) the bed is generated from the prompt, with `music_model` (a MusicGen folder) the score."""
    if not (0.5 <= duration_s <= MAX_DURATION_S) or not np.isfinite(duration_s):
        raise InputError(f"the duration must be 0.5..{MAX_DURATION_S:g} s, got {duration_s:g}")
    if music not in (None, "auto", *STYLES):
        raise InputError(f"unknown music style {music!r}; use auto or one of: {', '.join(STYLES)}")
    started = time.perf_counter()
    rgb = read_image(image)
    look = describe_picture([rgb])
    setting = estimate_setting([rgb])
    if ambience:
        kind, source, seen = normalise_ambience(ambience), "flag", ()
    else:
        guess = choose_bed(look, indoor=setting.indoor, outdoor_probability=setting.outdoor_probability)
        kind, source, seen = guess.kind, "estimate", guess.seen
    n = duration_to_samples(duration_s, sr)
    if ambience_model:
        bed = render_ambience_neural([BedSpan(0, n, kind)], [bed_prompt(kind, look)], model_dir=ambience_model,
                                     n_samples=n, sr=sr, seed=seed).audio
    else:
        bed = render_ambience([BedSpan(0, n, kind)], n_samples=n, sr=sr, seed=seed, options=AmbienceOptions()).audio
    stems = [Stem(name="ambience", audio=bed, sr=sr)]
    plan = None
    if music:
        style = "ambient" if music == "auto" else music  # a still picture has no pace
        plan = plan_music(duration_s=duration_s, motion_energy=0.0, luma=look.luma, saturation=look.saturation,
                          warmth=look.warmth, style=style)
        if tempo_bpm is not None:
            plan = replace(plan, tempo_bpm=float(tempo_bpm))
        if music_model:
            score = render_music_neural(plan, model_dir=music_model, n_samples=n, sr=sr, seed=seed).audio
        else:
            score = render_music(plan, n_samples=n, sr=sr, seed=seed).audio
        bed_lufs, score_lufs = integrated_lufs(bed, sr), integrated_lufs(score, sr)
        if np.isfinite(bed_lufs) and np.isfinite(score_lufs):
            score *= np.float32(10.0 ** ((bed_lufs - MUSIC_UNDER_DB - score_lufs) / 20.0))
        stems.append(Stem(name="music", audio=score, sr=sr))
    out = np.zeros((n, 2), np.float32)
    for stem in stems:
        out += stem.audio
    reached = master([s.audio for s in stems], out, sr, mix)
    description = describe(look, kind, seen, plan, setting.indoor)
    return PictureSound(image=str(image), picture=look, indoor=setting.indoor,
                        outdoor_probability=setting.outdoor_probability, ambience=kind, ambience_source=source,
                        seen=tuple(seen), music=plan, description=description, prompt=bed_prompt(kind, look),
                        stems=tuple(stems), mix=out, sr=sr, loudness_lufs=reached if np.isfinite(reached) else None,
                        seconds=time.perf_counter() - started)


def describe(look: Picture, kind: str, seen: tuple[str, ...] | list[str], plan: MusicPlan | None,
             indoor: bool | None) -> str:
    """One sentence on what the picture showed and what was made of it."""
    light = "dark" if look.luma < 0.15 else "dim" if look.luma < 0.32 else "bright" if look.luma > 0.62 else "daylit"
    tone = "warm" if look.warmth > 0.15 else "cold" if look.warmth < -0.15 else "neutral"
    where = "indoors" if indoor else "outdoors" if indoor is False else "indoors or out, unsure"
    words = f"A {light}, {tone}-coloured picture, {where}; " + (", ".join(seen) if seen else "the bed was given")
    words += f": {kind.replace('_', ' ')} ambience"
    if plan is not None:
        key = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")[plan.key % 12]
        words += f"; {plan.style} music in {key} {plan.mode} at {plan.tempo_bpm:.0f} bpm"
    return words + "."
