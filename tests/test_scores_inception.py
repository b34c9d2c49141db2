"""imagehear.scores.inception_score against a plain-Python re-computation of av-benchmark's IS."""
from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from imagehear.scores import IS_SEED, IS_SPLITS, inception_score


def _plain_is(rows, n_splits, seed):
    """av-benchmark's definition (av_bench/metrics/isc.py) written out with lists and math."""
    n = len(rows)
    if seed is not None:
        rows = [rows[i] for i in np.random.RandomState(seed).permutation(n)]
    probs = []
    for row in rows:
        top = max(row)
        z = sum(math.exp(v - top) for v in row)
        probs.append([math.exp(v - top) / z for v in row])
    scores = []
    for i in range(n_splits):
        chunk = probs[i * n // n_splits:(i + 1) * n // n_splits]
        q = [sum(col) / len(chunk) for col in zip(*chunk)]
        kls = [sum(pc * (math.log(pc) - math.log(qc)) for pc, qc in zip(p, q)) for p in chunk]
        scores.append(math.exp(sum(kls) / len(kls)))
    return statistics.fmean(scores), statistics.pstdev(scores), scores


@pytest.mark.parametrize("n", [10, 37, 100, 123])
@pytest.mark.parametrize("seed", [IS_SEED, None, 7])
def test_matches_plain_recomputation(n, seed):
    rng = np.random.default_rng(n)
    logits = rng.normal(size=(n, 9)) * 2.5 + np.arange(9) * 0.3
    mean, std, per_split = _plain_is(logits.tolist(), 10, seed)
    r = inception_score(logits, shuffle_seed=seed)
    assert r.value == pytest.approx(mean, rel=1e-12)
    assert r.std == pytest.approx(std, rel=1e-9, abs=1e-14)
    np.testing.assert_allclose(r.per_split, per_split, rtol=1e-12)
    assert (r.n, r.n_splits, r.shuffle_seed, r.inputs) == (n, 10, seed, "logits")
    assert sum(r.split_sizes) == n and max(r.split_sizes) - min(r.split_sizes) <= (0 if n % 10 == 0 else 1)


def test_defaults_are_av_benchmarks():
    assert (IS_SPLITS, IS_SEED) == (10, 2020)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 6))
    assert inception_score(x).value == inception_score(x, n_splits=10, shuffle_seed=2020).value
    # the shuffle matters: a different seed gives a different (but close) number
    assert inception_score(x).value != inception_score(x, shuffle_seed=2021).value


def test_split_sizes_follow_floor_boundaries():
    # rows [i*N//k, (i+1)*N//k): for N = 23, k = 10 the three 3-row splits are 4th, 7th, 10th
    assert inception_score(np.zeros((23, 3))).split_sizes == (2, 2, 2, 3, 2, 2, 3, 2, 2, 3)
    assert inception_score(np.zeros((7, 3)), n_splits=3).split_sizes == (2, 2, 3)


def test_uniform_predictions_score_one():
    r = inception_score(np.full((40, 527), 3.0))
    assert r.value == pytest.approx(1.0, abs=1e-12) and r.std == pytest.approx(0.0, abs=1e-12)
    # identical non-uniform predictions: also 1 (no diversity)
    row = np.random.default_rng(2).normal(size=527)
    assert inception_score(np.tile(row, (30, 1))).value == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("k", [2, 5, 17])
def test_confident_distinct_predictions_score_k(k):
    logits = 40.0 * np.eye(k)[np.arange(10 * k) % k]   # each split holds every class once
    r = inception_score(logits, shuffle_seed=None)
    assert r.value == pytest.approx(k, rel=1e-9) and r.std == pytest.approx(0.0, abs=1e-9)
    # after the shuffle splits are unbalanced: below k, never above
    assert 1.0 < inception_score(logits).value < k


def test_probs_input_equals_logits_input():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(30, 8)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    a, b = inception_score(logits), inception_score(probs, inputs="probs")
    assert b.value == pytest.approx(a.value, rel=1e-12) and b.inputs == "probs"
    # exact zeros are fine with probs (0 log 0 = 0)
    onehot = np.eye(3)[np.arange(30) % 3]
    assert inception_score(onehot, inputs="probs", shuffle_seed=None).value == pytest.approx(3.0, rel=1e-12)


def test_underflowing_classes_take_the_limit_not_nan():
    # class 2 underflows to probability 0 in float64 for every row: av-benchmark's 0 * inf is NaN
    logits = np.zeros((20, 3))
    logits[:, 2] = -2000.0
    logits[::2, 0] = 30.0
    r = inception_score(logits, n_splits=2, shuffle_seed=None)
    # the limit: the same as without the dead class (half one-hot, half [1/2, 1/2]; q = [3/4, 1/4])
    assert np.isfinite(r.value)
    assert r.value == pytest.approx(inception_score(logits[:, :2], n_splits=2, shuffle_seed=None).value, rel=1e-12)
    assert r.value == pytest.approx(math.exp((math.log(4 / 3) + 0.5 * math.log(2 / 3) + 0.5 * math.log(2)) / 2),
                                    rel=1e-9)


def test_sorted_by_stem_order_makes_input_order_irrelevant():
    rng = np.random.default_rng(4)
    stems = [f"clip_{i:03d}" for i in range(60)]          # av-benchmark's order: sorted by stem
    logits = rng.normal(size=(60, 10)) * 2
    reference = inception_score(logits)                   # rows already in stem order
    perm = rng.permutation(60)
    shuffled_logits, shuffled_stems = logits[perm], [stems[i] for i in perm]
    assert inception_score(shuffled_logits).value != pytest.approx(reference.value, rel=1e-12)
    assert inception_score(shuffled_logits, names=shuffled_stems).value == reference.value
    # Python string order, as sorted(..., key=stem): "b10" < "b9", upper case before lower case
    names = ["b9", "b10", "B1", "a"] * 1
    x = rng.normal(size=(4, 5))
    order = sorted(range(4), key=names.__getitem__)       # B1, a, b10, b9
    assert [names[i] for i in order] == ["B1", "a", "b10", "b9"]
    ours = inception_score(x, n_splits=2, names=names)
    assert ours.value == inception_score(x[order], n_splits=2).value


@pytest.mark.parametrize("bad, kwargs, match", [
    (np.zeros((9, 4)), {}, "at least 10 rows"),
    (np.zeros((3, 4)), {"n_splits": 4}, "at least 4 rows"),
    (np.zeros(12), {}, "2-D"),
    (np.zeros((12, 1)), {}, "at least 2 classes"),
    (np.zeros((12, 3)), {"n_splits": 0}, "positive integer"),
    (np.zeros((12, 3)), {"n_splits": 2.5}, "positive integer"),
    (np.zeros((12, 3)), {"inputs": "softmax"}, "'logits' or 'probs'"),
    (np.full((12, 3), 0.5), {"inputs": "probs"}, "sum to 1"),
    (np.tile([1.5, -0.5], (12, 1)), {"inputs": "probs"}, "non-negative"),
    (np.zeros((12, 3)), {"names": "abc"}, "not a string"),
    (np.zeros((12, 3)), {"names": ["a"] * 11}, "11 entries"),
    (np.zeros((12, 3)), {"names": ["a"] * 12}, "unique"),
])
def test_bad_inputs_raise(bad, kwargs, match):
    with pytest.raises(ValueError, match=match):
        inception_score(bad, **kwargs)


def test_nan_and_inf_raise():
    x = np.zeros((12, 3))
    x[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        inception_score(x)
    x[5, 1] = np.inf
    with pytest.raises(ValueError, match="row 5"):
        inception_score(x)
