"""The leaderboard table: one row per results file plus the published (reported) rows.

Metric values stay numbers (so sorting is numeric); each 95 % CI sits in its own text
column beside its value. Missing values are ``None``, never NaN or -1.

>>> from imagehear.leaderboard.table import build_table
>>> df = build_table([], show_reported=True)
>>> df[["model", "CS", "accuracy"]].values.tolist()[0]
['Im2Wav', 9.53, 49.14]
>>> sorted(set(df["source"]))
['reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed', 'reported in V2A-Mapper (Wang et al., AAAI 2024), not re-computed']
"""
from __future__ import annotations

from dataclasses import dataclass

from imagehear.leaderboard.published import PUBLISHED
from imagehear.metrics import METRICS
from imagehear.protocol import CLASS_NAMES, PROTOCOL_VERSION

RECOMPUTED = f"recomputed (protocol {PROTOCOL_VERSION})"
# Column label -> results.json metric key, in registry order (the default sort metric first).
METRIC_COLUMNS = {spec.column: name for name, spec in METRICS.items()}
LOWER_IS_BETTER = {spec.column for spec in METRICS.values() if spec.lower_is_better}
TEXT_COLUMNS_AFTER = ["complete", "protocol", "date", "paper", "code", "file"]
DEFAULT_SORT = "accuracy"


@dataclass(frozen=True)
class Result:
    """One accepted results file: ``key`` is its path relative to the results folder."""

    key: str
    data: dict

    @property
    def name(self) -> str:
        return self.data["model"]["name"]


def ci_text(metric: dict | None, digits: int = 2) -> str:
    """The 95 % CI as text, e.g. ``[47.5, 50.8]``; empty when absent.

    >>> ci_text({"value": 49.14, "ci95": [47.5, 50.8]}), ci_text(None)
    ('[47.5, 50.8]', '')
    """
    if not metric or "ci95" not in metric:
        return ""
    lo, hi = metric["ci95"]
    return f"[{round(lo, digits)}, {round(hi, digits)}]"


def rounded(value: float, decimals: int) -> float:
    """``decimals`` places; values below 10**-decimals keep 3 significant digits instead (an FAD
    of 6.87e-05 stays 6.87e-05, never 0.0 or 0.0001).

    >>> rounded(49.1437, 3), rounded(6.87e-05, 4), rounded(0.0, 4)
    (49.144, 6.87e-05, 0.0)
    """
    if value != 0 and abs(value) < 10 ** -decimals:
        return float(f"{value:.3g}")
    return round(value, decimals)


def recomputed_row(result: Result) -> dict:
    """Table row for an accepted results file."""
    data = result.data
    row = {"model": result.name, "source": RECOMPUTED}
    for column, key in METRIC_COLUMNS.items():
        metric = data["metrics"].get(key)
        row[column] = rounded(metric["value"], METRICS[key].decimals + 1) if metric else None
        row[f"{column} 95% CI"] = ci_text(metric)
    row.update({"n_samples": data["n_samples"], "complete": "yes" if data["complete"] else "no",
                "protocol": data["protocol"], "date": str(data["created"])[:10],
                "paper": data["model"].get("paper") or "", "code": data["model"].get("code") or "",
                "file": result.key})
    return row


def reported_row(entry: dict) -> dict:
    """Table row for a published number set (see :mod:`imagehear.leaderboard.published`).

    >>> reported_row(PUBLISHED[0])["source"]
    'reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed'
    """
    row = {"model": entry["model"], "source": f"reported in {entry['reported_in']}, not re-computed"}
    for column, key in METRIC_COLUMNS.items():
        row[column] = entry.get(key)
        row[f"{column} 95% CI"] = ""  # the papers give no intervals
    row.update({"n_samples": None, "complete": "", "protocol": "paper's own", "date": entry["date"],
                "paper": entry["paper"], "code": entry["code"], "file": ""})
    return row


def sort_rows(rows: list[dict], sort_by: str = DEFAULT_SORT) -> list[dict]:
    """Best first for metric columns (KL/FAD/KAD ascending, others descending), empty values last.

    >>> [r["model"] for r in sort_rows([{"model": "a", "KL": 2.0}, {"model": "b", "KL": None},
    ...                                 {"model": "c", "KL": 1.0}], "KL")]
    ['c', 'a', 'b']
    """
    present = [r for r in rows if r.get(sort_by) not in (None, "")]
    missing = [r for r in rows if r.get(sort_by) in (None, "")]
    descending = sort_by in METRIC_COLUMNS and sort_by not in LOWER_IS_BETTER
    if sort_by in METRIC_COLUMNS or sort_by == "n_samples":
        present.sort(key=lambda r: r["model"].lower())  # stable tie-break by name
        present.sort(key=lambda r: r[sort_by], reverse=descending or sort_by == "n_samples")
    else:
        present.sort(key=lambda r: str(r[sort_by]).lower())
    return present + missing


def filter_rows(rows: list[dict], query: str = "") -> list[dict]:
    """Rows whose model name contains ``query`` (case-insensitive, plain text, not a pattern).

    >>> [r["model"] for r in filter_rows([{"model": "Im2Wav"}, {"model": "V2A-Mapper"}], "WAV")]
    ['Im2Wav']
    """
    needle = (query or "").strip().lower()
    return [r for r in rows if needle in r["model"].lower()]


def columns_for(rows: list[dict]) -> list[str]:
    """Column order; a metric's two columns are dropped when no row has that metric.

    >>> columns_for([{"CS": 1.0}])[:4]
    ['model', 'source', 'CS', 'CS 95% CI']
    """
    columns = ["model", "source"]
    for column in METRIC_COLUMNS:
        if any(r.get(column) is not None for r in rows):
            columns += [column, f"{column} 95% CI"]
    return columns + ["n_samples"] + TEXT_COLUMNS_AFTER


def build_table(results: list[Result], show_reported: bool = True, query: str = "",
                sort_by: str = DEFAULT_SORT):
    """The leaderboard as a pandas DataFrame: filtered, sorted, numbers kept numeric."""
    import pandas as pd

    rows = [recomputed_row(r) for r in results]
    if show_reported:
        rows += [reported_row(entry) for entry in PUBLISHED]
    columns = columns_for(rows)  # from all rows, so filtering never reshapes the table
    rows = sort_rows(filter_rows(rows, query), sort_by if sort_by in columns else DEFAULT_SORT)
    # object dtype keeps None as None (gradio would otherwise receive NaN for empty cells)
    return pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns, dtype=object)


def column_datatypes(columns: list[str]) -> list[str]:
    """gradio Dataframe datatypes: "number" for metric values and n_samples, so sorting is numeric.

    >>> column_datatypes(["model", "CS", "CS 95% CI", "n_samples"])
    ['str', 'number', 'str', 'number']
    """
    return ["number" if c in METRIC_COLUMNS or c == "n_samples" else "str" for c in columns]


def per_class_frame(result: Result | None, metric_key: str):
    """Per-class values of one metric as a DataFrame (class, value); empty when not recorded.

    >>> r = Result("a.json", {"metrics": {"accuracy": {"per_class": {"Dog": 50.0, "Accordion": 75.0}}}})
    >>> per_class_frame(r, "accuracy").values.tolist(), len(per_class_frame(r, "clip_score"))
    ([['Accordion', 75.0], ['Dog', 50.0]], 0)
    """
    import pandas as pd

    metric = result.data["metrics"].get(metric_key) if result else None
    per_class = (metric or {}).get("per_class") or {}
    rows = [(name, float(per_class[name])) for name in CLASS_NAMES if name in per_class]
    return pd.DataFrame(rows, columns=["class", "value"])
