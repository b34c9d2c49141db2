"""The per-sample values that travel inside results.json (key ``per_sample``).

A results file carries one value per clip for every per-sample metric, so that anyone can
recompute its headlines (the leaderboard's consistency check) and compare two runs clip by
clip (:mod:`imagehear.report.compare`), without the audio. Columnar, numbers only, the manifest's
order; about 0.5 MB for a full 3,600-clip run with the default metrics
(docs/results_schema.md):

    "per_sample": {"format": "image-hear per-sample v1", "n": 3600,
                   "file": ["accordion/accordion_000.wav", ...],   # the manifest rows: pairing key
                   "label": ["Accordion", ...],                     # class: the bootstrap's stratum
                   "unit": ["accordion1.jpg", ...],                 # conditioning image (or video): its cluster
                   "columns": {"clip_score": [9.53, ...], "correct": [1, 0, ...], "kl": [2.1, null, ...]}}

``null`` marks a clip the metric did not score (KL of a clip without a reference).
``results.per_sample.csv`` beside results.json (``NAME.per_sample.csv`` beside ``NAME.json``) holds the same values for spreadsheets.

>>> block = pack([{"file": "dog/dog_000.wav", "label": "Dog", "image": "dog1.jpg", "clip_score": 9.5,
...                "correct": True, "passt_top1": 74, "passt_top1_label": "Dog", "kl": None}])
>>> block["columns"], headline(unpack(block), "accuracy")
({'clip_score': [9.5], 'passt_top1': [74], 'correct': [1], 'kl': [None]}, 100.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from imagehear.metrics import METRICS, PER_SAMPLE_TYPES

FORMAT = "image-hear per-sample v1"
MAX_ROWS = 100_000
# the metrics whose headline is a scaled mean of a per-sample column (MetricSpec.value_column)
HEADLINE_METRICS = tuple(name for name, spec in METRICS.items() if spec.value_column)
_NUMERIC = tuple(c for spec in METRICS.values() for c in spec.per_sample if PER_SAMPLE_TYPES.get(c) != "str")


@dataclass(frozen=True)
class PerSample:
    files: list[str]
    labels: list[str]
    units: list[str]
    columns: dict[str, np.ndarray]   # float64, NaN where a clip has no value

    @property
    def n(self) -> int:
        return len(self.files)


def _unit(row: dict) -> str:
    return str(row.get("image") or row.get("video") or row.get("frames") or row["file"])


def pack(rows) -> dict:
    """The ``per_sample`` block from evaluate's per-sample rows (dicts with file, label, image and
    metric columns); text columns that follow from others (``passt_top1_label``) are left out."""
    rows = list(rows)
    present = [c for c in _NUMERIC if any(c in r for r in rows)]

    def cell(column, value):
        if value is None:
            return None
        return int(bool(value)) if PER_SAMPLE_TYPES.get(column) == "bool" else (
            int(value) if PER_SAMPLE_TYPES.get(column) == "int" else float(value))

    return {"format": FORMAT, "n": len(rows), "file": [str(r["file"]) for r in rows],
            "label": [str(r.get("label") or "all") for r in rows], "unit": [_unit(r) for r in rows],
            "columns": {c: [cell(c, r.get(c)) for r in rows] for c in present}}


def _strings(block: dict, key: str, n: int) -> list[str]:
    value = block.get(key)
    if not (isinstance(value, list) and len(value) == n and all(isinstance(v, str) and len(v) < 1000 for v in value)):
        raise ValueError(f"per_sample.{key}: must be a list of {n} strings")
    return value


def unpack(block) -> PerSample:
    """Check a ``per_sample`` block and return it as arrays; ValueError (one line) if malformed."""
    if not isinstance(block, dict):
        raise ValueError("per_sample: missing or not an object (results written before per-sample values "
                         "travelled with the file: re-run image-hear evaluate)")
    if block.get("format") != FORMAT:
        raise ValueError(f"per_sample.format: must be {FORMAT!r}, got {str(block.get('format'))[:40]!r}")
    n = block.get("n")
    if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_ROWS):
        raise ValueError(f"per_sample.n: must be an integer in 1..{MAX_ROWS}")
    files, labels, units = (_strings(block, k, n) for k in ("file", "label", "unit"))
    if len(set(files)) != n:
        raise ValueError("per_sample.file: lists a file twice")
    columns = block.get("columns")
    if not isinstance(columns, dict) or not all(isinstance(k, str) for k in columns):
        raise ValueError("per_sample.columns: must be an object of columns")
    out = {}
    for name, values in columns.items():
        if name not in _NUMERIC:
            raise ValueError(f"per_sample.columns: unknown column {name[:40]!r}")
        if not (isinstance(values, list) and len(values) == n):
            raise ValueError(f"per_sample.columns.{name}: must be a list of {n} numbers or nulls")
        ok = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
                 for v in values)
        if not ok:
            raise ValueError(f"per_sample.columns.{name}: holds a value that is not a finite number or null")
        out[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    return PerSample(files, labels, units, out)


def _value_column(samples: PerSample, name: str) -> tuple[np.ndarray, float] | None:
    """(the per-sample column behind metric ``name``'s headline, its scale); None if absent."""
    spec = METRICS.get(name)
    if spec is None or spec.value_column is None or spec.value_column not in samples.columns:
        return None
    return samples.columns[spec.value_column], spec.value_scale


def metric_values(samples: PerSample, name: str) -> np.ndarray | None:
    """The per-clip values behind metric ``name``'s headline (NaN: not scored); None if absent."""
    found = _value_column(samples, name)
    return None if found is None else found[1] * found[0]


def headline(samples: PerSample, name: str) -> float | None:
    """Metric ``name``'s value recomputed from the per-sample values (None if they are absent);
    computed as evaluate computes it, so an untouched file gives the very same float."""
    found = _value_column(samples, name)
    if found is None:
        return None
    values, scale = found
    values = values[np.isfinite(values)]
    return None if values.size == 0 else float(scale * float(values.mean()))


def per_class(samples: PerSample, name: str) -> dict[str, float] | None:
    """Metric ``name``'s per-class values recomputed from the per-sample values."""
    found = _value_column(samples, name)
    if found is None:
        return None
    (values, scale), labels = found, np.asarray(samples.labels)
    ok = np.isfinite(values)
    return {lab: float(scale * float(values[ok & (labels == lab)].mean())) for lab in sorted(set(labels[ok].tolist()))}


def recompute(results: dict) -> dict[str, float]:
    """Every per-sample metric's headline recomputed from ``results["per_sample"]``: the
    leaderboard's consistency check compares these with ``results["metrics"][name]["value"]``."""
    samples = unpack(results.get("per_sample"))
    return {name: value for name in HEADLINE_METRICS if (value := headline(samples, name)) is not None}
