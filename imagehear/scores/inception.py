"""Inception score (IS) over classifier outputs, as av-benchmark computes it.

av-benchmark (github.com/hkchengrex/av-benchmark @050a5cd, ``av_bench/metrics/isc.py``,
``compute_isc``, called from ``av_bench/evaluate.py`` with ``splits=10``,
``samples_shuffle=True``, ``rng_seed=2020``) does, on an (N, C) logit matrix:

1. rows permuted by ``numpy.random.RandomState(2020).permutation(N)``;
2. float64; ``p = softmax``, ``log_p = log_softmax`` over classes;
3. split ``i`` of ``k`` = rows ``[i*N//k, (i+1)*N//k)`` (so sizes differ by at most one
   when ``k`` does not divide ``N``);
4. per split: marginal ``q = mean of p``; score ``exp(mean_rows sum_c p (log_p - log q))``,
   no epsilon anywhere;
5. result: mean and population std (``np.std``, ddof 0) of the ``k`` split scores.

The permutation depends on the order of the rows, so the order is part of the definition:
av-benchmark lists clips sorted by file stem (``av_bench/extract.py``, ``extract``). Pass
``names`` (the file stems) and the rows are put in that order first, so the result no longer
depends on the order the caller happens to hold them in.

The one place we differ from a literal transcription: a class whose probability underflows
to exactly 0 in every row of a split makes av-benchmark's ``0 * inf`` a NaN; we use the limit
(``0 log 0 = 0``), which equals av-benchmark wherever av-benchmark is finite.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import log_softmax

from imagehear.scores._checks import as_matrix

IS_SPLITS = 10       # av-benchmark's splits
IS_SEED = 2020       # av-benchmark's numpy.random.RandomState seed
_PROB_ATOL = 1e-6    # rows of ``probs`` must sum to 1 within this


@dataclass(frozen=True)
class InceptionScoreResult:
    value: float              # mean of the per-split scores
    std: float                # population std (ddof 0) of the per-split scores
    per_split: np.ndarray     # (n_splits,) float64
    split_sizes: tuple        # rows in each split
    n_splits: int
    n: int                    # rows scored
    shuffle_seed: int | None  # None: no shuffle
    inputs: str               # "logits" or "probs"


def _order(n: int, names) -> np.ndarray:
    if names is None:
        return np.arange(n)
    if isinstance(names, str):
        raise ValueError("names must be a sequence of file stems, one per row, not a string")
    names = [str(s) for s in names]
    if len(names) != n:
        raise ValueError(f"names has {len(names)} entries but there are {n} rows")
    if len(set(names)) != n:
        dup = sorted({s for s in names if names.count(s) > 1})[:5]
        raise ValueError(f"names must be unique (av-benchmark keys clips by file stem); repeated: {dup}")
    return np.array(sorted(range(n), key=names.__getitem__), dtype=int)


def _log_probs(x: np.ndarray, inputs: str) -> tuple[np.ndarray, np.ndarray]:
    if inputs == "logits":
        log_p = log_softmax(x, axis=1)
        return np.exp(log_p), log_p
    if inputs != "probs":
        raise ValueError(f"inputs must be 'logits' or 'probs', got {inputs!r}")
    if (x < 0).any():
        raise ValueError("probs must be non-negative (pass inputs='logits' for raw classifier outputs)")
    sums = x.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > _PROB_ATOL)
    if bad.size:
        raise ValueError(f"probs rows must sum to 1; row {int(bad[0])} sums to {sums[bad[0]]:.6g} "
                         f"(pass inputs='logits' for raw classifier outputs)")
    with np.errstate(divide="ignore"):
        return x, np.log(x)


def inception_score(x, n_splits: int = IS_SPLITS, shuffle_seed: int | None = IS_SEED,
                    inputs: str = "logits", names: Sequence[str] | None = None) -> InceptionScoreResult:
    """Inception score of (N, C) classifier ``logits`` (or ``probs``), av-benchmark's formula.

    ``shuffle_seed=None`` keeps the row order (no permutation). ``names``: file stems, one
    per row; when given, rows are sorted by stem before the shuffle (av-benchmark's clip
    order). IS lies in [1, C]: 1 when every row predicts the same distribution, C when each
    row is certain and the classes are used equally often.

    >>> import numpy as np
    >>> inception_score(np.zeros((20, 5))).value  # every clip predicts the same distribution
    1.0
    >>> confident = 50.0 * np.eye(4)[np.arange(48) % 4]  # certain, 4 classes used equally
    >>> r = inception_score(confident, n_splits=4, shuffle_seed=None)
    >>> round(r.value, 6), r.std, r.split_sizes
    (4.0, 0.0, (12, 12, 12, 12))
    >>> inception_score(np.zeros((23, 3))).split_sizes  # N not divisible by 10
    (2, 2, 2, 3, 2, 2, 3, 2, 2, 3)
    """
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 1:
        raise ValueError(f"n_splits must be a positive integer, got {n_splits!r}")
    n_splits = int(n_splits)
    arr = as_matrix(x, inputs if inputs in ("logits", "probs") else "x")
    n, c = arr.shape
    if c < 2:
        raise ValueError(f"{inputs} need at least 2 classes, got {c}")
    if n < n_splits:
        raise ValueError(f"inception score with {n_splits} splits needs at least {n_splits} rows, got {n}: "
                         f"score more clips or lower n_splits")
    arr = arr[_order(n, names)]
    if shuffle_seed is not None:
        arr = arr[np.random.RandomState(shuffle_seed).permutation(n)]
    p, log_p = _log_probs(arr, inputs)
    scores, sizes = [], []
    for i in range(n_splits):
        lo, hi = i * n // n_splits, (i + 1) * n // n_splits
        p_chunk, log_p_chunk = p[lo:hi], log_p[lo:hi]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_q = np.log(p_chunk.mean(axis=0, keepdims=True))
            terms = np.where(p_chunk > 0, p_chunk * (log_p_chunk - log_q), 0.0)  # 0 log 0 = 0
        scores.append(float(np.exp(terms.sum(axis=1).mean())))
        sizes.append(hi - lo)
    per_split = np.asarray(scores, dtype=np.float64)
    return InceptionScoreResult(float(np.mean(per_split)), float(np.std(per_split)), per_split,
                                tuple(sizes), n_splits, n, shuffle_seed, inputs)
