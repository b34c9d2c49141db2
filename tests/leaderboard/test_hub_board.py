"""The board joins the Hub's leaderboard (``get_dataset_leaderboard``) with its own results folder.

A Hub entry is ranked only as the ranked results file its source links, with that file's
value; every other entry lands in the unranked table with its reason; a failing Hub or a
garbage answer leaves the local rows and one line saying the Hub rows are unavailable.
huggingface_hub's own client runs against the stand-in on 127.0.0.1 (tests/hub_standin.py).
"""
from __future__ import annotations

import pytest

from imagehear.leaderboard.hub_board import HubRows, results_file_url
from imagehear.leaderboard.table import rounded
from imagehear.leaderboard.views import Leaderboard
from tests.hub_standin import HubStandIn, entry


@pytest.fixture
def hub(monkeypatch):
    stand_in = HubStandIn()
    monkeypatch.setenv("HF_ENDPOINT", stand_in.start())
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def folder(tmp_path, results_factory, write_results_file):
    """alpha (ranked, CS 10.5, accuracy 35), beta (ranked, CS 7.25), gamma (partial run); file key -> CS value."""
    folder = tmp_path / "results"
    files = {"alpha.json": results_factory(name="alpha-gen", accuracy=35.0, clip_score=10.5),
             "beta.json": results_factory(name="beta-gen", accuracy=55.5, clip_score=7.25),
             "gamma.json": results_factory(name="gamma-gen", clip_score=9.0, complete=False, n_samples=1800)}
    for key, data in files.items():
        write_results_file(folder, data, key)
    return folder, {key: rounded(data["metrics"]["clip_score"]["value"], 3) for key, data in files.items()}


def _rows(df, column="model"):
    return {row[column]: row for row in df.to_dict("records")}


def test_matching_entry_is_joined_and_every_other_one_demoted_with_its_reason(hub, folder, accepted):
    folder, cs = folder
    url = results_file_url  # the link export-hub writes, here on the stand-in's endpoint
    hub.leaderboard = [
        entry("lab/alpha", cs["alpha.json"], url("alpha.json")),                  # joined (first task: CS)
        entry("lab/alpha-acc", 35.0, url("alpha.json"), taskId="accuracy"),       # joined on the task it names
        entry("lab/beta", 9.8, url("beta.json")),                                 # value differs
        entry("lab/gamma", cs["gamma.json"], url("gamma.json")),                  # the file is a partial run
        entry("lab/nofile", 12.0, None),                                          # no source at all
        entry("lab/elsewhere", 12.0, "https://example.org/results.json"),         # not the results repo
        entry("lab/ghost", 12.0, url("ghost.json")),                              # not in the folder
    ]
    ranked, unranked, note, _, _ = Leaderboard(folder, accepted, compare_fn=None, hub=HubRows()).view()
    joined = _rows(ranked)
    assert joined["alpha-gen"]["model repo"] == "https://huggingface.co/lab/alpha, https://huggingface.co/lab/alpha-acc"
    assert joined["beta-gen"]["model repo"] == ""
    why = {model: row["why not ranked"] for model, row in _rows(unranked).items()}
    assert why["lab/beta"] == f"Hub entry: value differs from the file: 9.8 vs {cs['beta.json']:g}"
    assert why["lab/gamma"] == "Hub entry: the results file is not ranked: incomplete: 1800 of 3600 planned clips"
    assert why["lab/nofile"] == why["lab/elsewhere"] == \
        "Hub entry: no results file (its source is not a file of imagehear/results)"
    assert why["lab/ghost"] == "Hub entry: no results file: ghost.json is not in imagehear/results"
    assert _rows(unranked)["lab/beta"]["CS"] == 9.8 and _rows(unranked)["lab/beta"]["model repo"].endswith("lab/beta")
    assert "7 entries, 2 joined with a ranked results file (model repo linked), 5 in the unranked table" in note
    [(method, path, _, _, _)] = hub.sent("/leaderboard")
    assert (method, path) == ("GET", "/api/datasets/imagehear/image_hear/leaderboard")


@pytest.mark.parametrize("answer", [503, b"<html>not json</html>", b'{"not": "a list"}', [{"rank": 1}]],
                         ids=["http-503", "html", "object", "entry-without-fields"])
def test_failing_or_garbage_hub_leaves_the_local_rows_and_one_line(hub, folder, accepted, answer):
    folder, _ = folder
    hub.leaderboard = answer
    ranked, unranked, note, _, _ = Leaderboard(folder, accepted, compare_fn=None, hub=HubRows()).view()
    assert sorted(ranked["model"]) == ["alpha-gen", "beta-gen"] and "gamma-gen" in set(unranked["model"])
    [line] = [n for n in note.splitlines() if "Hub" in n]
    assert line.startswith("Hub rows unavailable (imagehear/image_hear): ")
    assert line.endswith("; showing this board's own rows only.")


def test_hub_rows_are_cached_like_the_folder(hub, folder, accepted):
    folder, _ = folder
    now = [0.0]
    board = Leaderboard(folder, accepted, compare_fn=None, hub=HubRows(ttl_s=300, clock=lambda: now[0]))
    hub.leaderboard = 503
    for _ in range(3):
        board.view()
    assert len(hub.sent("/leaderboard")) == 1  # the failure is remembered too: a search keystroke never hits the Hub
    hub.leaderboard, now[0] = [entry("lab/ghost", 1.0, None)], 301.0
    assert "lab/ghost" in set(board.view()[1]["model"]) and len(hub.sent("/leaderboard")) == 2
