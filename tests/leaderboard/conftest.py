"""Fixtures for the leaderboard tests: a builder of valid results.json dicts and folders."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from imagehear.metrics import samples
from imagehear.metrics import METRICS
from imagehear.protocol.profiles import PROFILES
from imagehear.protocol import CLASS_NAMES, generation_plan
from imagehear.models.weights import REGISTRY


def per_sample_rows(n_samples: int, accuracy, clip_score, kl) -> list[dict]:
    """Per-clip rows of the plan's first ``n_samples // 30`` clips per class, whose means are the
    requested headlines; per-class values differ (class i: base + (i - 14.5) / 10 for CS and KL,
    a spread of correct counts for accuracy) so charts and lookups are checkable."""
    per_class = n_samples // len(CLASS_NAMES)
    plan = [r for r in generation_plan() if int(r.file.rsplit("_", 1)[1].split(".")[0]) < per_class]
    correct = None
    if accuracy is not None:
        total = round(accuracy / 100 * per_class * len(CLASS_NAMES))
        correct = [total // 30 + (i < total % 30) for i in range(30)]
        for i in range(15):  # a symmetric spread keeps the total
            step = min(15 - i, per_class - max(correct[i], correct[29 - i]), min(correct[i], correct[29 - i]))
            correct[i], correct[29 - i] = correct[i] + step, correct[29 - i] - step
    rows = []
    for r in plan:
        c, j = CLASS_NAMES.index(r.label), int(r.file.rsplit("_", 1)[1].split(".")[0])
        row = {"file": r.file, "label": r.label, "image": r.image}
        wiggle = 0.1 if j % 2 else -0.1  # zero mean within each class
        if clip_score is not None:
            row["clip_score"] = clip_score + (c - 14.5) / 10 + wiggle
        if correct is not None:
            row["correct"], row["passt_top1"] = j < correct[c], 0
        if kl is not None:
            row["kl"] = kl + (c - 14.5) / 100 + wiggle / 10
        rows.append(row)
    return rows


def _metric(block, name: str, half_width: float, per_class: bool = True) -> dict:
    """A metric entry whose value and per-class values follow from the per-sample block."""
    rows = samples.unpack(block)
    value = samples.headline(rows, name)
    metric = {"value": value, "ci95": [round(value - half_width, 3), round(value + half_width, 3)], "n": rows.n}
    if per_class:
        metric["per_class"] = samples.per_class(rows, name)
    return metric


# The weight hashes of the fixtures, and an accepted list naming them (the real list is
# imagehear/data/accepted_weights.json; tests pass this one explicitly).
HASHES = {"passt": "a" * 64, "wav2clip": "b" * 64, "clip": "c" * 64, "vggish": "d" * 64, "clap": "e" * 64,
          "panns": "f" * 64}
ACCEPTED = {name: frozenset({sha}) for name, sha in HASHES.items()}
REFERENCE = {"n_files": 3600, "sha256": "1234abcd" * 8, "method": "sha256 over sorted lines"}


def make_results(name: str = "test-model", accuracy: float | None = 40.0, clip_score: float | None = 8.0,
                 kl: float | None = None, complete: bool = True, n_samples: int = 3600,
                 created: str = "2026-12-01T05:00:00+00:00", precision: str = "fp32", profile: dict | None = None,
                 random_init: bool = False, reference_set: dict | None = None, **model_extra) -> dict:
    """A valid, rankable protocol-v1 results dict (docs/results_schema.md); ``None`` leaves a metric out."""
    block = samples.pack(per_sample_rows(n_samples, accuracy, clip_score, kl))
    metrics = {}
    if accuracy is not None:
        metrics["accuracy"] = {**_metric(block, "accuracy", 1.5), "top5": min(100.0, accuracy + 20)}
    if clip_score is not None:
        metrics["clip_score"] = _metric(block, "clip_score", 0.4)
    if kl is not None:
        metrics["kl"] = {**_metric(block, "kl", 0.1, per_class=False), "direction": "KL(ref||gen)"}
    weights = {b: {"checkpoint": REGISTRY[b].checkpoint, "sha256": HASHES[b], "random_init": random_init}
               for b in ("passt", "wav2clip", "clip")}
    data = {
        "benchmark": "image_hear", "protocol": "v1", "image_hear_version": "0.1.0", "created": created,
        "model": {"name": name, "paper": "https://arxiv.org/abs/0000.00000",
                  "code": "https://github.com/example/model", **model_extra},
        "complete": complete, "n_samples": n_samples,
        "coverage": {"per_class_counts": {c: n_samples // len(CLASS_NAMES) for c in CLASS_NAMES},
                     "missing_per_class": {}},
        "skipped": [],
        "metrics": metrics,
        "config": {"profile": profile or PROFILES["protocol-v1"].record(), "precision": precision,
                   "metrics": {m: METRICS[m].protocol for m in metrics},
                   "sample_rates": {"passt": 32000, "wav2clip": 16000}, "passt_input": "as-is (<=10 s)",
                   "resampler": {"method": "sinc_interp_hann", "lowpass_filter_width": 6, "rolloff": 0.99}},
        "environment": {"python": "3.11.7", "packages": {"torch": "2.14.1"}, "device": "cpu", "weights": weights},
    }
    if kl is not None:
        data["reference_set"] = dict(reference_set or REFERENCE)
    data["per_sample"] = block
    return data


def write_results(folder: Path, data: dict, file_name: str) -> Path:
    path = folder / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return path


_CACHE: dict = {}


@pytest.fixture(scope="session")
def results_factory():
    """``results_factory(**kwargs)`` -> a fresh valid results dict (deep copy, safe to mutate)."""
    def build(**kwargs):
        key = json.dumps(kwargs, sort_keys=True, default=str)
        if key not in _CACHE:
            _CACHE[key] = make_results(**kwargs)
        return copy.deepcopy(_CACHE[key])
    return build


@pytest.fixture(scope="session")
def write_results_file():
    """``write_results_file(folder, data, file_name)`` -> the written path."""
    return write_results


@pytest.fixture(scope="session")
def accepted():
    """The accepted weight hashes of the fixtures."""
    return ACCEPTED


@pytest.fixture
def results_folder(tmp_path) -> Path:
    """A results folder with three valid files (one incomplete, one with KL) and one broken file."""
    folder = tmp_path / "results"
    write_results(folder, make_results("alpha-gen", accuracy=35.0, clip_score=10.5), "alpha.json")
    write_results(folder, make_results("beta-gen", accuracy=55.5, clip_score=7.25, kl=2.1), "sub/beta.json")
    write_results(folder, make_results("gamma-gen", accuracy=42.0, clip_score=9.0, complete=False,
                                       n_samples=1800), "gamma.json")
    broken = make_results("broken-gen")
    broken["protocol"] = "v0"
    write_results(folder, broken, "broken.json")
    return folder
