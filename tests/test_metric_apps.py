"""Each evaluate module folder is complete: its Space app builds offline and its card has evaluate's sections."""
import runpy
import sys
from pathlib import Path

import pytest

from imagehear.metrics import METRICS

REPO = Path(__file__).resolve().parent.parent
MODULES = [spec.module for spec in METRICS.values() if spec.module]


def _generator():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import make_metric_modules
    finally:
        sys.path.remove(str(REPO / "scripts"))
    return make_metric_modules


def test_every_module_folder_is_in_the_registry_and_generated_from_its_spec(tmp_path):
    assert sorted(p.name for p in (REPO / "metrics").iterdir() if p.is_dir()) == sorted(MODULES)
    written = _generator().write(tmp_path)
    # every module file, app and requirements of every module; cards but the hand-written four
    assert sorted(p.name for p in written if p.suffix == ".py" and p.name != "app.py") == sorted(
        f"{m}.py" for m in MODULES)
    assert sorted(p.parent.name for p in written if p.name == "README.md") == sorted(
        set(MODULES) - set(_generator().HAND_WRITTEN_CARDS))
    for path in written:
        committed = REPO / "metrics" / path.relative_to(tmp_path)
        assert committed.read_text() == path.read_text(), f"{committed} is stale: run scripts/make_metric_modules.py"


@pytest.mark.parametrize("module", MODULES)
def test_space_app_asks_for_what_the_spec_says_the_references_are(module, monkeypatch):
    """No pairing literal in app.py: the upload fields follow ``MetricSpec.references``."""
    from imagehear.metric_app import MANIFEST_INPUT, REFERENCE_INPUTS
    from imagehear.metrics import REFERENCE_KINDS, by_module

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    assert "pairing" not in (REPO / "metrics" / module / "app.py").read_text()
    app = runpy.run_path(str(REPO / "metrics" / module / "app.py"), run_name="space_app")["app"]
    (score,) = [fn for fn in app.fns.values() if fn.api_name == "score"]
    kind = by_module(module).references
    expected = ["generated clips"] + ([REFERENCE_INPUTS[kind]] if kind in REFERENCE_INPUTS else [])
    expected += [MANIFEST_INPUT] if kind in ("label", "image") else []
    assert [block.label for block in score.inputs] == expected
    assert set(REFERENCE_INPUTS) <= set(REFERENCE_KINDS)


@pytest.mark.parametrize("module", MODULES)
def test_space_app_builds(module, monkeypatch):
    import gradio as gr

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    namespace = runpy.run_path(str(REPO / "metrics" / module / "app.py"), run_name="space_app")
    assert isinstance(namespace["app"], gr.Blocks)
    for name in ("README.md", "requirements.txt", f"{module}.py"):
        assert (REPO / "metrics" / module / name).is_file()
    card = (REPO / "metrics" / module / "README.md").read_text()
    for section in ("## Metric description", "## How to use", "## Output values", "## Limitations", "## Citation"):
        assert section in card


def test_every_module_is_releasable_and_requirements_match_the_repository_pins():
    from imagehear.publish.spaces import TORCH_PINS, module_problems

    assert [p for m in MODULES for p in module_problems(REPO / "metrics" / m)] == []
    pins = set((REPO / "requirements.txt").read_text().split())
    assert set(TORCH_PINS) <= pins and {"evaluate==0.4.6", "gradio==6.31.0"} <= pins


@pytest.mark.parametrize("module", ["passt_accuracy", "kad"])  # one hand-written, one generated
def test_evaluate_names_our_distribution_when_the_package_is_missing(module, monkeypatch):
    import evaluate

    from imagehear import __version__

    monkeypatch.setitem(sys.modules, "imagehear", None)  # import imagehear now fails, as without the package
    with pytest.raises(ImportError) as err:
        evaluate.load(str(REPO / "metrics" / module))
    assert f"'pip install image-hear=={__version__}'" in str(err.value)
    assert "pip install imagehear" not in str(err.value)


def test_scoring_callback_pairs_by_name_not_upload_order(tmp_path, monkeypatch):
    """The app's callback with a stand-in metric: the uploads' order does not reach compute."""
    from imagehear.metric_app import score_uploads

    seen = []

    class Metric:
        def compute(self, predictions, references):
            seen.append((predictions, references))
            return {"kl": 0.5, "per_pair": [1]}

    gen = [str(tmp_path / n) for n in ("b.wav", "a.wav")]
    ref = [str(tmp_path / "r" / n) for n in ("a.flac", "b.flac")]
    result, rows = score_uploads(Metric(), METRICS["kl"].references, gen, ref)
    assert seen == [(sorted(gen), ref)] and result == {"kl": 0.5, "pairing": rows}
    assert rows == [["a.wav", "a.flac"], ["b.wav", "b.flac"]]
