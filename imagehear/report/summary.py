"""Turn a results dict (docs/results_schema.md) into what people read: a Markdown summary and
the per-sample CSV (figures: :mod:`imagehear.report.plots`).

>>> results = {"model": {"name": "demo"}, "protocol": "v1", "complete": False, "n_samples": 2,
...            "environment": {"device": "cpu"},
...            "metrics": {"clip_score": {"value": 9.531, "ci95": [9.1, 9.9], "n": 2}}}
>>> print(markdown_summary(results))
**demo** · protocol v1 · INCOMPLETE (2 clips) · device cpu
<BLANKLINE>
| metric | value | 95 % CI | n |
|---|---:|---|---:|
| CLIP score (CS) | 9.53 | 9.10 – 9.90 | 2 |
"""
from __future__ import annotations

import csv
from pathlib import Path

from imagehear.metrics import METRICS, PER_SAMPLE_TYPES, per_sample_columns
from imagehear.report.formatting import escape, num

PER_SAMPLE_COLUMNS = per_sample_columns()
MAX_SKIPPED_LINES = 10


def _count(entry: dict) -> str:
    if entry.get("n_unmatched"):  # a paired metric on some clips only: say how many it left out
        return f"{entry.get('n', '?')} ({entry['n_unmatched']} unmatched)"
    if "n" in entry:
        return str(entry["n"])
    if "n_generated" in entry:
        return f"{entry['n_generated']} gen / {entry.get('n_reference', '?')} ref"
    return "—"


def markdown_summary(results: dict) -> str:
    """Header line (model, protocol, complete or not, device) and a metric table."""
    from imagehear.report.plots import title_state, weights_state

    model = results.get("model", {}).get("name", "unnamed model")
    device = results.get("environment", {}).get("device", "unknown")
    profile = (results.get("config") or {}).get("profile") or {}
    extra = "".join(f" · {what} {escape(value)}" for what, value, default in (
        ("profile", profile.get("name", "protocol-v1"), "protocol-v1"),
        ("image set", results.get("image_set", "im2wav"), "im2wav")) if value != default)
    lines = [f"**{escape(model)}** · protocol {escape(results.get('protocol', '?'))}{extra} · "
             f"{escape(title_state(results))} · device {escape(device)}"]
    if any(note.startswith("RANDOM") for note in weights_state(results)):
        lines.append("**RANDOM WEIGHTS: these numbers are meaningless; the leaderboard never ranks this file.**")
    skipped = results.get("skipped") or []
    if skipped:
        lines.append(f"Skipped {len(skipped)} clip(s) (--skip-invalid), so the run is incomplete:")
        lines += [f"- {escape(s.get('file'))}: {escape(s.get('reason'))}" for s in skipped[:MAX_SKIPPED_LINES]]
        if len(skipped) > MAX_SKIPPED_LINES:
            lines.append(f"- ... and {len(skipped) - MAX_SKIPPED_LINES} more (results.json `skipped` lists all)")
    lines += ["", "| metric | value | 95 % CI | n |", "|---|---:|---|---:|"]
    metrics = results.get("metrics", {})
    for key in [k for k in METRICS if k in metrics] + sorted(k for k in metrics if k not in METRICS):
        lines += _metric_lines(key, metrics[key])
    if not metrics:
        lines.append("| (no metrics computed) | — | — | — |")
    return "\n".join(lines)


def _metric_lines(key: str, entry: dict) -> list[str]:
    spec = METRICS.get(key)
    name, unit, dec = (spec.label, spec.unit, spec.decimals) if spec else (escape(key), "", 3)
    if "direction" in entry:
        name = f"{name}, {escape(entry['direction'])}"
    if "scale" in entry:  # a profile's scale (SSV2A's bare cosine): two more decimals for 1/100 of the range
        name, dec = f"{name}, {escape(entry['scale'])}", dec + 2
    if "error" in entry:
        return [f"| {name} | error: {escape(entry['error'])} | — | — |"]
    ci = entry.get("ci95")
    if ci:
        ci_text = f"{num(ci[0], dec)} – {num(ci[1], dec)}"
    elif "std" in entry:
        ci_text = f"± {num(entry['std'], dec)} (std over {entry.get('n_splits', '?')} splits)"
    elif "r2" in entry and "points" in entry:  # FD-inf: an extrapolation, no interval; how well the line fits
        ci_text = f"no CI (fit over {len(entry['points'])} sizes, r² {num(entry['r2'], 2)})"
    else:
        ci_text = "—"
    lines = [f"| {name} | {num(entry.get('value'), dec)}{unit} | {ci_text} | {_count(entry)} |"]
    if key == "accuracy" and "top5" in entry:
        lines.append(f"| PaSST accuracy (top-5) | {num(entry['top5'], dec)}{unit} | — | {_count(entry)} |")
    chance = entry.get("chance")
    if isinstance(chance, dict) and isinstance(chance.get("value"), (int, float)):  # how far above chance
        what = (spec.chance if spec else None) or "chance level"
        lines.append(f"| ↳ chance: {what} | {num(chance['value'], dec)}{unit} | — | — |")
    return lines


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
    """Write one row per clip with :data:`PER_SAMPLE_COLUMNS`; absent values stay empty.

    ``rows`` are mappings; a key outside the columns raises ValueError (a typo would
    otherwise drop a metric silently). ``correct`` is written as 1/0.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PER_SAMPLE_COLUMNS)
        for i, row in enumerate(rows):
            extra = set(row) - set(PER_SAMPLE_COLUMNS)
            if extra:
                raise ValueError(f"per-sample row {i} has unknown column(s) {sorted(extra)}; "
                                 f"columns are {', '.join(PER_SAMPLE_COLUMNS)}")
            writer.writerow([_cell(c, row.get(c)) for c in PER_SAMPLE_COLUMNS])
    return path


def read_per_sample_csv(path) -> list[dict]:
    """Read a per-sample CSV back with types: floats, int ``passt_top1``, bool ``correct``, None if empty."""
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != PER_SAMPLE_COLUMNS:
            raise ValueError(f"{path}: header must be {','.join(PER_SAMPLE_COLUMNS)}, got {reader.fieldnames}")
        out = []
        for row in reader:
            typed = {}
            for c, v in row.items():
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
