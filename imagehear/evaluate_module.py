"""evaluate modules built from the metric registry: ``metrics/<name>/<name>.py`` is a few lines.

    import evaluate
    from imagehear.evaluate_module import module_class
    FdPasst = module_class("fd_passt")

:func:`module_class` returns an ``evaluate.Metric`` whose description is the spec's
definition and whose ``compute`` goes to :func:`imagehear.api.score`. What ``references``
means follows the spec: reference clips (paired or set metrics), IMAGE HEAR class names or
ids (accuracy, CLAP score), conditioning images (CLIP score), or nothing (inception scores).

>>> reference_kind("fd_passt"), reference_kind("is_passt"), reference_kind("clap_score")
('audio', 'none', 'label')
"""
from __future__ import annotations

from imagehear.metrics import METRICS

_REFERENCE_TEXT = {
    "audio": "reference clips (file paths or 1-D arrays), paired one to one with predictions for KL",
    "label": "IMAGE HEAR class names (e.g. \"Dog\") or class ids (0..29), one per clip",
    "image": "the conditioning image of each clip (paths or PIL images)",
    "none": "not used",
}


def reference_kind(name: str) -> str:
    """What ``references`` holds for metric ``name``: audio, label, image or none."""
    spec = METRICS[name]
    if spec.needs_reference:
        return "audio"
    if "clip.image" in spec.needs:
        return "image"
    if spec.needs_labels:
        return "label"
    return "none"


def _kwargs_description(name: str) -> str:
    spec = METRICS[name]
    return f"""
Args:
    predictions: generated audio, as file paths or 1-D float arrays (then give `sampling_rate`).
    references: {_REFERENCE_TEXT[reference_kind(name)]}.
    sampling_rate, weights_dir, device, batch_size, cache_dir, seed, precision: as in every image-hear module;
    compat: "protocol-v1" (default) or "av-benchmark"; audio_length: crop clips to this many seconds.
Returns:
    {name} ({spec.label}{spec.unit}), the rest of its results.json entry, and per_sample.
"""


def module_class(name: str):
    """An ``evaluate.Metric`` subclass for registry metric ``name``."""
    import datasets
    import evaluate

    from imagehear import api

    spec, kind = METRICS[name], reference_kind(name)
    features = {"predictions": datasets.Value("string")}
    if kind != "none":
        features["references"] = datasets.Value("string")

    def _info(self):
        return evaluate.MetricInfo(description=f"{spec.label}: {spec.protocol}. Protocol v1 of image-hear.",
                                   citation="", inputs_description=_kwargs_description(name),
                                   features=datasets.Features(features),
                                   reference_urls=["https://github.com/hkchengrex/av-benchmark"])

    def _compute(self, predictions, references=None, **options):
        by_kind = {"audio": {"references": references}, "label": {"labels": references},
                   "image": {"images": references}, "none": {}}[kind]
        return api.score(name, predictions, **by_kind, **options)

    def compute(self, *, predictions=None, references=None, **kwargs):
        """Compute the module on ``predictions`` (and ``references``; see the inputs below)."""
        if predictions is None:
            return evaluate.Metric.compute(self, references=references, **kwargs)
        refs = list(references) if references is not None else None
        return self._compute(predictions=list(predictions), references=refs, **kwargs)

    class_name = "".join(part.capitalize() for part in name.split("_"))
    return type(class_name, (evaluate.Metric,), {"_info": _info, "_compute": _compute, "compute": compute,
                                                 "__doc__": _kwargs_description(name)})
