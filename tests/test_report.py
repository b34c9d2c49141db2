"""imagehear.report.summary on the results of a real run: suite.evaluate_generated (what `image-hear evaluate`
calls) with the random-weight backbones of the real architectures."""
from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.report.outputs import run_files, write_run
from imagehear.evaluation.pipeline import Options
from imagehear.report.plots import class_intervals, write_plots
from imagehear.report.summary import (PER_SAMPLE_COLUMNS, markdown_summary, read_per_sample_csv, text_summary,
                                      write_per_sample_csv)
from imagehear.evaluation.suite import evaluate_generated

CLASSES = ["Accordion", "Bongo", "Dog", "Drums", "Rain"]
RATE = 16000
METRICS = "clip_score,accuracy,clap_score,kl,fad,kad"


def tone(i, seconds=1.0):
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(i).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * (180 + 55 * i) * t) + 0.05 * noise).astype("float32")


@pytest.fixture(scope="module")
def synthetic(dog_weights_dir, shared_dir, tmp_path_factory):
    """10 one-second clips (5 classes x 2) and a reference clip for each, scored on six metrics by the
    real pipeline. PaSST's biases favour a Dog class (tests/conftest.py), so the 2 Dog clips are right
    and the 8 others wrong: accuracy is neither 0 nor 100 %."""
    root = tmp_path_factory.mktemp("report_run")
    gen, ref = root / "gen", root / "ref"
    rows = protocol.generation_plan(2, classes=CLASSES)
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        for folder, seed in ((gen, i), (ref, 100 + i)):
            (folder / row.file).parent.mkdir(parents=True, exist_ok=True)
            sf.write(folder / row.file, tone(seed), RATE)
    options = Options(weights_dir=str(dog_weights_dir[0]), device="cpu", cache_dir=str(root / "cache"),
                      progress=False, source=str(shared_dir / "image_hear" / "images"),
                      model={"name": "toy|model *v2*"})
    with warnings.catch_warnings():  # random weights; FAD on 10 VGGish frames of 128 dimensions
        warnings.simplefilter("ignore")
        results, per_sample = evaluate_generated(gen, ref, metrics=METRICS, options=options)
    assert all("error" not in entry for entry in results["metrics"].values()), results["metrics"]
    return results, per_sample


def shown(value, decimals):
    """A value as the summary documents it: fixed decimals, or 3 significant digits when it is
    too small for them (never a bare 0.000)."""
    if value != 0 and abs(value) < 0.5 * 10 ** -decimals:
        return f"{value:.3g}"
    return f"{value:.{decimals}f}"


def _table(text):
    """The metric rows of a summary: the lines after the table's header and rule."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| metric |"))
    assert lines[start + 1].startswith("|---") and lines[start - 1] == ""
    body = []
    for line in lines[start + 2:]:
        if not line.startswith("| "):
            break
        body.append(line)
    return body


def test_summary_lists_every_metric(synthetic):
    results, _ = synthetic
    assert set(results["metrics"]) == set(METRICS.split(","))
    text = markdown_summary(results)
    header = text.splitlines()[0]
    assert header == (r"**toy\|model \*v2\*** · protocol v1 · INCOMPLETE (10 clips) · "  # the run's own record:
                      "RANDOM WEIGHTS (clap, clip, passt, vggish, wav2clip) · device cpu")  # random weights
    m = results["metrics"]
    expected = {
        "CLIP score (CS)": shown(m["clip_score"]["value"], 2),
        "↳ chance: same clips, mismatched images": shown(m["clip_score"]["chance"]["value"], 2),
        "PaSST accuracy (top-1)": "20.00 %",  # 2 Dog clips of 10
        "PaSST accuracy (top-5)": shown(m["accuracy"]["top5"], 2) + " %",
        "↳ chance: class-prior guess": shown(m["accuracy"]["chance"]["value"], 2) + " %",
        "CLAP score": shown(m["clap_score"]["value"], 2),
        "↳ chance: same clips, other classes' prompts": shown(m["clap_score"]["chance"]["value"], 2),
        "KL (PaSST), KL(ref\\|\\|gen)": shown(m["kl"]["value"], 3),
        "FAD (VGGish)": shown(m["fad"]["value"], 3),
        "KAD (PaSST)": shown(m["kad"]["value"], 3),
    }
    body = _table(text)
    cells = {row.split(" | ")[0].lstrip("| "): row.split(" | ") for row in body}
    assert list(cells) == list(expected)  # fixed order, one row each
    for name, value in expected.items():
        assert cells[name][1] == value, name
    for name in expected:
        if name.startswith("↳ chance"):
            assert cells[name][2:] == ["—", "— |"], name  # a reference value: no CI, no n
    lo, hi = m["clip_score"]["ci95"]
    assert cells["CLIP score (CS)"][2] == f"{lo:.2f} – {hi:.2f}" and cells["CLIP score (CS)"][3] == "10 |"
    fad = m["fad"]
    assert cells["FAD (VGGish)"][3] == f"{fad['n_generated']} gen / {fad['n_reference']} ref |"
    assert fad["n_generated"] >= 10 and fad["n_reference"] >= 10  # VGGish frames: at least one per clip
    assert all(row.count(" | ") == 3 for row in body)  # the escaped "|" in the name broke no row
    no_ci = {**results, "metrics": {**m, "kad": {k: v for k, v in m["kad"].items() if k != "ci95"}}}
    kad_row = next(r for r in _table(markdown_summary(no_ci)) if r.startswith("| KAD (PaSST)"))
    assert kad_row.split(" | ")[2] == "—"  # no CI given: shown as missing, not invented


def test_summary_complete_and_empty():
    text = markdown_summary({"model": {"name": "m"}, "protocol": "v1", "complete": True, "metrics": {}})
    assert " · complete · " in text and "(no metrics computed)" in text


def test_terminal_summary_is_plain_and_aligned_markdown_escapes_only_in_markdown():
    results = {"model": {"name": "modelA_full"}, "protocol": "v1", "complete": True, "environment": {"device": "cpu"},
               "metrics": {"accuracy": {"value": 49.1234, "ci95": [45.0, 53.25], "n": 3600, "top5": 70.0},
                           "kl": {"value": 2.5432, "ci95": [2.4, 2.7], "n": 12, "direction": "KL(ref||gen)"},
                           "is_passt": {"error": "ValueError: needs 10 rows"}}}
    text = text_summary(results)
    assert "\\" not in text and "**" not in text and "|" not in text.replace("KL(ref||gen)", "")
    lines = text.splitlines()
    assert lines[0] == "modelA_full · protocol v1 · complete · device cpu" and lines[1] == ""
    table = lines[2:]
    assert table[0].split() == ["metric", "value", "95", "%", "CI", "n"]
    value_end = {len(line[:line.index(v) + len(v)]) for line, v in
                 zip(table[1:4], ["49.12 %", "70.00 %", "2.543"])}
    assert len(value_end) == 1  # values right-aligned in one column
    assert table[3].startswith("KL (PaSST), KL(ref||gen) ") and table[3].endswith("2.400 – 2.700    12")
    assert "error: ValueError: needs 10 rows" in table[4]
    markdown = markdown_summary(results)
    assert markdown.startswith("**modelA\\_full** · ") and "| KL (PaSST), KL(ref\\|\\|gen) | 2.543 |" in markdown


def test_per_sample_csv_leaves_out_columns_empty_in_every_row(tmp_path):
    rows = [{"file": "dog/dog_000.wav", "label": "Dog", "image": "", "clip_score": 9.5, "kl": None},
            {"file": "dog/dog_001.wav", "label": "Dog", "image": "", "clip_score": -1.25}]
    path = write_per_sample_csv(rows, tmp_path / "per_sample.csv")
    assert path.read_text().splitlines() == ["file,label,clip_score", "dog/dog_000.wav,Dog,9.5",
                                             "dog/dog_001.wav,Dog,-1.25"]
    back = read_per_sample_csv(path)
    assert back[1]["clip_score"] == -1.25 and back[1]["kl"] is None and back[1]["image"] == ""
    path.write_text("label,file\nDog,a.wav\n")
    with pytest.raises(ValueError, match="header must be file, then"):
        read_per_sample_csv(path)


def test_per_sample_csv_round_trips(synthetic, tmp_path):
    _, rows = synthetic
    assert {"clip_score", "clap_score", "passt_top1", "passt_top1_label", "correct", "kl"} <= set(rows[0])
    rows = rows + [{"file": "x.wav", "label": "Dog", "image": "dog1.jpg"}]  # no metrics for this clip
    path = write_per_sample_csv(rows, tmp_path / "sub" / "per_sample.csv")
    filled = [c for c in PER_SAMPLE_COLUMNS if c == "file" or any(r.get(c) not in (None, "") for r in rows)]
    assert path.read_text().splitlines()[0] == ",".join(filled) and "kl_panns" not in filled  # no empty columns
    back = read_per_sample_csv(path)
    assert len(back) == len(rows)
    for got, want in zip(back, rows):
        for col in PER_SAMPLE_COLUMNS:
            w = want.get(col)
            if w is None:
                assert got[col] is None
            elif col in ("clip_score", "clap_score", "kl"):
                assert got[col] == float(w)  # exact: repr round-trips float64
            elif col == "passt_top1":
                assert got[col] == int(w)
            elif col == "correct":
                assert got[col] is bool(w)
            else:
                assert got[col] == w
    assert [r["correct"] for r in back[:-1]] == [r["label"] == "Dog" for r in back[:-1]]  # 2 right, 8 wrong
    with pytest.raises(ValueError, match="unknown column"):
        write_per_sample_csv([{"file": "a.wav", "clip_scor": 1.0}], tmp_path / "bad.csv")


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plots_are_real_pngs(synthetic, tmp_path):
    import matplotlib.image

    results, _ = synthetic
    paths = write_plots(results, tmp_path / "plots")
    assert [p.name for p in paths] == [f"{stem}.{suffix}" for stem in (
        "clip_score_per_class", "accuracy_per_class", "clap_score_per_class", "kl_per_class", "confusion")
        for suffix in ("pdf", "svg", "png")]
    for p in (p for p in paths if p.suffix == ".png"):
        width, height = _png_size(p)
        assert width >= 400 and height >= 300 and p.stat().st_size > 10_000
        pixels = matplotlib.image.imread(p)
        assert pixels.std() > 0.05  # not a blank canvas


def test_plots_skip_absent_metrics(synthetic, tmp_path):
    results, _ = synthetic
    only_cs = {**results, "model": {"name": r"bad $\frac$ name"},
               "metrics": {"clip_score": results["metrics"]["clip_score"]}}
    names = [f"clip_score_per_class.{suffix}" for suffix in ("pdf", "svg", "png")]
    assert [p.name for p in write_plots(only_cs, tmp_path)] == names
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    assert write_plots({"metrics": {}}, tmp_path / "none") == []


def test_per_class_intervals_resample_images_and_count_clips():
    values = [1.0, 1.2, 3.0, 3.1, 5.0, 5.0]
    out = class_intervals(values, ["Dog"] * 4 + ["Cat"] * 2, ["d1", "d1", "d2", "d2", "c1", "c1"])
    mean, low, high, n, images = out["Dog"]
    assert (n, images) == (4, 2) and low < mean < high and mean == pytest.approx(2.075)
    assert out["Cat"][3:] == (2, 1)


def test_runs_named_after_their_results_file_never_collide_or_leave_stale_plots(synthetic, tmp_path):
    results, rows = synthetic
    a = write_run(results, rows, tmp_path / "a.json")
    only_cs = {**results, "metrics": {"clip_score": results["metrics"]["clip_score"]}}
    b = write_run(only_cs, rows, tmp_path / "b.json")
    assert {p.name for p in a}.isdisjoint({p.name for p in b})
    assert all(p.is_file() for p in a + b)
    assert run_files(tmp_path / "a.json").per_sample_csv.name == "a.per_sample.csv"
    again = write_run(only_cs, rows, tmp_path / "a.json")  # a re-run of a with fewer metrics
    assert not (tmp_path / "a.accuracy_per_class.png").exists() and not (tmp_path / "a.confusion.pdf").exists()
    assert (tmp_path / "b.clip_score_per_class.png").is_file() and len(again) == 2 + 3  # json, csv, pdf/svg/png


def test_summary_lists_skipped_clips_and_flags_random_weights(synthetic):
    results, _ = synthetic
    flagged = {**results, "skipped": [{"file": f"dog/dog_{i:03d}.wav", "reason": "non_finite: holds NaN"}
                                      for i in range(12)],
               "environment": {"device": "cpu", "weights": {"clip": {"random_init": True, "accepted": False},
                                                            "passt": {"random_init": False, "accepted": None}}}}
    text = markdown_summary(flagged)
    assert "RANDOM WEIGHTS (clip)" in text.splitlines()[0] and "unverified weights (passt)" in text.splitlines()[0]
    assert "meaningless" in text and "Skipped 12 clip(s)" in text
    assert "dog/dog\\_000.wav: non\\_finite: holds NaN" in text and "and 2 more" in text
