"""Python API: score lists of clips directly, without a manifest (what the evaluate modules call).

Audio is given as file paths, or as 1-D float arrays with ``sampling_rate``. Embeddings
go through the same cached engine and the same :mod:`imagehear.compute` entries as
``image-hear evaluate``, so the numbers agree.

    from imagehear import api
    api.passt_accuracy(["gen/dog_000.wav"], ["Dog"], weights_dir="weights")
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from imagehear import compute, protocol
from imagehear.errors import ImageHearError


def _backbone(name, weights_dir, device, cache_dir, **options):
    from imagehear.backbones.lazy import lazy_backbone

    return lazy_backbone(name, weights_dir, device, cache_dir, **options)


def _embed(backbone, audio, sampling_rate, batch_size, cache_dir, precision, what="predictions"):
    from imagehear.embed import as_items, extract

    audio = list(audio)
    if not audio:
        raise ImageHearError(f"{what} is empty: give at least one clip")
    return extract(backbone, as_items(audio, sampling_rate), cache_dir=cache_dir, batch_size=batch_size,
                   precision=precision, progress=len(audio) > 16)


def _labels(references) -> list[str]:
    names = []
    for ref in references:
        if isinstance(ref, (int, np.integer)):
            if not 0 <= int(ref) < len(protocol.CLASS_NAMES):
                raise ImageHearError(f"label id {ref} is out of range 0..{len(protocol.CLASS_NAMES) - 1}")
            names.append(protocol.CLASS_NAMES[int(ref)])
        elif ref in protocol.CLASSES:
            names.append(ref)
        else:
            raise ImageHearError(f"unknown class {ref!r}; use one of {', '.join(protocol.CLASS_NAMES)} or its id")
    return names


def _same_length(a, b, what_a, what_b):
    if len(a) != len(b):
        raise ImageHearError(f"{what_a} has {len(a)} items but {what_b} has {len(b)}: they must pair one to one")


def _image_key(img) -> tuple[str, object]:
    """(content hash, input) for a path or a PIL image."""
    from PIL import Image

    if isinstance(img, (str, Path)):
        path = Path(img)
        if not path.is_file():
            raise ImageHearError(f"{path}: image not found")
        return hashlib.sha256(path.read_bytes()).hexdigest(), path
    if isinstance(img, Image.Image):
        return hashlib.sha256(f"{img.mode}{img.size}".encode() + img.tobytes()).hexdigest(), img
    raise ImageHearError(f"images must be file paths or PIL images, got {type(img).__name__}")


def _open(item):
    """Paths are decoded here (errors name the file); CLIP's preprocessing converts to RGB after
    its resize and crop, as OpenAI's does, so images are passed on unconverted."""
    from imagehear.backbones.clip import load_image

    return load_image(item) if isinstance(item, Path) else item


def image_embeddings(images, backbone, cache_dir=None, precision="fp32") -> np.ndarray:
    """CLIP image embeddings, one row per image (each distinct image embedded once, cached)."""
    from imagehear.embed import extract_keyed

    keyed = [_image_key(img) for img in images]
    out = extract_keyed(backbone, dict(keyed), lambda items: backbone.embed_images([_open(i) for i in items]),
                        cache_dir=cache_dir, precision=precision)
    return np.stack([out[h] for h, _ in keyed])


def clip_score_audio(predictions, images, sampling_rate=None, labels=None, weights_dir=None, device="auto",
                     batch_size=None, cache_dir=None, seed=0, precision="fp32") -> dict:
    """CS: 100 x mean cosine(Wav2CLIP(audio_i), CLIP(image_i)); ``labels`` adds per-class values."""
    _same_length(predictions, images, "predictions", "references (images)")
    audio_model = _backbone("wav2clip", weights_dir, device, cache_dir)
    audio = np.stack([e["embedding"] for e in _embed(audio_model, predictions, sampling_rate, batch_size,
                                                      cache_dir, precision)])
    image = image_embeddings(images, _backbone("clip", weights_dir, device, cache_dir), cache_dir, precision)
    labels = _labels(labels) if labels is not None else ["all"] * len(audio)
    entry, per_sample = compute.clip_score_entry(audio, image, labels, seed)
    if set(labels) == {"all"}:
        del entry["per_class"]
    return {"clip_score": entry["value"], "ci95": entry["ci95"], "n": entry["n"],
            "per_class": entry.get("per_class"), "per_sample": per_sample.tolist()}


def passt_logits(audio, sampling_rate=None, weights_dir=None, device="auto", batch_size=None, cache_dir=None,
                 precision="fp32", pad_to_10s=False, what="predictions") -> list[dict]:
    model = _backbone("passt", weights_dir, device, cache_dir, pad_to_10s=pad_to_10s)
    return _embed(model, audio, sampling_rate, batch_size, cache_dir, precision, what)


def passt_accuracy(predictions, references, sampling_rate=None, weights_dir=None, device="auto", batch_size=None,
                   cache_dir=None, seed=0, precision="fp32", pad_to_10s=False) -> dict:
    """PaSST top-1 accuracy (%) of clips against IMAGE HEAR class names or ids."""
    _same_length(predictions, references, "predictions", "references (labels)")
    labels = _labels(references)
    out = passt_logits(predictions, sampling_rate, weights_dir, device, batch_size, cache_dir, precision, pad_to_10s)
    entry, result = compute.accuracy_entry(np.stack([e["logits"] for e in out]), labels, seed)
    return {"accuracy": entry["value"], "ci95": entry["ci95"], "top5": entry["top5"], "n": entry["n"],
            "per_class": entry["per_class"], "confusion": entry["confusion"],
            "predicted": [protocol.AUDIOSET_LABELS[i] for i in result.predicted]}


def kl(predictions, references, sampling_rate=None, reverse=False, weights_dir=None, device="auto",
       batch_size=None, cache_dir=None, seed=0, precision="fp32", pad_to_10s=False) -> dict:
    """Mean KL(ref||gen) over (reference_i, prediction_i) pairs of PaSST label distributions."""
    _same_length(predictions, references, "predictions", "references (reference audio)")
    kw = dict(sampling_rate=sampling_rate, weights_dir=weights_dir, device=device, batch_size=batch_size,
              cache_dir=cache_dir, precision=precision, pad_to_10s=pad_to_10s)
    gen = passt_logits(predictions, **kw)
    ref = passt_logits(references, **kw, what="references")
    entry, per_pair = compute.kl_entry(np.stack([e["logits"] for e in ref]), np.stack([e["logits"] for e in gen]),
                                       ["all"] * len(gen), seed, reverse=reverse)
    return {"kl": entry["value"], "ci95": entry["ci95"], "n": entry["n"], "direction": entry["direction"],
            "per_pair": per_pair.tolist()}


def fad(predictions, references, sampling_rate=None, weights_dir=None, device="auto", batch_size=None,
        cache_dir=None, seed=0, precision="fp32") -> dict:
    """Frechet audio distance between VGGish frames of two sets (sizes may differ)."""
    model = _backbone("vggish", weights_dir, device, cache_dir)
    gen = [e["embedding"] for e in _embed(model, predictions, sampling_rate, batch_size, cache_dir, precision)]
    ref = [e["embedding"] for e in _embed(model, references, sampling_rate, batch_size, cache_dir, precision,
                                          "references")]
    entry = compute.frechet_entry(gen, ref, seed)
    return {"fad": entry.pop("value"), **entry}


class DirectInputs:
    """Mixin for the evaluate modules: ``compute(predictions=..., references=...)`` goes straight
    to :mod:`imagehear.api`. Routing multi-second waveforms through evaluate's Arrow cache would
    copy every sample (and cannot hold PIL images); ``add_batch`` with paths still works."""

    def compute(self, *, predictions=None, references=None, **kwargs):
        """Compute the module on ``predictions`` and ``references`` (see the inputs below)."""
        if predictions is None:
            return super().compute(references=references, **kwargs)
        return self._compute(predictions=list(predictions), references=list(references), **kwargs)
