"""Hostile and broken input: nothing a file or an uploader sends can raise, slow every view
down or break the table; results are read once per folder change."""
from __future__ import annotations

import json
import os

import pytest

from imagehear.leaderboard import store
from imagehear.leaderboard.store import ResultsFolder
from imagehear.leaderboard.validate import MAX_FILE_BYTES, parse_results
from imagehear.leaderboard.views import Leaderboard, RateLimiter

DEEP = [b"[" * 200000 + b"]" * 200000, b'{"a":' * 100000 + b"1" + b"}" * 100000, b"[" * 33 + b"]" * 33,
        b"[" * 5000]


@pytest.mark.parametrize("raw", DEEP, ids=["list-200k", "object-100k", "list-33", "unclosed-5000"])
def test_deep_nesting_is_a_reason_not_a_recursion_error(raw):
    assert parse_results(raw) == (None, ["nested deeper than 32 levels; a results.json needs about 6"])


def test_brackets_inside_strings_do_not_count(results_factory):
    data = results_factory(name="[" * 60)
    assert parse_results(json.dumps(data).encode())[1] == []


def test_oversized_file_is_refused_before_parsing(tmp_path, monkeypatch, accepted):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 10))
    board = Leaderboard(tmp_path / "r", accepted)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed an oversized file"))
    assert ResultsFolder(tmp_path).snapshot().refused == [
        ("big.json", [f"file is {MAX_FILE_BYTES + 1} bytes; the limit is {MAX_FILE_BYTES}"])]
    message = board.submit(str(big))
    assert message.startswith("Refused big.json: 1 problem") and "the limit is 5000000" in message


def test_bad_files_in_a_synced_folder_are_listed_and_never_break_the_table(tmp_path, results_factory,
                                                                          write_results_file, accepted):
    write_results_file(tmp_path, results_factory(name="good-gen"), "good.json")
    (tmp_path / "deep.json").write_bytes(DEEP[0])
    (tmp_path / "binary.json").write_bytes(os.urandom(64) + b"\xff")
    (tmp_path / "nan.json").write_text('{"value": NaN}')
    (tmp_path / "dir.json").mkdir()  # not a file: never listed
    (tmp_path / ".cache" / "huggingface").mkdir(parents=True)
    (tmp_path / ".cache" / "huggingface" / "meta.json").write_text("{")  # the Hub sync's own files
    (tmp_path / ".upload-abc.json").write_text("{")  # a half-written upload
    ranked, _, _, refused, _ = Leaderboard(tmp_path, accepted).view()
    assert ranked["model"].tolist() == ["good-gen"]
    lines = refused.splitlines()
    assert lines[0] == "3 files in the results folder were left out:"
    assert sorted(line.split(":")[0] for line in lines[1:]) == ["binary.json", "deep.json", "nan.json"]


def test_a_loader_crash_is_a_refusal(tmp_path, results_factory, write_results_file):
    write_results_file(tmp_path, results_factory(), "a.json")

    def explode(path):
        raise MemoryError("boom")

    assert ResultsFolder(tmp_path, loader=explode).snapshot().refused == [("a.json", ["could not be checked "
                                                                                     "(MemoryError)"])]


def test_results_are_read_once_and_kept_until_the_folder_changes(tmp_path, results_factory, write_results_file,
                                                                 monkeypatch, accepted):
    reads = []
    real = store.load_results_file

    def counting(path):
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(store, "load_results_file", counting)
    write_results_file(tmp_path, results_factory(name="a-gen"), "a.json")
    write_results_file(tmp_path, results_factory(name="b-gen"), "b.json")
    board = Leaderboard(tmp_path, accepted)
    board.folder.loader = counting
    for query in ("", "a", "a-", "a-g", "b"):  # search keystrokes
        board.view(query=query)
    assert sorted(reads) == ["a.json", "b.json"]
    write_results_file(tmp_path, results_factory(name="c-gen"), "c.json")
    (tmp_path / "a.json").write_text((tmp_path / "a.json").read_text() + "\n")  # size changes
    assert set(board.view()[0]["model"]) == {"a-gen", "b-gen", "c-gen"}
    assert sorted(reads) == ["a.json", "a.json", "b.json", "c.json"]
    (tmp_path / "b.json").unlink()
    assert set(board.view()[0]["model"]) == {"a-gen", "c-gen"}


def test_rank_groups_are_computed_once_per_change(tmp_path, results_factory, write_results_file, accepted):
    calls = []

    def verdict(a, b, metric):
        calls.append(metric)
        return "not distinguishable"

    for name, acc in (("a", 50.0), ("b", 40.0), ("c", 30.0)):
        write_results_file(tmp_path, results_factory(name=name, accuracy=acc), f"{name}.json")
    board = Leaderboard(tmp_path, accepted, compare_fn=verdict)
    for query in ("", "a", "b", "c"):
        assert board.view(query=query, show_reported=False)[0]["rank"].tolist() in ([1, 1, 1], [1])
    assert len(calls) == 2  # two comparisons against the leader, once


def test_uploads_are_rate_limited_per_client(tmp_path, results_factory, write_results_file, accepted):
    now = [0.0]
    board = Leaderboard(tmp_path / "results", accepted,
                        limiter=RateLimiter(per_client=2, window_s=600, overall=3, clock=lambda: now[0]))
    paths = [write_results_file(tmp_path / "up", results_factory(name=f"m{i}"), f"m{i}.json") for i in range(5)]
    assert board.submit(str(paths[0]), client="1.1.1.1").startswith("Accepted")
    assert board.submit(str(paths[1]), client="1.1.1.1").startswith("Accepted")
    assert board.submit(str(paths[2]), client="1.1.1.1").startswith("Too many uploads: at most 2 per 10 minutes")
    assert board.submit(str(paths[2]), client="2.2.2.2").startswith("Accepted")
    assert board.submit(str(paths[3]), client="3.3.3.3").startswith("Too many uploads right now")
    now[0] = 601.0
    assert board.submit(str(paths[3]), client="1.1.1.1").startswith("Accepted")


def test_duplicate_content_is_detected_by_hash_whatever_the_file_name(tmp_path, results_factory,
                                                                      write_results_file, accepted):
    results = tmp_path / "results"
    data = results_factory(name="dup-gen")
    write_results_file(results, data, "synced/from-the-hub.json")  # same content, another name, reformatted
    upload = tmp_path / "up" / "mine.json"
    upload.parent.mkdir()
    upload.write_text(json.dumps(data, indent=4, sort_keys=False))
    message = Leaderboard(results, accepted).submit(str(upload))
    assert message == "Not added: identical results are already on the leaderboard as synced/from-the-hub.json."
    assert sorted(p.name for p in results.rglob("*.json")) == ["from-the-hub.json"]


def test_submission_says_where_the_file_went(tmp_path, results_factory, write_results_file, accepted):
    board = Leaderboard(tmp_path / "results", accepted)
    full = write_results_file(tmp_path / "up", results_factory(name="full-gen"), "full.json")
    part = write_results_file(tmp_path / "up", results_factory(name="part-gen", complete=False, n_samples=120),
                              "part.json")
    assert board.submit(str(full)).endswith(", ranked.")
    assert board.submit(str(part)).endswith(", in the unranked table: incomplete: 120 of 3600 planned clips.")
    calls = []
    other = write_results_file(tmp_path / "up", results_factory(name="x-gen"), "x.json")
    message = board.submit(str(other), on_accept=lambda p, d: calls.append(p.name) or 1 / 0)
    assert len(calls) == 1 and "Warning: the upload to the results repository failed: division by zero" in message


def test_client_id_is_the_proxy_appended_hop():
    from types import SimpleNamespace

    from imagehear.leaderboard.app import client_id

    def request(forwarded=None, host="10.0.0.1"):
        return SimpleNamespace(headers={"x-forwarded-for": forwarded} if forwarded else {},
                               client=SimpleNamespace(host=host))

    assert client_id(request("6.6.6.6, 1.2.3.4")) == "1.2.3.4"  # the first entry is the client's to forge
    assert client_id(request()) == "10.0.0.1" and client_id(None) is None
