"""Every option of every command, given bad values: one line naming it, exit 2 (usage) or 1 (data).

The table is checked against the parser itself: an option added without bad-value cases here
fails ``test_every_option_has_bad_value_cases``. Each case runs the real ``main`` in-process
and needs no weights (validation happens before any work).
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.cli import build_parser, main

# (command, option) -> [(argument list after the command, expected exit code, text the line must hold)]
# "{gen}": a valid generated folder, "{file}": a plain file, "{res}": a results file, "{tmp}": a fresh folder,
# "{ro}": a folder this user may not write, "{held}": a results file holding accuracy and clip_score
CASES = {
    ("plan", "--out"): [(["--out", "{file}/sub"], 2, "is a file")],
    ("plan", "--per-class"): [(["--out", "{tmp}/p", "--per-class", v], 2, "--per-class") for v in ("0", "-3", "x", "1.5")],
    ("plan", "--image-set"): [(["--out", "{tmp}/p", "--image-set", v], 2, "--image-set") for v in ("v2a_mapper", "")],
    ("plan", "--force"): [(["--out", "{gen}"], 2, "--force")],  # without it, an existing manifest is kept
    ("plan", "--classes"): [(["--out", "{tmp}/p", "--classes", v], 2, "--classes") for v in ("Violin", ",")],
    ("generate", "model"): [(["{tmp}/nope.py:Tone", "--out", "{tmp}/g"], 2, "no such file"),
                            (["Tone", "--out", "{tmp}/g"], 2, "file.py:NAME"),
                            (["{model}:Nope", "--out", "{tmp}/g"], 2, "defines no 'Nope'"),
                            (["{model}:RATE", "--out", "{tmp}/g"], 2, "not a model or a factory"),
                            (["{model}:odd", "--out", "{tmp}/g"], 2, "sample_rate must be a positive integer"),
                            (["{model}:broken", "--out", "{tmp}/g"], 2, "the factory returned a function, not a model"),
                            (["{tmp}/../plain.txt:x", "--out", "{tmp}/g"], 2, "file.py:NAME")],
    ("generate", "--out"): [(["{model}:Tone", "--out", "{file}/sub"], 2, "--out"),
                            (["{model}:Tone", "--out", "{gen}", "--per-class", "3"], 2, "another plan")],
    ("generate", "--classes"): [(["{model}:Tone", "--out", "{tmp}/g", "--classes", v], 2, "--classes")
                                for v in ("Violin", ",")],
    ("generate", "--per-class"): [(["{model}:Tone", "--out", "{tmp}/g", "--per-class", v], 2, "--per-class")
                                  for v in ("0", "x")],
    ("generate", "--seed"): [(["{model}:Tone", "--out", "{tmp}/g", "--seed", v], 2, "--seed") for v in ("-1", "x")],
    ("generate", "--batch-size"): [(["{model}:Tone", "--out", "{tmp}/g", "--batch-size", v], 2, "--batch-size")
                                   for v in ("0", "1.5")],
    ("generate", "--device"): [(["{model}:Tone", "--out", "{tmp}/g", "--device", v], 2, "device") for v in ("tpu", "cuda")],
    ("generate", "--shard"): [(["{model}:Tone", "--out", "{tmp}/g", "--shard", v], 2, "--shard")
                              for v in ("2/2", "1", "a/b", "0/0", "-1/2")],
    ("generate", "--source"): [(["{model}:Tone", "--out", "{tmp}/g", "--source", "{tmp}/nope"], 2, "--source")],
    ("generate", "--model-arg"): [(["{model}:Tone", "--out", "{tmp}/g", "--model-arg", v], 2, "--model-arg")
                                  for v in ("steps", "1x=3", "=3")]
    + [(["{model}:Tone", "--out", "{tmp}/g", "--model-arg", "steps=3"], 2, "does not fit the factory"),
       (["{model}:tone", "--out", "{tmp}/g", "--model-arg", "steps=3"], 2, "needs a factory"),
       (["{model}:Tone", "--out", "{tmp}/g", "--model-arg", "a=1", "--model-arg", "a=2"], 2, "given twice")],
    ("generate", "--quiet"): [],
    ("check", "generated_dir"): [(["{tmp}/nope"], 2, "no such folder"), (["{file}"], 2, "is a file, not a folder"),
                                 (["{tmp}"], 1, "image-hear plan --out")],
    ("check", "--min-seconds"): [(["{gen}", "--min-seconds", v], 2, "--min-seconds") for v in ("0", "-1", "x", "nan", "inf")],
    ("check", "--json"): [],
    ("dataset", "--out"): [(["--out", "{file}/sub"], 2, "--out")],
    ("dataset", "--source"): [(["--out", "{tmp}/d", "--source", v], 2, "--source")
                              for v in ("{tmp}/nope", "ftp://example.org/x", "{file}")],
    ("dataset", "--image-set"): [(["--out", "{tmp}/d", "--image-set", "101"], 2, "--image-set")],
    ("dataset", "--cache-dir"): [(["--out", "{tmp}/d", "--cache-dir", "{file}"], 2, "--cache-dir")],
    ("evaluate", "generated_dir"): [(["{tmp}/nope"], 2, "no such folder"), (["{tmp}"], 1, "no manifest.csv")],
    ("evaluate", "--reference-dir"): [(["{gen}", "--reference-dir", "{tmp}/nope"], 2, "--reference-dir")],
    ("evaluate", "--metrics"): [(["{gen}", "--metrics", v], 2, "--metrics") for v in ("nope", "", ",", "clip_score,bad")]
    + [(["{gen}", "--metrics", "kl"], 2, "kl needs reference audio"), (["{gen}", "--metrics", "+kl"], 2, "kl needs"),
       (["{gen}", "--metrics", "kl,+fad"], 2, "mixes names"), (["{gen}", "--metrics", "all,kl"], 2, "stands alone"),
       (["{gen}", "--metrics", "+nope"], 2, "unknown metric")],
    ("evaluate", "--out"): [(["{gen}", "--out", v], 2, "--out") for v in ("{tmp}/r.txt", "{tmp}", "{file}/r.json")]
    + [(["{gen}", "--out", "{ro}/sub/r.json"], 2, "read-only")],
    ("evaluate", "--force"): [(["{gen}", "--metrics", "clip_score", "--out", "{held}"], 2, "holds accuracy, which "
                               "this run (clip_score) does not compute; pass --force"),
                              (["{gen}", "--out", "{file}.json"], 2, "not a readable results file; pass --force")],
    ("evaluate", "--summary"): [(["{gen}", "--summary", v], 2, "--summary")
                                for v in ("{tmp}/s.txt", "{tmp}", "{file}/s.md")],
    ("evaluate", "--weights-dir"): [(["{gen}", "--weights-dir", v], 2, "--weights-dir") for v in ("{tmp}/nope", "{file}")],
    ("evaluate", "--device"): [(["{gen}", "--device", v], 2, "device") for v in ("tpu", "cuda:x", "gpu", "cuda", "cuda:7")],
    ("evaluate", "--batch-size"): [(["{gen}", "--batch-size", v], 2, "--batch-size") for v in ("0", "-1", "x")],
    ("evaluate", "--cache-dir"): [(["{gen}", "--cache-dir", "{file}"], 2, "--cache-dir"),
                                  (["{gen}", "--cache-dir", "{ro}"], 2, "read-only")],
    ("evaluate", "--source"): [(["{gen}", "--source", v], 2, "--source") for v in ("{tmp}/nope", "s3://bucket")],
    ("evaluate", "--model-name"): [(["{gen}", "--model-name", v], 2, "--model-name") for v in ("", " ", "x" * 201)],
    ("evaluate", "--skip-invalid"): [],
    ("evaluate", "--pad-to-10s"): [],
    ("evaluate", "--compat"): [(["{gen}", "--compat", "av_benchmark"], 2, "--compat"),
                               (["{gen}", "--compat", "ssv2a", "--metrics", "accuracy"], 2,
                                "--compat ssv2a reproduces clip_score only, not accuracy: pass --metrics clip_score"),
                               (["{gen}", "--compat", "ssv2a", "--audio-length", "8"], 2,
                                "--audio-length does not apply to --compat ssv2a")],
    ("evaluate", "--audio-length"): [(["{gen}", "--audio-length", v], 2, "--audio-length") for v in ("0", "-8", "x")],
    ("evaluate", "--frames"): [(["{gen}", "--frames", v], 2, "--frames") for v in ("0", "-2", "some")],
    ("evaluate", "--seed"): [(["{gen}", "--seed", v], 2, "--seed") for v in ("-1", "x", "4294967296")],
    ("evaluate", "--precision"): [(["{gen}", "--precision", "fp8"], 2, "--precision")],
    ("evaluate", "--paper"): [(["{gen}", "--paper", "arxiv 2211.03089"], 2, "--paper")],
    ("evaluate", "--code"): [(["{gen}", "--code", "github.com/x"], 2, "--code")],
    ("compare", "a"): [(["{tmp}/nope.json", "{res}"], 2, "no such file"), (["{file}", "{res}"], 1, "not valid JSON")],
    ("compare", "b"): [(["{res}", "{tmp}"], 2, "is a folder")],
    ("compare", "--json"): [],
    ("compare", "--summary"): [(["{res}", "{res}", "--summary", v], 2, "--summary") for v in ("{tmp}/s.txt", "{tmp}")],
    ("compare", "--metrics"): [(["{res}", "{res}", "--metrics", "nope"], 2, "--metrics")],
    ("compare", "--seed"): [(["{res}", "{res}", "--seed", "-5"], 2, "--seed")],
    ("compare", "--n-resamples"): [(["{res}", "{res}", "--n-resamples", v], 2, "--n-resamples") for v in ("0", "x")],
    ("compare", "--reference-dir"): [(["{res}", "{res}", "--reference-dir", "{tmp}/nope"], 2, "--reference-dir")],
    ("compare", "--generated"): [(["{res}", "{res}", "--generated", "{gen}", "{tmp}/nope"], 2, "--generated")],
    ("compare", "--weights-dir"): [(["{res}", "{res}", "--weights-dir", "{tmp}/nope"], 2, "--weights-dir")],
    ("compare", "--cache-dir"): [(["{res}", "{res}", "--cache-dir", "{file}"], 2, "--cache-dir")],
    ("compare", "--device"): [(["{res}", "{res}", "--device", "tpu"], 2, "--device")],
    ("table", "results"): [(["{tmp}/nope.json"], 2, "no such file"), (["{file}"], 1, "not valid JSON"),
                           ([], 2, "results")],
    ("table", "--latex"): [(["{res}", "--latex", "--out", "{tmp}/t.csv"], 2, "name a .tex file")],
    ("table", "--out"): [(["{res}", "--out", v], 2, "--out") for v in ("{tmp}/t.txt", "{tmp}", "{file}/t.tex")],
    ("leaderboard", "--results"): [(["--results", "{tmp}/nope"], 2, "--results")],
    ("leaderboard", "--port"): [(["--port", v], 2, "--port") for v in ("0", "65536", "http")],
    ("leaderboard", "--host"): [(["--host", ""], 2, "--host")],
    ("publish", "--stage"): [(["--stage", "{file}/x"], 2, "--stage"), ([], 2, "--stage")],
    ("publish", "--push"): [],
    ("publish", "--token"): [(["--stage", "{tmp}/s", "--token", ""], 2, "--token")],
    ("publish", "--dry-run"): [],
    ("publish", "--namespace"): [(["--stage", "{tmp}/s", "--namespace", " "], 2, "--namespace")],
    ("publish", "--source"): [(["--stage", "{tmp}/s", "--source", "{tmp}/nope"], 2, "--source")],
    ("publish", "--cache-dir"): [(["--stage", "{tmp}/s", "--cache-dir", "{file}"], 2, "--cache-dir")],
    ("publish", "--repo"): [(["--stage", "{tmp}/s", "--repo", "{tmp}/nope"], 2, "--repo")],
    ("leaderboard", "--check"): [(["--check", "{tmp}/nope.json"], 2, "no such file"),
                                 (["--check", "{tmp}"], 2, "is a folder")],
    ("export-hub", "results"): [(["{tmp}/nope.json", "--model-repo", "a/b"], 2, "no such file"),
                                (["{file}", "--model-repo", "a/b", "--out", "{tmp}"], 1, "refused by the leaderboard's "
                                 "validator (not valid JSON")],
    ("export-hub", "--model-repo"): [(["{res}", "--model-repo", v], 2, "--model-repo")
                                     for v in ("model", "a/b/c", "a/-b", "a--x/b", "", "a/b c")] + [(["{res}"], 2, "--model-repo")],
    ("export-hub", "--out"): [(["{res}", "--model-repo", "a/b", "--out", "{file}"], 2, "--out")],
    ("export-hub", "--push"): [(["{res}", "--model-repo", "a/b", "--out", "{tmp}", "--push"], 2, "--push needs a Hub "
                                "write token")],
    ("export-hub", "--token"): [(["{res}", "--model-repo", "a/b", "--token", " "], 2, "--token")],
    ("export-hub", "--unranked"): [(["{res}", "--model-repo", "a/b", "--out", "{tmp}", "--unranked"], 1,
                                    "refused by the leaderboard's validator")],  # never exports an invalid file
}


def _options():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, p in sub.choices.items():
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            yield command, (action.option_strings[0] if action.option_strings else action.dest), action


def test_every_option_has_bad_value_cases():
    missing = [key for key in ((c, o) for c, o, _ in _options()) if key not in CASES]
    assert not missing, f"add bad-value cases for {missing}"
    for command, option, action in _options():
        if action.nargs != 0:  # takes a value: needs at least one bad one
            assert CASES[command, option], f"{command} {option} takes a value but has no bad-value case"


def read_only(folder, monkeypatch):
    """``folder`` made read-only; root writes anyway, so for root os.access is told the same."""
    import os
    from pathlib import Path

    folder.mkdir(exist_ok=True)
    folder.chmod(0o555)
    if os.geteuid() == 0:
        access = os.access

        def denied(path, mode, *args, **kwargs):
            inside = Path(path).resolve() == folder.resolve() or folder.resolve() in Path(path).resolve().parents
            return False if inside and mode & os.W_OK else access(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", denied)
    return folder


@pytest.fixture
def places(tmp_path, monkeypatch):
    gen = tmp_path / "gen"
    rows = protocol.generation_plan(per_class=1, classes=["Dog"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    (gen / rows[0].file).parent.mkdir(parents=True)
    sf.write(gen / rows[0].file, np.full(16000, 0.1, dtype="float32"), 16000)
    plain = tmp_path / "plain.txt"
    plain.write_text("not json {")
    res = tmp_path / "results.json"
    res.write_text(json.dumps({"metrics": {}}))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    ro = read_only(tmp_path / "ro", monkeypatch)
    held = tmp_path / "held.json"
    held.write_text(json.dumps({"metrics": {"accuracy": {"value": 0.5}, "clip_score": {"value": 20.0}}}))
    (tmp_path / "plain.txt.json").write_text("not json {")
    model = tmp_path / "tone.py"  # a model (tone), a factory (Tone), and two names that are neither
    model.write_text("class Tone:\n    sample_rate = 16000\n    def __call__(self, images, labels, seeds):\n"
                     "        return [[0.1] * 16000 for _ in seeds]\n\n"
                     "tone = Tone()\nodd = Tone()\nodd.sample_rate = '16k'\nRATE = 16000\ndef broken():\n    return lambda images, labels, seeds: []\n")
    return {"gen": str(gen), "file": str(plain), "res": str(res), "tmp": str(fresh), "ro": str(ro), "held": str(held), "model": str(model)}


def test_a_read_only_cache_root_is_one_line_before_any_work(places, monkeypatch, capsys):
    monkeypatch.setenv("IMAGEHEAR_CACHE", places["ro"])
    assert main(["evaluate", places["gen"], "--metrics", "accuracy"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("image-hear evaluate: error: IMAGEHEAR_CACHE: ") and \
        "read-only" in err[0], err


CASE_LIST = [(command, option, args, code, text) for (command, option), cases in CASES.items()
             for args, code, text in cases]


@pytest.mark.parametrize("command, option, args, code, text", CASE_LIST,
                         ids=[f"{c} {o} {' '.join(a)[-40:]}" for c, o, a, _, _ in CASE_LIST])
def test_bad_value_is_one_line_naming_it(command, option, args, code, text, places, capsys, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # "cuda" must be unavailable, whatever the machine
    argv = [command] + [a.format(**places) for a in args]
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == code, (argv, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"image-hear {command}") and text in lines[0], lines[0]


def test_our_own_bug_shows_a_traceback_and_asks_for_a_report(monkeypatch, capsys, tmp_path):
    from imagehear.cli import commands

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(commands, "plan", broken)
    assert main(["plan", "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: a bug" in err and "please report it" in err.splitlines()[-1]


@pytest.mark.parametrize("call, text", [
    (lambda api, kw: api.score("accuracy", ["nowhere/dog_000.wav"], labels=["Dog"], **kw),
     "1 file(s) not found: nowhere"),
    (lambda api, kw: api.score("accuracy", [np.zeros(16000)], labels=["Dog"], sampling_rate=16000, batch_size=0,
                               **kw), "batch_size=0"),
    (lambda api, kw: api.score("accuracy", [np.zeros(16000)], labels=["Dog"], sampling_rate=16000, device="tpu",
                               **kw), "device='tpu'"),
    (lambda api, kw: api.score("accuracy", [np.zeros(16000)], labels=["Dig"], sampling_rate=16000, **kw),
     "unknown class 'Dig'"),
    (lambda api, kw: api.score("accuracy", [np.zeros(16000)], labels=["Dog"], **kw), "sampling_rate"),
    (lambda api, kw: api.score("accuracy", [], labels=[], **kw), "predictions is empty"),
    (lambda api, kw: api.score("accuracy", [np.zeros((20, 30))], labels=["Dog"], sampling_rate=16000, **kw),
     "array 0: ambiguous shape (20, 30)"),
    (lambda api, kw: api.score("accuracy", [kw["weights_dir"]], labels=["Dog"], **kw),
     "is a folder, not an audio file"),
    (lambda api, kw: api.score("nope", [np.zeros(16000)], sampling_rate=16000, **kw), "unknown metric 'nope'"),
    (lambda api, kw: api.score("kl", [np.zeros(16000)] * 2, references=[np.zeros(16000)], sampling_rate=16000,
                               **kw), "pair one to one"),
    (lambda api, kw: api.score("accuracy", [np.zeros(16000)], labels=["Dog"], sampling_rate=16000,
                               **{**kw, "weights_dir": "/nonexistent"}), "weights_dir"),
])
def test_python_api_mistakes_are_one_line_errors(call, text, tmp_path):
    from imagehear import api
    from imagehear.errors import ImageHearError

    (tmp_path / "w").mkdir()
    with pytest.raises(ImageHearError) as info:
        call(api, {"weights_dir": str(tmp_path / "w"), "cache_dir": str(tmp_path / "c")})
    assert "\n" not in str(info.value) and text in str(info.value), str(info.value)
