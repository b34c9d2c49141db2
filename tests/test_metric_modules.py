"""Every evaluate module under metrics/ meets evaluate's own module test.

huggingface/evaluate's ``tests/test_metric_common.py`` (``LocalModuleTest.test_load``) loads each
module file through ``evaluation_module_factory``, takes its main class, refuses a ``_compute``
with ``**kwargs`` and runs ``doctest.testmod`` on the module with ``raise_on_error``: more than
one example must be attempted and none may fail. The same rules, applied here to our folders;
the examples run on the random weights of ``imagehear.testing``, built once per session.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted(p.name for p in (REPO / "metrics").iterdir() if (p / f"{p.name}.py").is_file())


def load_module(name: str):
    """The module file loaded as evaluate's test loads it (copied into evaluate's module cache)."""
    import evaluate

    factory = evaluate.loading.evaluation_module_factory(str(REPO / "metrics" / name), module_type="metric")
    return importlib.import_module(factory.module_path)


def main_class(module):
    import evaluate

    return evaluate.loading.import_main_class(module.__name__)


def test_every_registry_module_is_checked():
    from imagehear.metrics import METRICS

    assert MODULES == sorted(s.module for s in METRICS.values() if s.module) and len(MODULES) == 13


@pytest.mark.parametrize("name", MODULES)
def test_compute_names_its_keyword_arguments(name):
    parameters = inspect.signature(main_class(load_module(name))._compute).parameters
    assert [p.name for p in parameters.values() if p.kind is p.VAR_KEYWORD] == []
    assert {"predictions", "references", "weights_dir", "sampling_rate"} <= set(parameters)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run_as_written(name, monkeypatch, tmp_path):
    monkeypatch.setattr(doctest, "ELLIPSIS_MARKER", "[...]")  # as evaluate's test sets it
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # nothing may depend on the checkout being the working directory
    module = load_module(name)
    try:
        results = doctest.testmod(module, raise_on_error=True)
    except doctest.UnexpectedException as exc:
        raise exc.exc_info[1]
    except doctest.DocTestFailure as exc:
        pytest.fail(f"{name}: {exc.example.source.strip()} printed {exc.got!r}, "
                    f"expected {exc.example.want!r}")
    assert results.failed == 0 and results.attempted > 1


def test_the_rules_catch_a_module_that_breaks_them(tmp_path):
    """A module with **kwargs in _compute and an example that does not print what it says fails both checks."""
    folder = tmp_path / "metrics" / "broken"
    folder.mkdir(parents=True)
    (folder / "broken.py").write_text('''"""A module that breaks evaluate's rules."""
import evaluate


class Broken(evaluate.Metric):
    """
    >>> 1 + 1
    3
    """

    def _info(self):
        return evaluate.MetricInfo(description="", citation="", features=None)

    def _compute(self, predictions, references, **kwargs):
        return {}
''')
    import evaluate

    factory = evaluate.loading.evaluation_module_factory(str(folder), module_type="metric")
    module = importlib.import_module(factory.module_path)
    parameters = inspect.signature(main_class(module)._compute).parameters
    assert any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    with pytest.raises(doctest.DocTestFailure):
        doctest.testmod(module, raise_on_error=True)


# What the four named modules returned before they were generated (their users read these keys),
# and random_weights, the flag every module returns.
NAMED_OUTPUTS = {
    "clip_score_audio": ["clip_score", "ci95", "n", "per_class", "random_weights", "per_sample"],
    "passt_accuracy": ["accuracy", "ci95", "top5", "n", "per_class", "confusion", "random_weights", "predicted"],
    "kl": ["kl", "ci95", "n", "direction", "other_directions", "random_weights", "per_pair"],
}


def _tones(n: int, rate: int = 16000):
    import numpy as np

    t = np.arange(rate) / rate
    return [np.sin(2 * np.pi * 110.0 * (i + 1) * t).astype(np.float32) for i in range(n)]


@pytest.mark.parametrize("name", sorted(NAMED_OUTPUTS))
def test_named_modules_keep_their_outputs(name):
    from PIL import Image

    from imagehear.testing import random_weights
    from imagehear.metrics import by_module

    spec = by_module(name)
    references = {"image": [Image.new("RGB", (64, 64), c) for c in ("red", "green")], "label": ["Dog", "Cat"],
                  "paired": _tones(2)[::-1]}[spec.references]
    result = main_class(load_module(name))().compute(
        predictions=_tones(2), references=references, sampling_rate=16000, device="cpu",
        weights_dir=random_weights(*spec.backbones))
    assert list(result) == NAMED_OUTPUTS[name]
    assert len(result[NAMED_OUTPUTS[name][-1]]) == 2  # one per-sample value per clip


def test_fad_returns_its_whole_entry_without_per_sample_values_and_flags_random_weights():
    from imagehear.models.weights import RandomWeightsWarning
    from imagehear.testing import random_weights

    with pytest.warns(RandomWeightsWarning, match="RANDOMLY INITIALISED weights \\(vggish\\)"):
        result = main_class(load_module("fad"))().compute(predictions=_tones(3), references=_tones(2),
                                                          sampling_rate=16000, device="cpu",
                                                          weights_dir=random_weights("vggish"))
    assert result["random_weights"] is True  # in what the module returns, not only on the terminal
    assert list(result)[0] == "fad" and {"ci95", "n_generated", "n_reference_clips"} <= set(result)
    assert not {"per_sample", "value"} & set(result)


@pytest.mark.parametrize("name, kwargs, message", [
    ("fad", {"references": ["r.wav"], "reverse": True}, "fad: reverse applies to the KL metrics only"),
    ("passt_accuracy", {"references": ["Dog"], "labels": ["Dog"]}, "passt_accuracy: the references are the labels"),
    ("is_passt", {"references": ["r.wav"]}, "is_passt: takes no references"),
])
def test_inputs_a_module_cannot_use_are_refused_before_any_model(name, kwargs, message):
    from imagehear.errors import ImageHearError

    metric = main_class(load_module(name))()
    with pytest.raises(ImageHearError, match=message):
        metric.compute(predictions=["missing.wav"], weights_dir="no such folder", **kwargs)


def test_an_image_hear_image_by_its_bare_name_comes_from_the_dataset(shared_dir, monkeypatch):
    """Manifests name images "dog1.jpg": the image module takes that name as well as a path."""
    from imagehear.testing import random_weights

    monkeypatch.setenv("IMAGEHEAR_SOURCE", str(shared_dir / "image_hear" / "images"))
    metric = main_class(load_module("clip_score_audio"))()
    kw = dict(predictions=_tones(1), sampling_rate=16000, device="cpu", weights_dir=random_weights("wav2clip", "clip"))
    by_name = metric.compute(references=["dog1.jpg"], **kw)
    by_path = metric.compute(references=[str(shared_dir / "image_hear" / "images" / "dog1.jpg")], **kw)
    assert by_name["clip_score"] == by_path["clip_score"]
