"""imagehear.report on a synthetic results dict built with the real score functions."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from imagehear import compute, protocol, samples, scores
from imagehear.outputs import run_files, write_run
from imagehear.plots import class_intervals, write_plots
from imagehear.report import PER_SAMPLE_COLUMNS, markdown_summary, read_per_sample_csv, write_per_sample_csv

CLASSES = ["Accordion", "Bongo", "Dog", "Drums", "Rain"]


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(21)
    labels = [c for c in CLASSES for _ in range(8)]
    n = len(labels)
    logits = rng.normal(size=(n, 527))
    for i, lab in enumerate(labels[::2]):  # every other clip gets its own class on top
        logits[2 * i, protocol.CLASSES[lab].audioset_indices[0]] += 6.0
    acc = scores.classifier_accuracy(logits, labels, classes=compute.AUDIOSET_SETS,
                                     excluded=protocol.EXCLUDED_AUDIOSET_INDICES)
    cs = scores.clip_score(rng.normal(size=(n, 16)) + 0.2, rng.normal(size=(n, 16)) + 0.2)
    clap = scores.clap_score(rng.normal(size=(n, 8)) + 0.1, rng.normal(size=(len(CLASSES), 8)),
                             labels=[CLASSES.index(lab) for lab in labels])
    kl = scores.kl_divergence(rng.normal(size=(n, 527)), logits)
    gen, ref = rng.normal(size=(60, 6)), rng.normal(0.3, 1.0, size=(70, 6))
    kad = scores.kernel_audio_distance(ref, gen)
    gs, rs = scores.GaussianStats.from_embeddings(gen), scores.GaussianStats.from_embeddings(ref)
    results = {
        "benchmark": "image_hear", "protocol": "v1", "model": {"name": "toy|model *v2*"},
        "complete": False, "n_samples": n, "environment": {"device": "cpu"},
        "metrics": {
            "clip_score": {"value": cs.value, "ci95": list(scores.bootstrap_ci(cs.per_sample, n_resamples=200)),
                           "n": n, "per_class": scores.per_class_mean(cs.per_sample, labels)},
            "accuracy": {"value": acc.value, "ci95": list(scores.bootstrap_ci(100.0 * acc.correct, n_resamples=200)),
                         "n": n, "top5": acc.top5, "per_class": acc.per_class, "confusion": acc.confusion},
            "clap_score": {"value": clap.value, "ci95": list(scores.bootstrap_ci(clap.per_sample, n_resamples=200)),
                           "n": n, "per_class": scores.per_class_mean(clap.per_sample, labels)},
            "kl": {"value": kl.value, "ci95": list(scores.bootstrap_ci(kl.per_pair, n_resamples=200)), "n": n,
                   "direction": kl.direction},
            "fad": {"value": scores.frechet_distance_from_stats(gs, rs), "n_generated": 60, "n_reference": 70,
                    "ci95": list(scores.bootstrap_ci(scores.frechet_distance_from_embeddings, gen, ref, n_resamples=20)),
                    "rank_generated": gs.rank(), "rank_reference": rs.rank()},
            "kad": {"value": kad.value, "n_generated": 60, "n_reference": 70, "bandwidth": kad.bandwidth},
        },
    }
    rows = [{"file": f"{protocol.class_slug(lab)}/{protocol.class_slug(lab)}_{i:03d}.wav", "label": lab,
             "image": protocol.CLASSES[lab].images[0], "clip_score": cs.per_sample[i],
             "clap_score": clap.per_sample[i], "passt_top1": acc.predicted[i],
             "passt_top1_label": protocol.AUDIOSET_LABELS[acc.predicted[i]], "correct": acc.correct[i],
             "kl": kl.per_pair[i]} for i, lab in enumerate(labels)]
    results["per_sample"] = samples.pack(rows)
    return results, rows


def test_summary_lists_every_metric(synthetic):
    results, _ = synthetic
    text = markdown_summary(results)
    header, blank, table_head, rule, *body = text.splitlines()
    assert header == r"**toy\|model \*v2\*** · protocol v1 · INCOMPLETE (40 clips) · device cpu"
    assert blank == "" and table_head.startswith("| metric |")
    m = results["metrics"]
    expected = {
        "CLIP score (CS)": f"{m['clip_score']['value']:.2f}",
        "PaSST accuracy (top-1)": f"{m['accuracy']['value']:.2f} %",
        "PaSST accuracy (top-5)": f"{m['accuracy']['top5']:.2f} %",
        "CLAP score": f"{m['clap_score']['value']:.2f}",
        "KL (PaSST), KL(ref\\|\\|gen)": f"{m['kl']['value']:.3f}",
        "FAD (VGGish)": f"{m['fad']['value']:.3f}",
        "KAD (PaSST)": f"{m['kad']['value']:.3f}",
    }
    cells = {row.split(" | ")[0].lstrip("| "): row.split(" | ") for row in body}
    assert list(cells) == list(expected)  # fixed order, one row each
    for name, value in expected.items():
        assert cells[name][1] == value
    lo, hi = m["clip_score"]["ci95"]
    assert cells["CLIP score (CS)"][2] == f"{lo:.2f} – {hi:.2f}" and cells["CLIP score (CS)"][3] == "40 |"
    assert cells["FAD (VGGish)"][3] == "60 gen / 70 ref |"
    assert cells["KAD (PaSST)"][2] == "—"  # no CI given: shown as missing, not invented
    assert all(row.count(" | ") == 3 for row in body)  # the escaped "|" in the name broke no row


def test_summary_complete_and_empty():
    text = markdown_summary({"model": {"name": "m"}, "protocol": "v1", "complete": True, "metrics": {}})
    assert " · complete · " in text and "(no metrics computed)" in text


def test_per_sample_csv_round_trips(synthetic, tmp_path):
    _, rows = synthetic
    rows = rows + [{"file": "x.wav", "label": "Dog", "image": "dog1.jpg"}]  # no metrics for this clip
    path = write_per_sample_csv(rows, tmp_path / "sub" / "per_sample.csv")
    assert path.read_text().splitlines()[0] == ",".join(PER_SAMPLE_COLUMNS)
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
    assert any(r["correct"] for r in back[:-1]) and not all(r["correct"] for r in back[:-1])
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
    assert [p.name for p in paths] == ["clip_score_per_class.png", "accuracy_per_class.png",
                                       "clap_score_per_class.png", "kl_per_class.png", "confusion.png"]
    for p in paths:
        width, height = _png_size(p)
        assert width >= 400 and height >= 300 and p.stat().st_size > 10_000
        pixels = matplotlib.image.imread(p)
        assert pixels.std() > 0.05  # not a blank canvas


def test_plots_skip_absent_metrics(synthetic, tmp_path):
    results, _ = synthetic
    only_cs = {**results, "model": {"name": r"bad $\frac$ name"},
               "metrics": {"clip_score": results["metrics"]["clip_score"]}}
    assert [p.name for p in write_plots(only_cs, tmp_path)] == ["clip_score_per_class.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip_score_per_class.png"]
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
    assert not (tmp_path / "a.accuracy_per_class.png").exists() and not (tmp_path / "a.confusion.png").exists()
    assert (tmp_path / "b.clip_score_per_class.png").is_file() and len(again) == 3


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
