"""The two tables built from a results folder: ranking, unranked rows with reasons, reported rows, filters."""
from __future__ import annotations

import json

from imagehear.leaderboard.store import ResultsFolder, save_submission
from imagehear.leaderboard.table import Result, build_tables
from imagehear.leaderboard.views import Leaderboard


def board(folder, accepted, compare_fn=None):
    return Leaderboard(folder, accepted=accepted, compare_fn=compare_fn)


def test_folder_loads_valid_files_and_lists_broken_ones(results_folder):
    snapshot = ResultsFolder(results_folder).snapshot()
    assert sorted(key for key, _, _ in snapshot.valid) == ["alpha.json", "gamma.json", "sub/beta.json"]
    assert [key for key, _ in snapshot.refused] == ["broken.json"]
    assert "protocol: must be 'v1'" in snapshot.refused[0][1][0]


def test_missing_folder_is_an_empty_leaderboard(tmp_path, accepted):
    ranked, unranked, note, refused, choices = board(tmp_path / "nope", accepted).view(show_reported=False)
    assert len(ranked) == len(unranked) == 0 and refused == "" and choices == []
    assert note.startswith("0 ranked result(s)")


def test_partial_run_is_never_ranked_above_a_complete_one(results_folder, accepted):
    """gamma (1,800 clips, accuracy 42.0) beats alpha (35.0) on the number, but an incomplete
    run is not comparable: it sits in the unranked table with its reason, never in the ranking."""
    ranked, unranked, _, refused, choices = board(results_folder, accepted).view()
    assert ranked["model"].tolist() == ["beta-gen", "alpha-gen"]
    assert ranked["rank"].tolist() == [1, 2]
    gamma = unranked[unranked["model"] == "gamma-gen"].iloc[0]
    assert gamma["why not ranked"] == "incomplete: 1800 of 3600 planned clips"
    assert gamma["complete"] == "no" and gamma["n_samples"] == 1800
    assert "gamma-gen" not in ranked["model"].tolist()
    assert "broken.json" in refused
    assert [value for _, value in choices] == ["alpha.json", "sub/beta.json", "gamma.json"]


def test_reported_rows_are_unranked_with_their_source(results_folder, accepted):
    ranked, unranked, _, _, _ = board(results_folder, accepted).view()
    reported = unranked[unranked["why not ranked"].str.startswith("reported in V2A-Mapper")]
    assert dict(zip(reported["model"], reported["CS"])) == {"Im2Wav": 9.843, "CLIPSonic-IQ": 11.392,
                                                            "V2A-Mapper": 11.95}
    assert reported["accuracy"].isna().all() and (reported["CS 95% CI"] == "").all()
    assert "Im2Wav" not in ranked["model"].tolist()
    # unranked rows sort by the same metric: paper 49.14, gamma 42.0, then the CS-only rows
    assert unranked["model"].tolist()[:2] == ["Im2Wav", "gamma-gen"]


def test_ranked_row_contents(results_folder, accepted):
    ranked, _, _, _, _ = board(results_folder, accepted).view()
    beta = ranked[ranked["model"] == "beta-gen"].iloc[0]
    assert beta["accuracy"] == 55.5 and beta["accuracy 95% CI"] == "[54.0, 57.0]"
    assert beta["KL"] == 2.1 and beta["n_samples"] == 3600 and beta["reference set"] == "1234abcd1234 (3600 files)"
    assert beta["date"] == "2026-12-01" and beta["file"] == "sub/beta.json" and beta["notes"] == ""
    assert beta["paper"] == "https://arxiv.org/abs/0000.00000"
    assert ranked[ranked["model"] == "alpha-gen"].iloc[0]["KL"] is None


def test_sort_filter_and_hide_reported(results_folder, accepted):
    lb = board(results_folder, accepted)
    by_cs, unranked, _, _, _ = lb.view(sort_by="CS")
    assert by_cs["model"].tolist() == ["alpha-gen", "beta-gen"] and by_cs["rank"].tolist() == [1, 2]
    assert unranked["model"].iloc[0] == "V2A-Mapper"
    by_kl, _, note, _, _ = lb.view(sort_by="KL")
    assert by_kl["model"].tolist() == ["beta-gen", "alpha-gen"]  # the only KL value first, blanks last
    assert by_kl["rank"].tolist()[1] is None and note.split(". ")[1].startswith("Rank groups by KL")
    ranked, filtered, _, _, _ = lb.view(query="IM2")
    assert set(filtered["model"]) == {"Im2Wav"} and len(filtered) == 2 and len(ranked) == 0
    _, only_ours, _, _, _ = lb.view(show_reported=False)
    assert only_ours["model"].tolist() == ["gamma-gen"]


def test_rank_groups_share_a_rank_when_not_significant(tmp_path, results_factory, write_results_file, accepted):
    """Overlapping CIs (no per-sample test available) share a group; a separated row opens a new one
    at its position; the compare test, when it answers, decides instead of the CIs."""
    for name, acc in (("top", 60.0), ("close", 59.0), ("far", 50.0), ("farther", 49.5)):
        write_results_file(tmp_path, results_factory(name=name, accuracy=acc), f"{name}.json")
    ranked = board(tmp_path, accepted).view(show_reported=False)[0]
    assert list(zip(ranked["model"], ranked["rank"])) == [("top", 1), ("close", 1), ("far", 3), ("farther", 3)]

    def verdict(a, b, metric):  # pretend the paired test separates every pair
        return "A better"

    ranked = board(tmp_path, accepted, compare_fn=verdict).view(show_reported=False)[0]
    assert ranked["rank"].tolist() == [1, 2, 3, 4]


def test_reference_metrics_compare_only_rows_of_one_reference_set(tmp_path, results_factory, write_results_file,
                                                                  accepted):
    other = {"n_files": 120, "sha256": "9" * 64}
    write_results_file(tmp_path, results_factory(name="a", kl=2.0), "a.json")
    write_results_file(tmp_path, results_factory(name="b", kl=2.5), "b.json")
    write_results_file(tmp_path, results_factory(name="c", kl=0.5, reference_set=other), "c.json")
    no_fingerprint = results_factory(name="d", kl=0.4)
    del no_fingerprint["reference_set"]
    write_results_file(tmp_path, no_fingerprint, "d.json")
    ranked, _, note, _, _ = board(tmp_path, accepted).view(sort_by="KL", show_reported=False)
    assert ranked["model"].tolist()[:2] == ["a", "b"] and ranked["KL"].tolist()[2:] == [None, None]
    notes = dict(zip(ranked["model"], ranked["notes"]))
    assert notes["c"] == ("KL blank: scored against reference set 999999999999 (120 files), not the table's "
                          "1234abcd1234 (3600 files)")
    assert notes["d"] == "KL blank: no reference-set fingerprint recorded"
    assert "compared only among rows scored against reference set 1234abcd1234 (3600 files)" in note
    assert set(ranked["model"]) == {"a", "b", "c", "d"}  # still ranked on what does not need a reference


def test_metric_columns_follow_the_data(tmp_path, results_factory, write_results_file, accepted):
    write_results_file(tmp_path, results_factory(name="cs-only", accuracy=None), "a.json")
    ranked, unranked = build_tables(board(tmp_path, accepted).results()[0], show_reported=False)
    assert "accuracy" not in ranked.columns and "KL" not in ranked.columns and "CS" in ranked.columns
    assert list(unranked.columns)[:2] == ["model", "why not ranked"]


def test_tiny_values_are_not_rounded_to_zero(accepted):
    data = {"model": {"name": "x"}, "n_samples": 3600, "created": "2026-12-01", "complete": True, "protocol": "v1",
            "metrics": {"fad": {"value": 6.87e-05, "ci95": [6.1e-05, 7.9e-05]}}}
    ranked, _ = build_tables([Result("x.json", data)], show_reported=False)
    assert ranked["FAD"].iloc[0] == 6.87e-05 and ranked["FAD 95% CI"].iloc[0] == "[6.1e-05, 7.9e-05]"


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


def test_model_view(results_folder, accepted):
    lb = board(results_folder, accepted)
    acc, cs, summary, config, env = lb.model_view("sub/beta.json")
    assert len(acc) == len(cs) == 30 and round(acc["value"].iloc[0], 2) == 68.33 and round(cs["value"].iloc[1], 2) == 5.9
    assert summary.startswith("beta-gen: protocol v1, 3600 clips, complete run") and summary.endswith("; ranked")
    assert json.loads(config)["sample_rates"]["passt"] == 32000
    assert json.loads(env)["packages"]["torch"] == "2.14.1"
    assert lb.model_view("gamma.json")[2].endswith("NOT RANKED: incomplete: 1800 of 3600 planned clips")
    acc, _, summary, config, _ = lb.model_view("broken.json")
    assert len(acc) == 0 and summary == "Choose a model." and config == ""


def test_rank_groups_use_the_paired_test_of_imagehear_compare(tmp_path, results_factory, write_results_file,
                                                               accepted):
    """The default rank-group test is imagehear.report.compare on the per-sample values: two runs with the
    same per-clip accuracy cannot be told apart and share rank 1; a run 10 points lower is separated."""
    for name, acc in (("a-gen", 50.0), ("b-gen", 50.0), ("c-gen", 40.0)):
        write_results_file(tmp_path, results_factory(name=name, accuracy=acc), f"{name}.json")
    ranked = Leaderboard(tmp_path, accepted=accepted).view(show_reported=False)[0]
    assert list(zip(ranked["model"], ranked["rank"])) == [("a-gen", 1), ("b-gen", 1), ("c-gen", 3)]
