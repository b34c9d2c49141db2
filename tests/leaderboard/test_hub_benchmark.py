"""IMAGE HEAR as a Hub Benchmark: eval.yaml, `export-hub` (.eval_results + the PR), `leaderboard --check`.

Everything Hub-facing runs huggingface_hub's own code against a stand-in of the Hub's HTTP API
on 127.0.0.1 (``HF_ENDPOINT``, tests/hub_standin.py), which records what it was sent.
"""
from __future__ import annotations

import base64
import json

import pytest
import yaml
from huggingface_hub import eval_result_entries_to_yaml, parse_eval_result_entries

from imagehear.cli import main
from imagehear.io.dataset import hub_readme
from imagehear.leaderboard.store import submission_name
from imagehear.leaderboard.table import rounded
from imagehear.metrics import DEFAULT_METRICS, METRICS
from imagehear.publish.benchmark import eval_yaml_text, write_eval_yaml
from imagehear.publish.layout import repo_ids
from tests.hub_standin import DATASET_SHA, HubStandIn

# eval.yaml keys the Hub documents (huggingface.co/docs/hub/eval-results, "Eval.yaml specification")
TOP_KEYS = {"name", "description", "evaluation_framework", "tasks"}
TASK_KEYS = {"id", "config", "split"}
INSPECT_KEYS = {"field_spec", "solvers", "scorers"}  # required, and allowed, only with inspect-ai


@pytest.fixture
def hub(monkeypatch):
    stand_in = HubStandIn()
    monkeypatch.setenv("HF_ENDPOINT", stand_in.start())
    for name in ("HF_HUB_OFFLINE", "IMAGEHEAR_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def accepted_env(tmp_path, monkeypatch, accepted):
    """The fixtures' weight hashes as the accepted list the CLI reads (IMAGEHEAR_ACCEPTED_WEIGHTS)."""
    listed = tmp_path / "accepted_weights.json"
    listed.write_text(json.dumps({"weights": {n: [{"sha256": s} for s in sorted(v)] for n, v in accepted.items()}}))
    monkeypatch.setenv("IMAGEHEAR_ACCEPTED_WEIGHTS", str(listed))


def test_eval_yaml_has_the_hub_structure_and_one_task_per_reference_free_quality_metric(tmp_path):
    config = yaml.safe_load(write_eval_yaml(tmp_path).read_text())
    assert (tmp_path / "eval.yaml").read_text() == eval_yaml_text()
    assert set(config) == TOP_KEYS and all(isinstance(config[k], str) and config[k].strip() for k in TOP_KEYS - {"tasks"})
    if config["evaluation_framework"] == "inspect-ai":
        assert all(INSPECT_KEYS <= set(task) for task in config["tasks"])
    else:
        assert all(set(task) == TASK_KEYS for task in config["tasks"])
    ids = [task["id"] for task in config["tasks"]]
    # every task a metric, every such metric a task: the reference-free headlines first, then the
    # opt-in per-clip qualities; never a reference metric, a set-level one or a descriptive one
    headline = [name for name in DEFAULT_METRICS if METRICS[name].reference == "none"]
    opt_in = [name for name, spec in METRICS.items() if name not in DEFAULT_METRICS and spec.reference == "none"
              and spec.ci == "mean" and spec.quality]
    assert ids == headline + opt_in and headline == ["clip_score", "accuracy", "clap_score"]
    assert {"pe_av_score", "ib_score", "aesthetics_ce", "aesthetics_cu", "aesthetics_pq"} == set(opt_in)
    card = yaml.safe_load(hub_readme(1, 1).split("---")[1])  # the staged dataset's own configs and splits
    served = {(c["config_name"], f["split"]) for c in card["configs"] for f in c["data_files"]}
    assert all((task["config"], task["split"]) in served for task in config["tasks"])
    for name in ids:  # direction and unit in words, protocol v1
        assert f"- {name}: {METRICS[name].label}," in config["description"]
    assert "higher is better" in config["description"] and "Protocol v1" in config["description"]
    assert "in %" in config["description"] and "100 x cosine" in config["description"]


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_export_round_trips_through_huggingface_hubs_parser(hub, accepted_env, tmp_path, capsys, results_factory,
                                                             write_results_file):
    data = results_factory(name="alpha-gen", accuracy=35.0, clip_score=10.5)
    path = write_results_file(tmp_path, data, "results.json")
    rc, out, err = _run(capsys, "export-hub", path, "--model-repo", "lab/alpha", "--out", tmp_path / "repo")
    assert rc == 0, err
    text = (tmp_path / "repo" / ".eval_results" / "image_hear.yaml").read_text()
    raw = yaml.safe_load(text)
    entries = parse_eval_result_entries(raw)
    assert eval_result_entries_to_yaml(entries) == raw  # nothing of ours outside the Hub's format
    assert [e.task_id for e in entries] == ["clip_score", "accuracy"]  # the file has no clap_score
    assert {e.dataset_id for e in entries} == {repo_ids()["dataset"][1]}
    assert [e.value for e in entries] == [rounded(data["metrics"][t]["value"], METRICS[t].decimals + 1)
                                          for t in ("clip_score", "accuracy")]
    for e in entries:
        assert e.dataset_revision == DATASET_SHA and e.date == data["created"]
        assert e.source_url.endswith(f"/datasets/imagehear/results/blob/main/{submission_name(data)}")
        assert e.notes == "image-hear 0.1.0, protocol v1, profile protocol-v1, fp32, complete run (3600 clips), " \
                          "trained weights"
    assert "ranked by the leaderboard" in out and submission_name(data) in out


def test_export_refuses_what_the_board_would_not_rank_unless_unranked(hub, accepted_env, tmp_path, capsys,
                                                                      results_factory, write_results_file):
    partial = write_results_file(tmp_path, results_factory(name="part", accuracy=70.0, complete=False,
                                                           n_samples=120), "partial.json")
    rc, out, err = _run(capsys, "export-hub", partial, "--model-repo", "lab/part", "--out", tmp_path / "repo")
    assert rc == 1 and out == "" and err.count("\n") == 1
    assert "would not be ranked (incomplete: 120 of 3600 planned clips)" in err and "--unranked" in err
    assert not (tmp_path / "repo").exists()
    rc, out, err = _run(capsys, "export-hub", partial, "--model-repo", "lab/part", "--out", tmp_path / "repo",
                        "--unranked")
    assert rc == 0, err
    [entry, _] = parse_eval_result_entries(yaml.safe_load(
        (tmp_path / "repo" / ".eval_results" / "image_hear_unranked.yaml").read_text()))
    assert entry.notes.startswith("UNRANKED on the IMAGE HEAR leaderboard (incomplete: 120 of 3600 planned clips); ")
    assert "partial run (120 of 3600 clips)" in entry.notes

    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**results_factory(), "protocol": "v0"}))
    rc, _, err = _run(capsys, "export-hub", broken, "--model-repo", "lab/x", "--out", tmp_path / "x", "--unranked")
    assert rc == 1 and err.count("\n") == 1 and "refused by the leaderboard's validator (protocol: must be 'v1'" in err


def test_push_opens_one_pull_request_carrying_exactly_the_file(hub, accepted_env, tmp_path, capsys, results_factory,
                                                               write_results_file):
    path = write_results_file(tmp_path, results_factory(name="alpha-gen"), "results.json")
    rc, _, err = _run(capsys, "export-hub", path, "--model-repo", "lab/alpha", "--out", tmp_path, "--push")
    assert rc == 2 and "--push needs a Hub write token" in err and err.count("\n") == 1
    rc, out, err = _run(capsys, "export-hub", path, "--model-repo", "lab/alpha", "--out", tmp_path, "--push",
                        "--token", "hf_test")
    assert rc == 0, err
    assert out.splitlines()[-1].endswith("/lab/alpha/discussions/1")  # the PR the Hub opened
    writes = hub.sent("/api/models/")
    assert [(m, p, q) for m, p, q, _, _ in writes] == [
        ("POST", "/api/models/lab/alpha/preupload/main", {"create_pr": ["1"]}),
        ("POST", "/api/models/lab/alpha/commit/main", {"create_pr": ["1"]})]
    assert all(headers["authorization"] == "Bearer hf_test" for _, _, _, headers, _ in writes)
    header, *files = writes[1][4]
    assert header["key"] == "header" and header["value"]["summary"] == "Add IMAGE HEAR evaluation results"
    assert [f["value"]["path"] for f in files] == [".eval_results/image_hear.yaml"]  # exactly one file
    sent = base64.b64decode(files[0]["value"]["content"])
    assert sent == (tmp_path / ".eval_results" / "image_hear.yaml").read_bytes()
    print(json.dumps({"PR request": writes[1][1], "query": writes[1][2], "body": writes[1][4]}, indent=1))


def test_leaderboard_check_says_would_be_ranked_or_every_reason(accepted_env, tmp_path, capsys, results_factory,
                                                                write_results_file):
    good = write_results_file(tmp_path, results_factory(name="alpha-gen"), "good.json")
    rc, out, _ = _run(capsys, "leaderboard", "--check", good)
    assert rc == 0 and out == f"{good} would be ranked\n"
    bad = write_results_file(tmp_path, results_factory(name="b", complete=False, n_samples=120, precision="bf16",
                                                       random_init=True), "bad.json")
    rc, out, _ = _run(capsys, "leaderboard", "--check", bad)
    assert rc == 1 and out.splitlines()[0] == f"{bad} would not be ranked (3 reasons):"
    assert out.splitlines()[1:] == ["- incomplete: 120 of 3600 planned clips", "- precision bf16, not fp32",
                                    "- random weights (clip, passt, wav2clip): a `make demo` or test run"]
