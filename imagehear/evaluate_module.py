"""evaluate modules built from the metric registry: ``metrics/<name>/<name>.py`` is a few lines.

    from imagehear.evaluate_module import module_class
    KL = module_class("kl", __name__)

:func:`module_class` returns an ``evaluate.Metric`` subclass for the metric whose
``MetricSpec.evaluate_module`` is that module. Its description is the spec's definition, its
inputs are the spec's references (:data:`imagehear.metrics.REFERENCE_KINDS`), its output has
the module's shape (``ModuleSpec.keys``/``samples``), and its ``compute`` goes straight to
:func:`imagehear.api.score`: routing multi-second waveforms through evaluate's Arrow cache
would copy every sample and cannot hold PIL images (``add_batch`` with paths still works).

Every module meets evaluate's own module test: ``_compute`` names its keyword arguments (no
``**kwargs``) and the class docstring (its ``inputs_description``) holds examples that run as
written, on audio made in the example and :func:`random_weights`.

>>> import inspect
>>> KL = module_class("kl", "example")
>>> KL.__name__, KL.__module__, KL._spec.name
('Kl', 'example', 'kl')
>>> any(p.kind is p.VAR_KEYWORD for p in inspect.signature(KL._compute).parameters.values())
False
"""
from __future__ import annotations

import datasets
import evaluate

from imagehear.errors import ImageHearError
from imagehear.metrics import REFERENCE_KINDS, MetricSpec, by_module

_ARGS = """
Args:
    predictions: generated audio, as file paths or 1-D float arrays (then give `sampling_rate`).
    references: {references}.
    sampling_rate: sample rate of array inputs (each model resamples to its own rate).
    labels: IMAGE HEAR class names or ids, one per prediction, for per-class values{labels_note}.
    reverse: KL metrics only: KL(gen||ref) instead of KL(ref||gen).
    pad_to_10s: zero-pad PaSST input to 10 s (av-benchmark parity).
    weights_dir: folder of the upstream weight files (default: the caches, else download).
    device: "auto" (default), "cpu", "cuda", "mps". batch_size: clips per forward pass.
    cache_dir: embedding cache (default ~/.cache/imagehear/embeddings). seed: bootstrap seed.
    precision: "fp32" (default), "bf16" or "fp16". progress: show a progress bar (default: over 16 clips).
    compat: "protocol-v1" (default) or "av-benchmark"; audio_length: crop clips to this many seconds.
Returns:
    {returns}
"""

# The examples, per kind of references (the one vocabulary of imagehear.metrics): each prints
# what holds whatever the weights, since the examples run on random ones.
_SETUP = """
Examples:
    The weights below are RANDOM (imagehear.testing, built once per process): the numbers mean
    nothing. Real runs leave `weights_dir` out, and the released weights download.

    >>> import numpy as np
    >>> from imagehear.testing import random_weights
    >>> metric = {cls}()  # what evaluate.load("imagehear/{module}") returns
    >>> options = dict(weights_dir=random_weights({backbones}), device="cpu")  # RANDOM weights
    >>> rate = 16000
    >>> t = np.arange(rate) / rate  # 1 s
    >>> tones = [np.sin(2 * np.pi * f * t).astype(np.float32) for f in (220.0, 440.0, 880.0)]
"""
_EXAMPLES = {
    "none": """
    Ten copies of one clip share one class distribution, so their inception score is 1:

    >>> result = metric.compute(predictions=[tones[0]] * 10, sampling_rate=rate, **options)
    >>> round(result["{key}"], 3), result["n_splits"]
    (1.0, 10)

    Three sounds, four clips each (the score needs at least 10 clips, one per split):

    >>> result = metric.compute(predictions=tones * 4, sampling_rate=rate, **options)
    >>> result["n"], 1.0 <= result["{key}"] <= 527.0
    (12, True)
""",
    "paired": """
    Each clip paired with itself: KL is 0, less a hair from the 1e-6 floor:

    >>> result = metric.compute(predictions=tones, references=tones, sampling_rate=rate, **options)
    >>> result["direction"], -1e-3 < result["{key}"] <= 0.0
    ('KL(ref||gen)', True)

    Pairs go by position; `reverse=True` gives the direction stable-audio-metrics computes:

    >>> result = metric.compute(predictions=tones, references=tones[::-1], sampling_rate=rate, reverse=True,
    ...                         **options)
    >>> result["direction"], result["n"]
    ('KL(gen||ref)', 3)
""",
    "set": """
    The sets need not pair or have the same size (here 3 generated and 2 reference clips of 1 s):

    >>> result = metric.compute(predictions=tones, references=tones[:2], sampling_rate=rate, **options)
    >>> result["n_generated"], result["n_reference"]
    (3, 2)

    A set against itself scores 0 (an unbiased estimate, such as KAD, can dip below):

    >>> result = metric.compute(predictions=tones, references=tones, sampling_rate=rate, **options)
    >>> round(result["{key}"], 6) <= 0.0
    True
""",
    "label": """
    References are the IMAGE HEAR class of each clip, by name or by id (sorted names: Dog 10, Piano 22):

    >>> result = metric.compute(predictions=tones[:2], references=["Dog", "Piano"], sampling_rate=rate, **options)
    >>> result["n"], sorted(result["per_class"])
    (2, ['Dog', 'Piano'])
    >>> by_id = metric.compute(predictions=tones[:2], references=[10, 22], sampling_rate=rate, **options)
    >>> by_id["{key}"] == result["{key}"]
    True
""",
    "image": """
    References are the conditioning images (paths or PIL images), one per clip:

    >>> from PIL import Image
    >>> images = [Image.new("RGB", (256, 256), colour) for colour in ("red", "blue")]
    >>> result = metric.compute(predictions=tones[:2], references=images, sampling_rate=rate, **options)
    >>> result["n"], result["per_class"]  # per-class values need labels
    (2, None)
    >>> result = metric.compute(predictions=tones[:2], references=images, labels=["Dog", "Piano"],
    ...                         sampling_rate=rate, **options)
    >>> sorted(result["per_class"]), -100.0 <= result["{key}"] <= 100.0
    (['Dog', 'Piano'], True)
""",
}


def _returns(spec: MetricSpec) -> str:
    shape = spec.evaluate_module
    keys = "the rest of its results.json entry" if shape.keys is None else ", ".join(shape.keys)
    if shape.samples is None:
        samples = "per_sample (its per-sample columns)"
    else:
        samples = ", ".join(f"{key} (per-sample {column})" for key, column in shape.samples) or "no per-clip values"
    return (f"{spec.name} ({spec.label}{spec.unit}), {keys}; {samples}. per_class is None without labels. "
            "random_weights: True when the weights were randomly initialised (meaningless numbers; a "
            "RandomWeightsWarning says so too).")


def inputs_description(spec: MetricSpec, cls: str) -> str:
    """The module's inputs, outputs and examples (evaluate's ``inputs_description`` and the class docstring)."""
    kind = spec.references
    labels_note = " (here the references are the labels)" if kind == "label" else ""
    args = _ARGS.format(references=REFERENCE_KINDS[kind], labels_note=labels_note, returns=_returns(spec))
    setup = _SETUP.format(cls=cls, module=spec.module, backbones=", ".join(repr(b) for b in spec.backbones))
    return args + setup + _EXAMPLES[kind].replace("{key}", spec.name)


def _score_inputs(spec: MetricSpec, references, labels, reverse: bool) -> dict:
    """The inputs of :func:`imagehear.api.score` that the module's references stand for."""
    kind = spec.references
    if reverse and kind != "paired":
        raise ImageHearError(f"{spec.module}: reverse applies to the KL metrics only")
    if kind == "label" and labels is not None:
        raise ImageHearError(f"{spec.module}: the references are the labels; give them once, as references")
    if kind == "none" and references is not None:
        raise ImageHearError(f"{spec.module}: takes no references")
    inputs = {"labels": labels, "kl_direction": "gen||ref" if reverse else None}
    if kind in ("paired", "set"):
        inputs["references"] = references
    elif kind == "label":
        inputs["labels"] = references
    elif kind == "image":
        inputs["images"] = references
    return inputs


def _shape(spec: MetricSpec, out: dict, has_labels: bool) -> dict:
    """``api.score``'s output in the module's shape (``ModuleSpec.keys`` and ``samples``)."""
    shape, columns = spec.evaluate_module, out["per_sample"]
    entry = {k: v for k, v in out.items() if k != "per_sample"}
    if shape.keys is not None:
        entry = {spec.name: out[spec.name], **{k: out.get(k) for k in shape.keys},
                 "random_weights": out["random_weights"]}  # meaningless numbers are flagged in every shape
    if "per_class" in entry and not has_labels:
        entry["per_class"] = None  # one class named "all" says nothing
    if shape.samples is None:
        return {**entry, "per_sample": columns}
    return {**entry, **{key: columns[column] for key, column in shape.samples}}


class RegistryModule(evaluate.Metric):
    """Base of the generated modules; ``_spec`` is the registry entry of the module's metric."""

    _spec: MetricSpec

    def _info(self):
        spec = self._spec
        features = {"predictions": datasets.Value("string")}
        if spec.references != "none":
            features["references"] = datasets.Value("string")
        return evaluate.MetricInfo(description=f"{spec.label}: {spec.protocol}. Protocol v1 of image-hear.",
                                   citation=spec.evaluate_module.citation,
                                   inputs_description=self.__doc__, features=datasets.Features(features),
                                   reference_urls=list(spec.evaluate_module.urls))

    def _compute(self, predictions, references=None, sampling_rate=None, labels=None, reverse=False,
                 pad_to_10s=False, weights_dir=None, device="auto", batch_size=None, cache_dir=None, seed=0,
                 precision="fp32", compat="protocol-v1", audio_length=None, progress=None):
        from imagehear import api

        spec = self._spec
        out = api.score(spec.name, list(predictions), sampling_rate=sampling_rate, pad_to_10s=pad_to_10s,
                        weights_dir=weights_dir, device=device, batch_size=batch_size, cache_dir=cache_dir,
                        seed=seed, precision=precision, compat=compat, audio_length=audio_length,
                        progress=progress, **_score_inputs(spec, references, labels, reverse))
        return _shape(spec, out, has_labels=labels is not None or spec.references == "label")

    def compute(self, *, predictions=None, references=None, **kwargs):
        """Compute the module on ``predictions`` (and ``references``; see the inputs below)."""
        if predictions is None:
            return evaluate.Metric.compute(self, references=references, **kwargs)
        refs = list(references) if references is not None else None
        return self._compute(predictions=list(predictions), references=refs, **kwargs)


def module_class(module: str, module_name: str) -> type:
    """The ``evaluate.Metric`` subclass of evaluate module ``module``, defined in ``module_name``
    (the shell's ``__name__``: doctest tests the examples of classes of the module it tests)."""
    spec = by_module(module)
    cls = "".join(part.capitalize() for part in module.split("_"))
    return type(cls, (RegistryModule,), {"_spec": spec, "__doc__": inputs_description(spec, cls),
                                          "__module__": module_name})
