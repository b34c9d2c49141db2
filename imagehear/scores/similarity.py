"""Embedding-similarity scores: CLIP score (audio vs its conditioning image, or the mean over
the frames of its conditioning video) and CLAP score (audio vs the text embedding of its
class name), plus per-class grouping.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from imagehear.scores._checks import as_labels, as_matrix, same_shape


@dataclass(frozen=True)
class SimilarityResult:
    value: float            # 100 x mean cosine, in [-100, 100]
    per_sample: np.ndarray  # (N,) 100 x cosine of each pair


def _unit_rows(x: np.ndarray, name: str) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"{name} has an all-zero row ({int(np.argmax(norms[:, 0] == 0))}): "
                         "its cosine similarity is undefined")
    return x / norms


def _cosine_score(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> SimilarityResult:
    same_shape(a, b, name_a, name_b)
    per_sample = 100.0 * (_unit_rows(a, name_a) * _unit_rows(b, name_b)).sum(axis=1)
    return SimilarityResult(float(per_sample.mean()), per_sample)  # no clamp at 0: negatives count


def clip_score(audio_emb, image_emb) -> SimilarityResult:
    """100 x mean cosine between row i of ``audio_emb`` and row i of ``image_emb``.

    Rows are L2-normalised here, so raw or normalised embeddings give the same score.

    >>> r = clip_score([[1.0, 0.0], [0.0, 2.0]], [[1.0, 1.0], [0.0, -1.0]])
    >>> round(r.value, 4), np.round(r.per_sample, 4).tolist()
    (-14.6447, [70.7107, -100.0])
    """
    audio = as_matrix(audio_emb, "audio_emb")
    image = as_matrix(image_emb, "image_emb")
    return _cosine_score(audio, image, "audio_emb", "image_emb")


def clip_score_frames(audio_emb, frame_emb) -> SimilarityResult:
    """CS over frames: clip i scores 100 x the mean over its frames f of cosine(audio_i, frame_if);
    the value is the mean over clips (the Im2Wav paper's CS for videos).

    ``frame_emb`` holds one (F_i, D) array per clip (F_i >= 1; a (D,) row is one frame). A
    clip with one frame scores exactly what :func:`clip_score` gives its pair.

    >>> audio = [[1.0, 0.0], [0.0, 1.0]]
    >>> frames = [[[1.0, 0.0], [1.0, 1.0]], [[0.0, -3.0]]]   # two frames, then one
    >>> r = clip_score_frames(audio, frames)
    >>> round(r.value, 4), np.round(r.per_sample, 4).tolist()
    (-7.3223, [85.3553, -100.0])
    """
    audio = _unit_rows(as_matrix(audio_emb, "audio_emb"), "audio_emb")
    frame_emb = list(frame_emb)
    if len(frame_emb) != audio.shape[0]:
        raise ValueError(f"frame_emb has {len(frame_emb)} clips but audio_emb has {audio.shape[0]} rows")
    per_sample = np.empty(audio.shape[0])
    for i, frames in enumerate(frame_emb):
        name = f"frame_emb[{i}]"
        frames = as_matrix(np.atleast_2d(np.asarray(frames, dtype=np.float64)), name)
        if frames.shape[1] != audio.shape[1]:
            raise ValueError(f"{name} has {frames.shape[1]}-d rows but audio_emb has {audio.shape[1]}-d rows")
        # the same operations as clip_score, row by row: one frame gives clip_score's value bit for bit
        per_sample[i] = (100.0 * (audio[i][None] * _unit_rows(frames, name)).sum(axis=1)).mean()
    return SimilarityResult(float(per_sample.mean()), per_sample)


def clap_score(audio_emb, text_emb, labels=None) -> SimilarityResult:
    """100 x mean cosine between each clip's CLAP audio embedding and its class's text embedding.

    Either ``text_emb`` has one row per clip (``labels=None``), or it has one row per class
    and ``labels`` gives, per clip, the integer row of its class in ``text_emb``.

    >>> text = [[1.0, 0.0], [0.0, 1.0]]              # two class-name embeddings
    >>> r = clap_score([[2.0, 0.0], [1.0, 1.0], [0.0, 3.0]], text, labels=[0, 1, 1])
    >>> np.round(r.per_sample, 4).tolist()
    [100.0, 70.7107, 100.0]
    """
    audio = as_matrix(audio_emb, "audio_emb")
    text = as_matrix(text_emb, "text_emb")
    if labels is not None:
        idx = np.asarray(labels)
        if idx.shape != (audio.shape[0],) or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"labels must be {audio.shape[0]} integer rows of text_emb, one per clip, "
                             f"got shape {idx.shape} and dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= text.shape[0]):
            raise ValueError(f"labels must index the {text.shape[0]} rows of text_emb, "
                             f"got values {idx.min()}..{idx.max()}")
        text = text[idx]
    return _cosine_score(audio, text, "audio_emb", "text_emb")


def per_class_mean(values, labels) -> dict[str, float]:
    """Mean of per-sample ``values`` grouped by ``labels``, keys in sorted order.

    >>> per_class_mean([1.0, 2.0, 6.0], ["Dog", "Cat", "Dog"])
    {'Cat': 2.0, 'Dog': 3.5}
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D (one per sample), got shape {v.shape}")
    labels = np.asarray(as_labels(labels, v.shape[0]), dtype=object)
    return {str(lab): float(v[labels == lab].mean()) for lab in sorted(set(labels))}
