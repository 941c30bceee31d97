"""Can a simple classifier tell our surfaces (and footwear) apart on renders it has not seen?

    .venv/bin/python benchmarks/sound_distinctness.py [--per 4] [--train-seed 1] [--test-seed 2]

Renders walking steps (strength drawn in 0.3..0.8) for every surface x footwear with
one seed, trains on `step_features` (MFCC, spectral shape, octave bands, envelope),
tests on another seed's renders. Prints surface accuracy (nearest centroid and
logistic regression), footwear accuracy per surface, and the most confused pairs.
Goals (issue 4): surfaces >= 90 %, footwear on one surface >= 80 %.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from foleystudio.materials import ENGINE_FOOTWEAR, ENGINE_SURFACES  # noqa: E402
from foleystudio.sound.backends import get_backend  # noqa: E402
from foleystudio.sound.features import LogisticRegression, NearestCentroid, step_features  # noqa: E402
from foleystudio.sound.types import StepRequest  # noqa: E402

SR = 48000


def render_set(seed: int, surfaces, footwear, per: int):
    """Features and (surface, footwear) labels; one backend per set, steps in a fixed order."""
    backend = get_backend("procedural", sr=SR)
    x, labels = [], []
    for si, surface in enumerate(surfaces):
        for fi, shoe in enumerate(footwear):
            for i in range(per):
                rng = np.random.default_rng([seed, si, fi, i])
                req = StepRequest(surface, shoe, strength=float(rng.uniform(0.3, 0.8)))
                s = backend.render_step(req, rng)
                x.append(step_features(s.audio, SR, s.onset))
                labels.append((surface, shoe))
    return np.array(x), labels


def accuracy(model, xa, ya, xb, yb) -> tuple[float, list]:
    pred = model.fit(xa, ya).predict(xb)
    return float(np.mean([p == t for p, t in zip(pred, yb)])), [(t, p) for p, t in zip(pred, yb) if p != t]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--per", type=int, default=4, help="renders per surface x footwear for the surface test")
    p.add_argument("--per-footwear", type=int, default=10, help="renders per footwear for the footwear tests")
    p.add_argument("--train-seed", type=int, default=1)
    p.add_argument("--test-seed", type=int, default=2)
    args = p.parse_args(argv)

    xa, la = render_set(args.train_seed, ENGINE_SURFACES, ENGINE_FOOTWEAR, args.per)
    xb, lb = render_set(args.test_seed, ENGINE_SURFACES, ENGINE_FOOTWEAR, args.per)
    ya, yb = [s for s, _ in la], [s for s, _ in lb]
    print(f"## Surfaces ({len(ENGINE_SURFACES)} classes, {len(ya)} train / {len(yb)} test renders; "
          f"chance {1 / len(ENGINE_SURFACES):.0%})\n")
    print("| classifier | accuracy | goal |\n|---|---|---|")
    confused = []
    for name, model in (("nearest centroid", NearestCentroid()), ("logistic regression", LogisticRegression())):
        acc, wrong = accuracy(model, xa, ya, xb, yb)
        confused = wrong if name == "logistic regression" else confused
        print(f"| {name} | {acc:.1%} | {'>= 90 % met' if acc >= 0.9 else 'below 90 %'} |")
    top = Counter(confused).most_common(5)
    print("\nmost confused (true -> predicted): " + ", ".join(f"{t}->{p} x{c}" for (t, p), c in top))

    print(f"\n## Footwear per surface ({len(ENGINE_FOOTWEAR)} classes, logistic regression, "
          f"{args.per_footwear} renders per footwear and seed; chance {1 / len(ENGINE_FOOTWEAR):.0%})\n")
    print("| surface | accuracy | most confused |\n|---|---|---|")
    accs = []
    for surface in ENGINE_SURFACES:
        xa, la = render_set(args.train_seed, (surface,), ENGINE_FOOTWEAR, args.per_footwear)
        xb, lb = render_set(args.test_seed, (surface,), ENGINE_FOOTWEAR, args.per_footwear)
        acc, wrong = accuracy(LogisticRegression(), xa, [f for _, f in la], xb, [f for _, f in lb])
        accs.append(acc)
        top = ", ".join(f"{t}->{p} x{c}" for (t, p), c in Counter(wrong).most_common(2))
        print(f"| {surface} | {acc:.1%} | {top} |")
    best = int(np.argmax(accs))
    print(f"\nfootwear: mean {np.mean(accs):.1%}, best {ENGINE_SURFACES[best]} {accs[best]:.1%}, "
          f"surfaces at >= 80 %: {sum(a >= 0.8 for a in accs)}/{len(accs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
