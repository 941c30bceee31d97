"""`foley sounds`: list the footstep palette and audition it.

    foley sounds list [--backend samples --library DIR]
    foley sounds audition --surface gravel --footwear boots --gait walk --seed 3 -o x.wav
    foley sounds audition --backend samples --library DIR --surface wood -o y.wav

An audition is eight steps (by default) at the gait's pace, 48 kHz 24-bit mono WAV,
written to a temporary name and renamed when complete. Errors are `FoleyError`s for
the main entry point to print as one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from foleystudio.errors import InputError
from foleystudio.export.stems import write_wav
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES
from foleystudio.sound.backends import BACKENDS, get_backend
from foleystudio.sound.types import GAITS, KINDS, StepRequest

PACE_S = {"walk": 0.55, "run": 0.34}  # seconds between steps: ~110 and ~175 steps per minute
LEAD_IN_S = 0.1  # silence before the first step
TAIL_S = 0.8  # room after the last step for its ring


def add_parser(subparsers) -> argparse.ArgumentParser:
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = subparsers.add_parser(
        "sounds", help="list and audition footstep sounds", description=__doc__.splitlines()[0], formatter_class=fmt
    )
    sub = parser.add_subparsers(dest="sounds_command", required=True, metavar="{list,audition}")

    def backend_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--backend", choices=BACKENDS, default="procedural", help="footstep backend")
        p.add_argument("--library", metavar="DIR", help="samples backend: DIR/<surface>/<footwear or any>/*.wav")
        p.add_argument("--model-dir", metavar="DIR", help="neural backends: a local diffusers pipeline folder")
        p.add_argument("--lora", metavar="DIR", help="neural backends: an optional PEFT adapter folder")

    p_list = sub.add_parser("list", help="surfaces, footwear, gaits and kinds", formatter_class=fmt)
    backend_args(p_list)

    p_aud = sub.add_parser(
        "audition", help="render steps at the gait's pace to a WAV", formatter_class=fmt,
        description="Render a short walk (or run) on one surface with one footwear to a 48 kHz 24-bit WAV.",
    )
    backend_args(p_aud)
    p_aud.add_argument("--surface", default="concrete", help=f"one of: {', '.join(ENGINE_SURFACES)}")
    p_aud.add_argument("--footwear", default="sneakers", help=f"one of: {', '.join(ENGINE_FOOTWEAR)}")
    p_aud.add_argument("--gait", choices=GAITS, default="walk", help="pace and step shape")
    p_aud.add_argument("--kind", choices=KINDS, default="step", help="step, two-footed landing, or scuff")
    p_aud.add_argument("--strength", type=float, default=0.6, help="0..1: level and brightness of the steps")
    p_aud.add_argument("--steps", type=int, default=8, help="number of steps")
    p_aud.add_argument("--seed", type=int, default=0, help="same seed, same audio")
    p_aud.add_argument("-o", "--output", required=True, metavar="OUT.wav", help="WAV file to write")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.sounds_command == "list":
        return _list(args)
    return _audition(args)


def _list(args) -> int:
    out = sys.stdout
    if args.backend == "samples":
        backend = get_backend("samples", library=args.library)
        out.write(f"library: {backend.library}\n")
        for surface in backend.surfaces:
            shoes = sorted({shoe for (s, shoe) in backend.files if s == surface})
            count = sum(len(v) for (s, _), v in backend.files.items() if s == surface)
            out.write(f"  {surface:<10} {count:>4} recordings  footwear: {', '.join(shoes)}\n")
        if backend.skipped:
            out.write(f"  (folders that are not surfaces, skipped: {', '.join(backend.skipped)})\n")
        return 0
    from foleystudio.sound.procedural.models import FOOTWEAR_MODELS, SURFACE_MODELS

    out.write("surfaces:\n")
    for name in ENGINE_SURFACES:
        out.write(f"  {name:<10} {SURFACE_MODELS[name].family}\n")
    out.write(f"footwear: {', '.join(f for f in ENGINE_FOOTWEAR if f in FOOTWEAR_MODELS)}\n")
    out.write(f"gaits:    {', '.join(GAITS)}\nkinds:    {', '.join(KINDS)}\n")
    return 0


def render_audition(backend, request: StepRequest, *, steps: int, seed: int) -> np.ndarray:
    """`steps` steps at the gait's pace, each attack on its beat; mono float32 at backend.sr."""
    sr = backend.sr
    pace_s = PACE_S[request.gait]
    out = np.zeros(int((LEAD_IN_S + pace_s * (steps - 1) + TAIL_S) * sr), np.float32)
    for i in range(steps):
        rng = np.random.default_rng([seed, i])
        strength = float(np.clip(request.strength + rng.uniform(-0.1, 0.1), 0.0, 1.0))
        req = StepRequest(request.surface, request.footwear, request.gait, request.kind, strength)
        step = backend.render_step(req, rng)
        start = int(round((LEAD_IN_S + i * pace_s) * sr)) - step.onset
        lo, hi = max(start, 0), min(start + step.audio.size, out.size)
        out[lo:hi] += step.audio[lo - start : hi - start]
    peak = float(np.max(np.abs(out)))
    return out / peak * 0.89 if peak > 0.89 else out  # -1 dBFS at most


def _audition(args) -> int:
    if args.steps < 1 or args.steps > 1000:
        raise InputError(f"--steps must be 1..1000, got {args.steps}")
    if not 0.0 <= args.strength <= 1.0:
        raise InputError(f"--strength must be in 0..1, got {args.strength}")
    output = Path(args.output)
    if output.suffix.lower() != ".wav":
        raise InputError(f"output {output} must end in .wav")
    backend = get_backend(args.backend, sr=48000, library=args.library, model_dir=args.model_dir, lora=args.lora,
                          seed=args.seed)
    request = StepRequest(args.surface, args.footwear, args.gait, args.kind, args.strength)
    audio = render_audition(backend, request, steps=args.steps, seed=args.seed)
    write_wav(output, audio, backend.sr)
    print(f"wrote {output} ({args.steps} {args.gait} steps, {args.surface}, {args.footwear})", file=sys.stderr)
    return 0
