"""Do a file's numbers follow from its own per-sample values? (A hand-edited result does not.)

Every results.json written by ``image-hear evaluate`` carries one value per clip for each
per-sample metric (``per_sample``, :mod:`imagehear.metrics.samples`). The validator recomputes from
them, exactly as evaluate computes them: each per-sample metric's headline (CS, accuracy,
CLAP, KL) and its per-class values, the clip count, the per-class counts, and, for a run
that says it is complete, the plan's use of every image. A file whose numbers disagree is
refused with every disagreement named. Set-level metrics (FAD, FD, KAD) have no per-clip
contributions and are not recomputable from the file alone; the inception score neither.

A file without per-sample values is not refused (it may predate them), but it cannot be
checked, so it is never ranked (:func:`unverifiable_reasons`).
"""
from __future__ import annotations

import math
import re
from collections import Counter

from imagehear.metrics import METRICS

_SHA256 = re.compile(r"[0-9a-f]{64}")
REL_TOL = 1e-9  # evaluate computes the headline with the same float operations: equal up to rounding


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)


def check_reference_set(ref) -> list[str]:
    """Reasons the reference-set fingerprint is malformed (``n_files`` > 0, a hex ``sha256``)."""
    if not isinstance(ref, dict):
        return [f"reference_set: must be an object, got {type(ref).__name__}"]
    reasons = []
    n = ref.get("n_files")
    if not (isinstance(n, int) and not isinstance(n, bool) and n > 0):
        reasons.append(f"reference_set.n_files: must be a positive integer, got {_short(n)}")
    if not (isinstance(ref.get("sha256"), str) and _SHA256.fullmatch(ref["sha256"])):
        reasons.append(f"reference_set.sha256: must be 64 lowercase hex digits, got {_short(ref.get('sha256'))}")
    return reasons


def _plan_usage(image_set) -> Counter:
    from imagehear.protocol import DEFAULT_IMAGE_SET, IMAGE_SETS, generation_plan

    image_set = image_set if image_set in IMAGE_SETS else DEFAULT_IMAGE_SET  # absent (older files): v1's
    return Counter((r.label, r.image) for r in generation_plan(image_set=image_set))


def check_consistency(data: dict) -> list[str]:
    """Reasons the headlines, per-class values and counts do not follow from ``per_sample``."""
    from imagehear.metrics import samples

    try:
        rows = samples.unpack(data.get("per_sample"))
    except ValueError as exc:
        return [str(exc)]
    reasons = []
    if rows.n != data.get("n_samples"):
        reasons.append(f"per_sample: holds {rows.n} clips, n_samples says {data.get('n_samples')}")
    counts = (data.get("coverage") or {}).get("per_class_counts") if isinstance(data.get("coverage"), dict) else None
    if isinstance(counts, dict):
        found = Counter(rows.labels)
        wrong = sorted(c for c in set(counts) | set(found) if counts.get(c, 0) != found.get(c, 0))
        if wrong:
            reasons.append(f"coverage.per_class_counts: disagree with per_sample labels for {', '.join(wrong[:3])}"
                           f"{' ...' if len(wrong) > 3 else ''}")
    if data.get("complete") is True and Counter(zip(rows.labels, rows.units)) != \
            _plan_usage(data.get("image_set")):
        reasons.append("complete: true, but per_sample does not use each image as often as the plan does")
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    for name, entry in metrics.items():
        if name not in samples.HEADLINE_METRICS or not isinstance(entry, dict) or "error" in entry:
            continue
        reasons += _metric_reasons(name, entry, rows, samples)
    return reasons


def _metric_reasons(name: str, entry: dict, rows, samples) -> list[str]:
    recomputed = samples.headline(rows, name)
    if recomputed is None:
        return []  # no column: unranked by unverifiable_reasons, nothing to contradict
    value, (lo, hi) = entry.get("value"), METRICS[name].valid_range
    if not (isinstance(value, (int, float)) and lo <= value <= hi):
        return []  # already refused for its range
    if not _close(value, recomputed):
        return [f"metrics.{name}.value: {value} does not follow from the per-sample values "
                f"({recomputed:.6g}); the file was edited after evaluate wrote it"]
    per_class = entry.get("per_class")
    if isinstance(per_class, dict):
        expected = samples.per_class(rows, name) or {}
        bad = sorted(c for c, v in per_class.items()
                     if not (isinstance(v, (int, float)) and c in expected and _close(v, expected[c])))
        if bad:
            return [f"metrics.{name}.per_class: {', '.join(map(repr, bad[:3]))}{' ...' if len(bad) > 3 else ''} "
                    "do not follow from the per-sample values"]
    return []


def unverifiable_reasons(data: dict) -> list[str]:
    """Why a valid file's per-sample headlines cannot be checked (then it is not ranked)."""
    if not isinstance(data.get("per_sample"), dict):
        return ["no per-sample values: its headlines cannot be checked (re-run image-hear evaluate)"]
    columns = data["per_sample"].get("columns") or {}
    missing = [n for n, spec in METRICS.items() if spec.value_column and n in data.get("metrics", {}) and
               spec.value_column not in columns and spec.ci == "mean"]
    return [f"{', '.join(missing)}: no per-sample values to check the headline"] if missing else []
