"""Python API: score lists of clips directly, without a manifest (what the evaluate modules call).

Audio is given as file paths, or as 1-D float arrays with ``sampling_rate``. The lists become a
:class:`imagehear.io.clips.Clips`, as a generated folder does, and go through
:func:`imagehear.evaluation.pipeline.run`, the same pipeline as ``image-hear evaluate``, so the numbers agree
by construction. :func:`score` reaches every metric of the registry
(:data:`imagehear.metrics.METRICS`), :func:`evaluate_clips` several at once (the evaluate
modules put :func:`score`'s output in their own shape: :mod:`imagehear.evaluate_module`). For
the whole results record ``image-hear evaluate`` writes, give the clips to
:func:`imagehear.evaluation.suite.evaluate`.

    from imagehear import api
    api.score("accuracy", ["gen/dog_000.wav"], labels=["Dog"], weights_dir="weights")
    api.score("fd_passt", ["gen/a.wav", "gen/b.wav"], references=["ref/a.wav", "ref/b.wav"], weights_dir="weights")
"""
from __future__ import annotations

from dataclasses import replace

from imagehear import metrics as registry
from imagehear.errors import ImageHearError
from imagehear.evaluation import pipeline
from imagehear.io.clips import Clips


def _options(weights_dir=None, device="auto", batch_size=None, cache_dir=None, seed=0, precision="fp32",
             pad_to_10s=False, compat="protocol-v1", audio_length=None, progress=None, kl_direction=None,
             source=None, n=0) -> pipeline.Options:
    from imagehear.protocol.profiles import profile

    chosen = profile(compat, audio_length)
    if kl_direction is not None:
        chosen = replace(chosen, kl_direction=kl_direction)
    return pipeline.Options(weights_dir=weights_dir, device=device, batch_size=batch_size, cache_dir=cache_dir,
                            seed=seed, precision=precision, pad_to_10s=pad_to_10s, profile=chosen, source=source,
                            progress=n > 16 if progress is None else progress)


def evaluate_clips(metrics, predictions, references=None, images=None, labels=None, sampling_rate=None,
                   **options) -> tuple[dict, dict]:
    """Several metrics over one set of clips: (``{metric: entry}``, per-sample columns).

    ``references``: reference clips (paired one to one with ``predictions`` when the lengths
    agree; set metrics accept any number). ``images``: conditioning image per clip (paths or PIL
    images; an IMAGE HEAR image by its bare name, ``dog1.jpg``, comes from the dataset at
    ``source``), or its frames (a list of them, or ``imagehear.embed.frames.Video(path, n_frames)``:
    CS is then the mean over the frames). ``labels``: IMAGE HEAR class names or ids per clip.
    ``options``: weights_dir, device, batch_size, cache_dir, seed, precision, pad_to_10s, compat
    ("protocol-v1", "av-benchmark" or "ssv2a"), audio_length (seconds), progress, source (the IMAGE HEAR
    images: URL or folder; default as ``image-hear evaluate``). A metric whose maths fails carries
    ``{"error": ...}``; the others are still returned. Each entry says ``random_weights``: True
    when a backbone it read had randomly initialised weights (the numbers are then meaningless;
    a :class:`~imagehear.models.weights.RandomWeightsWarning` says so too).
    """
    names = pipeline.select_metrics(metrics, references is not None)
    clips = Clips.from_lists(predictions, references, images, labels, sampling_rate)
    out, columns, backbones = pipeline.run(names, clips, _options(**options, n=len(clips.generated)))
    random_init = set(pipeline.warn_random_weights(backbones))
    for name, entry in out.items():
        if "error" not in entry:  # a failed metric has no number to flag
            entry["random_weights"] = bool(random_init & set(registry.METRICS[name].backbones))
    return out, columns


def score(metric: str, predictions, references=None, images=None, labels=None, sampling_rate=None,
          **options) -> dict:
    """One metric: its results entry with ``value`` under the metric's name, ``random_weights``
    (:func:`evaluate_clips`), and ``per_sample`` (the metric's per-sample columns, one value per clip). A failure in its maths is an
    :class:`ImageHearError` naming it.
    """
    registry.get(metric)
    out, columns = evaluate_clips([metric], predictions, references, images, labels, sampling_rate, **options)
    entry = dict(out[metric])
    if "error" in entry:
        raise ImageHearError(f"{metric}: {entry['error']}")
    return {metric: entry.pop("value"), **entry, "per_sample": columns}
