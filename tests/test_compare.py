"""Model against model: `image-hear compare` and imagehear.report.compare on synthetic runs written as
evaluate writes them (entries from pipeline.score, per-sample values from samples.pack)."""
import copy
import json

import numpy as np
import pytest
import soundfile as sf

from imagehear.metrics import samples
from imagehear.report import compare

from imagehear.evaluation import pipeline

from imagehear import protocol
from imagehear.cli import main
from imagehear.metrics.entries import MetricInputs

PLAN = protocol.generation_plan(per_class=12)  # 360 clips, all 100 images, 30 classes
IMAGE_INDEX = np.unique([r.image for r in PLAN], return_inverse=True)[1]
NAMES = ["clip_score", "accuracy", "kl", "fd_passt", "kad"]
CLASS_BUMP = np.zeros((len(PLAN), 527))  # +8 on each clip's own AudioSet class: far above 527 N(0, 1) logits
CLASS_BUMP[np.arange(len(PLAN)), [protocol.CLASSES[r.label].audioset_indices[0] for r in PLAN]] = 8.0
CLASS_SET = np.zeros((len(PLAN), 527))  # every AudioSet class that counts as correct for the clip
for i, r in enumerate(PLAN):
    CLASS_SET[i, list(protocol.CLASSES[r.label].audioset_indices)] = 1.0
PER_SAMPLE = ("clip_score", "accuracy", "kl")


def synthetic_run(model_seed: int, match: float, shift: float = 0.0, hit: float = 0.3, noise: float = 1.0):
    """A run's results dict, its per-clip PaSST embeddings and the reference's. ``match``: how
    much of the image vector the audio embedding carries; ``shift``: an offset of the embeddings;
    ``hit``: the share of images whose clips sound like their class (the same images for every
    model with the same ``hit``), the others lose the class their reference clip has (accuracy ~
    100 x hit; each miss costs KL); ``noise``: the scale
    of the logit noise around the reference clip's logits (KL grows with it)."""
    world = np.random.default_rng(0)   # the benchmark: images, reference audio
    image_vecs = world.normal(size=(100, 16))
    ref_emb = world.normal(size=(len(PLAN), 8))
    ref_logits = world.normal(size=(len(PLAN), 527)) + CLASS_BUMP  # reference clips sound like their class
    difficulty = world.random(100)  # per image: a model with hit h gets the images below h right
    rng = np.random.default_rng(model_seed)
    per_image = rng.normal(size=(100, 16))  # the model's own take on each image: shared by its clips
    audio = match * image_vecs[IMAGE_INDEX] + per_image[IMAGE_INDEX] + rng.normal(size=(len(PLAN), 16))
    gen_emb = rng.normal(size=(len(PLAN), 8)) + shift
    missed = (difficulty >= hit)[IMAGE_INDEX]  # right or wrong on an image: on all its clips
    # a missed clip is never right by chance: its class set sinks far below the other logits
    sink = missed[:, None] * (CLASS_BUMP + 20 * CLASS_SET)
    gen_logits = ref_logits + noise * rng.normal(size=ref_logits.shape) - sink
    inputs = MetricInputs(
        generated={"wav2clip.embedding": list(audio), "clip.image": list(image_vecs[IMAGE_INDEX]),
                   "passt.logits": list(gen_logits), "passt.embedding": list(gen_emb)},
        reference={"passt.logits": list(ref_logits), "passt.embedding": list(ref_emb)},
        labels=[r.label for r in PLAN], names=[r.file for r in PLAN], pairs=[(i, i) for i in range(len(PLAN))],
        images=[r.image for r in PLAN])
    out, columns = pipeline.score(NAMES, inputs)
    rows = [{"file": r.file, "label": r.label, "image": r.image} for r in PLAN]
    for column, values in columns.items():
        for row, value in zip(rows, values):
            row[column] = value
    results = {"benchmark": "image_hear", "protocol": "v1", "model": {"name": f"model-{model_seed}"},
               "metrics": out, "config": {"profile": {"name": "protocol-v1"}, "precision": "fp32"},
               "environment": {"weights": {"passt": {"sha256": "1" * 64}}}, "per_sample": samples.pack(rows)}
    return results, gen_emb, ref_emb


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    made = {"a": synthetic_run(1, match=1.0), "a_again": synthetic_run(2, match=1.0),
            "b_better": synthetic_run(3, match=1.6, shift=0.5, hit=0.7, noise=0.5)}
    for key, (results, _, _) in made.items():
        (root / key).mkdir()
        (root / key / "results.json").write_text(json.dumps(results, indent=1))
    return root, made


def test_a_distinguishable_pair_and_one_that_is_not(runs, capsys):
    root, made = runs
    assert main(["compare", str(root / "a" / "results.json"), str(root / "b_better" / "results.json"), "--json"]) == 0
    better = json.loads(capsys.readouterr().out)
    cs = better["metrics"]["clip_score"]
    assert cs["verdict"] == compare.B_BETTER and cs["ci95"][0] > 0 and cs["p_value"] < 0.01
    assert cs["difference"] == pytest.approx(made["b_better"][0]["metrics"]["clip_score"]["value"]
                                             - made["a"][0]["metrics"]["clip_score"]["value"], abs=1e-9)
    assert "fd_passt" in better["not_compared"] and "kad" in better["not_compared"]  # no embeddings given
    assert main(["compare", str(root / "a" / "results.json"), str(root / "a_again" / "results.json"), "--json"]) == 0
    same = json.loads(capsys.readouterr().out)
    assert same["metrics"]["clip_score"]["p_value"] > 0.05
    assert same["metrics"]["accuracy"]["difference"] == 0.0  # the same images right: only the noise differs
    assert main(["compare", str(root / "b_better" / "results.json"), str(root / "a" / "results.json"), "--json"]) == 0
    worse = json.loads(capsys.readouterr().out)
    # B is better on every per-sample metric, in each metric's own direction (KL: lower is better)
    expected = {"a vs b_better": (better, compare.B_BETTER), "a vs a_again": (same, compare.TIE),
                "b_better vs a": (worse, compare.A_BETTER)}
    for case, (result, verdict) in expected.items():
        assert {n: m["verdict"] for n, m in result["metrics"].items()} == dict.fromkeys(PER_SAMPLE, verdict), case
        for name, m in result["metrics"].items():
            assert m["ci95"][0] <= m["difference"] <= m["ci95"][1], (case, name)
            assert m["method"]["unit"] == "image within class"
    assert better["metrics"]["kl"]["difference"] < 0 < better["metrics"]["accuracy"]["difference"]
    for name in PER_SAMPLE:
        assert worse["metrics"][name]["difference"] == pytest.approx(-better["metrics"][name]["difference"], abs=1e-9)


def test_set_level_metrics_by_joint_resampling():
    (a, emb_a, ref), (b, emb_b, _), (c, emb_c, _) = synthetic_run(1, 1.0), synthetic_run(3, 1.6, 0.5), \
        synthetic_run(2, 1.0)
    def given(x, y):
        return {n: {"a": list(x), "b": list(y), "reference": list(ref)} for n in ("fd_passt", "kad")}
    far = compare.compare(a, b, metrics=["fd_passt", "kad"], embeddings=given(emb_a, emb_b), n_resamples_set=40)
    for name in ("fd_passt", "kad"):
        assert far["metrics"][name]["verdict"] == compare.A_BETTER  # B is shifted away from the reference
        assert far["metrics"][name]["method"]["recentred"] is True
    near = compare.compare(a, c, metrics=["fd_passt", "kad"], embeddings=given(emb_a, emb_c), n_resamples_set=40)
    assert {m["verdict"] for m in near["metrics"].values()} == {compare.TIE}
    with pytest.raises(compare.CompareError, match="are not that run's"):
        compare.compare(a, b, metrics=["kad"], embeddings=given(emb_c, emb_b), n_resamples_set=10)


def test_runs_that_must_not_be_compared_are_refused_in_one_line(runs, tmp_path, capsys):
    root, made = runs
    a = made["a"][0]
    cases = {"profile differs": lambda r: r["config"].update(profile={"name": "av-benchmark"}),
             'image set differs: A "im2wav", B "v2a-mapper"': lambda r: r.update(image_set="v2a-mapper"),
             "passt weights differ": lambda r: r["environment"]["weights"]["passt"].update(sha256="2" * 64),
             "only in A 1 (accordion/accordion_000.wav)": lambda r: r["per_sample"].update(
                 file=["x.wav"] + r["per_sample"]["file"][1:]),
             "per_sample: missing": lambda r: r.pop("per_sample")}
    for message, edit in cases.items():
        other = copy.deepcopy(a)
        edit(other)
        (tmp_path / "other.json").write_text(json.dumps(other))
        assert main(["compare", str(root / "a" / "results.json"), str(tmp_path / "other.json")]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, err
    (tmp_path / "deep.json").write_text("[" * 100000 + "]" * 100000)
    assert main(["compare", str(root / "a" / "results.json"), str(tmp_path / "deep.json")]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["compare", str(root / "a" / "results.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_text_output_names_the_verdicts(runs, capsys, tmp_path):
    root, _ = runs
    md = tmp_path / "comparison.md"
    assert main(["compare", str(root / "a" / "results.json"), str(root / "b_better" / "results.json"),
                 "--summary", str(md)]) == 0
    out = capsys.readouterr().out
    rows = out.splitlines()
    cs = next(line for line in rows if line.startswith("CLIP score (CS) "))
    assert "|" not in out and "B better" in cs and any("not compared: set-level" in r for r in rows)
    header = next(line for line in rows if line.startswith("metric "))
    assert cs.index("B better") == header.index("verdict")  # aligned under its column
    assert "| CLIP score (CS) |" in md.read_text() and "|---|---:|" in md.read_text()


def test_runs_whose_clips_are_elsewhere_name_the_option_that_supplies_them(runs, tmp_path, capsys):
    """compare --reference-dir reads each run's clips from the results file's folder unless
    --generated says where they are: a folder without them is one line naming that option."""
    root, _ = runs
    (tmp_path / "ref").mkdir()
    sf.write(tmp_path / "ref" / "x.wav", np.zeros(16000, dtype="float32"), 16000)
    argv = ["compare", str(root / "a" / "results.json"), str(root / "a_again" / "results.json"),
            "--reference-dir", str(tmp_path / "ref"), "--device", "cpu", "--weights-dir", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--generated A_DIR B_DIR" in err and str(root / "a") in err, err
    assert main(argv + ["--generated", str(tmp_path), str(tmp_path)]) == 1  # given, but not the runs' folders
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path}: 360 clip(s)" in err and "--generated" in err, err
