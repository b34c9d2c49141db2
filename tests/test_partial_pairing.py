"""Partial pairing (issue 21): KL on some clips only is said (warning, counts in the results, the
summary and compare); a default metric whose inputs are missing is reported with its reason while
the others are computed; a metric the user named is still refused before any embedding."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.errors import ImageHearError
from imagehear.evaluation import pipeline, suite

RATE = 16000


def tone(freq: float, seconds: float = 2.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype("float32")


@pytest.fixture
def three_clips_one_reference(tmp_path):
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    rows = protocol.generation_plan(per_class=3, classes=["Dog"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        (gen / row.file).parent.mkdir(parents=True, exist_ok=True)
        sf.write(gen / row.file, tone(220 * (i + 1)), RATE)
    (ref / rows[0].file).parent.mkdir(parents=True)
    sf.write((ref / rows[0].file).with_suffix(".flac"), tone(330), RATE)
    return gen, ref, rows


def test_kl_on_some_clips_only_is_a_warning_in_the_results(three_clips_one_reference):
    gen, ref, rows = three_clips_one_reference
    with pytest.warns(suite.PairingWarning, match=f"kl on 1 of 3 clips: 2 generated clip\\(s\\) have no reference "
                                                  f"file \\(e.g. {rows[1].file};"):
        clips, names = suite.folder_clips(gen, ["kl"], ref, options=suite.Options(progress=False))
    assert names == ["kl"] and any(note.startswith("kl on 1 of 3 clips") for note in clips.notes)  # -> warnings


def test_summary_and_compare_show_the_unmatched_count():
    from imagehear.report import compare
    from imagehear.report.summary import markdown_summary

    entry = {"value": 1.5, "ci95": [1.0, 2.0], "n": 12, "n_unmatched": 348, "direction": "KL(ref||gen)"}
    assert "| 12 (348 unmatched) |" in markdown_summary({"metrics": {"kl": entry}})
    rng = np.random.default_rng(0)
    rows = protocol.generation_plan(per_class=4, classes=["Dog", "Cat"])
    per_sample = {"format": "image-hear per-sample v1", "n": 8, "file": [r.file for r in rows],
                  "label": [r.label for r in rows], "unit": [r.image for r in rows],
                  "columns": {"kl": [float(v) for v in rng.random(6)] + [None, None]}}
    a = {"metrics": {"kl": {"value": 0.5}}, "per_sample": per_sample}
    b = copy.deepcopy(a)
    b["per_sample"]["columns"]["kl"] = [v + 0.1 for v in a["per_sample"]["columns"]["kl"][:6]] + [None, None]
    result = compare.compare(a, b, n_resamples=50)
    assert result["metrics"]["kl"]["n"] == 6 and result["metrics"]["kl"]["n_unmatched"] == 2
    text = compare.text(result)
    row = next(line for line in text.splitlines() if line.startswith("KL (PaSST)"))
    assert " 6 of 8 " in row and "warning: KL (PaSST) on 6 of 8 clips: 2 have no value in A or B" in text


def test_a_default_metric_without_pairs_is_reported_while_the_others_compute(three_clips_one_reference, tmp_path):
    from imagehear.testing import random_weights

    gen, ref, rows = three_clips_one_reference
    (ref / rows[0].file).with_suffix(".flac").rename(ref / "nothing_matches.flac")
    options = suite.Options(weights_dir=random_weights("vggish"), device="cpu", cache_dir=str(tmp_path / "c"),
                            progress=False)
    clips, names = suite.folder_clips(gen, ["kl", "fad"], ref, options=options)
    with pytest.raises(ImageHearError, match="no reference file matches a generated clip"):  # named: refused
        pipeline.run(names, clips, options)
    out, _, backbones = pipeline.run(names, clips, options, optional=names)  # the default set's
    assert out["kl"] == {"error": pipeline.missing_inputs(["kl"], clips)["kl"]}
    assert "no reference file matches" in out["kl"]["error"] and "value" in out["fad"], out["fad"]
    assert list(backbones.loaded) == ["vggish"]  # PaSST, which only KL needed, never built
