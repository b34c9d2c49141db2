"""Chance levels: what a score would be if the audio carried nothing about its image or class.

Printed beside each headline so that a reader sees how far a model is above chance:

- CLIP score of the same clips against *mismatched* images (every image of another class);
- CLAP score of the same clips against the prompts of the other classes;
- accuracy of a class-prior guess (the best constant AudioSet label for this set's class
  mix) and of the run's own predictions shuffled across clips.

The benchmark's facts (each class's AudioSet label set, the excluded labels) are
arguments: :mod:`imagehear.metrics.compute` passes the protocol's, so this module stays pure maths.
"""
from __future__ import annotations

import numpy as np

from imagehear.scores._checks import as_class_sets, as_labels, as_matrix, known_labels, same_shape


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("an embedding row is all zeros: its cosine similarity is undefined")
    return x / norms


def mismatched_clip_score(audio_emb, image_emb, labels, images=None) -> tuple[float, str]:
    """100 x mean over clips of the mean cosine between a clip's audio and each distinct image
    of *another* class (``images``: an id per clip; None: distinct rows of ``image_emb``).

    With a single class (no labels), every other image counts instead; the returned
    description says which was used.

    >>> audio = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> mismatched_clip_score(audio, audio, ["Dog", "Cat"])
    (0.0, 'images of other classes')
    """
    audio = as_matrix(audio_emb, "audio_emb")
    image = as_matrix(image_emb, "image_emb")
    same_shape(audio, image, "audio_emb", "image_emb")
    labels = np.asarray(as_labels(labels, len(audio)))
    if images is None:
        _, first, inverse = np.unique(image, axis=0, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(np.asarray([str(i) for i in images]), return_index=True, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    distinct, distinct_label = image[first], labels[first]
    cos = _unit(audio) @ _unit(distinct).T                      # (clips, distinct images)
    if len(set(labels.tolist())) > 1:
        other, what = labels[:, None] != distinct_label[None, :], "images of other classes"
    else:
        other = np.arange(len(first))[None, :] != inverse[:, None]
        what = "other images (no classes given)"
    counts = other.sum(1)
    if np.any(counts == 0):
        raise ValueError("a clip has no mismatched image to compare with: chance needs at least two images")
    return float(100.0 * ((cos * other).sum(1) / counts).mean()), what


def mismatched_clap_score(audio_emb, text_emb, label_index) -> float:
    """100 x mean over clips of the mean cosine between a clip's CLAP audio embedding and the
    text embeddings of every class but its own (``text_emb``: one row per class).

    >>> mismatched_clap_score([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [0])
    0.0
    """
    audio = _unit(as_matrix(audio_emb, "audio_emb"))
    text = _unit(as_matrix(text_emb, "text_emb"))
    idx = np.asarray(label_index, dtype=int)
    if len(text) < 2:
        raise ValueError("chance needs at least two class prompts")
    cos = audio @ text.T
    own = cos[np.arange(len(idx)), idx]
    return float(100.0 * ((cos.sum(1) - own) / (len(text) - 1)).mean())


def prior_guess_accuracy(labels, *, classes, excluded, n_outputs: int = 527) -> tuple[float, int]:
    """Accuracy (%) of the best constant guess: the one AudioSet label (``excluded`` ones
    aside) that most clips' classes accept, and that label's index. It needs only the class
    mix. ``classes`` maps each class name to its AudioSet label indices.

    >>> classes = {"Dog": [74, 75], "Cat": [81]}
    >>> acc, label = prior_guess_accuracy(["Dog", "Dog", "Cat"], classes=classes, excluded=[75])
    >>> round(acc, 2), label
    (66.67, 74)
    """
    sets = as_class_sets(classes)
    labels = as_labels(labels, len(labels))
    known_labels(labels, sets)
    hits = np.zeros(n_outputs)
    for lab in labels:
        hits[list(sets[lab])] += 1
    hits[list(excluded)] = -1
    best = int(np.argmax(hits))
    return float(100.0 * hits[best] / len(labels)), best


def shuffled_accuracy(predicted, labels, *, classes) -> float:
    """Expected accuracy (%) of this run's top-1 predictions shuffled across its clips: the
    chance agreement of the model's label frequencies with the class mix (Cohen's p_e).
    ``classes`` maps each class name to its AudioSet label indices.

    >>> shuffled_accuracy([74, 74], ["Dog", "Cat"], classes={"Dog": [74], "Cat": [81]})
    50.0
    """
    sets = as_class_sets(classes)
    labels = as_labels(labels, len(predicted))
    known_labels(labels, sets)
    freq = np.bincount(np.asarray(predicted, dtype=int)) / len(labels)
    return float(100.0 * np.mean([freq[[i for i in sets[lab] if i < len(freq)]].sum() for lab in labels]))
