"""`image-hear evaluate` end to end with random-weight backbones of the real architectures:
the CLI, the evaluate modules and the math called directly must give the same numbers."""
import csv
import json
import shutil
from pathlib import Path

import evaluate
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from imagehear.metrics import compute

from imagehear import protocol, scores
from imagehear.io.audio import load_audio
from imagehear.models.backbone import load_backbone
from imagehear.cli import main
from imagehear.report.summary import read_per_sample_csv
from tests.torch_calls import forward_calls

REPO = Path(__file__).resolve().parent.parent
RATE = 16000


def tone(i, seconds=3.0):
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(i).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * (200 + 90 * i) * t) + 0.05 * noise).astype("float32")


@pytest.fixture(scope="session")
def generated(tmp_path_factory, shared_audio):
    """6 clips (3 classes x 2) laid out per the plan, with references for 5 of them."""
    root = tmp_path_factory.mktemp("run")
    gen, ref = root / "gen", root / "ref"
    rows = protocol.generation_plan(2, classes=["Dog", "Piano", "Rain"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        (gen / row.file).parent.mkdir(parents=True, exist_ok=True)
        if i < 2:  # two real clips, cropped, stereo at 16 kHz as shipped
            data, rate = sf.read(shared_audio[i], dtype="float32")
            sf.write(gen / row.file, data[: 3 * rate], rate)
        else:
            sf.write(gen / row.file, tone(i), RATE)
        if i < 5:  # the last generated clip has no reference: reported as unmatched
            (ref / row.file).parent.mkdir(parents=True, exist_ok=True)
            sf.write((ref / row.file).with_suffix(".flac"), tone(i + 10, 4.0), RATE)
    (ref / "extra.wav").parent.mkdir(parents=True, exist_ok=True)
    sf.write(ref / "extra.wav", tone(99), RATE)
    return gen, ref, rows


@pytest.fixture(scope="session")
def cli_results(generated, weights_dir, shared_dir, tmp_path_factory):
    gen, ref, rows = generated
    out = tmp_path_factory.mktemp("out") / "results.json"
    code = main(["evaluate", str(gen), "--reference-dir", str(ref), "--weights-dir", str(weights_dir),
                 "--device", "cpu", "--batch-size", "4", "--cache-dir", str(out.parent / "cache"),
                 "--source", str(shared_dir / "image_hear" / "images"), "--model-name", "tones",
                 "--out", str(out)])
    assert code == 0
    return json.loads(out.read_text()), out


def test_results_file_states_how_it_was_computed(cli_results, generated):
    results, out = cli_results
    assert results["benchmark"] == "image_hear" and results["protocol"] == "v1"
    assert results["complete"] is False and results["n_samples"] == 6 and results["image_set"] == "im2wav"
    assert results["coverage"]["missing_per_class"]["Dog"] == 118
    assert set(results["metrics"]) == {"clip_score", "accuracy", "clap_score", "kl", "fad", "kad", "fd_passt"}
    env = results["environment"]
    assert set(env["weights"]) == {"passt", "wav2clip", "clip", "clap", "vggish"}
    assert all(len(w["sha256"]) == 64 for w in env["weights"].values())
    assert env["packages"]["torch"] and env["device"] == "cpu"
    assert results["config"]["resampler"]["lowpass_filter_width"] == 6
    assert set(results["config"]["backbones"]) == set(env["weights"])
    kl = results["metrics"]["kl"]
    assert kl["n"] == 5 and kl["direction"] == "KL(ref||gen)"
    assert kl["unmatched"] == {"generated": [generated[2][5].file], "reference": ["extra.wav"]}
    assert any("covariance is singular" in w for w in results["warnings"])
    with open(out.with_name(f"{out.stem}.per_sample.csv"), newline="") as fh:
        per_sample = list(csv.DictReader(fh))
    assert [r["file"] for r in per_sample] == [r.file for r in generated[2]]
    plots = sorted(out.parent.glob(f"{out.stem}.*.png"))  # one per per-class metric, and the confusion matrix
    assert [p.name for p in plots] == sorted(f"{out.stem}.{name}.png" for name in (
        "clip_score_per_class", "accuracy_per_class", "clap_score_per_class", "kl_per_class", "confusion"))
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots)


def embed_one_by_one(name, paths, weights_dir):
    """Reference path: the backbone called directly, one clip at a time, no engine, no cache."""
    model = load_backbone(name, weights_dir, "cpu")
    outs = []
    for p in paths:
        wave = load_audio(p, model.sample_rate)[None]
        outs.append({k: v[0].numpy() for k, v in model(wave).items()})
    return outs


def test_cli_equals_math_on_direct_embeddings(cli_results, generated, weights_dir, shared_dir):
    results, out = cli_results
    gen, ref, rows = generated
    paths = [gen / r.file for r in rows]
    labels = [r.label for r in rows]
    passt = embed_one_by_one("passt", paths, weights_dir)
    acc = scores.classifier_accuracy(np.stack([o["logits"] for o in passt]), labels, classes=compute.AUDIOSET_SETS,
                                     excluded=protocol.EXCLUDED_AUDIOSET_INDICES)
    assert results["metrics"]["accuracy"]["value"] == pytest.approx(acc.value)
    # accuracy is 0 on both paths with random weights: compare the predictions themselves (a known
    # non-zero accuracy: test_accuracy_counts_exactly_the_clips_whose_class_wins)
    per_sample = read_per_sample_csv(out.with_name(f"{out.stem}.per_sample.csv"))
    assert [r["passt_top1"] for r in per_sample] == acc.predicted.tolist()
    passt_emb = np.stack([o["embedding"] for o in passt])
    wav2clip = np.stack([o["embedding"] for o in embed_one_by_one("wav2clip", paths, weights_dir)])
    clip = load_backbone("clip", weights_dir, "cpu")
    images = clip.embed_images([Image.open(shared_dir / "image_hear" / "images" / r.image).convert("RGB")
                                for r in rows]).numpy()
    cs = scores.clip_score(wav2clip, images)
    assert results["metrics"]["clip_score"]["value"] == pytest.approx(cs.value, abs=1e-4)
    np.testing.assert_allclose([r["clip_score"] for r in per_sample], cs.per_sample, atol=1e-4)
    ref_logits = np.stack([o["logits"] for o in embed_one_by_one("passt", [(ref / r.file).with_suffix(".flac")
                                                                           for r in rows[:5]], weights_dir)])
    kl = scores.kl_divergence(ref_logits, np.stack([o["logits"] for o in passt[:5]]))
    assert results["metrics"]["kl"]["value"] == pytest.approx(kl.value, rel=1e-4)
    np.testing.assert_allclose([r["kl"] for r in per_sample[:5]], kl.per_pair, rtol=1e-4)
    assert per_sample[5]["kl"] is None  # unmatched: no value, never a guess
    ref_all = sorted(p for p in ref.rglob("*") if p.suffix in (".flac", ".wav"))
    ref_emb = np.stack([o["embedding"] for o in embed_one_by_one("passt", ref_all, weights_dir)])
    fd = scores.frechet_distance_from_embeddings(passt_emb, ref_emb)
    assert results["metrics"]["fd_passt"]["value"] == pytest.approx(fd, rel=1e-4)
    vgg_gen = [o["embedding"] for o in embed_one_by_one("vggish", paths, weights_dir)]
    ref_paths = sorted(p for p in ref.rglob("*") if p.suffix in (".flac", ".wav"))
    vgg_ref = [o["embedding"] for o in embed_one_by_one("vggish", ref_paths, weights_dir)]
    fad = scores.frechet_distance_from_embeddings(np.concatenate(vgg_gen), np.concatenate(vgg_ref))
    assert results["metrics"]["fad"]["value"] == pytest.approx(fad, rel=1e-4)


@pytest.mark.parametrize("module", ["clip_score_audio", "passt_accuracy", "kl", "fad"])
def test_evaluate_modules_agree_with_cli(module, cli_results, generated, weights_dir, shared_dir, tmp_path):
    results, _ = cli_results
    gen, ref, rows = generated
    metric = evaluate.load(str(REPO / "metrics" / module))
    paths = [str(gen / r.file) for r in rows]
    arrays = [sf.read(p, dtype="float32")[0] for p in paths]
    arrays = [a.mean(axis=1) if a.ndim == 2 else a for a in arrays]  # mono, as the protocol mixes it
    kw = dict(weights_dir=str(weights_dir), device="cpu", cache_dir=str(tmp_path / "cache"))
    if module == "clip_score_audio":
        images = [str(shared_dir / "image_hear" / "images" / r.image) for r in rows]
        out = metric.compute(predictions=paths, references=images, labels=[r.label for r in rows], **kw)
        assert out["clip_score"] == pytest.approx(results["metrics"]["clip_score"]["value"], abs=1e-5)
        assert out["per_class"] == pytest.approx(results["metrics"]["clip_score"]["per_class"], abs=1e-5)
        pil = [Image.open(p) for p in images]
        out2 = metric.compute(predictions=arrays, references=pil, sampling_rate=RATE, **kw)
        assert out2["per_sample"] == pytest.approx(out["per_sample"], abs=1e-4)
    elif module == "passt_accuracy":
        out = metric.compute(predictions=paths, references=[r.label for r in rows], **kw)
        assert out["accuracy"] == pytest.approx(results["metrics"]["accuracy"]["value"])
        out2 = metric.compute(predictions=arrays, references=[protocol.CLASS_NAMES.index(r.label) for r in rows],
                              sampling_rate=RATE, **kw)
        assert out2["predicted"] == out["predicted"]
    elif module == "kl":
        refs = [str((ref / r.file).with_suffix(".flac")) for r in rows[:5]]
        out = metric.compute(predictions=paths[:5], references=refs, **kw)
        assert out["kl"] == pytest.approx(results["metrics"]["kl"]["value"], rel=1e-6)
        ref_arrays = [sf.read(p, dtype="float32")[0] for p in refs]
        out2 = metric.compute(predictions=arrays[:5], references=ref_arrays, sampling_rate=RATE, **kw)
        assert out2["kl"] == pytest.approx(out["kl"], rel=1e-4)
    else:
        refs = sorted(str(p) for p in ref.rglob("*") if p.suffix in (".flac", ".wav"))
        with pytest.warns(scores.FewSamplesWarning):
            out = metric.compute(predictions=paths, references=refs, **kw)
        assert out["fad"] == pytest.approx(results["metrics"]["fad"]["value"], rel=1e-4)  # batch sizes differ: fp32 sums
        ref_arrays = [sf.read(p, dtype="float32")[0] for p in refs]
        with pytest.warns(scores.FewSamplesWarning):
            out2 = metric.compute(predictions=arrays, references=ref_arrays, sampling_rate=RATE, **kw)
        assert out2["fad"] == pytest.approx(out["fad"], rel=1e-3)


def test_warm_cache_rerun_runs_no_backbone(cli_results, generated, weights_dir, shared_dir):
    """Every PaSST output of the generated and reference clips is in the cache after the first run:
    a re-run scores from it without one forward pass of any torch module (counted by torch's global
    hook, which test_accuracy_counts_exactly_the_clips_whose_class_wins shows counting a cold run)."""
    results, out = cli_results
    gen, ref, _ = generated
    again = out.with_name("again.json")
    with forward_calls() as calls:
        assert main(["evaluate", str(gen), "--reference-dir", str(ref), "--weights-dir", str(weights_dir),
                     "--device", "cpu", "--cache-dir", str(out.parent / "cache"),
                     "--source", str(shared_dir / "image_hear" / "images"),
                     "--metrics", "accuracy,kl", "--out", str(again)]) == 0
    assert not calls, f"a warm run ran forward passes: {dict(calls)}"
    second = json.loads(again.read_text())
    for name in ("accuracy", "kl"):
        assert second["metrics"][name]["value"] == results["metrics"][name]["value"]
    assert second["metrics"]["kl"]["n"] == 5


def test_warm_run_announces_its_count_prints_a_plain_table_and_writes_markdown_and_a_paper_table(
        cli_results, generated, weights_dir, shared_dir, capsys):
    results, out = cli_results
    gen, ref, _ = generated
    summary, tex = out.with_name("summary.md"), out.with_name("table.tex")
    assert main(["evaluate", str(gen), "--reference-dir", str(ref), "--weights-dir", str(weights_dir),
                 "--device", "cpu", "--cache-dir", str(out.parent / "cache"), "--model-name", "tones_v2",
                 "--metrics", "accuracy,kl", "--out", str(out.with_name("plain.json")),
                 "--summary", str(summary)]) == 0
    captured = capsys.readouterr()
    # 6 generated clips and the 5 paired references through PaSST, all cached by the first run
    assert "embeddings to compute: 0 of 11 clip x backbone (passt 0 of 11); all in the cache" in captured.err
    lines = captured.out.splitlines()
    assert lines[0].startswith("tones_v2 · protocol v1 · INCOMPLETE (6 clips)") and "\\" not in captured.out
    assert lines[1].startswith("RANDOM WEIGHTS") and lines[3].split() == ["metric", "value", "95", "%", "CI", "n"]
    assert summary.read_text().startswith("**tones\\_v2** · protocol v1") and str(summary) in lines[-1]
    assert main(["table", str(out), str(out.with_name("plain.json")), "--out", str(tex)]) == 0
    rows = tex.read_text().split("\\midrule\n")[1].splitlines()
    assert rows[0].startswith("tones*$^\\dagger$ & 6 & ") and rows[1].startswith("tones\\_v2*$^\\dagger$ & 6 & ")
    assert f"{results['metrics']['accuracy']['value']:.2f}" in rows[1] and r"{\scriptsize($n$=5)}" in rows[1]


def test_accuracy_counts_exactly_the_clips_whose_class_wins(generated, dog_weights_dir, tmp_path):
    """Random weights put no clip in its class, so accuracy is 0 == 0 above. Here PaSST's classifier
    biases make an AudioSet class of Dog win on every clip: exactly the 2 Dog clips of 6 are correct,
    whatever the random weights are."""
    gen, _, rows = generated
    planted, dog = dog_weights_dir
    out = tmp_path / "planted.json"
    with forward_calls() as calls:  # new weights: a new cache key, every clip is embedded (cold)
        assert main(["evaluate", str(gen), "--weights-dir", str(planted), "--device", "cpu", "--cache-dir",
                     str(tmp_path / "cache"), "--metrics", "accuracy", "--out", str(out)]) == 0
    assert sum(calls.values()) > 0  # the counter sees the CLI's forward passes
    results = json.loads(out.read_text())
    is_dog = [r.label == "Dog" for r in rows]
    assert sum(is_dog) == 2 and len(rows) == 6
    assert results["metrics"]["accuracy"]["value"] == pytest.approx(100 * 2 / 6)
    per_sample = read_per_sample_csv(out.with_name("planted.per_sample.csv"))
    assert [r["passt_top1"] for r in per_sample] == [dog] * 6
    assert [r["correct"] for r in per_sample] == is_dog
    assert results["metrics"]["accuracy"]["per_class"] == {"Dog": 100.0, "Piano": 0.0, "Rain": 0.0}


def test_panns_metrics_equal_the_math_on_direct_embeddings(cli_results, generated, weights_dir):
    results, out = cli_results
    gen, ref, rows = generated
    panns_out = out.with_name("panns.json")
    assert main(["evaluate", str(gen), "--reference-dir", str(ref), "--weights-dir", str(weights_dir), "--device",
                 "cpu", "--cache-dir", str(out.parent / "cache"), "--metrics", "fd_panns,kl_panns",
                 "--out", str(panns_out)]) == 0
    second = json.loads(panns_out.read_text())
    assert set(second["metrics"]) == {"fd_panns", "kl_panns"} and set(second["environment"]["weights"]) == {"panns"}
    paths = [gen / r.file for r in rows]
    ref_all = sorted(p for p in ref.rglob("*") if p.suffix in (".flac", ".wav"))
    direct_gen = embed_one_by_one("panns", paths, weights_dir)
    direct_ref = embed_one_by_one("panns", ref_all, weights_dir)
    paired_ref = [direct_ref[ref_all.index((ref / r.file).with_suffix(".flac"))]["logits"] for r in rows[:5]]
    kl = scores.kl_divergence(np.stack(paired_ref), np.stack([o["logits"] for o in direct_gen[:5]]))
    assert second["metrics"]["kl_panns"]["value"] == pytest.approx(kl.value, rel=1e-4)
    fd = scores.frechet_distance_from_embeddings(np.stack([o["embedding"] for o in direct_gen]),
                                                 np.stack([o["embedding"] for o in direct_ref]))
    assert second["metrics"]["fd_panns"]["value"] == pytest.approx(fd, rel=1e-4)
    assert second["config"]["metrics"]["fd_panns"].startswith("Frechet distance (as fad) between PANNs")


def test_fd_inf_from_the_warm_cache_equals_the_math(cli_results, generated, weights_dir):
    """fad_inf and fd_passt_inf reuse the cached VGGish and PaSST rows (no backbone runs) and equal
    scores.frechet_distance_inf on the backbones called directly; the fit is recorded."""
    results, out = cli_results
    gen, ref, rows = generated
    inf_out = out.with_name("inf.json")
    with forward_calls() as calls:
        assert main(["evaluate", str(gen), "--reference-dir", str(ref), "--weights-dir", str(weights_dir),
                     "--device", "cpu", "--cache-dir", str(out.parent / "cache"), "--seed", "3",
                     "--metrics", "fad_inf,fd_passt_inf", "--out", str(inf_out)]) == 0
    assert not calls
    entry = json.loads(inf_out.read_text())["metrics"]["fad_inf"]
    ref_paths = sorted(p for p in ref.rglob("*") if p.suffix in (".flac", ".wav"))
    vgg_gen = np.concatenate([o["embedding"] for o in embed_one_by_one("vggish", [gen / r.file for r in rows],
                                                                         weights_dir)])
    vgg_ref = np.concatenate([o["embedding"] for o in embed_one_by_one("vggish", ref_paths, weights_dir)])
    direct = scores.frechet_distance_inf(vgg_gen, vgg_ref, seed=3, min_n=len(vgg_gen) // 2)
    assert entry["value"] == pytest.approx(direct.value, rel=1e-4, abs=1e-6)
    assert [p[0] for p in entry["points"]] == [n for n, _ in direct.points] and entry["seed"] == 3
    assert entry["min_n"] == len(vgg_gen) // 2 and "fewer than fadtk's smallest subset (500)" in entry["note"]
    passt = json.loads(inf_out.read_text())["metrics"]["fd_passt_inf"]
    assert passt["n_generated"] == 6 and passt["min_n"] == 3 and len(passt["points"]) == 25


def test_a_failing_metric_is_recorded_and_exits_1(cli_results, generated, weights_dir, shared_dir, capsys):
    """IS needs 10 clips; the run has 6: results.json keeps accuracy, is_passt carries its error."""
    results, out = cli_results
    gen, _, _ = generated
    failed = out.with_name("failed.json")
    code = main(["evaluate", str(gen), "--weights-dir", str(weights_dir), "--device", "cpu", "--cache-dir",
                 str(out.parent / "cache"), "--metrics", "accuracy,is_passt", "--out", str(failed)])
    assert code == 1
    err = capsys.readouterr().err
    assert "is_passt failed: ValueError: inception score with 10 splits needs at least 10 rows" in err
    assert "Traceback" not in err
    second = json.loads(failed.read_text())
    assert second["metrics"]["accuracy"] == results["metrics"]["accuracy"]
    assert set(second["metrics"]["is_passt"]) == {"error"}


def test_bad_inputs_are_clear_messages(generated, weights_dir, tmp_path, capsys):
    gen, ref, rows = generated
    bad = tmp_path / "gen"
    shutil.copytree(gen, bad)
    data = np.zeros(RATE, dtype="float32"); data[10] = np.nan
    sf.write(bad / rows[0].file, data, RATE, subtype="FLOAT")
    base = ["--weights-dir", str(weights_dir), "--device", "cpu", "--cache-dir", str(tmp_path / "c")]
    assert main(["evaluate", str(bad), "--metrics", "accuracy"] + base) == 1  # bad data
    err = capsys.readouterr().err
    assert rows[0].file in err and "--skip-invalid" in err and "Traceback" not in err
    assert main(["evaluate", str(bad), "--metrics", "accuracy", "--skip-invalid",
                 "--out", str(tmp_path / "r.json")] + base) == 0
    skipped = json.loads((tmp_path / "r.json").read_text())
    assert skipped["skipped"][0]["file"] == rows[0].file and skipped["n_samples"] == 5
    assert skipped["complete"] is False
    assert main(["evaluate", str(tmp_path)] + base) == 1
    assert "manifest" in capsys.readouterr().err
    assert main(["evaluate", str(gen), "--metrics", "kl"] + base) == 2
    assert "--reference-dir" in capsys.readouterr().err
    empty_ref = tmp_path / "other_ref"
    empty_ref.mkdir()
    sf.write(empty_ref / "nothing_matches.wav", tone(1), RATE)
    assert main(["evaluate", str(gen), "--metrics", "kl", "--reference-dir", str(empty_ref)] + base) == 1
    assert "no reference file matches" in capsys.readouterr().err
