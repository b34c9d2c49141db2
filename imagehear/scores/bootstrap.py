"""Seeded percentile bootstrap confidence intervals."""
from __future__ import annotations

import functools

import numpy as np


def bootstrap_ci(statistic, *data, n_resamples: int = 1000, seed: int = 0,
                 confidence: float = 0.95, paired: bool = False) -> tuple[float, float]:
    """Percentile bootstrap interval, deterministic for a given ``seed``.

    Two forms:

    - ``bootstrap_ci(values)``: per-sample scores; the statistic is the mean.
    - ``bootstrap_ci(statistic, a, b, ...)``: a set-level score ``statistic(a*, b*, ...)``
      over resampled rows. Each array is resampled on its own (two sets of different
      sizes, e.g. FD of generated vs reference embeddings); ``paired=True`` uses the same
      row indices for all (arrays of equal length). Set-level statistics such as FD cost
      one full computation per resample: use fewer, e.g. ``n_resamples=200``.

    >>> values = np.arange(10.0) ** 2
    >>> [round(v, 2) for v in bootstrap_ci(values, n_resamples=200)]
    [13.89, 46.62]
    >>> x = np.random.default_rng(1).normal(size=(50, 2))
    >>> [round(v, 3) for v in bootstrap_ci(lambda a: float(a[:, 0].std()), x, n_resamples=100)]
    [0.643, 1.028]
    """
    if not callable(statistic):
        if data:
            raise ValueError("pass either values alone, or a statistic function followed by data arrays")
        data = (statistic,)
        statistic = _mean
    if not data:
        raise ValueError("bootstrap_ci needs at least one data array after the statistic")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if int(n_resamples) != n_resamples or n_resamples < 2:
        raise ValueError(f"n_resamples must be an integer >= 2, got {n_resamples}")
    arrays = [np.asarray(d) for d in data]
    sizes = [a.shape[0] if a.ndim else 0 for a in arrays]
    if min(sizes) < 1:
        raise ValueError(f"every data array needs at least one row, got sizes {sizes}")
    if paired and len(set(sizes)) > 1:
        raise ValueError(f"paired resampling needs arrays of equal length, got {sizes}")
    rng = np.random.default_rng(seed)
    stats = np.empty(int(n_resamples))
    for k in range(int(n_resamples)):
        if paired:
            idx = rng.integers(0, sizes[0], sizes[0])
            sample = [a[idx] for a in arrays]
        else:
            sample = [a[rng.integers(0, n, n)] for a, n in zip(arrays, sizes)]
        stats[k] = float(statistic(*sample))
    if not np.all(np.isfinite(stats)):
        raise ValueError("the statistic returned NaN or Inf on a resample")
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _mean(values) -> float:
    return float(np.mean(np.asarray(values, dtype=np.float64)))


# --------------------------------------------------------------------------- cluster bootstrap
# Rao & Wu (1988) rescaled bootstrap for a stratified cluster sample: strata are classes,
# clusters (primary units) are conditioning images. In each stratum with n_h >= 2 units,
# draw n_h - 1 units with replacement; a unit drawn r times gets weight r * n_h / (n_h - 1)
# and every row (clip) of the unit carries it. The rescaling makes the bootstrap variance of
# a stratified mean equal the unbiased between-unit estimate (a plain n_h-of-n_h redraw is
# low by (n_h - 1) / n_h: half the variance with 2 images per class). The unit totals already
# hold the within-image (clip) noise, so clips are not redrawn a second time (that would
# count it twice: Davison & Hinkley 1997, sec. 3.8). With 2-8 images per class the design has
# few degrees of freedom (images - classes = 70 on a full run), so the percentile interval is
# widened about the estimate by t_df / z, the survey rule (R survey's degf, Stata svy); the
# coverage study in docs/statistics.md (scripts/ci_coverage.py) shows what each step buys.
CLUSTER_METHOD = "rescaled stratified cluster bootstrap (Rao-Wu), percentile widened by t(df)/z"
_CHUNK = 50  # weights are drawn 50 resamples at a time (fixed, so the draws depend on the seed only)


class ClusterDesign:
    """Rows (clips) grouped into units (images) inside strata (classes), for resampling.

    ``strata``: one label per row (None: one stratum). ``clusters``: one unit id per row
    (None: every row is its own unit, i.e. i.i.d. rows within strata). Unit ids are read
    within a stratum, so the same id in two classes names two units. A stratum with a
    single unit cannot show between-unit variation: its rows become the units there.

    >>> d = ClusterDesign(["a", "a", "a", "b", "b"], ["x", "x", "y", "z", "z"])
    >>> d.n_units, d.unit_of_row.tolist(), d.unit
    (4, [0, 0, 1, 2, 3], 'image within class')
    """

    def __init__(self, strata=None, clusters=None, n: int | None = None):
        lengths = {len(x) for x in (strata, clusters) if x is not None} | ({n} if n is not None else set())
        if len(lengths) != 1:
            raise ValueError(f"strata, clusters and n must agree on the number of rows, got lengths {sorted(lengths)}")
        self.n = lengths.pop()
        if self.n < 1:
            raise ValueError("a design needs at least one row")
        strata = [None] * self.n if strata is None else [str(s) for s in strata]
        self.iid = clusters is None
        keys = list(range(self.n)) if clusters is None else [str(c) for c in clusters]
        per_stratum: dict = {}
        for row, (s, k) in enumerate(zip(strata, keys)):
            per_stratum.setdefault(s, {}).setdefault(k, []).append(row)
        self.unit_of_row = np.empty(self.n, dtype=np.int64)
        self.strata_units: list[np.ndarray] = []   # unit indices of each stratum
        self.stratum_share = []                     # rows of the stratum / all rows
        self.single_unit_strata = []                # strata whose rows became the units
        units = 0
        for s, groups in per_stratum.items():
            if len(groups) == 1 and not self.iid:
                self.single_unit_strata.append(s)
                groups = {row: [row] for rows in groups.values() for row in rows}
            for rows in groups.values():
                self.unit_of_row[rows] = units
                units += 1
            self.strata_units.append(np.arange(units - len(groups), units))
            self.stratum_share.append(sum(map(len, groups.values())) / self.n)
        self.n_units = units
        self.unit_size = np.bincount(self.unit_of_row, minlength=units).astype(np.float64)
        self.df = max(1, self.n_units - len(self.strata_units))  # design degrees of freedom
        self.unit = "clip within class (no image ids: clips resampled as independent)" if self.iid \
            else "image within class"

    def record(self, seed: int, n_resamples: int, confidence: float = 0.95) -> dict:
        """How an interval on this design was drawn (goes into each entry as ``ci_method``)."""
        out = {"name": CLUSTER_METHOD, "unit": self.unit, "strata": len(self.strata_units),
               "units": self.n_units, "df": self.df, "seed": seed, "n_resamples": n_resamples, "confidence": confidence}
        if self.single_unit_strata and not self.iid:
            out["single_image_strata"] = f"{len(self.single_unit_strata)} class(es) with one image: clips resampled"
        return out

    def unit_weights(self, n_resamples: int, seed: int = 0):
        """Yield (b, n_units) arrays of Rao-Wu weights, b <= 50, ``n_resamples`` rows in all, seeded."""
        rng = np.random.default_rng(seed)
        for start in range(0, n_resamples, _CHUNK):
            b = min(_CHUNK, n_resamples - start)
            w = np.ones((b, self.n_units))
            for units in self.strata_units:
                k = len(units)
                if k >= 2:
                    w[:, units] = rng.multinomial(k - 1, np.full(k, 1.0 / k), size=b) * (k / (k - 1))
            yield w

    def row_weights(self, n_resamples: int, seed: int = 0):
        """As :meth:`unit_weights`, expanded to one weight per row: (b, n) arrays."""
        for w in self.unit_weights(n_resamples, seed):
            yield w[:, self.unit_of_row]


def reference_seed(seed: int) -> int:
    """The seed of the reference set's draws in a set-level interval whose generated rows use
    ``seed``. A stream of its own, so the reference draws do not repeat the generated ones;
    entries record it beside ``seed`` (``ci_method.reference_seed``).

    >>> reference_seed(0)
    1
    """
    return int(seed) + 1


def stratified_means(values, design: ClusterDesign, n_resamples: int = 1000, seed: int = 0) -> np.ndarray:
    """Bootstrap distribution of the mean of ``values`` (one per row) on ``design``.

    Each resample is sum_h share_h * (weighted mean of stratum h), with the class shares
    fixed as the plan fixes them; with unit weights 1 it is the plain mean of ``values``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (design.n,) or not np.all(np.isfinite(values)):
        raise ValueError(f"values must be {design.n} finite numbers, one per row of the design")
    sums = np.bincount(design.unit_of_row, weights=values, minlength=design.n_units)
    out = []
    for w in design.unit_weights(n_resamples, seed):
        total = np.zeros(len(w))
        for units, share in zip(design.strata_units, design.stratum_share):
            total += share * (w[:, units] @ sums[units]) / (w[:, units] @ design.unit_size[units])
        out.append(total)
    return np.concatenate(out)


def cluster_bootstrap_ci(values, strata=None, clusters=None, n_resamples: int = 1000, seed: int = 0,
                         confidence: float = 0.95) -> tuple[float, float]:
    """Percentile interval of a mean of per-clip ``values``, resampling ``clusters`` (images)
    within ``strata`` (classes) by the rescaled bootstrap; None for either falls back to one
    stratum / independent clips. Deterministic for a given ``seed``.

    Clips of one image share its conditioning, so their scores move together; the interval
    is wider than an i.i.d. one exactly when they do:

    >>> rng = np.random.default_rng(0)
    >>> image = np.repeat(np.arange(20), 30)                  # 20 images x 30 clips
    >>> values = rng.normal(size=20)[image] + 0.1 * rng.normal(size=600)
    >>> iid = cluster_bootstrap_ci(values, n_resamples=300)
    >>> clustered = cluster_bootstrap_ci(values, clusters=image, n_resamples=300)
    >>> round((clustered[1] - clustered[0]) / (iid[1] - iid[0]), 1)
    5.8
    """
    check_resampling(n_resamples, confidence)
    values = np.asarray(values, dtype=np.float64)
    design = ClusterDesign(strata, clusters, n=len(values))
    distribution = stratified_means(values, design, n_resamples, seed)
    return interval(float(values.mean()), distribution, design.df, confidence)


@functools.lru_cache(maxsize=256)  # every interval and p-value asks; scipy's t.ppf costs more than a small bootstrap
def widening(df: float, confidence: float = 0.95) -> float:
    """t_df / z at ``confidence``: how much a normal-theory interval widens for ``df``.

    >>> round(widening(70), 4), widening(float("inf"))
    (1.0176, 1.0)
    """
    from scipy import stats

    q = 1.0 - (1.0 - confidence) / 2.0
    return 1.0 if not np.isfinite(df) else float(stats.t.ppf(q, df) / stats.norm.ppf(q))


def interval(value: float, distribution, df: float = np.inf, confidence: float = 0.95,
             recentre: bool = False) -> tuple[float, float]:
    """The interval reported from a bootstrap ``distribution`` of a statistic whose value is ``value``.

    Percentile quantiles, each distance from ``value`` widened by :func:`widening` (``df``).
    ``recentre=True`` (set-level statistics, FD and KAD) first shifts the distribution by
    its bias estimate ``mean - value``: resampled sets hold duplicate clips, which inflate a
    biased statistic such as FD, so the raw percentile interval can lie wholly above the
    value. Re-centred, the interval is one for the statistic's expected value at this set
    size (the quantity two same-size runs compare), and it holds ``value``.

    >>> interval(10.0, [11.0, 12.0, 13.0, 14.0, 15.0], confidence=0.5)  # percentile: above the value
    (12.0, 14.0)
    >>> interval(10.0, [11.0, 12.0, 13.0, 14.0, 15.0], confidence=0.5, recentre=True)
    (9.0, 11.0)
    """
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(_widened(value, distribution, df, confidence, recentre), [alpha, 1.0 - alpha])
    return float(low), float(high)


def two_sided_p(value: float, distribution, df: float = np.inf, confidence: float = 0.95,
                recentre: bool = False) -> float:
    """Bootstrap p-value of "the statistic is 0" that agrees with :func:`interval` at ``confidence``.

    It is the level ``1 - c`` beyond which the interval drawn from the same distribution
    (re-centred, widened by ``widening(df, confidence)``, quantiles interpolated as
    ``np.quantile`` does) excludes 0, so ``p < 1 - confidence`` exactly when the interval at
    ``confidence`` excludes 0. The widening depends on the confidence, so the p-value does
    too (unless ``df`` is infinite): pass the confidence of the interval it goes with. When 0
    lies beyond every resample the interval excludes it at any confidence and p is 0: the
    bootstrap cannot resolve p below about ``2 / len(distribution)``. A distribution all at
    0 gives 1.

    >>> two_sided_p(2.0, [-1.0, 1.0, 2.0, 3.0, 5.0])  # 0 sits at quantile level 1/8
    0.25
    >>> interval(2.0, [-1.0, 1.0, 2.0, 3.0, 5.0], confidence=0.76)[0] > 0  # 1 - 0.76 < 0.25
    False
    >>> interval(2.0, [-1.0, 1.0, 2.0, 3.0, 5.0], confidence=0.74)[0] > 0
    True
    >>> two_sided_p(2.0, [1.0, 1.5, 2.0, 2.5, 3.0]), two_sided_p(0.0, [0.0] * 5)
    (0.0, 1.0)
    """
    widened = np.sort(_widened(value, distribution, df, confidence, recentre))
    # the lower bound is > 0 for quantile levels above the first; the upper bound < 0 for
    # levels below 1 - the second (quantile(-x, q) = -quantile(x, 1 - q) under linear interpolation)
    level = min(_level_of_zero(widened), _level_of_zero(-widened[::-1]))
    return float(min(1.0, 2.0 * level))


def _widened(value: float, distribution, df: float, confidence: float, recentre: bool) -> np.ndarray:
    """The distribution whose percentiles are the interval: re-centred if asked, then
    stretched about ``value`` by t_df / z. One helper for :func:`interval` and
    :func:`two_sided_p`, so both read the very same numbers."""
    dist = np.asarray(distribution, dtype=np.float64)
    if dist.ndim != 1 or dist.size < 2 or not np.all(np.isfinite(dist)):
        raise ValueError("the bootstrap distribution must hold at least 2 finite values")
    if isinstance(confidence, bool) or not 0.0 < confidence < 1.0:  # True would read as 1: an infinite widening
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if recentre:
        dist = dist - (dist.mean() - value)
    return value + widening(df, confidence) * (dist - value)


def _level_of_zero(ordered: np.ndarray) -> float:
    """The largest level q at which ``np.quantile(ordered, q)`` (linear) is <= 0: the
    quantile is > 0 exactly for levels above it. 0.0 when every value is > 0."""
    below = int(np.searchsorted(ordered, 0.0, side="right"))  # values <= 0
    if below == 0:
        return 0.0
    if below == ordered.size:
        return 1.0
    lo, hi = ordered[below - 1], ordered[below]               # lo <= 0 < hi
    return float((below - 1 + (0.0 - lo) / (hi - lo)) / (ordered.size - 1))


def check_resampling(n_resamples, confidence) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if isinstance(n_resamples, bool) or int(n_resamples) != n_resamples or n_resamples < 2:
        raise ValueError(f"n_resamples must be an integer >= 2, got {n_resamples}")
