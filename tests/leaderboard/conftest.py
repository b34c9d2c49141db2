"""Fixtures for the leaderboard tests: a builder of valid results.json dicts and folders."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from imagehear.protocol import CLASS_NAMES


def _metric(value: float, half_width: float, per_class_base: float | None = None) -> dict:
    metric = {"value": value, "ci95": [round(value - half_width, 3), round(value + half_width, 3)], "n": 3600}
    if per_class_base is not None:
        # Distinct per-class values (base + i / 10) so charts and lookups are checkable.
        metric["per_class"] = {name: round(per_class_base + i / 10, 2) for i, name in enumerate(CLASS_NAMES)}
    return metric


def make_results(name: str = "test-model", accuracy: float | None = 40.0, clip_score: float | None = 8.0,
                 kl: float | None = None, complete: bool = True, n_samples: int = 3600,
                 created: str = "2026-12-01T05:00:00+00:00", **model_extra) -> dict:
    """A valid protocol-v1 results dict (docs/results_schema.md); ``None`` leaves a metric out."""
    metrics = {}
    if accuracy is not None:
        metrics["accuracy"] = {**_metric(accuracy, 1.5, per_class_base=accuracy - 1.5), "top5": min(100.0, accuracy + 20)}
    if clip_score is not None:
        metrics["clip_score"] = _metric(clip_score, 0.4, per_class_base=clip_score - 1.5)
    if kl is not None:
        metrics["kl"] = {**_metric(kl, 0.1), "direction": "KL(ref||gen)"}
    return {
        "benchmark": "image_hear", "protocol": "v1", "image_hear_version": "0.1.0", "created": created,
        "model": {"name": name, "paper": "https://arxiv.org/abs/0000.00000",
                  "code": "https://github.com/example/model", **model_extra},
        "complete": complete, "n_samples": n_samples,
        "coverage": {"per_class_counts": {c: n_samples // len(CLASS_NAMES) for c in CLASS_NAMES},
                     "missing_per_class": {}},
        "skipped": [],
        "metrics": metrics,
        "config": {"sample_rates": {"passt": 32000, "wav2clip": 16000}, "passt_input": "as-is (<=10 s)",
                   "resampler": {"method": "sinc_interp_hann", "lowpass_filter_width": 6, "rolloff": 0.99}},
        "environment": {"python": "3.11.7", "packages": {"torch": "2.14.1"}, "device": "cpu",
                        "weights": {"passt": {"sha256": "a" * 64}, "wav2clip": {"sha256": "b" * 64},
                                    "clip": {"sha256": "c" * 64}}},
    }


def write_results(folder: Path, data: dict, file_name: str) -> Path:
    path = folder / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return path


@pytest.fixture(scope="session")
def results_factory():
    """``results_factory(**kwargs)`` -> a fresh valid results dict (deep copy, safe to mutate)."""
    return lambda **kwargs: copy.deepcopy(make_results(**kwargs))


@pytest.fixture(scope="session")
def write_results_file():
    """``write_results_file(folder, data, file_name)`` -> the written path."""
    return write_results


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
