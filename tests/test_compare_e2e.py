"""`image-hear compare` on two `image-hear evaluate` outputs (random-weight backbones of the real
architectures): per-sample metrics from the results files, KAD from the embedding cache (FD goes
the same way; its joint resampling is tested on synthetic embeddings in test_compare.py)."""
import json

import numpy as np
import pytest
import soundfile as sf

from imagehear.metrics import samples
from imagehear.report import compare

from imagehear import protocol
from imagehear.cli import main

RATE = 16000


def tone(freq, seed, seconds=3.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * freq * t) + 0.05 * np.random.default_rng(seed).standard_normal(t.size)
            ).astype("float32")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, weights_dir):
    root = tmp_path_factory.mktemp("two_runs")
    rows = protocol.generation_plan(2, classes=["Dog", "Piano", "Rain"])
    for i, row in enumerate(rows):
        reference = tone(300 + 50 * i, i + 10, 4.0)
        # a: loud noise, far from the references in PaSST's space (random weights too: KAD ~130 vs ~-12);
        # b: the reference clip itself, the best a generator can do (KL 0 per pair, KAD of a set with itself)
        noise = (0.5 * np.random.default_rng(i).standard_normal(3 * RATE)).astype("float32")
        for run, audio in (("a", noise), ("b", reference)):
            path = root / run / row.file
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, audio, RATE)
        ref = (root / "ref" / row.file).with_suffix(".flac")
        ref.parent.mkdir(parents=True, exist_ok=True)
        sf.write(ref, reference, RATE)
    common = ["--reference-dir", str(root / "ref"), "--weights-dir", str(weights_dir), "--device", "cpu",
              "--cache-dir", str(root / "cache"), "--metrics", "accuracy,kl,kad"]  # one backbone: PaSST
    for run in ("a", "b"):
        protocol.write_manifest(rows, root / run / "manifest.csv")
        assert main(["evaluate", str(root / run)] + common) == 0
    return root, common


def test_compare_two_evaluate_outputs_including_set_level_metrics(two_runs, capsys):
    root, common = two_runs
    capsys.readouterr()
    a, b = (json.loads((root / run / "results.json").read_text()) for run in ("a", "b"))
    assert samples.recompute(a) == {n: a["metrics"][n]["value"] for n in ("accuracy", "kl")}  # the same floats
    assert a["config"]["bootstrap"]["method"].startswith("rescaled stratified cluster bootstrap")
    assert a["metrics"]["accuracy"]["ci_method"]["unit"] == "image within class"
    assert a["metrics"]["kad"]["ci_method"]["recentred"] and "chance" in a["metrics"]["accuracy"]
    assert a["per_sample"]["unit"] == [r.image for r in protocol.generation_plan(2, classes=["Dog", "Piano", "Rain"])]
    cache = common[common.index("--cache-dir"):common.index("--cache-dir") + 2]
    weights = common[common.index("--weights-dir"):common.index("--weights-dir") + 2]
    assert main(["compare", str(root / "a" / "results.json"), str(root / "b" / "results.json"), "--json",
                 "--reference-dir", str(root / "ref"), "--device", "cpu"] + cache + weights) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["metrics"]) == {"accuracy", "kl", "kad"} and not out["not_compared"]
    for name, m in out["metrics"].items():
        assert m["difference"] == pytest.approx(b["metrics"][name]["value"] - a["metrics"][name]["value"],
                                                rel=1e-6, abs=1e-9), name
    # b is the reference audio: better on KL and KAD (lower is better); random weights put no clip of
    # either run in its class (accuracy 0 and 0), so accuracy cannot tell them apart
    assert a["metrics"]["accuracy"]["value"] == b["metrics"]["accuracy"]["value"] == 0.0
    assert {n: m["verdict"] for n, m in out["metrics"].items()} == {
        "accuracy": compare.TIE, "kl": compare.B_BETTER, "kad": compare.B_BETTER}
    assert out["metrics"]["kl"]["ci95"][1] < 0 and out["metrics"]["kad"]["ci95"][1] < 0
    assert main(["compare", str(root / "b" / "results.json"), str(root / "a" / "results.json"), "--json",
                 "--reference-dir", str(root / "ref"), "--device", "cpu"] + cache + weights) == 0
    swapped = json.loads(capsys.readouterr().out)
    assert {n: m["verdict"] for n, m in swapped["metrics"].items()} == {
        "accuracy": compare.TIE, "kl": compare.A_BETTER, "kad": compare.A_BETTER}
    assert main(["compare", str(root / "a" / "results.json"), str(root / "a" / "results.json"), "--json",
                 "--reference-dir", str(root / "ref"), "--device", "cpu"] + cache + weights) == 0
    same = json.loads(capsys.readouterr().out)
    for name, m in same["metrics"].items():
        assert (m["difference"], m["p_value"], m["verdict"]) == (0.0, 1.0, compare.TIE), name
