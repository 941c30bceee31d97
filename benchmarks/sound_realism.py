"""Realism, reported (not a gate): a measure that tells real surfaces apart across packs,
then where our renders land under it.

    .venv/bin/python benchmarks/sound_realism.py [--sounds ../shared/sounds] [--renders 4]

Real recordings differ more by pack (microphone, shoe, mastering) than by surface,
so the measure (foleystudio.sound.features.realism_vector) leans on what a mic does
not change: envelope shape, micro-transient density, tonality against the smoothed
spectrum, frame-to-frame stability; its spectral columns are standardised within
each recording set (cepstral-mean-normalisation style). A class-balanced logistic
regression on coarse classes (hard / granular / soft / liquid) is scored leave one
pack out, beside a plain spectral-shape nearest neighbour. Then it is trained on all
recordings and asked what our renders (one more "set") are, per surface.

Any folder laid out <surface>/<pack>/<file> works (names: our surfaces, aliases,
or stone/ice); the coarse label of fantozzi's "sand" is soft, as SOURCES.md advises.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.sound.backends import FOOTWEAR, SURFACE_ALIASES, SURFACES, StepRequest, get_backend  # noqa: E402
from foleystudio.sound.features import (  # noqa: E402
    LogisticRegression, attack_onset, mel_filterbank, normalise_per_set, realism_vector,
)
from foleystudio.sound.procedural.models import SURFACE_MODELS  # noqa: E402
from foleystudio.sound.samples import AUDIO_SUFFIXES, load_mono  # noqa: E402

SR = 48000
CLASSES = ("hard", "granular", "soft", "liquid")
EXTRA_COARSE = {"stone": "hard", "ice": "hard"}  # real folder names that are not our surfaces
OVERRIDES = {("sand", "fantozzi"): "soft"}  # SOURCES.md: these read as soft ground, not clearly sand


def coarse_of(surface: str) -> str | None:
    if surface in EXTRA_COARSE:
        return EXTRA_COARSE[surface]
    name = SURFACE_ALIASES.get(surface, surface)
    return SURFACE_MODELS[name].family if name in SURFACE_MODELS else None


def load_real(root: Path):
    items = []
    for f in sorted(root.glob("*/*/*")):
        surface, pack = f.parts[-3], f.parts[-2].replace("_reencoded", "")
        if f.suffix.lower() not in AUDIO_SUFFIXES or surface.startswith("_") or pack.startswith("_"):
            continue
        label = OVERRIDES.get((surface, pack)) or coarse_of(surface)
        if label is None:
            continue
        x = load_mono(f, SR)
        items.append(dict(surface=surface, pack=pack, label=label, audio=x, onset=attack_onset(x, SR, floor_db=15.0)))
    return items


def spectral_shape(x: np.ndarray, onset: int) -> np.ndarray:
    """The plain baseline: mean log-mel spectrum of the step, level removed."""
    seg = x[onset : onset + int(0.4 * SR)]
    seg = np.pad(seg, (0, max(0, 1024 - seg.size)))
    frames = np.lib.stride_tricks.sliding_window_view(seg, 1024)[::256] * np.hanning(1024)
    mel = np.log(np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) @ mel_filterbank(SR, 1024).T + 1e-10)
    return mel - mel.mean()


def lopo(x: np.ndarray, labels, packs) -> tuple[float, float, dict, list]:
    """Leave-one-pack-out accuracy, class-balanced accuracy, per-class accuracy, predictions."""
    labels, packs = np.asarray(labels), np.asarray(packs)
    pred = np.empty(len(labels), object)
    for p in np.unique(packs):
        test = packs == p
        model = LogisticRegression(l2=0.3, balanced=True).fit(x[~test], list(labels[~test]))
        pred[test] = model.predict(x[test])
    per = {c: float(np.mean(pred[labels == c] == c)) for c in CLASSES if np.any(labels == c)}
    return float(np.mean(pred == labels)), float(np.mean(list(per.values()))), per, list(pred)


def nn_other_pack(x: np.ndarray, labels, packs) -> float:
    labels, packs = np.asarray(labels), np.asarray(packs)
    d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    d[packs[:, None] == packs[None, :]] = np.inf
    return float(np.mean(labels[np.argmin(d, axis=1)] == labels))


def group_test(x: np.ndarray, surfaces, packs) -> tuple[int, int]:
    """Pack/surface groups whose nearest group (by mean vector) in another pack is the same surface."""
    keys = sorted(set(zip(packs, surfaces)))
    means = np.stack([x[[(p, s) == k for p, s in zip(packs, surfaces)]].mean(axis=0) for k in keys])
    hits = 0
    for i, (p, s) in enumerate(keys):
        d = ((means - means[i]) ** 2).sum(axis=1)
        d[[kp == p for kp, _ in keys]] = np.inf
        hits += keys[int(np.argmin(d))][1] == s
    return hits, len(keys)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    shared = Path(os.environ.get("FOLEY_SHARED") or ROOT.parent / "shared")
    p.add_argument("--sounds", default=str(shared / "sounds"), help="<surface>/<pack>/<file> recordings")
    p.add_argument("--renders", type=int, default=4, help="renders per surface x footwear")
    args = p.parse_args(argv)
    items = load_real(Path(args.sounds))
    if not items:
        print(f"no recordings found under {args.sounds}", file=sys.stderr)
        return 1
    labels = [i["label"] for i in items]
    packs = [i["pack"] for i in items]
    surfaces = [i["surface"] for i in items]
    raw = np.stack([realism_vector(i["audio"], SR, i["onset"]) for i in items])
    x = normalise_per_set(raw, packs)
    base = np.stack([spectral_shape(i["audio"], i["onset"]) for i in items])
    base_z = (base - base.mean(axis=0)) / (base.std(axis=0) + 1e-9)

    print(f"## Real recordings: {len(items)} files, {len(set(packs))} packs, "
          f"classes {dict(Counter(labels))}\n")
    acc, bal, per, _ = lopo(x, labels, packs)
    b_acc, b_bal, b_per, _ = lopo(base_z, labels, packs)
    print("| measure (leave one pack out, coarse classes) | accuracy | class-balanced | "
          + " | ".join(CLASSES) + " |\n|---|---|---|" + "---|" * len(CLASSES))
    rows = (("realism measure", acc, bal, per), ("plain spectral shape (baseline)", b_acc, b_bal, b_per))
    for name, a, b, pc in rows:
        print(f"| {name} | {a:.1%} | {b:.1%} | " + " | ".join(f"{pc.get(c, float('nan')):.0%}" for c in CLASSES) + " |")
    print(f"\nnearest recording from another pack has the same coarse class: measure "
          f"{nn_other_pack(x, labels, packs):.1%}, spectral shape {nn_other_pack(base_z, labels, packs):.1%} "
          f"(chance {1 / len(set(labels)):.0%} if classes were balanced)")
    h, n = group_test(x, surfaces, packs)
    hb, _ = group_test(base_z, surfaces, packs)
    print(f"pack/surface groups whose nearest group in another pack is the same surface: "
          f"measure {h}/{n}, spectral shape {hb}/{n}")

    # Our renders, as one more recording set, judged by the measure trained on every real file.
    backend = get_backend("procedural", sr=SR)
    r_vec, r_surf = [], []
    for si, surface in enumerate(SURFACES):
        for fi, shoe in enumerate(FOOTWEAR):
            for k in range(args.renders):
                rng = np.random.default_rng([7, si, fi, k])
                s = backend.render_step(StepRequest(surface, shoe, strength=float(rng.uniform(0.3, 0.8))), rng)
                r_vec.append(realism_vector(s.audio, SR, s.onset))
                r_surf.append(surface)
    r_x = normalise_per_set(np.stack(r_vec), ["ours"] * len(r_vec))
    model = LogisticRegression(l2=0.3, balanced=True).fit(x, labels)
    pred = model.predict(r_x)
    by_surface = defaultdict(list)
    for s, q in zip(r_surf, pred):
        by_surface[s].append(q)
    print(f"\n## Where our renders land ({len(FOOTWEAR)} footwear x {args.renders} renders per surface)\n")
    print("| surface | our family | lands in own class | " + " | ".join(CLASSES) + " |\n|---|---|---|"
          + "---|" * len(CLASSES))
    hits = []
    for surface in SURFACES:
        fam = SURFACE_MODELS[surface].family
        got = Counter(by_surface[surface])
        share = got[fam] / len(by_surface[surface])
        hits.append(share)
        print(f"| {surface} | {fam} | {share:.0%} | "
              + " | ".join(f"{got[c] / len(by_surface[surface]):.0%}" for c in CLASSES) + " |")
    print(f"\nrenders landing in their own coarse class: {np.mean(hits):.1%} (mean over surfaces)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
