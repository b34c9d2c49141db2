"""imagehear.report on a synthetic results dict built with the real score functions."""
from __future__ import annotations

import struct

import numpy as np
import pytest

from imagehear import protocol, scores
from imagehear.report import (
    PER_SAMPLE_COLUMNS, markdown_summary, read_per_sample_csv, write_per_sample_csv, write_plots,
)

CLASSES = ["Accordion", "Bongo", "Dog", "Drums", "Rain"]


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(21)
    labels = [c for c in CLASSES for _ in range(8)]
    n = len(labels)
    logits = rng.normal(size=(n, 527))
    for i, lab in enumerate(labels[::2]):  # every other clip gets its own class on top
        logits[2 * i, protocol.CLASSES[lab].audioset_indices[0]] += 6.0
    acc = scores.classifier_accuracy(logits, labels)
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
                                       "clap_score_per_class.png", "confusion.png"]
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
