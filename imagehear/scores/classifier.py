"""Scores on classifier (PaSST) logits: KL divergence between paired clips, and accuracy.

Accuracy follows the Im2Wav protocol: top-1 over the 527 AudioSet logits after removing
the 33 excluded classes; a clip is correct iff that class is in its IMAGE HEAR class's
AudioSet set. Those facts are arguments (:mod:`imagehear.metrics.compute` passes the protocol's),
so this module stays pure maths.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax

from imagehear.scores._checks import as_class_sets, as_labels, as_matrix, known_labels, same_shape

KL_EPS = 1e-6  # protocol v1: log(p + 1e-6) on the second distribution
OTHER = "other"

# direction keyword -> the label recorded in results
KL_DIRECTIONS = {"ref||gen": "KL(ref||gen)", "gen||ref": "KL(gen||ref)",
                 "symmetric": "KL(ref||gen)+KL(gen||ref)"}


@dataclass(frozen=True)
class KLResult:
    value: float              # mean over pairs
    per_pair: np.ndarray      # (N,)
    direction: str            # "KL(ref||gen)", "KL(gen||ref)" or "KL(ref||gen)+KL(gen||ref)"
    eps: float | None = KL_EPS  # floor added to the second distribution; None: exact log-softmax


def _kl_rows(log_p: np.ndarray, log_q: np.ndarray, eps: float | None) -> np.ndarray:
    p = np.exp(log_p)
    log_q = log_q if eps is None else np.log(np.exp(log_q) + eps)
    return (p * (log_p - log_q)).sum(axis=1)


def _direction(reverse, direction) -> str:
    if direction is None:
        return "gen||ref" if reverse else "ref||gen"
    if direction not in KL_DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(map(repr, KL_DIRECTIONS))}, got {direction!r}")
    if reverse and direction != "gen||ref":
        raise ValueError(f"reverse=True contradicts direction={direction!r}; pass only one of them")
    return direction


def kl_divergence(ref_logits, gen_logits, reverse: bool = False, *, direction: str | None = None,
                  eps: float | None = KL_EPS) -> KLResult:
    """Per-pair KL between softmax distributions of paired logits, row i against row i.

    ``direction``: ``"ref||gen"`` (default; protocol v1 and av-benchmark),
    ``"gen||ref"`` (stable-audio-metrics; ``reverse=True`` is the same) or ``"symmetric"``
    (KL(ref||gen) + KL(gen||ref) per pair, audiocraft's sum).

    ``eps``: with the protocol's default 1e-6, KL(p||q) = sum_c p (log p - log(q + 1e-6)),
    which makes a pair of identical distributions score a hair below 0 (never below
    -log(1 + C * 1e-6), about -5.3e-4 for C = 527); we keep the formula rather than clamp.
    ``eps=None`` is the exact log-softmax form sum_c p (log_softmax(p) - log_softmax(q)),
    av-benchmark's ``compute_kl`` (``av_bench/metrics/kl.py``): >= 0, 0 for identical rows.
    The symmetric sum uses the same ``eps`` in both terms. Everything is float64.

    >>> ref = np.array([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    >>> gen = np.array([[0.0, 2.0, -1.0], [0.0, 1.0, 0.0]])
    >>> r = kl_divergence(ref, gen)
    >>> r.direction, np.round(r.per_pair, 4).tolist()
    ('KL(ref||gen)', [1.4592, -0.0])
    >>> np.round(kl_divergence(ref, gen, eps=None).per_pair, 4).tolist()
    [1.4592, 0.0]
    >>> s = kl_divergence(ref, gen, direction="symmetric", eps=None)
    >>> s.direction, np.round(s.per_pair, 4).tolist()
    ('KL(ref||gen)+KL(gen||ref)', [2.9184, 0.0])
    """
    direction = _direction(reverse, direction)
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating))
                            or not 0 < eps < np.inf):
        raise ValueError(f"eps must be a positive float, or None for the exact log-softmax form; got {eps!r}")
    ref = as_matrix(ref_logits, "ref_logits")
    gen = as_matrix(gen_logits, "gen_logits")
    same_shape(ref, gen, "ref_logits", "gen_logits")
    if ref.shape[1] < 2:
        raise ValueError(f"logits need at least 2 classes, got {ref.shape[1]}")
    log_ref, log_gen = log_softmax(ref, axis=1), log_softmax(gen, axis=1)  # float64, no overflow
    if direction == "ref||gen":
        per_pair = _kl_rows(log_ref, log_gen, eps)
    elif direction == "gen||ref":
        per_pair = _kl_rows(log_gen, log_ref, eps)
    else:
        per_pair = _kl_rows(log_ref, log_gen, eps) + _kl_rows(log_gen, log_ref, eps)
    return KLResult(float(per_pair.mean()), per_pair, KL_DIRECTIONS[direction], None if eps is None else float(eps))


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


def classifier_accuracy(logits, labels, *, classes: dict, excluded) -> AccuracyResult:
    """Top-1 / top-5 accuracy of AudioSet logits against class labels.

    ``logits``: (N, C) with C = 527 for PaSST. ``labels``: the intended class name of each
    row. ``classes`` maps each class name to its AudioSet label indices (the protocol's:
    ``imagehear.metrics.compute.AUDIOSET_SETS``). ``excluded``: AudioSet indices removed before
    ranking (the protocol's 33: ``imagehear.protocol.EXCLUDED_AUDIOSET_INDICES``), so an
    excluded argmax falls through to the next allowed class.

    >>> classes = {"Accordion": [209], "Cat": [81], "Dog": [74, 75]}  # a few IMAGE HEAR classes
    >>> logits = np.zeros((2, 527))
    >>> logits[0, 209] = 5.0                    # Accordion's AudioSet class
    >>> logits[1, 72], logits[1, 74] = 9.0, 3.0  # 72 is excluded; 74 is Dog's
    >>> r = classifier_accuracy(logits, ["Accordion", "Cat"], classes=classes, excluded=[72])
    >>> r.value, r.predicted.tolist(), r.predicted_class, r.confusion
    (50.0, [209, 74], ['Accordion', 'Dog'], {'Accordion': {'Accordion': 1}, 'Cat': {'Dog': 1}})
    """
    x = as_matrix(logits, "logits")
    n, c = x.shape
    labels = as_labels(labels, n)
    sets = as_class_sets(classes)
    known_labels(labels, sets)
    excluded = np.asarray(sorted(set(int(i) for i in excluded)), dtype=int)
    if excluded.size and (excluded.min() < 0 or excluded.max() >= c):
        raise ValueError(f"excluded indices must lie in [0, {c}), got {excluded.min()}..{excluded.max()}")
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
