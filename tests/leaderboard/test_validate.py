"""The results.json validator: accepts good files, refuses bad ones with a reason naming the field."""
from __future__ import annotations

import json

import pytest

from imagehear.leaderboard.validate import parse_results, validate_results
from imagehear.metrics import METRICS


def test_valid_results_are_accepted(results_factory):
    assert validate_results(results_factory()) == []
    assert validate_results(results_factory(kl=2.5, complete=False, n_samples=120)) == []
    # only one metric, no links: still valid
    data = results_factory(accuracy=None)
    del data["model"]["paper"], data["model"]["code"]
    assert validate_results(data) == []


def _mutate(data: dict, path: str, value) -> None:
    """Set (or with value=DELETE, remove) a dotted path like 'metrics.accuracy.value'."""
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


DELETE = object()

BAD = [
    # (dotted path, new value, text the reason must contain)
    ("model", DELETE, "missing key 'model'"),
    ("metrics", DELETE, "missing key 'metrics'"),
    ("environment", DELETE, "missing key 'environment'"),
    ("protocol", "v2", "protocol: must be 'v1'"),
    ("benchmark", "vggsound", "benchmark: must be 'image_hear'"),
    ("created", "last tuesday", "created: must be an ISO 8601"),
    ("n_samples", "3600", "n_samples: must be a positive integer"),
    ("n_samples", 0, "n_samples: must be a positive integer"),
    ("n_samples", 3599, "complete: true requires n_samples == 3600"),
    ("complete", "yes", "complete: must be true or false"),
    ("model.name", "", "model.name: must be a non-empty string"),
    ("model.name", "x" * 101, "model.name: must be at most 100 characters"),
    ("model.name", 42, "model.name: must be a non-empty string"),
    ("model.name", "<script>alert(1)</script>", "model.name: must not contain '<', '>'"),
    ("model.paper", "javascript:alert(1)", "model.paper: must be an http(s) URL"),
    ("model.code", "ftp://example.org/x", "model.code: must be an http(s) URL"),
    ("metrics.accuracy.value", 101.0, "metrics.accuracy.value: 101.0 is outside 0…100"),
    ("metrics.accuracy.value", -0.5, "metrics.accuracy.value: -0.5 is outside 0…100"),
    ("metrics.accuracy.value", "49.1", "metrics.accuracy.value: must be a finite number"),
    ("metrics.accuracy.value", True, "metrics.accuracy.value: must be a finite number"),
    ("metrics.clip_score.value", 100.5, "metrics.clip_score.value: 100.5 is outside -100…100"),
    ("metrics.clip_score.ci95", [9.0], "metrics.clip_score.ci95: must be a list [lo, hi]"),
    ("metrics.clip_score.ci95", [8.5, 7.9], "metrics.clip_score.ci95: must satisfy lo <= hi"),
    ("metrics.clip_score.ci95", [1.0, 2.0], "metrics.clip_score.ci95: must satisfy lo <= value <= hi"),
    ("metrics.accuracy.per_class.Dog", 120.0, "metrics.accuracy.per_class['Dog']: 120.0 is outside"),
    ("metrics.accuracy.per_class.Unicorn", 20.0, "metrics.accuracy.per_class: unknown class 'Unicorn'"),
    ("metrics.accuracy.top5", 150.0, "metrics.accuracy.top5: 150.0 is outside"),
    ("metrics.accuracy.n", -3, "metrics.accuracy.n: must be a positive integer"),
    ("environment.packages", {}, "environment.packages.torch"),
    ("environment.device", "", "environment.device: must be a non-empty string"),
    ("environment.weights.passt", {}, "environment.weights.passt.sha256"),
    ("environment.weights.wav2clip.sha256", "abc", "environment.weights.wav2clip.sha256"),
    ("config", [], "config: must be an object"),
]


@pytest.mark.parametrize("path,value,expected", BAD, ids=[f"{p}={str(v)[:20]}" for p, v, _ in BAD])
def test_bad_results_are_refused_with_reason(results_factory, path, value, expected):
    data = results_factory()
    _mutate(data, path, value)
    reasons = validate_results(data)
    assert any(expected in r for r in reasons), reasons


def test_negative_kl_and_fad_are_refused(results_factory):
    data = results_factory(kl=1.0)
    data["metrics"]["kl"]["value"] = -0.1
    data["metrics"]["fad"] = {"value": -2.0, "ci95": [-3.0, -1.0]}
    reasons = validate_results(data)
    assert any("metrics.kl.value: -0.1 is outside -0.001…inf" in r for r in reasons), reasons
    assert any("metrics.fad.value: -2.0 is outside" in r for r in reasons), reasons


def test_weight_hash_only_required_for_metrics_present(results_factory):
    data = results_factory(accuracy=None)  # CS only: PaSST hash not needed
    del data["environment"]["weights"]["passt"]
    assert validate_results(data) == []
    data = results_factory(clip_score=None)  # accuracy only: Wav2CLIP hash not needed
    del data["environment"]["weights"]["wav2clip"]
    assert validate_results(data) == []


def test_no_known_metric_is_refused(results_factory):
    data = results_factory(accuracy=None, clip_score=None)
    assert validate_results(data) == [f"metrics: holds none of {', '.join(METRICS)}"]


def test_every_problem_is_reported_at_once(results_factory):
    data = results_factory()
    data["protocol"] = "v0"
    data["model"]["name"] = "<script>alert('x')</script>"
    data["metrics"]["accuracy"]["value"] = 300
    assert len(validate_results(data)) == 3


def test_parse_results_bytes(results_factory):
    good = json.dumps(results_factory()).encode()
    data, reasons = parse_results(good)
    assert reasons == [] and data["model"]["name"] == "test-model"
    assert parse_results(b"[1, 2]") == (None, ["the file must hold a JSON object, got list"])
    assert parse_results(b"\xff\xfe") == (None, ["not UTF-8 text"])
    nan = good.replace(b'"value": 40.0', b'"value": NaN')
    data, reasons = parse_results(nan)
    assert data is None and "NaN is not a JSON number" in reasons[0]
    data, reasons = parse_results(b" " * 5_000_001)
    assert data is None and "limit" in reasons[0]


def test_set_level_ci_may_exclude_the_value_and_kad_may_omit_it(results_factory):
    """Bootstrapped FAD is biased upwards, so its CI need not hold the value; a large KAD
    run omits its CI with a note; KL may dip to -5.3e-4 (the protocol's 1e-6 floor)."""
    data = results_factory(kl=1.0)
    data["metrics"]["fad"] = {"value": 2.0, "ci95": [2.5, 3.5]}
    data["environment"]["weights"]["vggish"] = {"sha256": "d" * 64}
    data["metrics"]["kad"] = {"value": -0.01, "ci95_note": "omitted above 4000 clips"}
    data["metrics"]["kl"].update(value=-0.0004, ci95=[-0.0005, -0.0003])
    del data["per_sample"]  # the values are edited by hand here: the per-sample check would refuse them
    assert validate_results(data) == []


def test_validator_requires_the_hash_of_every_weight_a_metric_reads(results_factory):
    data = results_factory()
    data["metrics"]["fad"] = {"value": 2.0, "ci95": [1.5, 2.5]}
    assert validate_results(data) == [
        "environment.weights.vggish.sha256: must be 64 lowercase hex digits, got None"]
    data["metrics"]["fad"] = {"error": "ValueError: singular"}
    data["environment"]["weights"]["vggish"] = {"sha256": "d" * 64}
    assert "metrics.fad: failed when it was computed" in validate_results(data)[0]


# --- the headlines must follow from the file's own per-sample values (a hand-edited file does not) ---
def _edit_value(d):
    d["metrics"]["accuracy"]["value"] = 41.0
    d["metrics"]["accuracy"]["ci95"] = [39.5, 42.5]


def _edit_per_class(d):
    d["metrics"]["clip_score"]["per_class"]["Dog"] += 0.5


def _edit_values_behind_the_headline(d):
    d["per_sample"]["columns"]["clip_score"][0] += 1.0


def _drop_rows(d):
    block = d["per_sample"]
    for key in ("file", "label", "unit"):
        block[key] = block[key][:-1]
    block["columns"] = {k: v[:-1] for k, v in block["columns"].items()}
    block["n"] -= 1


def _swap_images(d):
    units = d["per_sample"]["unit"]
    first_dog = next(i for i, u in enumerate(units) if u.startswith("dog"))
    units[first_dog] = units[first_dog + 1] if units[first_dog + 1] != units[first_dog] else units[first_dog + 2]


def _bad_format(d):
    d["per_sample"]["columns"]["clip_score"][3] = "9.5"


EDITS = [
    (_edit_value, "metrics.accuracy.value: 41.0 does not follow from the per-sample values (40); the file was "
                  "edited after evaluate wrote it"),
    (_edit_per_class, "metrics.clip_score.per_class: 'Dog' do not follow from the per-sample values"),
    (_edit_values_behind_the_headline, "metrics.clip_score.value: 8.0 does not follow from the per-sample values"),
    (_drop_rows, "per_sample: holds 3599 clips, n_samples says 3600"),
    (_swap_images, "complete: true, but per_sample does not use each image as often as the plan does"),
    (_bad_format, "per_sample.columns.clip_score: holds a value that is not a finite number or null"),
]


@pytest.mark.parametrize("edit,expected", EDITS, ids=[e.__name__ for e, _ in EDITS])
def test_numbers_that_do_not_follow_from_the_per_sample_values_are_refused(results_factory, edit, expected):
    data = results_factory()
    assert validate_results(data) == []
    edit(data)
    reasons = validate_results(data)
    assert any(r.startswith(expected) for r in reasons), reasons


def test_a_file_without_per_sample_values_is_valid_but_never_ranked(results_factory, accepted):
    from imagehear.leaderboard.rules import unranked_reasons

    data = results_factory()
    del data["per_sample"]
    assert validate_results(data) == []
    assert unranked_reasons(data, accepted) == [
        "no per-sample values: its headlines cannot be checked (re-run image-hear evaluate)"]
    data = results_factory()
    del data["per_sample"]["columns"]["clip_score"]
    assert unranked_reasons(data, accepted) == ["clip_score: no per-sample values to check the headline"]


def test_malformed_reference_set_and_skipped_are_refused(results_factory):
    data = results_factory(kl=2.0)
    data["reference_set"] = {"n_files": 0, "sha256": "xyz"}
    data["skipped"] = "none"
    assert validate_results(data) == [
        "skipped: must be a list, got str",
        "reference_set.n_files: must be a positive integer, got 0",
        "reference_set.sha256: must be 64 lowercase hex digits, got 'xyz'"]


def test_ci_bounds_may_pass_the_value_range_but_must_be_finite(results_factory):
    """evaluate's intervals of a few clips (or bias-corrected FD ones) can reach below 0: accepted."""
    data = results_factory()
    data["metrics"]["fad"] = {"value": 5e-05, "ci95": [-4e-05, 1.2e-04]}
    data["environment"]["weights"]["vggish"] = {"sha256": "d" * 64}
    assert validate_results(data) == []
    data["metrics"]["fad"]["ci95"] = [None, 1.0]
    assert validate_results(data) == ["metrics.fad.ci95[0]: must be a finite number, got None"]
