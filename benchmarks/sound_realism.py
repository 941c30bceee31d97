"""Realism, reported (not a gate): a measure that tells real surfaces apart across packs,
then where our renders land under it.

    .venv/bin/python benchmarks/sound_realism.py [--sounds ../shared/sounds] [--renders 3]
    .venv/bin/python benchmarks/sound_realism.py --print-reference   # refresh realism.REFERENCE_GROUPS

The measure is foleystudio.sound.realism: four level- and EQ-free descriptors (how
much energy the first 15 ms hold, when half has arrived, micro-transients, in-band
spectral flatness) and a two-level nearest-centroid rule (impact vs texture, then hard
vs soft or granular vs liquid) in which every pack x surface group counts once.

1. Leave one pack out on the real recordings, coarse classes: per held-out pack the
   texture axis is chosen by a leave-one-pack-out inside the other packs (nested), then
   the classifier is fitted on those packs. Prints accuracy, per class, the confusion
   matrix, each group's predictions, every design with its axis fixed (not nested, for
   transparency), and the previous measure (features.realism_vector) as a baseline.
2. Invariance: each real file again at -20 dB and with a +-6 dB high shelf; how far
   the descriptors move and how many reference predictions change.
3. Our renders judged by the reference (fitted on all real groups), per surface.

Any folder laid out <surface>/<pack>/<file> works; folders starting with "_" are
skipped (`_ccbysa/` is share-alike, `_material_impacts_not_footsteps/` not footsteps).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy import signal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from foleystudio.sound import realism  # noqa: E402
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.features import (  # noqa: E402
    LogisticRegression, attack_onset, normalise_per_set, realism_vector,
)
from foleystudio.sound.procedural.models import SURFACE_MODELS  # noqa: E402
from foleystudio.sound.samples import AUDIO_SUFFIXES, load_mono  # noqa: E402
from foleystudio.sound.types import StepRequest  # noqa: E402

SR = 48000
CLASSES = realism.COARSE_CLASSES


def load_real(root: Path) -> list[dict]:
    """Every <surface>/<pack>/<file> with a coarse label; re-encoded copies join their pack."""
    items = []
    for f in sorted(root.glob("*/*/*")):
        surface, pack = f.parts[-3], f.parts[-2].replace("_reencoded", "")
        if f.suffix.lower() not in AUDIO_SUFFIXES or surface.startswith(("_", ".")) or pack.startswith(("_", ".")):
            continue
        label = realism.coarse_label(surface, pack)
        if label is None:
            continue
        x = load_mono(f, SR)
        items.append(dict(surface=surface, pack=pack, group=f"{surface}/{pack}", label=label, audio=x,
                          onset=attack_onset(x, SR, floor_db=15.0)))
    return items


def shelf(x: np.ndarray, gain_db: float, corner_hz: float = 1000.0) -> np.ndarray:
    """A gentle, causal EQ: first-order high shelf, gain_db above corner_hz (about 2 dB/octave
    across the 3 octaves around it for +-6 dB), as a microphone or a mastering EQ would."""
    hp = signal.lfilter(*signal.butter(1, corner_hz, "highpass", fs=SR), x)
    return (x + (10.0 ** (gain_db / 20.0) - 1.0) * hp).astype(np.float32)


def _row(name: str, acc: float, per: dict) -> str:
    bal = np.mean(list(per.values()))
    cells = " | ".join(f"{per.get(c, float('nan')):.0%}" for c in CLASSES)
    return f"| {name} | {acc:.1%} | {bal:.1%} | {cells} |"


def previous_measure(items, labels, packs) -> tuple[float, dict]:
    """The measure this replaced: realism_vector, per-pack normalisation, logistic regression."""
    x = normalise_per_set(np.stack([realism_vector(i["audio"], SR, i["onset"]) for i in items]), packs)
    labels, packs = np.asarray(labels), np.asarray(packs)
    pred = np.empty(len(labels), object)
    for p in np.unique(packs):
        test = packs == p
        pred[test] = LogisticRegression(l2=0.3, balanced=True).fit(x[~test], list(labels[~test])).predict(x[test])
    return float(np.mean(pred == labels)), {c: float(np.mean(pred[labels == c] == c)) for c in CLASSES}


def report_real(items, x: np.ndarray) -> None:
    labels = [i["label"] for i in items]
    packs = [i["pack"] for i in items]
    groups = [i["group"] for i in items]
    print(f"## Real recordings: {len(items)} files, {len(set(packs))} packs, {len(set(groups))} groups, "
          f"classes {dict(Counter(labels))}\n")
    print("| folder | files | coarse class |\n|---|---|---|")
    for g in sorted(set(groups)):
        print(f"| {g} | {groups.count(g)} | {labels[groups.index(g)]} |")

    out = realism.leave_one_pack_out(x, labels, packs, groups)
    print("\n### Leave one pack out (coarse classes)\n")
    print("| measure | accuracy | class-balanced | " + " | ".join(CLASSES) + " |\n|---|---|---|"
          + "---|" * len(CLASSES))
    print(_row("**realism measure, nested** (texture axis chosen on the training packs)",
               out.accuracy(labels), out.per_class(labels)))
    for d in realism.DESIGNS:
        fixed = realism.leave_one_pack_out(x, labels, packs, groups, designs=[d])
        print(_row(f"fixed design, texture axis {'+'.join(d.loose)} (not nested)",
                   fixed.accuracy(labels), fixed.per_class(labels)))
    acc, per = previous_measure(items, labels, packs)
    print(_row("previous measure (features.realism_vector + LR, not nested)", acc, per))

    print("\ntexture axis chosen per held-out pack: "
          + ", ".join(f"{p}: {'+'.join(d.loose)}" for p, d in out.designs.items()))
    kind = lambda c: "impact" if c in realism.IMPACT else "texture"
    two = np.mean([kind(a) == kind(b) for a, b in zip(labels, out.predictions)])
    print(f"impact (hard, soft) vs texture (granular, liquid) right: {two:.1%}")
    m = realism.confusion(labels, out.predictions)
    print("\nconfusion (rows true, columns predicted):\n\n| true \\ predicted | " + " | ".join(CLASSES)
          + " |\n|---|" + "---|" * len(CLASSES))
    for c, row in zip(CLASSES, m):
        print(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    best = realism.choose_design(x, labels, packs, groups)
    stored = {g: np.array(d) for g, _, _, d in realism.REFERENCE_GROUPS}
    drift = max((float(np.abs(x[np.asarray(groups) == g].mean(axis=0) - stored[g]).max()) if g in stored else np.inf)
                for g in set(groups))
    print(f"reference: texture axis on all packs {'+'.join(best.loose)} (stored: "
          f"{'+'.join(realism.REFERENCE_DESIGN.loose)}); largest change of a stored group mean {drift:.3f}"
          + ("" if best == realism.REFERENCE_DESIGN and drift < 0.01 else
             " -- differs: refresh realism.REFERENCE_GROUPS / REFERENCE_DESIGN (--print-reference)"))
    print("\n| group | class | predicted (held out) |\n|---|---|---|")
    pred = np.asarray(out.predictions)
    for g in sorted(set(groups)):
        sel = np.asarray(groups) == g
        got = ", ".join(f"{k} {v}" for k, v in Counter(pred[sel]).most_common())
        print(f"| {g} | {labels[groups.index(g)]} | {got} |")


def report_invariance(items, x: np.ndarray) -> None:
    ref = realism.reference_classifier()
    base = ref.predict(x)
    scale = np.array([d for _, _, _, d in realism.REFERENCE_GROUPS]).std(axis=0)
    print("\n## Invariance (each real file changed, onset found again)\n")
    print("| change | median shift (x group spread) " + "| " * (len(realism.DESCRIPTORS) - 1)
          + "| predictions unchanged |\n|---|" + "---|" * (len(realism.DESCRIPTORS) + 1))
    print("| | " + " | ".join(realism.DESCRIPTORS) + " | |")
    for name, fn in (("gain -20 dB", lambda a: a * 0.1), ("high shelf +6 dB at 1 kHz", lambda a: shelf(a, 6.0)),
                     ("high shelf -6 dB at 1 kHz", lambda a: shelf(a, -6.0))):
        y = np.stack([realism.describe(fn(i["audio"]), SR, onset=attack_onset(fn(i["audio"]), SR, floor_db=15.0))
                      for i in items])
        shift = np.median(np.abs(y - x), axis=0) / scale
        same = np.mean(np.asarray(ref.predict(y)) == np.asarray(base))
        print(f"| {name} | " + " | ".join(f"{s:.2f}" for s in shift) + f" | {same:.0%} |")


def print_reference(items, x: np.ndarray) -> None:
    design = realism.choose_design(x, [i["label"] for i in items], [i["pack"] for i in items],
                                   [i["group"] for i in items])
    print(f"# choose_design on all packs: {design}")
    print("REFERENCE_GROUPS: tuple[tuple[str, str, int, tuple[float, ...]], ...] = (")
    groups = [i["group"] for i in items]
    for g in sorted(set(groups)):
        sel = np.asarray(groups) == g
        vals = ", ".join(f"{v:.3f}" for v in x[sel].mean(axis=0))
        print(f'    ("{g}", "{items[groups.index(g)]["label"]}", {int(sel.sum())}, ({vals})),')
    print(")")


def report_renders(per: int) -> None:
    ref = realism.reference_classifier()
    backend = get_backend("procedural", sr=SR)
    print(f"\n## Where our renders land ({len(ENGINE_FOOTWEAR)} footwear x {per} renders per surface, reference "
          f"classifier)\n")
    print("| surface | our family | own class | " + " | ".join(CLASSES) + " | median "
          + ", ".join(realism.DESCRIPTORS) + " |\n|---|---|---|" + "---|" * (len(CLASSES) + 1))
    shares = []
    for si, surface in enumerate(ENGINE_SURFACES):
        vecs = []
        for fi, shoe in enumerate(ENGINE_FOOTWEAR):
            for k in range(per):
                rng = np.random.default_rng([7, si, fi, k])
                s = backend.render_step(StepRequest(surface, shoe, strength=float(rng.uniform(0.3, 0.8))), rng)
                vecs.append(realism.describe(s.audio, SR, onset=s.onset))
        got = Counter(ref.predict(np.stack(vecs)))
        fam = SURFACE_MODELS[surface].family
        shares.append(got[fam] / len(vecs))
        med = ", ".join(f"{v:.2f}" for v in np.median(vecs, axis=0))
        print(f"| {surface} | {fam} | {shares[-1]:.0%} | " + " | ".join(f"{got[c] / len(vecs):.0%}" for c in CLASSES)
              + f" | {med} |")
    print(f"\nrenders landing in their own coarse class: {np.mean(shares):.1%} (mean over surfaces)")
    by_class = defaultdict(list)
    for (g, c, _, d) in realism.REFERENCE_GROUPS:
        by_class[c].append(d)
    print("real class centres (mean of group means): " + "; ".join(
        f"{c} " + ", ".join(f"{v:.2f}" for v in np.mean(by_class[c], axis=0)) for c in CLASSES))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    shared = Path(os.environ.get("FOLEY_SHARED") or ROOT.parent / "shared")
    p.add_argument("--sounds", default=str(shared / "sounds"), help="<surface>/<pack>/<file> recordings")
    p.add_argument("--renders", type=int, default=3, help="renders per surface x footwear (0: skip)")
    p.add_argument("--print-reference", action="store_true", help="print REFERENCE_GROUPS and stop")
    args = p.parse_args(argv)
    items = load_real(Path(args.sounds))
    if not items:
        print(f"error: no labelled recordings under {args.sounds} (<surface>/<pack>/<file>)", file=sys.stderr)
        return 1
    x = np.stack([realism.describe(i["audio"], SR, onset=i["onset"]) for i in items])
    if args.print_reference:
        print_reference(items, x)
        return 0
    report_real(items, x)
    report_invariance(items, x)
    if args.renders > 0:
        report_renders(args.renders)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
