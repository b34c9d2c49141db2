"""Turn a results dict (docs/results_schema.md) into what people read: a plain aligned table for
the terminal, a Markdown summary for a ``.md`` file, and the per-sample CSV (figures:
:mod:`imagehear.report.plots`). Both summaries come from one list of rows; only the Markdown one
escapes (a model name such as ``model_a`` shows as typed on the terminal).

>>> results = {"model": {"name": "demo_a"}, "protocol": "v1", "complete": False, "n_samples": 2,
...            "environment": {"device": "cpu"},
...            "metrics": {"clip_score": {"value": 9.531, "ci95": [9.1, 9.9], "n": 2}}}
>>> print(markdown_summary(results))
**demo\\_a** · protocol v1 · INCOMPLETE (2 clips) · device cpu
<BLANKLINE>
| metric | value | 95 % CI | n |
|---|---:|---|---:|
| CLIP score (CS) | 9.53 | 9.10 – 9.90 | 2 |
>>> print(text_summary(results))
demo_a · protocol v1 · INCOMPLETE (2 clips) · device cpu
<BLANKLINE>
metric           value  95 % CI      n
CLIP score (CS)   9.53  9.10 – 9.90  2
"""
from __future__ import annotations

import csv
from pathlib import Path

from imagehear.metrics import METRICS, PER_SAMPLE_TYPES, per_sample_columns
from imagehear.report.formatting import aligned_table, escape, markdown_table, num

PER_SAMPLE_COLUMNS = per_sample_columns()
MAX_SKIPPED_LINES = 10
HEADER = ("metric", "value", "95 % CI", "n")
RIGHT = (False, True, False, True)
RANDOM_NOTE = "RANDOM WEIGHTS: these numbers are meaningless; the leaderboard never ranks this file."


def _count(entry: dict) -> str:
    if entry.get("n_unmatched"):  # a paired metric on some clips only: say how many it left out
        return f"{entry.get('n', '?')} ({entry['n_unmatched']} unmatched)"
    if "n" in entry:
        return str(entry["n"])
    if "n_generated" in entry:
        return f"{entry['n_generated']} gen / {entry.get('n_reference', '?')} ref"
    return "—"


def summary_parts(results: dict) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
    """What both summaries show, unescaped: the header fields (model first), notes (random
    weights, then skipped clips, the first of them a title) and the table rows (metric, value, CI, n)."""
    from imagehear.report.plots import title_state, weights_state

    profile = (results.get("config") or {}).get("profile") or {}
    extra = [f"{what} {value}" for what, value, default in (
        ("profile", profile.get("name", "protocol-v1"), "protocol-v1"),
        ("image set", results.get("image_set", "im2wav"), "im2wav")) if value != default]
    head = [str(results.get("model", {}).get("name", "unnamed model")), f"protocol {results.get('protocol', '?')}",
            *extra, title_state(results), f"device {results.get('environment', {}).get('device', 'unknown')}"]
    notes = [RANDOM_NOTE] if any(note.startswith("RANDOM") for note in weights_state(results)) else []
    skipped = results.get("skipped") or []
    if skipped:
        notes.append(f"Skipped {len(skipped)} clip(s) (--skip-invalid), so the run is incomplete:")
        notes += [f"{s.get('file')}: {s.get('reason')}" for s in skipped[:MAX_SKIPPED_LINES]]
        if len(skipped) > MAX_SKIPPED_LINES:
            notes.append(f"... and {len(skipped) - MAX_SKIPPED_LINES} more (the results file's skipped list has all)")
    metrics = results.get("metrics", {})
    rows = []
    for key in [k for k in METRICS if k in metrics] + sorted(k for k in metrics if k not in METRICS):
        rows += _metric_rows(key, metrics[key])
    return head, notes, rows or [("(no metrics computed)", "—", "—", "—")]


def markdown_summary(results: dict) -> str:
    """Header line (model, protocol, complete or not, device) and a Markdown metric table."""
    head, notes, rows = summary_parts(results)
    lines = [f"**{escape(head[0])}** · " + " · ".join(escape(h) for h in head[1:])]
    for note in notes:
        lines.append(f"**{note}**" if note == RANDOM_NOTE else escape(note) if note.startswith("Skipped")
                     else f"- {escape(note)}")
    return "\n".join([*lines, "", *markdown_table(HEADER, rows, RIGHT)])


def text_summary(results: dict) -> str:
    """The same as :func:`markdown_summary`, for a terminal: no markup, columns aligned."""
    head, notes, rows = summary_parts(results)
    lines = [" · ".join(head)]
    lines += [note if note == RANDOM_NOTE or note.startswith("Skipped") else f"  - {note}" for note in notes]
    return "\n".join([*lines, "", *aligned_table(HEADER, rows, RIGHT)])


def _metric_rows(key: str, entry: dict) -> list[tuple[str, ...]]:
    spec = METRICS.get(key)
    name, unit, dec = (spec.label, spec.unit, spec.decimals) if spec else (key, "", 3)
    if "direction" in entry:
        name = f"{name}, {entry['direction']}"
    if "scale" in entry:  # a profile's scale (SSV2A's bare cosine): two more decimals for 1/100 of the range
        name, dec = f"{name}, {entry['scale']}", dec + 2
    if "error" in entry:
        return [(name, f"error: {entry['error']}", "—", "—")]
    ci = entry.get("ci95")
    if ci:
        ci_text = f"{num(ci[0], dec)} – {num(ci[1], dec)}"
    elif "std" in entry:
        ci_text = f"± {num(entry['std'], dec)} (std over {entry.get('n_splits', '?')} splits)"
    elif "r2" in entry and "points" in entry:  # FD-inf: an extrapolation, no interval; how well the line fits
        ci_text = f"no CI (fit over {len(entry['points'])} sizes, r² {num(entry['r2'], 2)})"
    else:
        ci_text = "—"
    rows = [(name, f"{num(entry.get('value'), dec)}{unit}", ci_text, _count(entry))]
    if key == "accuracy" and "top5" in entry:
        rows.append(("PaSST accuracy (top-5)", f"{num(entry['top5'], dec)}{unit}", "—", _count(entry)))
    chance = entry.get("chance")
    if isinstance(chance, dict) and isinstance(chance.get("value"), (int, float)):  # how far above chance
        what = (spec.chance if spec else None) or "chance level"
        rows.append((f"↳ chance: {what}", f"{num(chance['value'], dec)}{unit}", "—", "—"))
    return rows


def _cell(column: str, value) -> str:
    if value is None:
        return ""  # metric not computed for this clip
    kind = PER_SAMPLE_TYPES.get(column, "float")
    if kind == "bool":
        return "1" if bool(value) else "0"
    if kind == "float":
        return repr(float(value))  # repr round-trips a float64 exactly
    if kind == "int":
        return str(int(value))
    return str(value)


def write_per_sample_csv(rows, path) -> Path:
    """Write one row per clip with the :data:`PER_SAMPLE_COLUMNS` that hold a value in some row
    (``file`` always; a column empty in every row, such as another run's metric, is left out).

    ``rows`` are mappings; a key outside the columns raises ValueError (a typo would
    otherwise drop a metric silently). ``correct`` is written as 1/0.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for i, row in enumerate(rows):
        extra = set(row) - set(PER_SAMPLE_COLUMNS)
        if extra:
            raise ValueError(f"per-sample row {i} has unknown column(s) {sorted(extra)}; "
                             f"columns are {', '.join(PER_SAMPLE_COLUMNS)}")
    columns = [c for c in PER_SAMPLE_COLUMNS if c == "file" or any(_cell(c, row.get(c)) != "" for row in rows)]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(c, row.get(c)) for c in columns])
    return path


def read_per_sample_csv(path) -> list[dict]:
    """Read a per-sample CSV back with types: floats, int ``passt_top1``, bool ``correct``, None if
    empty; every column of :data:`PER_SAMPLE_COLUMNS` is there (a left-out one as empty)."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        if not header or header[0] != "file" or [c for c in PER_SAMPLE_COLUMNS if c in header] != list(header):
            raise ValueError(f"{path}: header must be file, then some of {','.join(PER_SAMPLE_COLUMNS[1:])} in "
                             f"that order, got {reader.fieldnames}")
        out = []
        for row in reader:
            typed = {}
            for c in PER_SAMPLE_COLUMNS:
                v = row.get(c, "")
                kind = PER_SAMPLE_TYPES.get(c, "float")
                if v == "" and c not in ("file", "label", "image"):
                    typed[c] = None
                elif kind == "float":
                    typed[c] = float(v)
                elif kind == "int":
                    typed[c] = int(v)
                elif kind == "bool":
                    typed[c] = v == "1"
                else:
                    typed[c] = v
            out.append(typed)
    return out
