"""Audition WAVs for every surface x footwear (what `make sounds` runs); not committed.

    .venv/bin/python scripts/sound_auditions.py [--out out/sounds] [--gait walk] [--seed 0]

Writes OUT/<surface>_<footwear>_<gait>.wav: eight steps at the gait's pace, 48 kHz
24-bit, the same as `foley sounds audition` for that pair.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.cli.sounds import render_audition  # noqa: E402
from foleystudio.export.stems import write_wav  # noqa: E402
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.types import GAITS, StepRequest  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--out", default=str(ROOT / "out" / "sounds"))
    p.add_argument("--gait", choices=GAITS, default="walk")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=8)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for surface in ENGINE_SURFACES:
        for shoe in ENGINE_FOOTWEAR:
            backend = get_backend("procedural", sr=48000)
            audio = render_audition(backend, StepRequest(surface, shoe, args.gait), steps=args.steps, seed=args.seed)
            write_wav(out / f"{surface}_{shoe}_{args.gait}.wav", audio, backend.sr)
    print(f"wrote {len(ENGINE_SURFACES) * len(ENGINE_FOOTWEAR)} auditions to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
