"""Paired differences between two runs of the same plan: B - A, its interval and a p-value.

Both runs score the same manifest rows, so each clip has a value in A and one in B. The
difference is resampled with the same cluster design as a single run's interval
(:class:`imagehear.scores.bootstrap.ClusterDesign`: images within classes), on the same
draws for both runs, so what the two runs share (the image, its CLIP embedding, the class)
cancels. Set-level statistics (FD, KAD) are resampled jointly: one draw of rows serves A
and B, one draw of the reference serves both.

>>> rng = np.random.default_rng(0)
>>> image = np.repeat(np.arange(40), 10)
>>> a = rng.normal(size=40)[image] + rng.normal(size=400)
>>> d = paired_difference(a, a + 0.5 + 0.1 * rng.normal(size=400), clusters=image, n_resamples=200)
>>> round(d.difference, 3), d.p_value < 0.01
(0.497, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imagehear.scores.bootstrap import (
    ClusterDesign, check_resampling, interval, reference_seed, stratified_means, two_sided_p
)


@dataclass(frozen=True)
class Difference:
    difference: float                  # B - A
    ci95: tuple[float, float]          # interval of the difference at ``confidence``
    p_value: float                     # two-sided bootstrap p-value of "no difference"
    n: int                             # paired rows
    method: dict = field(default_factory=dict)


def paired_difference(values_a, values_b, strata=None, clusters=None, n_resamples: int = 1000, seed: int = 0,
                      confidence: float = 0.95) -> Difference:
    """Mean of ``values_b - values_a`` (one pair per row), its cluster-bootstrap interval and p-value.

    ``strata`` (classes) and ``clusters`` (images) as for
    :func:`imagehear.scores.bootstrap.cluster_bootstrap_ci`; the difference of the two
    headlines is the mean of the per-row differences when both runs score the same rows.
    """
    check_resampling(n_resamples, confidence)
    a, b = np.asarray(values_a, dtype=np.float64), np.asarray(values_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f"values_a and values_b must be finite 1-D arrays of one length, got {a.shape}, {b.shape}")
    diff = b - a
    design = ClusterDesign(strata, clusters, n=len(diff))
    dist = stratified_means(diff, design, n_resamples, seed)
    value = float(diff.mean())
    return Difference(value, interval(value, dist, design.df, confidence),
                      two_sided_p(value, dist, design.df, confidence), len(diff),
                      design.record(seed, n_resamples, confidence))


def resampled_pair_difference(statistic, values: tuple[float, float], design: ClusterDesign,
                              reference_design: ClusterDesign | None = None, n_resamples: int = 100,
                              seed: int = 0, confidence: float = 0.95) -> Difference:
    """B - A for a set-level statistic, by joint resampling.

    ``statistic(row_weights, reference_weights)`` is called once, with the (n_resamples, n)
    weights of the paired rows (:meth:`ClusterDesign.row_weights`, seed ``seed``) and the
    (n_resamples, m) weights of the reference rows (seed :func:`reference_seed` of ``seed``,
    recorded as ``method["reference_seed"]``; None without a
    reference design), and returns an (n_resamples, 2) array: the statistic of A and of B
    on each resample. ``values`` are (A, B) on the full sets. The difference's distribution
    is re-centred (see :func:`imagehear.scores.bootstrap.interval`): a biased statistic is
    biased in both runs, so only its spread is used.
    """
    check_resampling(n_resamples, confidence)
    rows = np.concatenate(list(design.row_weights(n_resamples, seed)))
    refs = None if reference_design is None else np.concatenate(list(reference_design.row_weights(
        n_resamples, reference_seed(seed))))
    pair = np.asarray(statistic(rows, refs), dtype=np.float64)  # one call: a kernel is computed once
    if pair.shape != (n_resamples, 2):
        raise ValueError(f"the statistic must return ({n_resamples}, 2) values, got shape {pair.shape}")
    dist = pair[:, 1] - pair[:, 0]
    if not np.all(np.isfinite(dist)):
        raise ValueError("the statistic returned NaN or Inf on a resample")
    value = float(values[1] - values[0])
    df = min(design.df, reference_design.df) if reference_design is not None else design.df
    method = {**design.record(seed, n_resamples, confidence), "recentred": True,
              "reference_unit": None if reference_design is None else
              "reference clip, i.i.d." if reference_design.iid else reference_design.unit}
    if reference_design is not None:
        method["reference_seed"] = reference_seed(seed)  # the reference draw shapes the interval too
    return Difference(value, interval(value, dist, df, confidence, recentre=True),
                      two_sided_p(value, dist, df, confidence, recentre=True), design.n, method)
