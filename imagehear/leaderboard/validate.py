"""Check a results.json (docs/results_schema.md, protocol v1) before it reaches the table.

:func:`validate_results` returns every reason to refuse a file (an empty list means
accept), so a submitter fixes everything in one round. Reasons quote user values with
``repr`` and cut them short; the app shows them as plain text, never as markup.

>>> from imagehear.leaderboard.validate import validate_results
>>> validate_results({"benchmark": "image_hear"})[:2]
["missing key 'protocol'", "missing key 'image_hear_version'"]
"""
from __future__ import annotations

import datetime
import json
import math
import re
from urllib.parse import urlsplit

from imagehear.leaderboard.consistency import check_consistency, check_reference_set
from imagehear.leaderboard.limits import MAX_DEPTH, MAX_FILE_BYTES, nesting_depth, read_capped
from imagehear.metrics import METRICS
from imagehear.protocol import CLASS_NAMES, CLIPS_PER_CLASS, PROTOCOL_VERSION

BENCHMARK = "image_hear"
FULL_N_SAMPLES = CLIPS_PER_CLASS * len(CLASS_NAMES)  # 3600: protocol v1's complete run
MAX_NAME_CHARS = 100
MAX_URL_CHARS = 500
REQUIRED_KEYS = ("benchmark", "protocol", "image_hear_version", "created", "model", "complete",
                 "n_samples", "metrics", "config", "environment")
# Allowed ranges, CI meaning and weights per metric come from the metric registry.
METRIC_RANGES = {name: spec.valid_range for name, spec in METRICS.items()}
# Means of per-sample scores: their percentile bootstrap CI holds the value. Set-level
# scores (FD, KAD) are biased under resampling, so their CI need not.
MEAN_METRICS = tuple(name for name, spec in METRICS.items() if spec.ci == "mean")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Markup and control characters have no place in a model name; refusing them keeps every
# present and future rendering path (table, dropdown, plot titles) safe.
_BAD_NAME_CHARS = re.compile(r"[<>\x00-\x1f\x7f]")


def short(value, limit: int = 60) -> str:
    """``repr`` of a user value, cut to ``limit`` characters.

    >>> short("x" * 100, limit=10)
    "'xxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_number(value) -> bool:
    """A finite JSON number (bool is not a number here).

    >>> is_number(1.5), is_number(True), is_number(float("nan")), is_number("3")
    (True, False, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_url(url) -> str | None:
    """Why ``url`` is not an acceptable http(s) link, or None if it is.

    >>> check_url("https://arxiv.org/abs/2211.03089") is None
    True
    >>> check_url("javascript:alert(1)")
    "must be an http(s) URL, got 'javascript:alert(1)'"
    """
    if not isinstance(url, str):
        return f"must be a string, got {type(url).__name__}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) URL, got {short(url)}"
    if len(url) > MAX_URL_CHARS or re.search(r"[\s<>\"']", url):
        return f"must be at most {MAX_URL_CHARS} characters without spaces, quotes or <>, got {short(url)}"
    return None


def check_model(model) -> list[str]:
    """Reasons the ``model`` block is invalid (name rules, http(s) links).

    >>> check_model({"name": "<script>alert(1)</script>"})
    ["model.name: must not contain '<', '>' or control characters, got '<script>alert(1)</script>'"]
    """
    if not isinstance(model, dict):
        return [f"model: must be an object, got {type(model).__name__}"]
    name = model.get("name")
    reasons = []
    if not isinstance(name, str) or not name.strip():
        reasons.append(f"model.name: must be a non-empty string, got {short(name)}")
    elif len(name) > MAX_NAME_CHARS:
        reasons.append(f"model.name: must be at most {MAX_NAME_CHARS} characters, got {len(name)}")
    elif _BAD_NAME_CHARS.search(name):
        reasons.append(f"model.name: must not contain '<', '>' or control characters, got {short(name)}")
    for key in ("paper", "code"):
        if model.get(key) not in (None, ""):
            problem = check_url(model[key])
            if problem:
                reasons.append(f"model.{key}: {problem}")
    return reasons


def _check_range(where: str, value, lo: float, hi: float) -> list[str]:
    if not is_number(value):
        return [f"{where}: must be a finite number, got {short(value)}"]
    if not lo <= value <= hi:
        return [f"{where}: {value} is outside {lo:g}…{hi:g}"]
    return []


def check_metric(name: str, metric) -> list[str]:
    """Reasons one metric block is invalid: value range, ci95 [lo, hi] around value, per_class.

    >>> check_metric("accuracy", {"value": 49.1, "ci95": [47.5, 50.8]})
    []
    >>> check_metric("accuracy", {"value": 49.1, "ci95": [50.0, 52.0]})
    ['metrics.accuracy.ci95: must satisfy lo <= value <= hi, got [50.0, 52.0] around 49.1']
    """
    where = f"metrics.{name}"
    if not isinstance(metric, dict):
        return [f"{where}: must be an object, got {type(metric).__name__}"]
    if "error" in metric:
        return [f"{where}: failed when it was computed ({short(metric['error'], 120)}); fix the cause and "
                "evaluate again"]
    lo, hi = METRIC_RANGES[name]
    reasons = _check_range(f"{where}.value", metric.get("value"), lo, hi)
    if METRICS[name].ci == "splits":
        std = metric.get("std")
        if not (is_number(std) and std >= 0):
            reasons.append(f"{where}.std: must be a number >= 0 (the std over splits), got {short(std)}")
    ci = metric.get("ci95")
    if ci is None and isinstance(metric.get("ci95_note"), str):
        pass  # the CI was omitted on purpose (too costly), and the file says why
    elif not (isinstance(ci, list) and len(ci) == 2):
        reasons.append(f"{where}.ci95: must be a list [lo, hi], got {short(ci)}")
    else:
        # finite, but not held to the value's range: a bootstrap interval of a few clips (or a
        # bias-corrected one of FD) may reach past it, e.g. below 0 for FAD
        bounds = [f"{where}.ci95[{i}]: must be a finite number, got {short(v)}" for i, v in enumerate(ci)
                  if not is_number(v)]
        reasons += bounds
        if not bounds and not reasons and ci[0] > ci[1]:
            reasons.append(f"{where}.ci95: must satisfy lo <= hi, got {ci}")
        elif not bounds and not reasons and name in MEAN_METRICS and not ci[0] <= metric["value"] <= ci[1]:
            reasons.append(f"{where}.ci95: must satisfy lo <= value <= hi, got {ci} around {metric['value']}")
    if "n" in metric and not (isinstance(metric["n"], int) and not isinstance(metric["n"], bool) and metric["n"] > 0):
        reasons.append(f"{where}.n: must be a positive integer, got {short(metric['n'])}")
    if "top5" in metric:
        reasons += _check_range(f"{where}.top5", metric["top5"], 0.0, 100.0)
    reasons += _check_per_class(where, metric.get("per_class"), lo, hi)
    return reasons


def _check_per_class(where: str, per_class, lo: float, hi: float) -> list[str]:
    if per_class is None:
        return []
    if not isinstance(per_class, dict):
        return [f"{where}.per_class: must be an object, got {type(per_class).__name__}"]
    reasons = [f"{where}.per_class: unknown class {short(k)}" for k in per_class if k not in CLASS_NAMES]
    for key, value in per_class.items():
        if key in CLASS_NAMES:
            reasons += _check_range(f"{where}.per_class[{key!r}]", value, lo, hi)
    return reasons


def check_metrics(metrics) -> list[str]:
    """Reasons the ``metrics`` block is invalid; at least one known metric is required."""
    if not isinstance(metrics, dict):
        return [f"metrics: must be an object, got {type(metrics).__name__}"]
    known = [name for name in METRIC_RANGES if name in metrics]
    if not known:
        return [f"metrics: holds none of {', '.join(METRIC_RANGES)}"]
    return [reason for name in known for reason in check_metric(name, metrics[name])]


def check_environment(env, metrics) -> list[str]:
    """Reasons ``environment`` lacks what makes a result reproducible (torch, device, weight hashes)."""
    if not isinstance(env, dict):
        return [f"environment: must be an object, got {type(env).__name__}"]
    reasons = []
    packages = env.get("packages")
    if not isinstance(packages, dict) or not isinstance(packages.get("torch"), str) or not packages["torch"]:
        reasons.append("environment.packages.torch: must be the torch version string")
    if not isinstance(env.get("device"), str) or not env["device"]:
        reasons.append("environment.device: must be a non-empty string")
    weights = env.get("weights") if isinstance(env.get("weights"), dict) else {}
    needed = sorted({w for m, spec in METRICS.items() for w in spec.weights if isinstance(metrics, dict) and m in metrics})
    for backbone in needed:
        entry = weights.get(backbone)
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(sha, str) and _SHA256.fullmatch(sha)):
            reasons.append(f"environment.weights.{backbone}.sha256: must be 64 lowercase hex digits, got {short(sha)}")
    return reasons


def check_header(data: dict) -> list[str]:
    """Reasons the top-level fields are wrong: benchmark, protocol, dates, n_samples vs complete."""
    reasons = []
    if "benchmark" in data and data["benchmark"] != BENCHMARK:
        reasons.append(f"benchmark: must be {BENCHMARK!r}, got {short(data['benchmark'])}")
    if "protocol" in data and data["protocol"] != PROTOCOL_VERSION:
        reasons.append(f"protocol: must be {PROTOCOL_VERSION!r} (this leaderboard ranks protocol "
                       f"{PROTOCOL_VERSION} only), got {short(data['protocol'])}")
    if "image_hear_version" in data and not isinstance(data["image_hear_version"], str):
        reasons.append(f"image_hear_version: must be a string, got {short(data['image_hear_version'])}")
    if "created" in data and parse_date(data["created"]) is None:
        reasons.append(f"created: must be an ISO 8601 date-time, got {short(data['created'])}")
    complete, n = data.get("complete"), data.get("n_samples")
    if "complete" in data and not isinstance(complete, bool):
        reasons.append(f"complete: must be true or false, got {short(complete)}")
    n_ok = isinstance(n, int) and not isinstance(n, bool) and n > 0
    if "n_samples" in data and not n_ok:
        reasons.append(f"n_samples: must be a positive integer, got {short(n)}")
    if n_ok and complete is True and n != FULL_N_SAMPLES:
        reasons.append(f"complete: true requires n_samples == {FULL_N_SAMPLES} for protocol "
                       f"{PROTOCOL_VERSION}, got {n}")
    if "config" in data and not isinstance(data["config"], dict):
        reasons.append(f"config: must be an object, got {type(data['config']).__name__}")
    if "skipped" in data and not isinstance(data["skipped"], list):
        reasons.append(f"skipped: must be a list, got {type(data['skipped']).__name__}")
    if "reference_set" in data:
        reasons += check_reference_set(data["reference_set"])
    return reasons


def parse_date(value) -> datetime.datetime | None:
    """The datetime in an ISO 8601 string, or None.

    >>> parse_date("2026-12-01T05:00:00+00:00").year, parse_date("yesterday")
    (2026, None)
    """
    try:
        return datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def validate_results(data) -> list[str]:
    """Every reason to refuse a parsed results.json; ``[]`` means it is valid."""
    if not isinstance(data, dict):
        return [f"the file must hold a JSON object, got {type(data).__name__}"]
    reasons = [f"missing key {key!r}" for key in REQUIRED_KEYS if key not in data]
    reasons += check_header(data)
    if "model" in data:
        reasons += check_model(data["model"])
    if "metrics" in data:
        reasons += check_metrics(data["metrics"])
    if "environment" in data:
        reasons += check_environment(data["environment"], data.get("metrics"))
    if "per_sample" in data and isinstance(data.get("metrics"), dict):
        reasons += check_consistency(data)  # headlines recomputed from the file's own per-clip values
    return reasons


def parse_results(raw: bytes) -> tuple[dict | None, list[str]]:
    """Parse and validate the bytes of a results file: ``(data, [])`` or ``(None, reasons)``.

    Never raises on hostile input: size and nesting depth are capped before parsing (and a
    RecursionError inside the parser would be caught too).

    >>> parse_results(b"{not json")[1]
    ['not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)']
    >>> parse_results(b"[" * 200000 + b"]" * 200000)[1]
    ['nested deeper than 32 levels; a results.json needs about 6']
    """
    if len(raw) > MAX_FILE_BYTES:
        return None, [f"file is {len(raw)} bytes; the limit is {MAX_FILE_BYTES}"]
    deep = [f"nested deeper than {MAX_DEPTH} levels; a results.json needs about 6"]
    if nesting_depth(raw) > MAX_DEPTH:
        return None, deep
    try:
        # NaN/Infinity are not JSON; refuse them here rather than let them reach the math.
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    except RecursionError:
        return None, deep
    except ValueError as exc:
        return None, [f"not valid JSON: {exc}"]
    reasons = validate_results(data)
    return (None, reasons) if reasons else (data, [])


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def load_results_file(path) -> tuple[dict | None, list[str]]:
    """:func:`parse_results` on a file (read up to the size cap)."""
    return parse_results(read_capped(path))
