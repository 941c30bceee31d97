"""Spectral balance of single steps, real recordings vs the procedural engine, per surface.

    .venv/bin/python benchmarks/spectral_balance.py [--shared ../shared] [--seeds 4] [--per-folder]

Each real recording under <shared>/sounds/<surface>/<pack>/ is cut into single steps
(`split_steps`: peaks of a 30 ms energy envelope at least 6 dB above the valleys
around them and 250 ms apart; most files hold one step, the water files several
sloshes). Procedural steps come from the engine (`render_set`: sneakers and the
surface's most natural footwear, walk and run, two strengths, a few seeds).

For every step, from 5 ms before its attack and at most 0.8 s long: the energy in
each of `BANDS_HZ` relative to the step's energy in 40 Hz - 16 kHz, in dB. That is
what comparing peak-normalised steps amounts to: a gain (peak normalisation, level,
distance) multiplies every band alike, so the band's share of the step's energy is
the level-free measure. Below 40 Hz (handling rumble, DC) is left out of the total.

The table gives, per engine surface (real folders mapped with
foleystudio.materials.engine_surface: stone -> concrete, ice -> marble), the median
share over the real steps, over the procedural steps, and procedural minus real, for
40-130 Hz (the thump the mix must not carry where real steps have none) and for the
other bands as context, with their mean absolute difference. A band share still
carries each pack's recording chain (microphone, EQ, codec): the per-folder medians
(--per-folder) show how far one surface's packs disagree (at 40-130 Hz Kenney's
concrete -6 dB, the three stone packs -17 to -22 dB). Prints only; stores nothing.
tests/sound/test_spectral_balance.py holds the 40-130 Hz difference within 4 dB.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy import signal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.materials import engine_surface  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.features import attack_onset, energy_envelope  # noqa: E402
from foleystudio.sound.samples import AUDIO_SUFFIXES, load_mono  # noqa: E402
from foleystudio.sound.types import StepRequest  # noqa: E402

SR = 48000
BANDS_HZ = ((40.0, 130.0), (130.0, 400.0), (400.0, 1500.0), (1500.0, 6000.0), (6000.0, 16000.0))
LOW = 0  # index of the 40-130 Hz band: the one the engine is tuned to
PRE_S = 0.005  # kept before the attack
STEP_S = 0.8  # longest step measured: a crunch or a splash is over by then (realism.RealismConfig)
ENV_S = 0.03  # envelope smoothing for splitting: longer than a grain, shorter than heel-to-toe
MIN_GAP_S = 0.25  # two steps' peaks are at least this far apart (a fast run is ~0.3 s a step)
PROMINENCE_DB = 6.0  # a step's peak stands this far above the valleys beside it
FLOOR_DB = -30.0  # peaks quieter than this below the recording's loudest are not steps

# The footwear a step on each surface most likely has, besides sneakers (everyday shoes).
NATURAL_FOOTWEAR = {
    "concrete": "leather", "asphalt": "leather", "tile": "heels", "marble": "heels", "wood": "leather",
    "deck": "boots", "metal": "boots", "carpet": "barefoot", "rubber": "sneakers", "grass": "boots",
    "gravel": "boots", "dirt": "boots", "sand": "barefoot", "snow": "boots", "leaves": "boots",
    "mud": "boots", "water": "boots",
}
STRENGTHS = (0.4, 0.8)
GAITS = ("walk", "run")


def split_steps(x: np.ndarray, sr: int) -> list[tuple[int, int]]:
    """The single steps of a recording as (start, stop) samples: from PRE_S before each
    attack to the valley before the next step (at most STEP_S)."""
    hop = max(1, int(0.005 * sr))
    env = energy_envelope(x, sr, ENV_S)[::hop]
    if env.max() <= 0.0:
        return []
    level = 10.0 * np.log10(env / env.max() + 1e-12)
    peaks, _ = signal.find_peaks(np.r_[-120.0, level, -120.0], prominence=PROMINENCE_DB,
                                 distance=max(1, int(MIN_GAP_S * sr / hop)), height=FLOOR_DB)
    peaks -= 1
    if peaks.size == 0:
        peaks = np.array([int(np.argmax(level))])
    # Valleys between consecutive peaks bound each step.
    bounds = [0] + [int(a + np.argmin(level[a:b])) for a, b in zip(peaks[:-1], peaks[1:])] + [level.size]
    steps = []
    for k, p in enumerate(peaks):
        lo, hi = bounds[k] * hop, min(x.size, bounds[k + 1] * hop)
        seg = x[lo : min(hi, (p + 1) * hop + int(0.01 * sr))]
        onset = lo + attack_onset(seg, sr, floor_db=None)
        start = max(lo, onset - int(PRE_S * sr))
        steps.append((start, min(hi, start + int(STEP_S * sr))))
    return steps


def band_shares_db(step: np.ndarray, sr: int) -> np.ndarray:
    """Energy in each of BANDS_HZ relative to the step's 40 Hz - 16 kHz energy (dB)."""
    p = np.abs(np.fft.rfft(np.asarray(step, np.float64))) ** 2
    f = np.fft.rfftfreq(step.size, 1.0 / sr)
    bands = np.array([p[(f >= lo) & (f < hi)].sum() for lo, hi in BANDS_HZ])
    total = p[(f >= BANDS_HZ[0][0]) & (f < BANDS_HZ[-1][1])].sum()
    return 10.0 * np.log10(np.maximum(bands, 1e-30) / max(total, 1e-30))


def real_steps(sounds: Path, sr: int = SR) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Per engine surface: (folder, band shares) of every real step under <surface>/<pack>/."""
    out = defaultdict(list)
    for f in sorted(sounds.glob("*/*/*")):
        surface, pack = f.parts[-3], f.parts[-2]
        if f.suffix.lower() not in AUDIO_SUFFIXES or surface.startswith(("_", ".")) or pack.startswith(("_", ".")):
            continue
        x = load_mono(f, sr)
        for start, stop in split_steps(x, sr):
            out[engine_surface(surface)].append((f"{surface}/{pack}", band_shares_db(x[start:stop], sr)))
    return dict(out)


def render_set(surface: str, seeds=range(4), *, sr: int = SR, strengths=STRENGTHS, gaits=GAITS) -> np.ndarray:
    """Band shares (rows) of procedural steps on `surface`: sneakers and its natural
    footwear, each gait and strength, one fresh backend per seed (deterministic)."""
    shoes = sorted({"sneakers", NATURAL_FOOTWEAR.get(surface, "sneakers")})
    rows = []
    for seed in seeds:
        backend = get_backend("procedural", sr=sr)
        for fi, shoe in enumerate(shoes):
            for gi, gait in enumerate(gaits):
                for si, strength in enumerate(strengths):
                    rng = np.random.default_rng([seed, fi, gi, si])
                    s = backend.render_step(StepRequest(surface, shoe, gait, strength=strength), rng)
                    start = max(0, s.onset - int(PRE_S * sr))
                    rows.append(band_shares_db(s.audio[start : start + int(STEP_S * sr)], sr))
    return np.asarray(rows)


def _band_name(lo: float, hi: float) -> str:
    return f"{lo:g}-{hi:g}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--shared", default=os.environ.get("FOLEY_SHARED") or str(ROOT.parent / "shared"),
                   help="folder holding sounds/<surface>/<pack>/<file>")
    p.add_argument("--seeds", type=int, default=4, help="procedural seeds per surface")
    p.add_argument("--per-folder", action="store_true", help="also print each real folder's median")
    args = p.parse_args(argv)
    sounds = Path(args.shared) / "sounds"
    if not sounds.is_dir():
        print(f"error: no recordings at {sounds} (pass --shared DIR holding sounds/)", file=sys.stderr)
        return 1
    real = real_steps(sounds)
    names = [_band_name(*b) for b in BANDS_HZ]
    print(f"Band energy share (dB of the step's 40 Hz-16 kHz energy), median per surface; "
          f"procedural: {args.seeds} seeds x {len(GAITS)} gaits x {len(STRENGTHS)} strengths x "
          f"sneakers + natural footwear\n")
    print(f"| surface | real steps | {names[LOW]} Hz real | procedural | diff | "
          + " | ".join(f"{n} Hz real / proc / diff" for i, n in enumerate(names) if i != LOW)
          + " | other bands mean abs diff |")
    print("|---|---|---|---|---|" + "---|" * len(BANDS_HZ))
    worst = []
    for surface in sorted(real):
        r = np.median([v for _, v in real[surface]], axis=0)
        q = np.median(render_set(surface, range(args.seeds)), axis=0)
        d = q - r
        worst.append((abs(d[LOW]), surface))
        others = " | ".join(f"{r[i]:.1f} / {q[i]:.1f} / {d[i]:+.1f}" for i in range(len(BANDS_HZ)) if i != LOW)
        rest = float(np.mean(np.abs(np.delete(d, LOW))))
        print(f"| {surface} | {len(real[surface])} | {r[LOW]:.1f} | {q[LOW]:.1f} | {d[LOW]:+.1f} | {others} "
              f"| {rest:.1f} |")
    print(f"\nlargest |diff| at {names[LOW]} Hz: {max(worst)[0]:.1f} dB ({max(worst)[1]})")
    if args.per_folder:
        print("\n| folder | steps | " + " | ".join(f"{n} Hz" for n in names) + " |\n|---|---|"
              + "---|" * len(BANDS_HZ))
        by_folder = defaultdict(list)
        for rows in real.values():
            for folder, v in rows:
                by_folder[folder].append(v)
        for folder in sorted(by_folder):
            m = np.median(by_folder[folder], axis=0)
            print(f"| {folder} | {len(by_folder[folder])} | " + " | ".join(f"{v:.1f}" for v in m) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
