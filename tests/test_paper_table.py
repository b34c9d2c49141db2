"""`image-hear table`: the headlines of several runs as a booktabs LaTeX table and as CSV."""
from __future__ import annotations

import csv
import io
import json

import pytest

from imagehear.cli import main


def run(name, cs, kl_n, profile="protocol-v1", random=False):
    return {"model": {"name": name}, "protocol": "v1", "complete": not random, "n_samples": 120,
            "config": {"profile": {"name": profile, "audio_length": None},
                       "bootstrap": {"method": "rescaled stratified cluster bootstrap (Rao-Wu)", "n_resamples": 1000,
                                     "seed": 0}},
            "environment": {"weights": {"passt": {"random_init": random, "accepted": not random}}},
            "metrics": {"clip_score": {"value": cs, "ci95": [cs - 0.4, cs + 0.5], "n": 120},
                        "kl": {"value": 2.5, "ci95": [2.25, 2.75], "n": kl_n},
                        "fad": {"value": 6.4125, "ci95": [5.9, 7.0], "n_generated": 1300, "n_generated_clips": 120},
                        "is_passt": {"error": "ValueError: needs 10 rows"}}}


@pytest.fixture
def two_runs(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(run("model_A & co", 9.53, 120)))
    b.write_text(json.dumps(run("modelB", 11.95, 12, random=True)))
    return str(a), str(b)


def test_latex_table_of_two_runs_is_booktabs_with_cis_n_and_the_protocol_in_the_caption(two_runs, tmp_path, capsys):
    out = tmp_path / "paper" / "table.tex"
    assert main(["table", *two_runs, "--latex", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out} (2 run(s), LaTeX)"
    tex = out.read_text()
    lines = tex.splitlines()
    assert lines[0] == r"\begin{table}[t]" and lines[-1] == r"\end{table}"
    assert [line for line in lines if line in (r"\toprule", r"\midrule", r"\bottomrule")] == [
        r"\toprule", r"\midrule", r"\bottomrule"]
    assert tex.count("{") == tex.count("}")
    caption = next(line for line in lines if line.startswith(r"\caption{"))
    for text in ("protocol v1", "profile protocol-v1", "IMAGE HEAR, 30 classes, 100 images", "95 \\% CIs",
                 "Rao-Wu", "1000 resamples", "seed 0", r"$^\dagger$ random weights", "* incomplete"):
        assert text in caption, text
    assert lines[lines.index(r"\toprule") + 1] == (
        r"Model & $n$ & CS $\uparrow$ & KL $\downarrow$ & FAD $\downarrow$ & IS-PaSST $\uparrow$ \\")
    row_a, row_b = lines[lines.index(r"\midrule") + 1:lines.index(r"\bottomrule")]
    assert row_a == (r"model\_A \& co & 120 & 9.53 {\scriptsize[9.13, 10.03]} & 2.500 {\scriptsize[2.250, 2.750]}"
                     r" & 6.412 {\scriptsize[5.900, 7.000]} & -- \\")  # a failed metric is "--"
    assert row_b.startswith(r"modelB*$^\dagger$ & 120 & 11.95 ") and r"{\scriptsize($n$=12)}" in row_b  # 12 pairs


def test_csv_table_holds_the_same_numbers_unrounded(two_runs, capsys):
    assert main(["table", *two_runs]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["model"] for r in rows] == ["model_A & co", "modelB"]
    assert rows[0]["fad"] == "6.4125" and rows[0]["fad_ci_low"] == "5.9" and rows[0]["fad_n"] == "120"
    assert rows[1]["kl_n"] == "12" and rows[1]["random_weights"] == "1" and rows[0]["complete"] == "1"
    assert rows[0]["is_passt"] == rows[0]["is_passt_std"] == "" and "is_passt_ci_low" not in rows[0]


def test_runs_of_different_profiles_are_flagged(tmp_path, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(run("a", 9.0, 120)))
    b.write_text(json.dumps(run("b", 9.0, 120, profile="av-benchmark")))
    assert main(["table", str(a), str(b), "--latex"]) == 0
    captured = capsys.readouterr()
    assert "warning: the runs differ in profile (av-benchmark, protocol-v1)" in captured.err
    assert "profile av-benchmark, protocol-v1" in captured.out


def test_readme_says_what_to_report_with_the_keys_that_hold_it():
    from pathlib import Path

    from imagehear import protocol

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Cite and report", 1)[1].split("\n## ", 1)[0]
    for text in (f"protocol {protocol.PROTOCOL_VERSION}", "config.profile.name", "config.bootstrap.method",
                 "environment.weights.<backbone>.sha256", "100 listed images of 30 classes", "image-hear table"):
        assert text in section, text
