"""Python API: score lists of clips directly, without a manifest (what the evaluate modules call).

Audio is given as file paths, or as 1-D float arrays with ``sampling_rate``. The lists become a
:class:`imagehear.clipset.Clips`, as a generated folder does, and go through
:func:`imagehear.pipeline.run`, the same pipeline as ``image-hear evaluate``, so the numbers agree
by construction. :func:`score` reaches every metric of the registry
(:data:`imagehear.metrics.METRICS`), :func:`evaluate_clips` several at once; the named functions
below keep the output shapes of the four hand-written evaluate modules that call them. For the
whole results record ``image-hear evaluate`` writes, give the clips to
:func:`imagehear.suite.evaluate`.

    from imagehear import api
    api.score("accuracy", ["gen/dog_000.wav"], labels=["Dog"], weights_dir="weights")
    api.score("fd_passt", ["gen/a.wav", "gen/b.wav"], references=["ref/a.wav", "ref/b.wav"], weights_dir="weights")
"""
from __future__ import annotations

from dataclasses import replace

from imagehear import pipeline
from imagehear import metrics as registry
from imagehear.clipset import Clips, same_length
from imagehear.errors import ImageHearError


def _options(weights_dir=None, device="auto", batch_size=None, cache_dir=None, seed=0, precision="fp32",
             pad_to_10s=False, compat="protocol-v1", audio_length=None, progress=None, kl_direction=None,
             n=0) -> pipeline.Options:
    from imagehear.profiles import profile

    chosen = profile(compat, audio_length)
    if kl_direction is not None:
        chosen = replace(chosen, kl_direction=kl_direction)
    return pipeline.Options(weights_dir=weights_dir, device=device, batch_size=batch_size, cache_dir=cache_dir,
                            seed=seed, precision=precision, pad_to_10s=pad_to_10s, profile=chosen,
                            progress=n > 16 if progress is None else progress)


def evaluate_clips(metrics, predictions, references=None, images=None, labels=None, sampling_rate=None,
                   **options) -> tuple[dict, dict]:
    """Several metrics over one set of clips: (``{metric: entry}``, per-sample columns).

    ``references``: reference clips (paired one to one with ``predictions`` when the lengths
    agree; set metrics accept any number). ``images``: conditioning image per clip (paths or
    PIL images), or its frames (a list of them, or ``imagehear.frames.Video(path, n_frames)``:
    CS is then the mean over the frames). ``labels``: IMAGE HEAR class names or ids per clip. ``options``: weights_dir,
    device, batch_size, cache_dir, seed, precision, pad_to_10s, compat ("protocol-v1" or
    "av-benchmark"), audio_length (seconds), progress. A metric whose maths fails carries
    ``{"error": ...}``; the others are still returned.
    """
    names = pipeline.select_metrics(metrics, references is not None)
    clips = Clips.from_lists(predictions, references, images, labels, sampling_rate)
    out, columns, _ = pipeline.run(names, clips, _options(**options, n=len(clips.generated)))
    return out, columns


def score(metric: str, predictions, references=None, images=None, labels=None, sampling_rate=None,
          **options) -> dict:
    """One metric: its results entry with ``value`` under the metric's name, and ``per_sample``
    (the metric's per-sample columns, one value per clip). A failure in its maths is an
    :class:`ImageHearError` naming it.
    """
    registry.get(metric)
    out, columns = evaluate_clips([metric], predictions, references, images, labels, sampling_rate, **options)
    entry = dict(out[metric])
    if "error" in entry:
        raise ImageHearError(f"{metric}: {entry['error']}")
    return {metric: entry.pop("value"), **entry, "per_sample": columns}


def clip_score_audio(predictions, images, sampling_rate=None, labels=None, **options) -> dict:
    """CS: 100 x mean cosine(Wav2CLIP(audio_i), CLIP(image_i)); ``labels`` adds per-class values."""
    out = score("clip_score", predictions, images=images, labels=labels, sampling_rate=sampling_rate, **options)
    return {"clip_score": out["clip_score"], "ci95": out["ci95"], "n": out["n"],
            "per_class": out["per_class"] if labels is not None else None,
            "per_sample": out["per_sample"]["clip_score"]}


def passt_accuracy(predictions, references, sampling_rate=None, **options) -> dict:
    """PaSST top-1 accuracy (%) of clips against IMAGE HEAR class names or ids."""
    out = score("accuracy", predictions, labels=references, sampling_rate=sampling_rate, **options)
    return {"accuracy": out["accuracy"], "ci95": out["ci95"], "top5": out["top5"], "n": out["n"],
            "per_class": out["per_class"], "confusion": out["confusion"],
            "predicted": out["per_sample"]["passt_top1_label"]}


def kl(predictions, references, sampling_rate=None, reverse=False, backbone="passt", **options) -> dict:
    """Mean KL(ref||gen) (``reverse``: KL(gen||ref)) over (reference_i, prediction_i) pairs of the
    label distributions of PaSST (``backbone="panns"``: PANNs CNN14)."""
    predictions, references = list(predictions), list(references)
    same_length(predictions, references, "predictions", "references (reference audio)")
    metric = {"passt": "kl", "panns": "kl_panns"}.get(backbone)
    if metric is None:
        raise ImageHearError(f"backbone must be 'passt' or 'panns', got {backbone!r}")
    if reverse:
        options["kl_direction"] = "gen||ref"
    out = score(metric, predictions, references=references, sampling_rate=sampling_rate, **options)
    return {"kl": out[metric], "ci95": out["ci95"], "n": out["n"], "direction": out["direction"],
            "other_directions": out["other_directions"], "per_pair": out["per_sample"][metric]}


def fad(predictions, references, sampling_rate=None, **options) -> dict:
    """Frechet audio distance between VGGish frames of two sets (sizes may differ)."""
    out = score("fad", predictions, references=references, sampling_rate=sampling_rate, **options)
    out.pop("per_sample")
    return out
