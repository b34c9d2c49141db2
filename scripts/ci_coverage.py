"""Coverage of the intervals on synthetic runs with IMAGE HEAR's plan (docs/statistics.md).

Part 1, per-sample metrics: 3,600 clips, 30 classes, 100 images (2-8 per class, clip j of
a class uses image j mod n), value = class effect + image effect + clip noise. Each
simulated run draws new images effects and new clips; the target is the population mean.
Part 2, set-level: FD between two Gaussian sets, where the old percentile interval lies
above the value.

    python scripts/ci_coverage.py             # ~5 min on 2 cores
    python scripts/ci_coverage.py --sims 200  # quicker, noisier
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.special import expit

from imagehear.metrics import compute

from imagehear import protocol, scores

ROWS = protocol.generation_plan()
LABELS = np.array([r.label for r in ROWS])
IMAGES = np.array([r.image for r in ROWS])
IMAGE_INDEX = np.unique(IMAGES, return_inverse=True)[1]
CLASS_INDEX = np.unique(LABELS, return_inverse=True)[1]
DESIGN = scores.ClusterDesign(LABELS, IMAGES)


def two_stage(values, n_resamples, rng):
    """The textbook two-stage bootstrap: n_h of n_h images per class, then m of m clips per drawn image."""
    out = np.zeros(n_resamples)
    for units, share in zip(DESIGN.strata_units, DESIGN.stratum_share):
        k = len(units)
        drawn = rng.multinomial(k, np.full(k, 1.0 / k), size=n_resamples)
        num, den = np.zeros(n_resamples), np.zeros(n_resamples)
        for j, u in enumerate(units):
            rows = np.flatnonzero(DESIGN.unit_of_row == u)
            counts = rng.multinomial(drawn[:, j] * len(rows), np.full(len(rows), 1.0 / len(rows)))
            num += counts @ values[rows]
            den += counts.sum(1)
        out += share * num / den
    return out


def simulate(kind: str, sd_image: float, rng):
    """(values, target) of one synthetic run."""
    class_effect = np.linspace(-1.0, 1.0, 30)  # fixed by design: the classes are the benchmark's
    u = rng.normal(0.0, sd_image, 100)[IMAGE_INDEX]
    if kind == "normal":
        return class_effect[CLASS_INDEX] + u + rng.normal(0.0, 1.0, len(ROWS)), float(class_effect.mean())
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)  # E over images of P(correct)
    target = np.mean([(weights * expit(c + sd_image * nodes)).sum() / weights.sum() for c in class_effect])
    return 100.0 * (rng.random(len(ROWS)) < expit(class_effect[CLASS_INDEX] + u)), 100.0 * target


def part1(n_sims: int, n_resamples: int, seed: int) -> list[str]:
    scenarios = [("strong image effect (normal, ICC 0.5)", "normal", 1.0),
                 ("weak image effect (normal, ICC 0.08)", "normal", 0.3),
                 ("no image effect (normal)", "normal", 0.0),
                 ("accuracy-like 0/1, image effect sd 1.5 (logit)", "binary", 1.5)]
    methods = ["i.i.d. clips (before)", "two-stage: images, then clips", "rescaled cluster, percentile",
               "rescaled cluster + t(df) (chosen)"]
    lines = [f"Per-sample metrics: {n_sims} simulated full runs per row, {n_resamples} resamples; "
             "coverage of the population mean (± Monte Carlo s.e.), and mean width / the true 95 % width.", "",
             "| scenario | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    rng = np.random.default_rng(seed)
    for title, kind, sd in scenarios:
        hits, widths, estimates = np.zeros(len(methods)), np.zeros(len(methods)), []
        for s in range(n_sims):
            values, target = simulate(kind, sd, rng)
            estimates.append(values.mean() - target)
            dist = scores.stratified_means(values, DESIGN, n_resamples, seed=s)
            intervals = [scores.bootstrap_ci(values, n_resamples=n_resamples, seed=s),
                         tuple(np.quantile(two_stage(values, n_resamples, rng), [0.025, 0.975])),
                         tuple(np.quantile(dist, [0.025, 0.975])),
                         scores.interval(float(values.mean()), dist, DESIGN.df)]
            for k, (lo, hi) in enumerate(intervals):
                hits[k] += lo <= target <= hi
                widths[k] += hi - lo
        true_width = 2 * 1.96 * np.std(estimates)
        se = np.sqrt(0.95 * 0.05 / n_sims)
        cells = [f"{100 * h / n_sims:.1f} % (w {w / n_sims / true_width:.2f})" for h, w in zip(hits, widths)]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += ["", f"Monte Carlo s.e. of a coverage near 95 %: ±{100 * se:.1f} points; design df = "
              f"{DESIGN.df} (100 images - 30 classes)."]
    return lines


def part2(n_sims: int, seed: int, dim: int = 16, n: int = 200) -> list[str]:
    rng = np.random.default_rng(seed)
    shift = np.full(dim, 0.25)   # population FD = |shift|^2 = 1.0
    rows = []
    for s in range(n_sims):
        gen, ref = rng.normal(size=(n, dim)) + shift, rng.normal(size=(n, dim))
        value = scores.frechet_distance_from_embeddings(gen, ref)
        old = scores.bootstrap_ci(scores.frechet_distance_from_embeddings, gen, ref, n_resamples=100, seed=s)
        new = compute.frechet_entry(list(gen[:, None]), list(ref[:, None]), seed=s, unit="rows")["ci95"]
        rows.append((value, old, new))
    values = np.array([r[0] for r in rows])
    expected = values.mean()   # E[FD_n]: what two runs of this size compare
    lines = [f"Set-level (FD, {dim}-d Gaussians, {n} vs {n} rows, population FD {shift @ shift:.2f}, "
             f"mean FD at this size {expected:.2f}; {n_sims} simulated pairs of sets, 100 resamples):", "",
             "| interval | holds the value | covers E[FD_n] | covers the population FD | mean width |",
             "|---|---:|---:|---:|---:|"]
    for k, name in ((1, "percentile on clip resamples (before)"), (2, "re-centred percentile + t(df) (chosen)")):
        lo, hi = np.array([r[k][0] for r in rows]), np.array([r[k][1] for r in rows])
        lines.append(f"| {name} | {100 * np.mean((lo <= values) & (values <= hi)):.1f} % | "
                     f"{100 * np.mean((lo <= expected) & (expected <= hi)):.1f} % | "
                     f"{100 * np.mean((lo <= shift @ shift) & (shift @ shift <= hi)):.1f} % | {np.mean(hi - lo):.3f} |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=500)
    parser.add_argument("--set-sims", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.time()
    print("\n".join(part1(args.sims, args.resamples, args.seed)))
    print()
    print("\n".join(part2(args.set_sims, args.seed)))
    print(f"\n({time.time() - start:.0f} s; python scripts/ci_coverage.py --sims {args.sims} --resamples "
          f"{args.resamples} --set-sims {args.set_sims} --seed {args.seed})")


if __name__ == "__main__":
    main()
