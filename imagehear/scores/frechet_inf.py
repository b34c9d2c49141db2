"""FD∞ (FAD∞): the Fréchet distance extrapolated to an infinite evaluated set, as fadtk computes it.

FD is biased upward by a term that shrinks like 1/N with the evaluated set's size N, so sets
of IMAGE HEAR's size give numbers that depend on N. fadtk (Gui et al., "Adapting Frechet
Audio Distance for Generative Music Evaluation", ICASSP 2024; ``FrechetAudioDistance.score_inf``)
removes the term: it draws ``steps`` subsets of the evaluated rows (with replacement) at sizes
``int(n)`` for n in ``linspace(min_n, N, steps)``, computes FD of each against the *whole*
reference set, fits FD = slope / n + intercept by least squares, and reports the intercept.

Differences from fadtk, each chosen to make the number reproducible, none changing the maths:
the draws come from ``numpy.random.RandomState(seed)`` instead of the unseeded global state
(the same generator, so ``numpy.random.seed(seed)`` before fadtk draws the same subsets), and
each FD is computed in float64 from symmetric eigenvalues (:mod:`imagehear.scores.frechet`)
instead of ``scipy.linalg.sqrtm``.

>>> rng = np.random.default_rng(0)
>>> x, ref = rng.normal(size=(1000, 16)), rng.normal(size=(4000, 16))  # one distribution: FD = 0
>>> result = frechet_distance_inf(x, ref, seed=0, min_n=100, steps=10)
>>> result.points[0][0], round(result.points[0][1], 3), result.points[-1][0], round(result.points[-1][1], 3)
(100, 0.839, 1000, 0.173)
>>> round(result.value, 3), round(result.r2, 2)   # the intercept, near the true 0
(0.103, 0.97)
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from imagehear.scores._checks import as_matrix
from imagehear.scores.frechet import FewSamplesWarning, GaussianStats, drop_rounding_noise, psd_eigh

MIN_N = 500    # fadtk's smallest subset (score_inf's min_n)
STEPS = 25     # fadtk's number of subset sizes (score_inf's steps)
SAMPLING = ("subsets of the evaluated rows drawn with replacement, numpy RandomState(seed).choice, one draw "
            "per size in increasing order; sizes int(n) for n in linspace(min_n, N, steps); FD of each against "
            "the whole reference set; least-squares line of FD on 1/n; value = its intercept (fadtk score_inf)")


@dataclass(frozen=True)
class FrechetInfResult:
    value: float                             # the intercept: FD extrapolated to n -> infinity
    slope: float                             # FD = slope / n + value
    r2: float                                # coefficient of determination of the fit
    points: tuple[tuple[int, float], ...]    # (subset size, FD) per step
    seed: int
    min_n: int
    steps: int


def subset_sizes(n_rows: int, min_n: int = MIN_N, steps: int = STEPS) -> list[int]:
    """fadtk's subset sizes: ``int(n)`` for n in ``linspace(min_n, n_rows, steps)``.

    >>> subset_sizes(1000, 500, 3)
    [500, 750, 1000]
    """
    if not 2 <= min_n <= n_rows:
        raise ValueError(f"FD-inf needs 2 <= min_n <= the number of evaluated rows, got min_n={min_n} for "
                         f"{n_rows} rows")
    if steps < 2:
        raise ValueError(f"FD-inf needs at least 2 subset sizes to fit a line, got steps={steps}")
    return [int(n) for n in np.linspace(min_n, n_rows, steps)]


class _Reference:
    """The reference Gaussian with a square-root factor of its covariance (S = F F^T), computed once."""

    def __init__(self, rows: np.ndarray):
        stats = GaussianStats.from_embeddings(rows)
        self.mean, cov = stats.mean, stats.cov
        self.trace = float(np.trace(cov))
        try:
            self.factor = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:  # singular (fewer rows than dimensions): the symmetric root
            w, v = psd_eigh(cov, "the reference covariance")
            self.factor = v * np.sqrt(w)

    def distance(self, rows: np.ndarray) -> float:
        """FD of ``rows`` against the reference: with A the centred rows / sqrt(n - 1), the subset's
        covariance is A^T A and tr sqrt(S_sub S_ref) = tr sqrt(F^T A^T A F) = the sum of the singular
        values of A F; tr S_sub = ||A||_F^2."""
        mean = rows.mean(axis=0)
        scaled = (rows - mean) / np.sqrt(len(rows) - 1)
        singular = np.linalg.svd(scaled @ self.factor, compute_uv=False)
        cross = float(np.sqrt(drop_rounding_noise(singular ** 2)).sum())
        diff = mean - self.mean
        return float(max(diff @ diff + (scaled * scaled).sum() + self.trace - 2.0 * cross, 0.0))


def frechet_distance_inf(x, reference, seed: int = 0, min_n: int = MIN_N, steps: int = STEPS) -> FrechetInfResult:
    """FD∞ of the evaluated rows ``x`` against the ``reference`` rows (fadtk's extrapolation, seeded).

    Warns (:class:`FewSamplesWarning`) once when the smallest subset has no more rows than
    dimensions: those FDs come from singular covariances and the fit leans on them.
    """
    x = as_matrix(x, "x", min_rows=2)
    reference = as_matrix(reference, "reference", min_rows=2)
    if x.shape[1] != reference.shape[1]:
        raise ValueError(f"x and reference must have the same embedding size, got {x.shape[1]} and "
                         f"{reference.shape[1]}")
    sizes = subset_sizes(len(x), min_n, steps)
    if sizes[0] <= x.shape[1]:
        warnings.warn(f"FD-inf's smallest subset has {sizes[0]} rows for {x.shape[1]} dimensions: its covariance "
                      "is singular and the extrapolation is unreliable", FewSamplesWarning, stacklevel=2)
    ref = _Reference(reference)
    rng = np.random.RandomState(seed)
    values = [ref.distance(x[rng.choice(len(x), size=n, replace=True)]) for n in sizes]
    inverse, fd = 1.0 / np.asarray(sizes, dtype=np.float64), np.asarray(values)
    slope, intercept = np.polyfit(inverse, fd, 1)
    residual = float(((fd - (slope * inverse + intercept)) ** 2).sum())
    spread = float(((fd - fd.mean()) ** 2).sum())
    r2 = 1.0 - residual / spread if spread > 0 else 1.0
    return FrechetInfResult(float(intercept), float(slope), r2, tuple(zip(sizes, values)), seed, min_n, steps)
