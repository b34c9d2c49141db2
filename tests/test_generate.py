"""`image-hear generate` in-process: a toy model file through the real CLI, resumed, sharded,
failing on one row, and scored by `evaluate` with its generation.json in config.generation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.cli import main
from imagehear.generation import row_seed

MODEL = '''
from pathlib import Path
import numpy as np

CALLS = Path(__file__).with_name("calls.log")  # one line per model call: the rows it was given


class Tone:
    """1 s of a tone whose pitch comes from the row's seed; deterministic given the seed."""
    sample_rate = 16000

    def __init__(self, fail_seed=-1, amplitude=0.3):
        self.fail_seed, self.amplitude = fail_seed, amplitude

    def __call__(self, images, labels, seeds):
        with open(CALLS, "a") as fh:
            fh.write(" ".join(f"{label}:{image.size[0]}x{image.size[1]}:{seed}"
                              for label, image, seed in zip(labels, images, seeds)) + "\\n")
        if self.fail_seed in seeds:
            raise ValueError(f"cannot sound seed {self.fail_seed}")
        t = np.arange(self.sample_rate) / self.sample_rate
        return [self.amplitude * np.sin(2 * np.pi * (200 + seed % 800) * t) for seed in seeds]
'''


@pytest.fixture
def model(tmp_path) -> Path:
    path = tmp_path / "model" / "tone.py"
    path.parent.mkdir()
    path.write_text(MODEL)
    return path


def calls(model: Path) -> list[str]:
    log = model.with_name("calls.log")
    rows = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return rows


def clips(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.wav"))}


def test_resume_regenerates_only_the_missing_and_invalid_rows(model, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["generate", f"{model}:Tone", "--out", str(out), "--classes", "dog,Piano", "--per-class", "3",
            "--device", "cpu", "--batch-size", "4", "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    first = clips(out)
    assert len(calls(model)) == 6 and len(first) == 6
    wave, rate = sf.read(out / "dog/dog_000.wav", dtype="float32")
    assert rate == 16000 and sf.info(out / "dog/dog_000.wav").subtype == "FLOAT" and wave.shape == (16000,)
    t = np.arange(16000) / 16000
    expected = (0.3 * np.sin(2 * np.pi * (200 + row_seed(0, "dog/dog_000.wav") % 800) * t)).astype("float32")
    assert np.array_equal(wave, expected)  # the seed rule, and no quantisation
    assert main(["check", str(out)]) == 0

    (out / "dog/dog_001.wav").unlink()
    (out / "piano/piano_002.wav").write_bytes(b"RIFF half a file")
    assert main(args) == 0
    assert sorted(c.split(":")[0] + ":" + c.split(":")[2] for c in calls(model)) == sorted(
        [f"Dog:{row_seed(0, 'dog/dog_001.wav')}", f"Piano:{row_seed(0, 'piano/piano_002.wav')}"])
    assert clips(out) == first  # the same bytes as the first run
    assert main(args) == 0 and calls(model) == []  # nothing left to do: the model is not called
    record = json.loads((out / "generation.json").read_text())
    assert [r["written"] for r in record["runs"]] == [6, 2, 0]
    assert record["status"] == "subset" and record["plan"] == {"rows": 6, "classes": ["Dog", "Piano"],
                                                              "per_class": 3, "subset": True}
    assert record["model"]["entry"] == f"{model}:Tone" and record["seed_rule"].startswith("row seed")

    other = ["generate", f"{model}:Tone", "--out", str(out), "--seed", "1", "--quiet"]
    assert main(other) == 2 and "seed 0 -> 1" in capsys.readouterr().err  # never mixes two runs


def test_two_shards_write_the_same_bytes_as_one_run(model, tmp_path):
    base = ["generate", f"{model}:Tone", "--classes", "Cat,Dog,Rain", "--per-class", "3", "--device", "cpu",
            "--quiet", "--model-arg", "amplitude=0.25"]
    assert main(base + ["--out", str(tmp_path / "one"), "--batch-size", "5"]) == 0
    assert main(base + ["--out", str(tmp_path / "two"), "--shard", "1/2"]) == 0
    half = json.loads((tmp_path / "two" / "generation.json").read_text())
    assert half["status"] == "unfinished" and half["clips"] == {"listed": 9, "on_disk": 4}
    assert main(base + ["--out", str(tmp_path / "two"), "--shard", "0/2", "--batch-size", "2"]) == 0
    one, two = clips(tmp_path / "one"), clips(tmp_path / "two")
    assert len(one) == 9 and one == two
    assert (tmp_path / "one" / "manifest.csv").read_bytes() == (tmp_path / "two" / "manifest.csv").read_bytes()
    record = json.loads((tmp_path / "two" / "generation.json").read_text())
    assert [r["shard"] for r in record["runs"]] == ["1/2", "0/2"] and record["status"] == "subset"
    assert record["model"]["args"] == {"amplitude": 0.25}


def test_a_row_the_model_fails_on_is_one_line_and_the_rest_is_kept(model, tmp_path, capsys):
    out = tmp_path / "run"
    bad = row_seed(0, "piano/piano_001.wav")
    rc = main(["generate", f"{model}:Tone", "--out", str(out), "--classes", "Dog,Piano", "--per-class", "2",
               "--device", "cpu", "--quiet", "--model-arg", f"fail_seed={bad}"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("image-hear generate: error: piano/piano_001.wav (image piano2.jpg): the model "
                               f"raised tone.py line 20: ValueError: cannot sound seed {bad}"), lines[0]
    assert "1 row(s) failed" in lines[0] and "3 clip(s) written" in lines[0]
    assert sorted(clips(out)) == ["dog/dog_000.wav", "dog/dog_001.wav", "piano/piano_000.wav"]


@pytest.mark.parametrize("answer, text", [
    ("[np.full(16000, np.nan)]", "returned 16000 NaN/Inf sample(s)"),
    ("[np.zeros((2, 16000))]", "returned shape (2, 16000)"),
    ("[np.zeros(0)]", "returned an empty waveform"),
    ("[np.zeros(16000, dtype='int16')]", "returned an array of int16"),
    ("[]", "returned 0 waveform(s) for 1 row(s)"),
    ("None", "returned a NoneType; return a list with one waveform per row"),
])
def test_a_bad_waveform_names_the_row(answer, text, tmp_path):
    from imagehear.generation import GenerationError, generate

    class Bad:
        sample_rate = 16000

        def __call__(self, images, labels, seeds):
            return eval(answer)  # noqa: S307 - the parametrised answer

    with pytest.raises(GenerationError) as info:
        generate(Bad(), tmp_path, classes=["Dog"], per_class=1, device="cpu", progress=False)
    assert str(info.value).startswith(f"dog/dog_000.wav (image dog1.jpg): {text}"), str(info.value)
    assert not (tmp_path / "dog/dog_000.wav").exists()


def test_silent_and_clipped_clips_are_written_with_a_warning(tmp_path, capsys):
    from imagehear.generation import GenerationWarning, generate

    class Loud:
        sample_rate = 8000

        def __call__(self, images, labels, seeds):
            return [np.zeros(8000) if label == "Dog" else np.ones(8000) for label in labels]

    with pytest.warns(GenerationWarning) as caught:
        record = generate(Loud(), tmp_path, classes=["Dog", "Cat"], per_class=1, device="cpu", progress=False)
    assert record["status"] == "subset" and len(clips(tmp_path)) == 2
    assert sorted(str(w.message).split(" (")[0] for w in caught) == ["1 clip(s) clipped", "1 clip(s) silent"]


def test_evaluate_records_generation_json_and_the_models_name(model, tmp_path, weights_dir):
    out = tmp_path / "run"
    assert main(["generate", f"{model}:Tone", "--out", str(out), "--classes", "Dog", "--per-class", "2",
                 "--device", "cpu", "--quiet"]) == 0
    results = tmp_path / "results.json"
    assert main(["evaluate", str(out), "--metrics", "clip_score", "--weights-dir", str(weights_dir),
                 "--device", "cpu", "--cache-dir", str(tmp_path / "cache"), "--out", str(results)]) == 0
    data = json.loads(results.read_text())
    assert data["config"]["generation"] == json.loads((out / "generation.json").read_text())
    assert data["model"]["name"] == "Tone" and data["complete"] is False
    assert protocol.read_manifest(out) == protocol.generation_plan(2, ["Dog"])


def test_retrieval_baseline_returns_the_library_clip_the_cs_model_prefers(tmp_path, weights_dir, shared_dir):
    from imagehear import api
    from imagehear.io.audio import load_audio

    library = tmp_path / "library"
    library.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):  # different spectra, so the random CS model tells them apart
        t = np.arange(16000 * 2) / 16000
        sf.write(library / f"clip{i}.wav", (0.2 * np.sin(2 * np.pi * 300 * (i + 1) * t)
                                            + 0.05 * i * rng.standard_normal(t.size)).astype("float32"), 16000)
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert main(["generate", "retrieval", "--out", str(out), "--classes", "Dog", "--per-class", "2", "--device",
                 "cpu", "--quiet", "--model-arg", f"library={library}", "--model-arg", f"weights_dir={weights_dir}",
                 "--model-arg", f"cache_dir={cache}"]) == 0
    record = json.loads((out / "generation.json").read_text())
    details = record["model"]["details"]
    assert record["model"]["name"] == "retrieval" and details["library_fingerprint"]["n_files"] == 4
    files = sorted(library.glob("*.wav"))
    for row in protocol.read_manifest(out):
        image = shared_dir / "image_hear" / "images" / row.image
        cs = api.score("clip_score", [str(f) for f in files], images=[str(image)] * 4, weights_dir=str(weights_dir),
                       cache_dir=str(cache), device="cpu")["per_sample"]["clip_score"]
        chosen = files[int(np.argmax(cs))]
        assert np.array_equal(sf.read(out / row.file, dtype="float32")[0], load_audio(chosen, 16000).numpy())


def test_the_readme_example_model_runs(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = readme.split("## Bring your model")[1].split("```python\n")[1].split("```")[0]
    (tmp_path / "my_model.py").write_text(code)
    assert main(["generate", f"{tmp_path}/my_model.py:MyModel", "--out", str(tmp_path / "run"), "--classes", "Dog",
                 "--per-class", "1", "--device", "cpu", "--quiet", "--model-arg", "seconds=1.5"]) == 0
    assert sf.info(tmp_path / "run" / "dog/dog_000.wav").frames == 24000


@pytest.fixture(scope="module")
def text_to_audio(tmp_path_factory):
    """Tiny random Stable Audio Open pipeline and BLIP captioner folders, and diffusers' own pipeline
    loaded from the first: (pipeline folder, captioner folder, reference pipeline)."""
    from diffusers import StableAudioPipeline

    from imagehear.testing.stable_audio import write_random_captioner, write_random_pipeline

    root = tmp_path_factory.mktemp("text_to_audio")
    pipeline = write_random_pipeline(root / "stable_audio")
    return pipeline, write_random_captioner(root / "blip"), StableAudioPipeline.from_pretrained(str(pipeline))


def reference_clip(pipe, prompt: str, seed: int) -> np.ndarray:
    """The pipeline called directly, one row: the prompt, the row's seed, mono by channel mean."""
    import torch

    audio = pipe([prompt], audio_end_in_s=1.0, num_inference_steps=2, guidance_scale=7.0,
                 generator=[torch.Generator().manual_seed(seed)]).audios[0]
    return audio.mean(0).numpy()


@pytest.mark.parametrize("baseline", ["class-prompt", "caption-to-audio"])
def test_text_to_audio_baselines_are_the_pipeline_on_their_prompt_with_the_row_seed(baseline, text_to_audio,
                                                                                    tmp_path, shared_dir):
    from transformers import BlipForConditionalGeneration, BlipProcessor

    pipeline, captioner, reference = text_to_audio
    out = tmp_path / "run"
    extra = ["--model-arg", f"captioner={captioner}"] if baseline == "caption-to-audio" else []
    assert main(["generate", baseline, "--out", str(out), "--classes", "Dog,Cat", "--per-class", "1", "--device",
                 "cpu", "--quiet", "--batch-size", "2", "--model-arg", f"pipeline={pipeline}", "--model-arg",
                 "seconds=1.0", "--model-arg", "steps=2", *extra]) == 0
    record = json.loads((out / "generation.json").read_text())
    assert record["model"]["name"] == baseline and record["model"]["sample_rate"] == 1000
    assert record["model"]["details"]["pipeline"] == str(pipeline)
    blip = BlipForConditionalGeneration.from_pretrained(str(captioner)), BlipProcessor.from_pretrained(str(captioner))
    for row in protocol.read_manifest(out):
        prompt = f"The sound of {row.label.lower()}."
        if baseline == "caption-to-audio":  # transformers' own loader and generate on the row's image
            from PIL import Image

            image = Image.open(shared_dir / "image_hear" / "images" / row.image).convert("RGB")
            tokens = blip[0].generate(**blip[1](images=[image], return_tensors="pt"), max_new_tokens=30,
                                      do_sample=False)
            prompt = blip[1].batch_decode(tokens, skip_special_tokens=True)[0].strip()
            assert prompt  # the random captioner still says something
        clip, rate = sf.read(out / row.file, dtype="float32")
        expected = reference_clip(reference, prompt, row_seed(0, row.file))
        assert rate == 1000 and np.allclose(clip, expected, atol=1e-5, rtol=0)


def test_a_baseline_without_its_weights_offline_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    rc = main(["generate", "class-prompt", "--out", str(tmp_path / "run"), "--device", "cpu", "--quiet",
               "--model-arg", "pipeline=nobody/no-such-pipeline"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and "--model-arg pipeline=FOLDER" in lines[0], lines
    assert lines[0].startswith("image-hear generate: error: nobody/no-such-pipeline: the pipeline is not in the")
    assert not (tmp_path / "run").exists()  # nothing written before the model exists
