"""Scores on classifier (PaSST) logits: KL divergence between paired clips, and accuracy.

Accuracy follows the Im2Wav protocol: top-1 over the 527 AudioSet logits after removing
the 33 excluded classes; a clip is correct iff that class is in its IMAGE HEAR class's
AudioSet set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax

from imagehear import protocol
from imagehear.scores._checks import as_labels, as_matrix, same_shape

KL_EPS = 1e-6  # protocol v1: log(p + 1e-6) on the second distribution
OTHER = "other"


@dataclass(frozen=True)
class KLResult:
    value: float            # mean over pairs
    per_pair: np.ndarray    # (N,)
    direction: str          # "KL(ref||gen)" or "KL(gen||ref)"


def kl_divergence(ref_logits, gen_logits, reverse: bool = False) -> KLResult:
    """Per-pair KL between softmax distributions of paired logits, row i against row i.

    KL(ref||gen) = sum_c p_ref (log p_ref - log(p_gen + 1e-6)); ``reverse=True`` gives
    KL(gen||ref), stable-audio-metrics' direction. The 1e-6 floor is the protocol's; it
    makes a pair of identical distributions score a hair below 0 (never below
    -log(1 + C * 1e-6), about -5.3e-4 for C = 527). We keep the formula rather than clamp.

    >>> ref = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    >>> gen = np.array([[0.0, 2.0, -1.0], [0.0, 1.0, 0.0]])
    >>> r = kl_divergence(ref, gen)
    >>> r.direction, np.round(r.per_pair, 4).tolist()
    ('KL(ref||gen)', [1.4592, -0.0])
    """
    ref = as_matrix(ref_logits, "ref_logits")
    gen = as_matrix(gen_logits, "gen_logits")
    same_shape(ref, gen, "ref_logits", "gen_logits")
    if ref.shape[1] < 2:
        raise ValueError(f"logits need at least 2 classes, got {ref.shape[1]}")
    p, q = (gen, ref) if reverse else (ref, gen)
    log_p = log_softmax(p, axis=1)  # float64, no overflow for large logits
    p_prob = np.exp(log_p)
    q_prob = np.exp(log_softmax(q, axis=1))
    per_pair = (p_prob * (log_p - np.log(q_prob + KL_EPS))).sum(axis=1)
    return KLResult(float(per_pair.mean()), per_pair, "KL(gen||ref)" if reverse else "KL(ref||gen)")


@dataclass(frozen=True)
class AccuracyResult:
    value: float                          # top-1 accuracy, %
    top5: float                           # % with any of the top 5 allowed classes in the set
    per_class: dict[str, float]           # intended class -> top-1 %
    correct: np.ndarray                   # (N,) bool
    predicted: np.ndarray                 # (N,) int: top-1 AudioSet index (never an excluded one)
    predicted_class: list[str]            # (N,) IMAGE HEAR class the prediction maps to, or "other"
    confusion: dict[str, dict[str, int]]  # intended -> {predicted class: count}, non-zero counts


def _map_prediction(index: int, intended: str, owners: dict[int, list[str]]) -> str:
    # An AudioSet index can belong to several IMAGE HEAR classes (Drums/Bongo share 161
    # and 164, Rain/Waterfall most of theirs). The intended class wins when it is one of
    # them (so the diagonal equals the correct count); otherwise the first in sorted order.
    classes = owners.get(index)
    if not classes:
        return OTHER
    return intended if intended in classes else classes[0]


def classifier_accuracy(logits, labels, excluded=protocol.EXCLUDED_AUDIOSET_INDICES,
                        classes: dict | None = None) -> AccuracyResult:
    """Top-1 / top-5 accuracy of AudioSet logits against IMAGE HEAR class labels.

    ``logits``: (N, C) with C = 527 for PaSST. ``labels``: the intended IMAGE HEAR class
    name of each row. ``classes`` maps names to objects with ``audioset_indices``
    (default: :data:`imagehear.protocol.CLASSES`). Excluded classes are removed before
    ranking, so an excluded argmax falls through to the next allowed class.

    >>> logits = np.zeros((2, 527))
    >>> logits[0, 209] = 5.0                    # Accordion's AudioSet class
    >>> logits[1, 72], logits[1, 74] = 9.0, 3.0  # 72 is excluded; 74 is Dog's
    >>> r = classifier_accuracy(logits, ["Accordion", "Cat"])
    >>> r.value, r.predicted.tolist(), r.predicted_class, r.confusion
    (50.0, [209, 74], ['Accordion', 'Dog'], {'Accordion': {'Accordion': 1}, 'Cat': {'Dog': 1}})
    """
    classes = protocol.CLASSES if classes is None else classes
    x = as_matrix(logits, "logits")
    n, c = x.shape
    labels = as_labels(labels, n)
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise ValueError(f"unknown class name(s) {unknown}; known: {', '.join(sorted(classes))}")
    excluded = np.asarray(sorted(set(int(i) for i in excluded)), dtype=int)
    if excluded.size and (excluded.min() < 0 or excluded.max() >= c):
        raise ValueError(f"excluded indices must lie in [0, {c}), got {excluded.min()}..{excluded.max()}")
    sets = {name: set(int(i) for i in classes[name].audioset_indices) for name in classes}
    if max((max(s) for s in sets.values() if s), default=-1) >= c:
        raise ValueError(f"the class sets index AudioSet classes beyond the {c} logits given")
    allowed = np.setdiff1d(np.arange(c), excluded)
    if allowed.size < 5:
        raise ValueError(f"only {allowed.size} classes remain after exclusion; top-5 needs 5")
    # argsort on the allowed columns only; a stable sort keeps np.argmax's lowest-index tie rule
    order = allowed[np.argsort(-x[:, allowed], axis=1, kind="stable")[:, :5]]
    predicted = order[:, 0]
    correct = np.array([int(p) in sets[lab] for p, lab in zip(predicted, labels)], dtype=bool)
    top5 = np.array([any(int(k) in sets[lab] for k in row) for row, lab in zip(order, labels)], dtype=bool)
    owners: dict[int, list[str]] = {}
    for name in sorted(sets):
        for i in sets[name]:
            owners.setdefault(i, []).append(name)
    predicted_class = [_map_prediction(int(p), lab, owners) for p, lab in zip(predicted, labels)]
    confusion: dict[str, dict[str, int]] = {}
    for lab, pc in zip(labels, predicted_class):
        row = confusion.setdefault(lab, {})
        row[pc] = row.get(pc, 0) + 1
    confusion = {lab: dict(sorted(confusion[lab].items())) for lab in sorted(confusion)}
    per_class = {lab: 100.0 * float(correct[[l == lab for l in labels]].mean()) for lab in sorted(set(labels))}
    return AccuracyResult(100.0 * float(correct.mean()), 100.0 * float(top5.mean()), per_class,
                          correct, predicted, predicted_class, confusion)
