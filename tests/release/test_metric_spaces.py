"""The staged metric Spaces, in ONE fresh venv built from their (identical) requirements.txt with
the staged wheel standing in for PyPI: the package's CLI and a tiny offline evaluate, all
``evaluate.load(<staged folder>)`` computing on real files, and a real upload round trip
through gradio_client with five of the apps (one per kind of references, `MetricSpec.references`)."""
from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
import soundfile as sf

from imagehear import __version__, protocol
from imagehear.publish.layout import metric_modules
from imagehear.publish.spaces import metric_requirements, module_extras

pytestmark = [pytest.mark.release, pytest.mark.timeout(1800)]
HERE = Path(__file__).resolve().parent
ROUND_TRIP = ("passt_accuracy", "clip_score_audio", "kl", "fd_passt", "is_panns")  # label, image, paired, set, none


@pytest.fixture(scope="module")
def spaces_python(staged, tmp_path_factory, venv_tools):
    make_venv, run = venv_tools
    stage, _ = staged
    # one venv stands honestly for all Spaces: their requirements differ only by image-hear's extras,
    # and it is built from the Space that names them all
    extras = {m: module_extras(m) for m in metric_modules()}
    for m in metric_modules():
        assert (stage / "spaces" / m / "requirements.txt").read_text() == metric_requirements(__version__, extras[m])
    widest = max(metric_modules(), key=lambda m: len(extras[m]))
    assert set(extras[widest]) == {e for x in extras.values() for e in x} == {"imagebind"}
    venv = tmp_path_factory.mktemp("venvs") / "metric_spaces"
    python = make_venv(venv, "-r", str(stage / "spaces" / widest / "requirements.txt"),
                       "--find-links", str(stage / "dist"))
    record = run(python, "-c", "from importlib import metadata as m; print(m.distribution('image-hear').read_text('RECORD'))",
                 cwd=tmp_path_factory.mktemp("elsewhere"))  # not the checkout: its egg-info would answer
    wheel = zipfile.ZipFile(stage / "dist" / f"image_hear-{__version__}-py3-none-any.whl")
    ours = {line for line in wheel.read(f"image_hear-{__version__}.dist-info/RECORD").decode().splitlines()
            if line.startswith("imagehear/")}
    assert ours and ours <= set(record.splitlines())  # every package file is the staged wheel's, by hash
    yield python
    shutil.rmtree(venv, ignore_errors=True)  # ~7 GB (torch's CUDA build): pytest keeps 3 basetemps


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_audio, shared_dir):
    """10 generated clips (2 s of the real VGGSound clips), references of the same names as
    .flac, a manifest (file,label,image) and the images, per the plan of two classes."""
    root = tmp_path_factory.mktemp("space_inputs")
    rows = protocol.generation_plan(5, classes=["Dog", "Piano"])
    gen, ref = root / "gen", root / "ref"
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        data, rate = sf.read(shared_audio[i % 2], dtype="float32")
        start = (i // 2) * rate
        (gen / row.file).parent.mkdir(parents=True, exist_ok=True)
        sf.write(gen / row.file, data[start: start + 2 * rate], rate)
        (ref / Path(row.file).name).parent.mkdir(parents=True, exist_ok=True)
        sf.write((ref / Path(row.file).name).with_suffix(".flac"), data[start + rate // 2: start + 5 * rate // 2], rate)
    images = shared_dir / "image_hear" / "images"
    return {"rows": rows, "gen": gen, "manifest": gen / "manifest.csv",
            "predictions": [str(gen / r.file) for r in rows],
            "references": [str((ref / Path(r.file).name).with_suffix(".flac")) for r in rows],
            "labels": [r.label for r in rows], "images": [str(images / r.image) for r in rows]}


def _env(weights_dir, **extra):
    return {**os.environ, "IMAGEHEAR_WEIGHTS": str(weights_dir), "HF_HUB_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False", **extra}


def test_cli_help_and_a_tiny_offline_evaluate(spaces_python, inputs, weights_dir, shared_dir, tmp_path, venv_tools):
    run = venv_tools[1]
    cli = spaces_python.parent / "image-hear"
    assert "publish" in run(cli, "--help") and __version__ in run(cli, "--version")
    out = tmp_path / "results.json"
    run(cli, "evaluate", inputs["gen"], "--metrics", "accuracy,clip_score", "--weights-dir", weights_dir,
        "--device", "cpu", "--cache-dir", tmp_path / "cache", "--source", shared_dir / "image_hear" / "images",
        "--out", out, cwd=tmp_path)
    results = json.loads(out.read_text())
    assert results["image_hear_version"] == __version__ and results["n_samples"] == 10
    assert results["environment"]["packages"]["image-hear"] == __version__


@pytest.fixture(scope="module")
def direct(spaces_python, staged, inputs, weights_dir, tmp_path_factory, venv_tools):
    run = venv_tools[1]
    root = tmp_path_factory.mktemp("direct")
    spec = {k: inputs[k] for k in ("predictions", "references", "labels", "images")}
    spec.update(spaces=str(staged[0] / "spaces"), modules=metric_modules(), cache_dir=str(root / "cache"))
    (root / "in.json").write_text(json.dumps(spec))
    # generous: before eb8b85c, fd_panns alone took ~8 min here (100 2048-d eigh in its interval)
    run(spaces_python, HERE / "space_checks.py", root / "in.json", root / "out.json", env=_env(weights_dir),
        cwd=root, timeout=1500)
    return json.loads((root / "out.json").read_text())


def test_every_staged_module_computes_on_real_files(direct):
    assert sorted(direct) == metric_modules()
    assert {d["pairing"] for d in direct.values()} == {"label", "image", "paired", "set", "none"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url, procs, log_dir, deadline):
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-2000:] for p in log_dir.glob("*.log"))
                raise AssertionError(f"a staged app did not serve {url}:\n{logs}") from None
            time.sleep(1)


def test_apps_pair_uploads_by_name_and_answer_through_gradio_client(spaces_python, staged, inputs, weights_dir,
                                                                      direct, tmp_path):
    from gradio_client import Client, handle_file

    apps, procs = {}, []
    try:
        for module in ROUND_TRIP:
            port = _free_port()
            log = open(tmp_path / f"{module}.log", "w")
            env = _env(weights_dir, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port),
                       GRADIO_TEMP_DIR=str(tmp_path / "gradio" / module),
                       IMAGEHEAR_CACHE=str(tmp_path / "cache" / module))
            procs.append(subprocess.Popen([str(spaces_python), "app.py"], cwd=staged[0] / "spaces" / module,
                                          env=env, stdout=log, stderr=subprocess.STDOUT))
            apps[module] = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 300
        for url in apps.values():
            _wait(url, procs, tmp_path, deadline)
        shuffled = random.Random(0).sample(range(10), 10)  # upload order is not the pairing
        gen = [handle_file(inputs["predictions"][i]) for i in shuffled]
        for module, url in apps.items():
            pairing = direct[module]["pairing"]
            args = [gen]
            if pairing in ("paired", "set"):
                args.append([handle_file(inputs["references"][i]) for i in shuffled[::-1]])
            if pairing == "image":
                args.append([handle_file(p) for p in sorted(set(inputs["images"]))[::-1]])
            if pairing in ("label", "image"):
                args.append(handle_file(str(inputs["manifest"])))
            result, _ = Client(url, verbose=False).predict(*args, api_name="/score")
            names = sorted(Path(p).name for p in inputs["predictions"])
            assert [row[0] for row in result["pairing"]] == names
            by_name = {Path(r.file).name: r for r in inputs["rows"]}
            for clip, other in result["pairing"]:
                expected = {"label": by_name[clip].label, "image": by_name[clip].image,
                            "paired": Path(clip).with_suffix(".flac").name,
                            "set": "reference set (10 clips)", "none": ""}[pairing]
                assert other == expected, (module, clip, other)
            value = next(v for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
            assert value == pytest.approx(direct[module]["value"], rel=1e-4, abs=1e-6), module
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
