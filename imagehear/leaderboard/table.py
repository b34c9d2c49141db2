"""The leaderboard's two tables: the ranking, and everything that is not comparable with it.

Ranked rows are results that pass every rule of :mod:`imagehear.leaderboard.rules`; each
carries its rank group (:mod:`imagehear.leaderboard.ranking`). The unranked table holds
the other valid results, each with its reasons, and the numbers papers reported (each paper
computed them its own way). Metric values stay numbers (so sorting is numeric); each 95 % CI
sits in its own text column. Missing values are ``None``, never NaN or -1.

>>> ranked, unranked = build_tables([], show_reported=True)
>>> len(ranked), unranked[["model", "CS", "accuracy"]].values.tolist()[0]
(0, ['Im2Wav', 9.53, 49.14])
>>> unranked["why not ranked"].iloc[0]
'reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed'
"""
from __future__ import annotations

from dataclasses import dataclass

from imagehear.leaderboard.published import PUBLISHED
from imagehear.leaderboard.rules import REFERENCE_METRICS, has_reference_metrics, reference_set_key
from imagehear.metrics import METRICS
from imagehear.protocol import CLASS_NAMES, PROTOCOL_VERSION

RECOMPUTED = f"recomputed (protocol {PROTOCOL_VERSION})"
# Column label -> results.json metric key, in registry order (the default sort metric first).
METRIC_COLUMNS = {spec.column: name for name, spec in METRICS.items()}
LOWER_IS_BETTER = {spec.column for spec in METRICS.values() if spec.lower_is_better}
REFERENCE_COLUMNS = tuple(METRICS[name].column for name in REFERENCE_METRICS)
RANKED_HEAD, UNRANKED_HEAD = ["rank", "model"], ["model", "why not ranked"]
RANKED_TAIL = ["notes", "reference set", "n_samples", "date", "paper", "code", "file"]
UNRANKED_TAIL = ["reference set", "n_samples", "complete", "protocol", "date", "paper", "code", "file"]
DEFAULT_SORT = "accuracy"
HUB_COLUMN = "model repo"  # Hub model repos whose .eval_results entries link the row's file


@dataclass(frozen=True)
class Result:
    """One valid results file: ``key`` is its path relative to the results folder; ``reasons``
    why it is not ranked (empty: ranked); ``digest`` the SHA-256 of its canonical JSON."""

    key: str
    data: dict
    reasons: tuple[str, ...] = ()
    digest: str = ""

    @property
    def name(self) -> str:
        return self.data["model"]["name"]

    @property
    def ranked(self) -> bool:
        return not self.reasons


def ci_text(metric: dict | None, digits: int = 2) -> str:
    """The 95 % CI as text, e.g. ``[47.5, 50.8]``; empty when absent.

    >>> ci_text({"value": 49.14, "ci95": [47.5, 50.8]}), ci_text(None), ci_text({"ci95": [6.1e-05, 7.2e-05]}, 3)
    ('[47.5, 50.8]', '', '[6.1e-05, 7.2e-05]')
    """
    if not metric or not isinstance(metric.get("ci95"), list):
        return ""
    lo, hi = metric["ci95"]
    return f"[{rounded(lo, digits)}, {rounded(hi, digits)}]"


def rounded(value: float, decimals: int) -> float:
    """``decimals`` places; values below 10**-decimals keep 3 significant digits instead (an FAD
    of 6.87e-05 stays 6.87e-05, never 0.0 or 0.0001).

    >>> rounded(49.1437, 3), rounded(6.87e-05, 4), rounded(0.0, 4)
    (49.144, 6.87e-05, 0.0)
    """
    if value != 0 and abs(value) < 10 ** -decimals:
        return float(f"{value:.3g}")
    return round(value, decimals)


def reference_label(key: tuple[str, int] | None) -> str:
    """Short text for a reference-set fingerprint.

    >>> reference_label(("0123456789abcdef" * 4, 3600)), reference_label(None)
    ('0123456789ab (3600 files)', '')
    """
    return f"{key[0][:12]} ({key[1]} files)" if key else ""


def metric_cells(data: dict, blank=()) -> dict:
    """Value and CI cells of every metric column; columns in ``blank`` stay empty."""
    cells = {}
    for column, key in METRIC_COLUMNS.items():
        metric = data["metrics"].get(key)
        shown = metric if column not in blank else None
        cells[column] = rounded(shown["value"], METRICS[key].decimals + 1) if shown else None
        cells[f"{column} 95% CI"] = ci_text(shown, METRICS[key].decimals)
    return cells


def _common(result: Result) -> dict:
    data = result.data
    return {"n_samples": data["n_samples"], "date": str(data["created"])[:10],
            "reference set": reference_label(reference_set_key(data)),
            "paper": data["model"].get("paper") or "", "code": data["model"].get("code") or "", "file": result.key}


def ranked_row(result: Result, reference: tuple[str, int] | None) -> dict:
    """Row of the ranking. Reference metrics show only for rows scored against ``reference``
    (the most common reference set among ranked rows); the others say why they are blank."""
    data, blank, notes = result.data, (), ""
    own = reference_set_key(data)
    if has_reference_metrics(data) and own != reference:
        blank = REFERENCE_COLUMNS
        shown = ", ".join(c for c in REFERENCE_COLUMNS if METRIC_COLUMNS[c] in data["metrics"])
        notes = (f"{shown} blank: scored against reference set {reference_label(own)}, not the table's "
                 f"{reference_label(reference)}") if own else f"{shown} blank: no reference-set fingerprint recorded"
    return {"rank": None, "model": result.name, **metric_cells(data, blank), **_common(result), "notes": notes}


def unranked_row(result: Result) -> dict:
    data = result.data
    return {"model": result.name, "why not ranked": "; ".join(result.reasons), **metric_cells(data),
            **_common(result), "complete": "yes" if data["complete"] else "no", "protocol": data["protocol"]}


def reported_row(entry: dict) -> dict:
    """Unranked row for a published number set (see :mod:`imagehear.leaderboard.published`).

    >>> reported_row(PUBLISHED[0])["why not ranked"]
    'reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed'
    """
    row = {"model": entry["model"], "why not ranked": f"reported in {entry['reported_in']}, not re-computed"}
    for column, key in METRIC_COLUMNS.items():
        row[column] = entry.get(key)
        row[f"{column} 95% CI"] = ""  # the papers give no intervals
    row.update({"reference set": "", "n_samples": None, "complete": "", "protocol": "paper's own",
                "date": entry["date"], "paper": entry["paper"], "code": entry["code"], "file": ""})
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
    present.sort(key=lambda r: r["model"].lower())  # stable tie-break by name
    if sort_by in METRIC_COLUMNS or sort_by in ("n_samples", "rank"):
        present.sort(key=lambda r: r[sort_by], reverse=descending or sort_by == "n_samples")
    else:
        present.sort(key=lambda r: str(r[sort_by]).lower(), reverse=sort_by == "date")
    return present + missing


def filter_rows(rows: list[dict], query: str = "") -> list[dict]:
    """Rows whose model name contains ``query`` (case-insensitive, plain text, not a pattern).

    >>> [r["model"] for r in filter_rows([{"model": "Im2Wav"}, {"model": "V2A-Mapper"}], "WAV")]
    ['Im2Wav']
    """
    needle = (query or "").strip().lower()
    return [r for r in rows if needle in r["model"].lower()]


def columns_for(rows: list[dict], head=UNRANKED_HEAD, tail=UNRANKED_TAIL) -> list[str]:
    """Column order; a metric's two columns are dropped when no row has that metric.

    >>> columns_for([{"CS": 1.0}])[:4]
    ['model', 'why not ranked', 'CS', 'CS 95% CI']
    """
    columns = list(head)
    for column in METRIC_COLUMNS:
        if any(r.get(column) is not None for r in rows):
            columns += [column, f"{column} 95% CI"]
    return columns + list(tail)


def frame(rows: list[dict], columns: list[str]):
    import pandas as pd

    # object dtype keeps None as None (gradio would otherwise receive NaN for empty cells)
    return pd.DataFrame([[r.get(c) for c in columns] for r in rows], columns=columns, dtype=object)


def build_tables(results: list[Result], show_reported: bool = True, query: str = "", sort_by: str = DEFAULT_SORT,
                 ranks: dict[str, int] | None = None, reference: tuple[str, int] | None = None,
                 links: dict[str, list[str]] | None = None, hub_rows: list[dict] = ()):
    """``(ranked, unranked)`` DataFrames: filtered by ``query``, sorted by ``sort_by`` (best first).

    ``ranks`` maps file keys of ranked results to their rank group; ``reference`` is the
    reference set whose KL/FAD/FD/KAD the ranking compares. With the Hub's rows
    (:mod:`imagehear.leaderboard.hub_board`), ``links`` maps file keys to the model repos whose
    Hub entries join them and ``hub_rows`` are the unranked rows of the other Hub entries; both
    tables then get a "model repo" column.
    """
    ranked = [dict(ranked_row(r, reference), rank=(ranks or {}).get(r.key)) for r in results if r.ranked]
    unranked = [unranked_row(r) for r in results if not r.ranked]
    if show_reported:
        unranked += [reported_row(entry) for entry in PUBLISHED]
    hub = [HUB_COLUMN] if links is not None else []  # beside the model name: what the Hub rows are about
    for row in ranked + unranked:
        row.setdefault(HUB_COLUMN, ", ".join((links or {}).get(row["file"], ())))
    unranked += list(hub_rows)
    tables = []
    for rows, head, tail in ((ranked, RANKED_HEAD + hub, RANKED_TAIL), (unranked, UNRANKED_HEAD + hub, UNRANKED_TAIL)):
        columns = columns_for(rows, head, tail)  # from all rows, so filtering never reshapes the table
        order = sort_by if sort_by in columns else DEFAULT_SORT
        tables.append(frame(sort_rows(filter_rows(rows, query), order), columns))
    return tables[0], tables[1]


def column_datatypes(columns: list[str]) -> list[str]:
    """gradio Dataframe datatypes: "number" for metric values, rank and n_samples, so sorting is numeric.

    >>> column_datatypes(["rank", "model", "CS", "CS 95% CI", "n_samples"])
    ['number', 'str', 'number', 'str', 'number']
    """
    return ["number" if c in METRIC_COLUMNS or c in ("n_samples", "rank") else "str" for c in columns]


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
