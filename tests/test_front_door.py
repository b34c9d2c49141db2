"""One front door: a generated folder and lists of clips become the same clip set, and
``suite.evaluate`` returns exactly what ``image-hear evaluate`` writes (warnings included).

Random-weight backbones of the real architectures (tests/conftest.py ``weights_dir``); the
numbers are meaningless, but both doors must give the same ones."""
import json
import warnings

import numpy as np
import pytest
import soundfile as sf

from imagehear import api, protocol

from imagehear.evaluation import suite
from imagehear.evaluation.check import FlaggedClipsWarning
from imagehear.cli import main
from imagehear.io.clips import Clips
from imagehear.report.compare import markdown as compare_markdown, text as compare_text
from imagehear.errors import ImageHearError
from imagehear.evaluation.pipeline import Backbones, Options
from imagehear.protocol.profiles import profile
from imagehear.report.summary import markdown_summary, text_summary
from imagehear.models.weights import RandomWeightsWarning

RATE = 16000
METRICS = "clip_score,accuracy"  # Wav2CLIP, CLIP and PaSST: one image, one class and one audio model


def tone(i, seconds=2.0):
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(i).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * (220 + 70 * i) * t) + 0.05 * noise).astype("float32")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """6 clips (3 classes x 2) of the plan; the last one silent (a warning raised while checking)."""
    gen = tmp_path_factory.mktemp("front") / "tones"
    rows = protocol.generation_plan(2, classes=["Dog", "Piano", "Rain"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        (gen / row.file).parent.mkdir(parents=True, exist_ok=True)
        sf.write(gen / row.file, tone(i) if i < len(rows) - 1 else np.zeros(2 * RATE, "float32"), RATE)
    return gen, rows


def options(weights_dir, shared_dir, cache):
    return Options(weights_dir=str(weights_dir), device="cpu", cache_dir=str(cache), progress=False,
                   source=str(shared_dir / "image_hear" / "images"), model={"name": "tones"})


def without(results, *keys):
    return {k: v for k, v in results.items() if k not in keys}


def test_folder_and_lists_give_the_same_results(folder, weights_dir, shared_dir, tmp_path):
    gen, rows = folder
    # each door computes its own embeddings: the equality is the pipeline's, not the cache's
    by_folder, folder_rows = suite.evaluate_generated(gen, metrics=METRICS,
                                                      options=options(weights_dir, shared_dir, tmp_path / "a"))
    clips = Clips.from_lists([gen / r.file for r in rows], images=[shared_dir / "image_hear" / "images" / r.image
                                                                   for r in rows],
                             labels=[r.label for r in rows], names=[r.file for r in rows])
    by_lists, list_rows = suite.evaluate(clips, METRICS, options(weights_dir, shared_dir, tmp_path / "b"))

    assert set(by_folder["metrics"]) == {"clip_score", "accuracy"}
    assert by_lists["metrics"] == by_folder["metrics"]  # values, intervals, per-class, chance: all of it
    # the whole record, but for its time, its per-clip conditioning units (image names in a
    # manifest, the given paths for lists) and the check's warning (a folder's clips are checked)
    assert without(by_lists, "created", "per_sample", "warnings") == without(by_folder, "created", "per_sample",
                                                                            "warnings")
    assert without(by_lists["per_sample"], "unit") == without(by_folder["per_sample"], "unit")
    assert [u.rsplit("/", 1)[-1] for u in by_lists["per_sample"]["unit"]] == by_folder["per_sample"]["unit"]
    assert [without(r, "image") for r in list_rows] == [without(r, "image") for r in folder_rows]
    assert by_folder["warnings"] == [*[w for w in by_folder["warnings"] if "silent" in w], *by_lists["warnings"]]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_evaluate_returns_what_the_cli_writes(folder, weights_dir, shared_dir, cache, tmp_path):
    gen, _ = folder
    out = tmp_path / "out" / "run.json"
    code = main(["evaluate", str(gen), "--metrics", METRICS, "--weights-dir", str(weights_dir), "--device", "cpu",
                 "--cache-dir", str(cache), "--source", str(shared_dir / "image_hear" / "images"),
                 "--model-name", "tones", "--out", str(out)])
    assert code == 0
    written = json.loads(out.read_text())
    with pytest.warns(FlaggedClipsWarning):  # noted into the results, and still raised to the caller
        results, _ = suite.evaluate_generated(gen, metrics=METRICS, options=options(weights_dir, shared_dir, cache))
    assert json.loads(json.dumps(results)) == {**written, "created": results["created"]}
    assert list(results) == list(written)  # the same keys in the same order: warnings last
    assert any(w.startswith("1 silent clip(s) scored as they are") for w in written["warnings"])
    assert any("RANDOMLY INITIALISED" in w for w in written["warnings"])


def test_evaluate_raises_each_warning_once_to_the_caller(folder, weights_dir, shared_dir, cache):
    gen, _ = folder
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results, _ = suite.evaluate_generated(gen, metrics="accuracy", options=options(weights_dir, shared_dir, cache))
    ours = [str(w.message) for w in caught if w.category.__module__.startswith("imagehear")]
    assert {w.category for w in caught} >= {FlaggedClipsWarning, RandomWeightsWarning}
    assert ours == results["warnings"]  # in the order raised, none twice


def test_noted_warnings_reach_the_caller_even_when_the_run_fails():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyError), suite.noted() as notes:
            warnings.warn("a silent clip", FlaggedClipsWarning)
            warnings.warn("not ours", UserWarning)
            warnings.warn("a silent clip", FlaggedClipsWarning)
            raise KeyError("boom")
    assert notes == ["a silent clip"]  # image-hear's own, each once
    assert [str(w.message) for w in caught] == ["a silent clip", "not ours", "a silent clip"]


def test_lists_that_must_pair_but_differ_in_length_are_refused_before_any_model():
    gen = [tone(i) for i in range(4)]
    with pytest.raises(ImageHearError, match="predictions has 4 items but references .reference audio. has 3"):
        api.evaluate_clips(["kl"], gen, references=gen[:3], sampling_rate=RATE, weights_dir=None, device="cpu")


@pytest.mark.parametrize("chosen, pad, expected", [
    ("protocol-v1", False, {"pad_to_10s": False}),
    ("protocol-v1", True, {"pad_to_10s": True}),
    ("av-benchmark", False, {"pad_to_10s": True, "crop_to_10s": True}),
])
def test_pipeline_builds_passt_with_the_profiles_options(weights_dir, chosen, pad, expected):
    backbones = Backbones(Options(weights_dir=str(weights_dir), device="cpu", cache_dir=False, pad_to_10s=pad,
                                  profile=profile(chosen)))
    assert backbones["passt"].options == expected  # lazy: nothing is built to read them
    assert backbones["wav2clip"].options == {}


def test_evaluate_and_compare_print_a_model_name_alike():
    name = "a|b_[x](y) <i>"
    summary = markdown_summary({"model": {"name": name}, "metrics": {}})
    result = {"a": {"model": name}, "b": {"model": "plain"}, "n_pairs": 1, "seed": 0, "metrics": {},
              "not_compared": {}}
    escaped = "a\\|b\\_\\[x\\](y) &lt;i&gt;"
    assert f"**{escaped}**" in summary and f"**A** = {escaped} " in compare_markdown(result)
    # the terminal shows both as typed
    assert text_summary({"model": {"name": name}, "metrics": {}}).startswith(name)
    assert compare_text(result).startswith(f"A = {name} · B = plain")
