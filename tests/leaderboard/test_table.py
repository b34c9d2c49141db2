"""The table built from a results folder: rows, order, reported rows, filters, storage."""
from __future__ import annotations

import json

from imagehear.leaderboard.store import load_results_dir, save_submission
from imagehear.leaderboard.table import RECOMPUTED, build_table
from imagehear.leaderboard.views import leaderboard_view, model_view, submit_file


def test_folder_loads_valid_files_and_lists_broken_ones(results_folder):
    accepted, refused = load_results_dir(results_folder)
    assert sorted(r.key for r in accepted) == ["alpha.json", "gamma.json", "sub/beta.json"]
    assert [key for key, _ in refused] == ["broken.json"]
    assert "protocol: must be 'v1'" in refused[0][1][0]


def test_missing_folder_is_an_empty_leaderboard(tmp_path):
    assert load_results_dir(tmp_path / "nope") == ([], [])


def test_default_order_is_accuracy_descending_with_reported_rows(results_folder):
    table, refused, choices = leaderboard_view(results_folder)
    models = table["model"].tolist()
    sources = table["source"].tolist()
    # recomputed 55.5, reported 49.14, recomputed 42.0 and 35.0, then the CS-only reported rows
    assert models[:4] == ["beta-gen", "Im2Wav", "gamma-gen", "alpha-gen"]
    assert sources[1] == "reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed"
    assert sources[0] == sources[2] == sources[3] == RECOMPUTED
    reported = table[table["source"].str.startswith("reported in V2A-Mapper")]
    assert dict(zip(reported["model"], reported["CS"])) == {"Im2Wav": 9.843, "CLIPSonic-IQ": 11.392,
                                                            "V2A-Mapper": 11.95}
    assert reported["accuracy"].isna().all() and (reported["CS 95% CI"] == "").all()
    assert "broken.json" in refused
    assert [value for _, value in choices] == ["alpha.json", "sub/beta.json", "gamma.json"]


def test_row_contents(results_folder):
    table, _, _ = leaderboard_view(results_folder)
    beta = table[table["model"] == "beta-gen"].iloc[0]
    assert beta["accuracy"] == 55.5 and beta["accuracy 95% CI"] == "[54.0, 57.0]"
    assert beta["KL"] == 2.1 and beta["n_samples"] == 3600 and beta["complete"] == "yes"
    assert beta["protocol"] == "v1" and beta["date"] == "2026-12-01" and beta["file"] == "sub/beta.json"
    assert beta["paper"] == "https://arxiv.org/abs/0000.00000"
    gamma = table[table["model"] == "gamma-gen"].iloc[0]
    assert gamma["complete"] == "no" and gamma["n_samples"] == 1800 and gamma["KL"] is None


def test_sort_filter_and_hide_reported(results_folder):
    by_cs, _, _ = leaderboard_view(results_folder, sort_by="CS")
    assert by_cs["CS"].tolist() == sorted(by_cs["CS"].tolist(), reverse=True)
    assert by_cs["model"].iloc[0] == "V2A-Mapper"
    by_kl, _, _ = leaderboard_view(results_folder, sort_by="KL")
    assert by_kl["model"].iloc[0] == "beta-gen"  # the only KL value comes first, blanks last
    filtered, _, _ = leaderboard_view(results_folder, query="IM2")
    assert set(filtered["model"]) == {"Im2Wav"} and len(filtered) == 2
    only_ours, _, _ = leaderboard_view(results_folder, show_reported=False)
    assert set(only_ours["source"]) == {RECOMPUTED} and len(only_ours) == 3


def test_metric_columns_follow_the_data(tmp_path, results_factory, write_results_file):
    write_results_file(tmp_path, results_factory(name="cs-only", accuracy=None), "a.json")
    table = build_table(load_results_dir(tmp_path)[0], show_reported=False)
    assert "accuracy" not in table.columns and "KL" not in table.columns and "CS" in table.columns


def test_save_submission_never_overwrites(tmp_path, results_factory):
    data = results_factory(name="My Model/../x")
    path, created = save_submission(data, tmp_path)
    assert created and path.parent == tmp_path and path.name.startswith("my-model-x-2026-12-01-")
    again, created = save_submission(data, tmp_path)
    assert again == path and not created
    other, created = save_submission(results_factory(name="My Model/../x", accuracy=41.0), tmp_path)
    assert created and other != path
    assert json.loads(path.read_text())["metrics"]["accuracy"]["value"] == 40.0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, other.name])  # no temp files left


def test_submit_file_accepts_refuses_and_calls_back(tmp_path, results_factory, write_results_file):
    results_dir, uploads = tmp_path / "results", tmp_path / "uploads"
    calls = []
    good = write_results_file(uploads, results_factory(name="new-gen"), "good.json")
    message = submit_file(str(good), results_dir, on_accept=lambda p, d: calls.append((p.name, d)))
    assert message.startswith("Accepted good.json: new-gen saved as ")
    assert len(calls) == 1 and calls[0][1] == results_dir
    assert submit_file(str(good), results_dir).startswith("Not added: identical results")
    bad_data = results_factory()
    bad_data["protocol"] = "v9"
    bad = write_results_file(uploads, bad_data, "bad.json")
    message = submit_file(str(bad), results_dir)
    assert message.startswith("Refused bad.json: 1 problem") and "protocol: must be 'v1'" in message
    assert [r.name for r in load_results_dir(results_dir)[0]] == ["new-gen"]


def test_model_view(results_folder):
    acc, cs, summary, config, env = model_view(results_folder, "sub/beta.json")
    assert len(acc) == len(cs) == 30 and acc["value"].iloc[0] == 54.0 and cs["value"].iloc[1] == 5.85
    assert summary.startswith("beta-gen: protocol v1, 3600 clips, complete run")
    assert json.loads(config)["sample_rates"]["passt"] == 32000
    assert json.loads(env)["packages"]["torch"] == "2.14.1"
    acc, _, summary, config, _ = model_view(results_folder, "broken.json")
    assert len(acc) == 0 and summary == "Choose a model." and config == ""
