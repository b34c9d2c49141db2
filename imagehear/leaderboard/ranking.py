"""Rank groups and the reference set of the ranking.

Rank groups: ranked rows sorted best first on the sort metric; the best row opens group 1;
each next row joins the open group unless it is significantly worse than the group's first
row, in which case it opens a new group whose rank is its position (competition ranking:
1, 1, 3, ...). "Significantly" is the paired test of :func:`imagehear.report.compare.compare` on
the per-sample values both files carry (clips pair by manifest row); when that test cannot
run (a file without per-sample values, a set-level metric), the 95 % CIs decide: rows whose
intervals overlap share a group (conservative: overlap does not prove equality, but
separation at 95 % on both sides is a real difference).

>>> from imagehear.leaderboard.table import Result
>>> rows = [{"model": m, "file": m, "CS": v} for m, v in (("a", 12.0), ("b", 11.9), ("c", 9.0))]
>>> ci = {"a": [11.5, 12.5], "b": [11.4, 12.4], "c": [8.5, 9.5]}
>>> results = {m: Result(m, {"metrics": {"clip_score": {"value": r["CS"], "ci95": ci[m]}}}) for m, r in
...            zip("abc", rows)}
>>> rank_groups(rows, "CS", results, compare_fn=None)
{'a': 1, 'b': 1, 'c': 3}
"""
from __future__ import annotations

from collections import Counter

from imagehear.leaderboard.rules import has_reference_metrics, reference_set_key

BETTER = ("A better", "B better")  # verdict words of imagehear.report.compare, A = the first file


def main_reference_set(results) -> tuple[str, int] | None:
    """The reference set most ranked results with reference metrics were scored against
    (ties: more files, then the smaller hash), or None when none records one.

    >>> from imagehear.leaderboard.table import Result
    >>> r = lambda k, sha: Result(k, {"metrics": {"kl": {}}, "reference_set": {"sha256": sha, "n_files": 6}})
    >>> main_reference_set([r("a", "f" * 64), r("b", "0" * 64), r("c", "f" * 64)])[0][:4]
    'ffff'
    """
    counts = Counter(reference_set_key(r.data) for r in results
                     if r.ranked and has_reference_metrics(r.data) and reference_set_key(r.data))
    if not counts:
        return None
    return min(counts, key=lambda key: (-counts[key], -key[1], key[0]))


def ci_separated(better: dict, worse: dict, lower_is_better: bool) -> bool:
    """Whether two metric entries' 95 % CIs do not overlap (in the better-first direction).

    >>> ci_separated({"ci95": [10.0, 11.0]}, {"ci95": [8.0, 9.5]}, False)
    True
    """
    a, b = better.get("ci95"), worse.get("ci95")
    if not (isinstance(a, list) and isinstance(b, list)):
        return False  # no interval: no evidence of a difference
    return a[1] < b[0] if lower_is_better else a[0] > b[1]


def _compare_verdict(compare_fn, a: dict, b: dict, metric: str) -> str | None:
    """The verdict of ``compare_fn(a, b)`` on ``metric``, or None when the test cannot run."""
    if compare_fn is None:
        return None
    try:
        verdict = compare_fn(a, b, metric)
    except Exception:  # missing or mismatched per-sample values: fall back to the CIs
        return None
    return verdict if isinstance(verdict, str) else None


def significantly_better(a, b, metric: str, lower_is_better: bool, compare_fn=None) -> bool:
    """Whether result ``a`` is better than ``b`` on ``metric`` at 95 % (see the module docstring)."""
    verdict = _compare_verdict(compare_fn, a.data, b.data, metric)
    if verdict is not None:
        return verdict == BETTER[0]
    return ci_separated(a.data["metrics"][metric], b.data["metrics"][metric], lower_is_better)


def rank_groups(rows: list[dict], column: str, results: dict, compare_fn=None) -> dict[str, int]:
    """File key -> rank for ``rows`` (dicts with ``file`` and ``column``), sorted best first by
    the caller; rows without a value get no rank. ``results`` maps file keys to Results."""
    from imagehear.leaderboard.table import LOWER_IS_BETTER, METRIC_COLUMNS

    metric, lower = METRIC_COLUMNS[column], column in LOWER_IS_BETTER
    ranks, leader, leader_rank = {}, None, 0
    for position, row in enumerate((r for r in rows if r.get(column) is not None), start=1):
        current = results[row["file"]]
        if leader is None or significantly_better(leader, current, metric, lower, compare_fn):
            leader, leader_rank = current, position
        ranks[row["file"]] = leader_rank
    return ranks


def default_compare():
    """``compare_fn(a, b, metric) -> verdict`` from :mod:`imagehear.report.compare`, or None if unavailable."""
    try:
        from imagehear.report.compare import compare
    except ImportError:
        return None

    def verdict(a: dict, b: dict, metric: str) -> str | None:
        entry = compare(a, b, metrics=[metric])["metrics"].get(metric) or {}
        return entry.get("verdict")

    return verdict
