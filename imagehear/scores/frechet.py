"""Fréchet distance between Gaussians fitted to embeddings (FAD when the embeddings are audio).

FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1 S2).  The last trace is computed from
symmetric eigenvalues only: with S1 = L L^T (Cholesky; R = S1^{1/2} from ``eigh`` when S1
is singular), S1 S2 is similar to the symmetric PSD matrix L^T S2 L, so
tr sqrt(S1 S2) = sum sqrt(eigvalsh(L^T S2 L)).  Unlike
``scipy.linalg.sqrtm(S1 @ S2)`` (a Schur decomposition of a non-symmetric matrix) this is
never complex, is several times faster, and stays accurate when a covariance is singular.

Statistics are kept as :class:`GaussianStats` (count, mean, scatter), float64, and merge
exactly, so shards computed on different processes give the FD of the pooled set.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from imagehear.scores._checks import as_matrix

# Eigenvalues between -_PSD_RTOL * (largest) and 0 are rounding noise of a PSD matrix
# and are clamped to 0; anything more negative means the input is not a covariance.
_PSD_RTOL = 1e-8


class FewSamplesWarning(UserWarning):
    """A set has no more samples than dimensions: its covariance is singular and FD is biased."""


@dataclass(frozen=True, eq=False)
class GaussianStats:
    """Mergeable float64 statistics of a set of embeddings: count, mean and scatter.

    ``scatter`` is the sum of outer products of centred rows, i.e. cov * (n - 1). Keeping
    the centred scatter (merged with Chan et al.'s pairwise update) instead of raw
    outer-product sums avoids the cancellation of ``sum(x x^T) - n mu mu^T`` when the
    mean is large compared with the spread.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(100, 3))
    >>> stats = GaussianStats.from_embeddings(x[:40]) + GaussianStats.from_embeddings(x[40:])
    >>> stats.n, bool(np.allclose(stats.cov, np.cov(x, rowvar=False)))
    (100, True)
    """

    n: int
    mean: np.ndarray     # (d,)
    scatter: np.ndarray  # (d, d): sum over rows of (x - mean)(x - mean)^T

    @classmethod
    def from_embeddings(cls, x) -> "GaussianStats":
        x = as_matrix(x, "embeddings")
        mean = x.mean(axis=0)
        centred = x - mean
        return cls(x.shape[0], mean, centred.T @ centred)

    def merge(self, other: "GaussianStats") -> "GaussianStats":
        if self.dim != other.dim:
            raise ValueError(f"cannot merge statistics of {self.dim}-d and {other.dim}-d embeddings")
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        scatter = self.scatter + other.scatter + np.outer(delta, delta) * (self.n * other.n / n)
        return GaussianStats(n, mean, scatter)

    __add__ = merge

    @property
    def dim(self) -> int:
        return self.mean.shape[0]

    @property
    def cov(self) -> np.ndarray:
        """Unbiased covariance (divides by n - 1, as ``np.cov``)."""
        if self.n < 2:
            raise ValueError(f"a covariance needs at least 2 samples, got {self.n}")
        return self.scatter / (self.n - 1)

    def rank(self) -> int:
        """Numerical rank of the covariance (at most n - 1)."""
        return int(np.linalg.matrix_rank(self.cov, hermitian=True))


def drop_rounding_noise(lam: np.ndarray) -> np.ndarray:
    # Eigenvalues below numpy's matrix-rank threshold (size * eps * largest) are rounding
    # noise, of either sign: set them to 0. Keeping the positive ones would add
    # sqrt(noise) ~ 1e-8 relative per null direction, a bias when samples <= dimensions.
    tol = lam.shape[0] * np.finfo(np.float64).eps * max(float(np.abs(lam).max()), 0.0)
    return np.where(lam > tol, lam, 0.0)


def psd_eigh(sigma: np.ndarray, name: str):
    w, v = np.linalg.eigh(sigma)
    floor = -_PSD_RTOL * max(float(np.abs(w).max()), np.finfo(np.float64).tiny)
    if w.min() < floor:
        raise ValueError(f"{name} is not positive semi-definite (eigenvalue {w.min():.3g}); "
                         f"is it really a covariance matrix?")
    return drop_rounding_noise(w), v


def _check_cov(sigma, d: int, name: str) -> np.ndarray:
    sigma = np.asarray(sigma, dtype=np.float64)
    if sigma.shape != (d, d):
        raise ValueError(f"{name} must have shape ({d}, {d}) to match the mean, got {sigma.shape}")
    if not np.all(np.isfinite(sigma)):
        raise ValueError(f"{name} holds NaN or Inf")
    scale = max(float(np.abs(sigma).max()), np.finfo(np.float64).tiny)
    if not np.allclose(sigma, sigma.T, rtol=0.0, atol=1e-9 * scale):
        raise ValueError(f"{name} is not symmetric; a covariance matrix must be")
    return (sigma + sigma.T) / 2  # remove rounding asymmetry so eigh sees exactly what it assumes


def _sqrt_eigs(inner: np.ndarray, check_name: str | None) -> float:
    lam = np.linalg.eigvalsh((inner + inner.T) / 2)
    floor = -_PSD_RTOL * max(float(np.abs(lam).max()), np.finfo(np.float64).tiny)
    if check_name and lam.min() < floor:
        raise ValueError(f"{check_name} is not positive semi-definite (the product has eigenvalue "
                         f"{lam.min():.3g}); is it really a covariance matrix?")
    return float(np.sqrt(drop_rounding_noise(lam)).sum())


def trace_sqrt_product(sigma1, sigma2) -> float:
    """tr sqrt(sigma1 @ sigma2) for PSD matrices, via symmetric eigenvalues only.

    Fast path: sigma1 = L L^T (Cholesky) and sigma1 sigma2 is similar to L^T sigma2 L, which
    is symmetric and congruent to sigma2 (same eigenvalue signs: this also checks sigma2).
    When sigma1 is singular, Cholesky fails and L is replaced by R = sigma1^{1/2} from
    ``eigh``. Eigenvalues within rounding noise of 0 (below size * eps * largest, either
    sign) are set to 0, so the result is never complex; eigenvalues below -1e-8 * largest
    mean the input is not a covariance and raise ValueError.

    >>> round(trace_sqrt_product(np.diag([1.0, 4.0]), np.diag([9.0, 1.0])), 6)  # 3 + 2
    5.0
    """
    sigma1 = np.asarray(sigma1, dtype=np.float64)
    sigma2 = np.asarray(sigma2, dtype=np.float64)
    try:
        low = np.linalg.cholesky(sigma1)
    except np.linalg.LinAlgError:
        w, v = psd_eigh(sigma1, "sigma1")
        root = (v * np.sqrt(w)) @ v.T
        # R is singular here, so the product no longer reveals every sign of sigma2
        return _sqrt_eigs(root @ sigma2 @ root, "sigma2")
    return _sqrt_eigs(low.T @ sigma2 @ low, "sigma2")


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), float64, always >= 0.

    A result below 0 can only be rounding (the exact value is >= 0) and is returned as 0.

    >>> frechet_distance([0.0, 0.0], np.eye(2), [3.0, 0.0], 4 * np.eye(2))  # 9 + 2*(2-1)^2
    11.0
    """
    mu1 = np.asarray(mu1, dtype=np.float64)
    mu2 = np.asarray(mu2, dtype=np.float64)
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(f"mu1 and mu2 must be 1-D of the same length, got {mu1.shape} and {mu2.shape}")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("mu1 or mu2 holds NaN or Inf")
    d = mu1.shape[0]
    sigma1 = _check_cov(sigma1, d, "sigma1")
    sigma2 = _check_cov(sigma2, d, "sigma2")
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))


def frechet_distance_from_stats(a: GaussianStats, b: GaussianStats, names=("first", "second")) -> float:
    """FD between two :class:`GaussianStats`; warns (:class:`FewSamplesWarning`) when n <= d.

    >>> rng = np.random.default_rng(0)
    >>> a = GaussianStats.from_embeddings(rng.normal(size=(500, 4)))
    >>> b = GaussianStats.from_embeddings(rng.normal(1.0, 2.0, size=(500, 4)))
    >>> round(frechet_distance_from_stats(a, b), 2)
    8.19
    """
    if a.dim != b.dim:
        raise ValueError(f"cannot compare {a.dim}-d and {b.dim}-d embeddings")
    for name, s in zip(names, (a, b)):
        if s.n <= s.dim:
            _warn_few_samples(name, s.n, s.dim, s.rank())
    return frechet_distance(a.mean, a.cov, b.mean, b.cov)


def frechet_distance_from_embeddings(x, y, names=("first", "second")) -> float:
    """FD between Gaussians fitted to two embedding sets (rows are samples).

    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(500, 4)), rng.normal(1.0, 2.0, size=(500, 4))  # exact FD: 4 + 4 = 8
    >>> round(frechet_distance_from_embeddings(x, y), 2)
    8.19
    """
    x = as_matrix(x, "x", min_rows=2)
    y = as_matrix(y, "y", min_rows=2)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same embedding size, got {x.shape[1]} and {y.shape[1]}")
    if min(len(x), len(y)) < x.shape[1]:  # fewer rows than dimensions: the rows' SVD, not d x d eigh
        for name, rows in zip(names, (x, y)):
            if len(rows) <= rows.shape[1]:
                _warn_few_samples(name, len(rows), rows.shape[1], covariance_rank(rows))
        return weighted_frechet_distance(x, np.ones(len(x)), y, np.ones(len(y)))
    return frechet_distance_from_stats(GaussianStats.from_embeddings(x), GaussianStats.from_embeddings(y), names)


def covariance_rank(rows) -> int:
    """Rank of the rows' covariance, from the centred rows (n x d) rather than the d x d matrix."""
    rows = np.asarray(rows, dtype=np.float64)
    if len(rows) < 2:
        return 0
    # centring removes one dimension exactly; rounding can leave it above the rank tolerance
    return min(int(np.linalg.matrix_rank(rows - rows.mean(axis=0))), len(rows) - 1)


def _warn_few_samples(name: str, n: int, dim: int, rank: int) -> None:
    warnings.warn(f"the {name} set has {n} samples for {dim} dimensions: its covariance is singular "
                  f"(rank {rank}) and the Fréchet distance is unreliable", FewSamplesWarning, stacklevel=3)


def weighted_moments(x, weights) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the rows of ``x``, row i counted ``weights[i]`` times.

    For integer weights this equals ``np.cov`` of the rows repeated that often (the
    divisor is total weight - 1), without copying them: a bootstrap resample of clips is
    a weight per clip (real-valued for the rescaled cluster bootstrap).

    >>> x = np.array([[0.0, 1.0], [2.0, 0.0], [4.0, 5.0]])
    >>> mean, cov = weighted_moments(x, [2, 0, 1])
    >>> bool(np.allclose(cov, np.cov(x[[0, 0, 2]], rowvar=False))), mean.tolist()
    (True, [1.3333333333333333, 2.3333333333333335])
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = w.sum()
    if w.shape != (len(x),) or total <= 1:
        raise ValueError(f"weights must be one per row with a total above 1, got shape {w.shape}, total {total}")
    mean = w @ x / total
    centred = x - mean
    return mean, (centred * w[:, None]).T @ centred / (total - 1)


def weighted_frechet_distance(x, x_weights, y, y_weights) -> float:
    """FD between the weighted Gaussians of two row sets (row i counted ``weights[i]`` times):
    equal to ``frechet_distance(*weighted_moments(x, wx), *weighted_moments(y, wy))``.

    A bootstrap resample of a set smaller than its dimension (100 PANNs clips, 2048-d) never
    needs a d x d eigen-decomposition: with Sigma = A^T A for the scaled centred rows A,
    tr Sigma = ||A||_F^2 and tr sqrt(Sigma_x Sigma_y) = the nuclear norm of A_x A_y^T (the
    nonzero eigenvalues of Sigma_x Sigma_y are the squared singular values of A_x A_y^T),
    an (n_x, n_y) SVD. Sets with more rows than dimensions take the covariance path.

    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(5, 40)), rng.normal(1.0, 2.0, size=(7, 40))
    >>> wx, wy = np.array([2.0, 0, 1, 1, 1]), np.ones(7)
    >>> slow = frechet_distance(*weighted_moments(x, wx), *weighted_moments(y, wy))
    >>> bool(np.isclose(weighted_frechet_distance(x, wx, y, wy), slow, rtol=1e-10))
    True
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    wx, wy = np.asarray(x_weights, dtype=np.float64), np.asarray(y_weights, dtype=np.float64)
    keep_x, keep_y = wx > 0, wy > 0
    if min(keep_x.sum(), keep_y.sum()) >= x.shape[1]:
        return frechet_distance(*weighted_moments(x, wx), *weighted_moments(y, wy))
    scaled = []
    for rows, w, keep in ((x, wx, keep_x), (y, wy, keep_y)):
        mean, total = w @ rows / w.sum(), w.sum()
        if total <= 1:
            raise ValueError(f"weights must total above 1, got {total}")
        scaled.append((mean, np.sqrt(w[keep] / (total - 1))[:, None] * (rows[keep] - mean)))
    (mx, ax), (my, ay) = scaled
    cross = np.linalg.svd(ax @ ay.T, compute_uv=False).sum()
    diff = mx - my
    return float(max(diff @ diff + (ax * ax).sum() + (ay * ay).sum() - 2.0 * cross, 0.0))
