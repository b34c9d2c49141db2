"""imagehear.scores against independent references (scipy, SVD, brute-force loops)."""
from __future__ import annotations

import ast
import itertools
import math
import statistics
import warnings

from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

import imagehear.scores

from imagehear.metrics import compute

from imagehear import protocol
from imagehear.scores import (
    FewSamplesWarning, GaussianStats, bootstrap_ci, clap_score, classifier_accuracy, clip_score,
    frechet_distance, frechet_distance_from_embeddings, frechet_distance_from_stats, kernel_audio_distance,
    kl_divergence, median_pairwise_distance, per_class_mean, trace_sqrt_product,
)
from imagehear.scores import kernel as kernel_module

PROTOCOL_FACTS = {"classes": compute.AUDIOSET_SETS, "excluded": protocol.EXCLUDED_AUDIOSET_INDICES}
SCORES_DIR = Path(imagehear.scores.__file__).parent


def _embeddings(rng, n, d, shift=0.0):
    # correlated, anisotropic, non-zero mean: no symmetric structure for a bug to hide in
    mix = rng.normal(size=(d, d)) * np.linspace(0.2, 2.0, d)
    return rng.normal(size=(n, d)) @ mix + shift + rng.normal(size=d)


def _scipy_fd(mu1, s1, mu2, s2):
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real)


# ---------------------------------------------------------------- Fréchet distance
@pytest.mark.parametrize("d", [3, 17, 64])
def test_fd_matches_scipy_sqrtm_on_well_conditioned_inputs(d):
    rng = np.random.default_rng(d)
    x, y = _embeddings(rng, 40 * d, d), _embeddings(rng, 30 * d, d, shift=0.7)
    mu1, s1, mu2, s2 = x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(_scipy_fd(mu1, s1, mu2, s2), rel=1e-6)
    assert frechet_distance_from_embeddings(x, y) == pytest.approx(ours, rel=1e-12)


def test_fd_closed_forms():
    # 1-D: (m1 - m2)^2 + (s1 - s2)^2
    assert frechet_distance([1.5], [[4.0]], [-0.5], [[9.0]]) == pytest.approx(4.0 + 1.0, rel=1e-12)
    # commuting (diagonal) covariances: tr sqrt(S1 S2) = sum sqrt(a_i b_i)
    a, b = np.array([1.0, 2.0, 5.0, 0.3]), np.array([4.0, 0.5, 1.0, 7.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, -1.0, 0.5, 3.0])
    expected = np.sum((mu1 - mu2) ** 2) + a.sum() + b.sum() - 2 * np.sqrt(a * b).sum()
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("k1,k2", [(30, 25), (6, 25), (25, 4)])
def test_trace_sqrt_product_equals_nuclear_norm(k1, k2):
    # S1 = A A^T, S2 = B B^T  =>  eig(S1 S2) = eig((A^T B)(A^T B)^T): tr sqrt = sum of singular values
    rng = np.random.default_rng(k1 * 100 + k2)
    d = 20
    a, b = rng.normal(size=(d, k1)), rng.normal(size=(d, k2)) * np.linspace(0.1, 3, d)[:, None]
    reference = np.linalg.svd(a.T @ b, compute_uv=False).sum()
    assert trace_sqrt_product(a @ a.T, b @ b.T) == pytest.approx(reference, rel=1e-8)
    assert trace_sqrt_product(b @ b.T, a @ a.T) == pytest.approx(reference, rel=1e-8)


def test_singular_sigma1_takes_the_eigh_path():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(8, 3))
    a[2] = 0.0  # a zero variance dimension: Cholesky must fail
    s1, s2 = a @ a.T, np.cov(rng.normal(size=(50, 8)), rowvar=False)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(s1)
    reference = np.linalg.svd(a.T @ np.linalg.cholesky(s2), compute_uv=False).sum()
    assert trace_sqrt_product(s1, s2) == pytest.approx(reference, rel=1e-8)


def test_fd_sane_when_samples_below_dimensions():
    # scipy's sqrtm is the one that goes wrong here (FD(x, x) = -3e-5, complex trace); we stay sane
    rng = np.random.default_rng(7)
    d = 48
    x, y = _embeddings(rng, 30, d), _embeddings(rng, 20, d, shift=0.3)
    with pytest.warns(FewSamplesWarning, match=r"30 samples for 48 dimensions.*rank 29"):
        fd_xx = frechet_distance_from_embeddings(x, x)
    scale = np.trace(np.cov(x, rowvar=False))
    assert 0.0 <= fd_xx <= 1e-6 * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewSamplesWarning)
        fd_xy, fd_yx = frechet_distance_from_embeddings(x, y), frechet_distance_from_embeddings(y, x)
    assert fd_xy > 0 and fd_xy == pytest.approx(fd_yx, rel=1e-8)
    assert GaussianStats.from_embeddings(y).rank() == 19


def test_fd_identical_is_zero_and_never_negative():
    rng = np.random.default_rng(3)
    x = _embeddings(rng, 500, 12)
    assert 0.0 <= frechet_distance_from_embeddings(x, x) < 1e-9
    assert frechet_distance_from_embeddings(x, x + 1.0) == pytest.approx(12.0, rel=1e-9)


def test_fd_rejects_bad_input():
    eye = np.eye(3)
    with pytest.raises(ValueError, match="not positive semi-definite"):
        frechet_distance(np.zeros(3), eye, np.zeros(3), np.diag([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="not positive semi-definite"):
        frechet_distance(np.zeros(3), np.diag([1.0, -1.0, 1.0]), np.zeros(3), eye)
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(np.zeros(3), eye + np.triu(np.ones((3, 3)), 1), np.zeros(3), eye)
    with pytest.raises(ValueError, match="shape"):
        frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), eye)
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance_from_embeddings(np.full((4, 2), np.nan), np.ones((4, 2)))
    with pytest.raises(ValueError, match="same embedding size"):
        frechet_distance_from_embeddings(np.ones((4, 2)), np.ones((4, 3)))


# ---------------------------------------------------------------- mergeable statistics
def test_sharded_stats_merge_exactly():
    rng = np.random.default_rng(11)
    x = _embeddings(rng, 257, 9, shift=1e3)  # a large mean: naive sum-of-outer-products loses digits
    y = _embeddings(rng, 180, 9, shift=1e3 + 0.5)
    shards = [x[:1], x[1:50], x[50:51], x[51:]]
    merged = GaussianStats.from_embeddings(shards[0])
    for s in shards[1:]:
        merged = merged + GaussianStats.from_embeddings(s)
    other_order = GaussianStats.from_embeddings(x[51:]).merge(GaussianStats.from_embeddings(x[:51]))
    assert merged.n == other_order.n == 257
    np.testing.assert_allclose(merged.mean, x.mean(0), rtol=1e-13)
    np.testing.assert_allclose(merged.cov, np.cov(x, rowvar=False), rtol=1e-10)
    ys = GaussianStats.from_embeddings(y[:77]) + GaussianStats.from_embeddings(y[77:])
    pooled = frechet_distance_from_embeddings(x, y)
    assert frechet_distance_from_stats(merged, ys) == pytest.approx(pooled, rel=1e-10)
    assert frechet_distance_from_stats(other_order, ys) == pytest.approx(pooled, rel=1e-10)


def test_stats_errors():
    with pytest.raises(ValueError, match="at least 2 samples"):
        GaussianStats.from_embeddings(np.ones((1, 3))).cov
    with pytest.raises(ValueError, match="merge"):
        GaussianStats.from_embeddings(np.ones((2, 3))) + GaussianStats.from_embeddings(np.ones((2, 4)))


# ---------------------------------------------------------------- KAD
def _brute_mmd(x, y, sigma):
    k = lambda a, b: math.exp(-sum((p - q) ** 2 for p, q in zip(a, b)) / (2 * sigma ** 2))
    m, n = len(x), len(y)
    kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kyy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    kxy = sum(k(a, b) for a in x for b in y) / (m * n)
    return kxx + kyy - 2 * kxy


def test_kad_matches_brute_force(monkeypatch):
    rng = np.random.default_rng(2)
    ref, gen = _embeddings(rng, 9, 3), _embeddings(rng, 6, 3, shift=0.8)
    median = statistics.median(math.dist(a, b) for a, b in itertools.combinations(ref.tolist(), 2))
    r = kernel_audio_distance(ref, gen)
    assert r.bandwidth == pytest.approx(median, rel=1e-12)
    assert (r.n_reference, r.n_generated) == (9, 6)
    assert r.value == pytest.approx(100 * _brute_mmd(ref.tolist(), gen.tolist(), median), rel=1e-9)
    fixed = kernel_audio_distance(ref, gen, bandwidth=2.5, scale=1.0)
    assert fixed.value == pytest.approx(_brute_mmd(ref.tolist(), gen.tolist(), 2.5), rel=1e-9)
    monkeypatch.setattr(kernel_module, "_BLOCK", 4)  # the blocked sums must not change the result
    assert kernel_audio_distance(ref, gen, bandwidth=2.5, scale=1.0).value == pytest.approx(fixed.value, rel=1e-12)


def test_kad_orders_distributions_and_rejects_bad_input():
    rng = np.random.default_rng(4)
    ref = rng.normal(size=(120, 5))
    near = kernel_audio_distance(ref, rng.normal(size=(100, 5))).value
    far = kernel_audio_distance(ref, rng.normal(0.7, 1.3, size=(100, 5))).value
    assert abs(near) < far
    with pytest.raises(ValueError, match="bandwidth"):
        kernel_audio_distance(np.ones((4, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="at least 2"):
        kernel_audio_distance(np.ones((1, 2)), np.zeros((3, 2)))


def test_median_subsample_is_seeded():
    x = np.random.default_rng(0).normal(size=(60, 3))
    a = median_pairwise_distance(x, max_rows=20, seed=1)
    assert a == median_pairwise_distance(x, max_rows=20, seed=1)
    assert a != median_pairwise_distance(x, max_rows=20, seed=2)


# ---------------------------------------------------------------- KL
def _brute_kl(p_logits, q_logits):
    out = []
    for p_row, q_row in zip(p_logits, q_logits):
        zp, zq = sum(math.exp(v) for v in p_row), sum(math.exp(v) for v in q_row)
        p, q = [math.exp(v) / zp for v in p_row], [math.exp(v) / zq for v in q_row]
        out.append(sum(pi * (math.log(pi) - math.log(qi + 1e-6)) for pi, qi in zip(p, q)))
    return out


def test_kl_matches_brute_force_both_directions():
    rng = np.random.default_rng(8)
    ref, gen = rng.normal(size=(5, 11)) * 3, rng.normal(size=(5, 11)) * 2 + np.arange(11) * 0.2
    r = kl_divergence(ref, gen)
    np.testing.assert_allclose(r.per_pair, _brute_kl(ref.tolist(), gen.tolist()), rtol=1e-10)
    assert r.value == pytest.approx(np.mean(_brute_kl(ref.tolist(), gen.tolist())), rel=1e-10)
    assert r.direction == "KL(ref||gen)"
    rev = kl_divergence(ref, gen, reverse=True)
    np.testing.assert_allclose(rev.per_pair, _brute_kl(gen.tolist(), ref.tolist()), rtol=1e-10)
    assert rev.direction == "KL(gen||ref)"
    assert not np.allclose(rev.per_pair, r.per_pair)


def test_kl_extreme_logits_and_errors():
    ref = np.array([[800.0, 0.0, -800.0]])  # exp overflows without a log-softmax
    r = kl_divergence(ref, ref)
    assert np.isfinite(r.value) and -1e-5 < r.value <= 0.0
    with pytest.raises(ValueError, match="same shape"):
        kl_divergence(np.zeros((2, 3)), np.zeros((3, 3)))


# ---------------------------------------------------------------- CLIP / CLAP score
def test_clip_score_matches_loop_and_keeps_negatives():
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(7, 5)) + 0.3
    expected = [100 * sum(p * q for p, q in zip(u, v)) / (math.hypot(*u) * math.hypot(*v))
                for u, v in zip(a.tolist(), b.tolist())]
    r = clip_score(a, b)
    np.testing.assert_allclose(r.per_sample, expected, rtol=1e-12)
    assert r.value == pytest.approx(np.mean(expected), rel=1e-12)
    assert min(expected) < 0  # negatives are kept, not clamped at 0
    assert clip_score(a * 3.0, b * 0.1).value == pytest.approx(r.value, rel=1e-12)
    with pytest.raises(ValueError, match="all-zero row"):
        clip_score(np.zeros((1, 5)), b[:1])
    with pytest.raises(ValueError, match="same shape"):
        clip_score(a, b[:3])


def test_clap_score_per_class_text_equals_per_sample_text():
    rng = np.random.default_rng(10)
    audio, text = rng.normal(size=(6, 4)), rng.normal(size=(3, 4))
    idx = np.array([2, 0, 0, 1, 2, 2])
    by_class = clap_score(audio, text, labels=idx)
    per_sample = clap_score(audio, text[idx])
    np.testing.assert_allclose(by_class.per_sample, per_sample.per_sample, rtol=1e-12)
    assert by_class.value == pytest.approx(clip_score(audio, text[idx]).value, rel=1e-12)
    with pytest.raises(ValueError, match="index"):
        clap_score(audio, text, labels=idx + 1)
    with pytest.raises(ValueError, match="integer"):
        clap_score(audio, text, labels=["Dog"] * 6)


def test_per_class_mean_matches_loop():
    values, labels = [3.0, 1.0, 4.0, 1.0, 5.0], ["Dog", "Cat", "Dog", "Bird", "Cat"]
    assert per_class_mean(values, labels) == {"Bird": 1.0, "Cat": 3.0, "Dog": 3.5}
    with pytest.raises(ValueError, match="one per sample"):
        per_class_mean(values, "Dog")


# ---------------------------------------------------------------- accuracy
def test_classifier_accuracy_hand_computed():
    assert {72, 73, 86}.issubset(protocol.EXCLUDED_AUDIOSET_INDICES)
    assert 164 in protocol.CLASSES["Bongo"].audioset_indices and 164 in protocol.CLASSES["Drums"].audioset_indices
    assert 300 in protocol.CLASSES["Car"].audioset_indices and 300 in protocol.CLASSES["Motorcycle"].audioset_indices
    rng = np.random.default_rng(12)
    logits = rng.uniform(-1.0, 0.0, size=(6, 527))
    labels = ["Accordion", "Cat", "Dog", "Drums", "Dog", "Bongo"]
    logits[0, 209] = 5.0                      # Accordion: right
    logits[1, 72], logits[1, 81] = 9.0, 4.0   # raw argmax 72 is excluded; next is Cat's 81
    logits[2, 300] = 6.0                      # Dog heard as Car/Motorcycle's 300 -> "Car"
    logits[2, list(protocol.CLASSES["Dog"].audioset_indices)] = -10.0
    logits[3, 164] = 3.0                      # shared Bongo/Drums index: intended class wins
    # Dog: raw ranks 5, 72x, 73x, 86x, 1, 2, 3, 74 -> 74 is 8th raw but 5th allowed
    for i, v in zip([5, 72, 73, 86, 1, 2, 3, 74], [10, 9, 8, 7, 6, 5.5, 5.2, 5.0]):
        logits[4, i] = v
    logits[5, 164] = 3.0
    r = classifier_accuracy(logits, labels, **PROTOCOL_FACTS)
    assert r.predicted.tolist() == [209, 81, 300, 164, 5, 164]
    assert r.correct.tolist() == [True, True, False, True, False, True]
    assert r.value == pytest.approx(400 / 6)
    assert r.top5 == pytest.approx(500 / 6)
    assert r.per_class == {"Accordion": 100.0, "Bongo": 100.0, "Cat": 100.0, "Dog": 0.0, "Drums": 100.0}
    assert r.predicted_class == ["Accordion", "Cat", "Car", "Drums", "other", "Bongo"]
    assert r.confusion == {"Accordion": {"Accordion": 1}, "Bongo": {"Bongo": 1}, "Cat": {"Cat": 1},
                           "Dog": {"Car": 1, "other": 1}, "Drums": {"Drums": 1}}
    raw = classifier_accuracy(logits, labels, classes=compute.AUDIOSET_SETS, excluded=())
    assert raw.predicted[1] == 72 and not raw.correct[1] and not raw.correct[4]
    assert raw.top5 == pytest.approx(400 / 6)  # Dog's 74 drops out of sample 4's top 5


def test_classifier_accuracy_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown class"):
        classifier_accuracy(np.zeros((1, 527)), ["Dragon"], **PROTOCOL_FACTS)
    with pytest.raises(ValueError, match="2 entries"):
        classifier_accuracy(np.zeros((1, 527)), ["Dog", "Cat"], **PROTOCOL_FACTS)
    with pytest.raises(ValueError, match="beyond"):
        classifier_accuracy(np.zeros((1, 100)), ["Dog"], classes=compute.AUDIOSET_SETS, excluded=())
    with pytest.raises(ValueError, match="map each class name"):
        classifier_accuracy(np.zeros((1, 527)), ["Dog"], classes=["Dog"], excluded=())


# ---------------------------------------------------------------- bootstrap
def test_bootstrap_mean_is_seeded_and_plausible():
    values = np.random.default_rng(13).gamma(2.0, 1.5, size=400)  # skewed
    a = bootstrap_ci(values, n_resamples=300, seed=0)
    assert a == bootstrap_ci(values, n_resamples=300, seed=0)
    assert a != bootstrap_ci(values, n_resamples=300, seed=1)
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))  # normal approximation
    assert a[0] < values.mean() < a[1]
    assert (a[1] - a[0]) / 2 == pytest.approx(half, rel=0.15)
    narrow = bootstrap_ci(values, n_resamples=300, seed=0, confidence=0.5)
    assert a[0] < narrow[0] < narrow[1] < a[1]


def test_bootstrap_set_level_and_paired():
    rng = np.random.default_rng(14)
    x, y = rng.normal(size=(60, 3)), rng.normal(0.5, 1.0, size=(45, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 60 and 45 samples > 3 dims: no FewSamplesWarning
        low, high = bootstrap_ci(frechet_distance_from_embeddings, x, y, n_resamples=30, seed=3)
    assert 0 <= low < high
    a = np.arange(20.0)
    assert bootstrap_ci(lambda p, q: np.mean(p == q), a, a, n_resamples=20, paired=True) == (1.0, 1.0)
    assert bootstrap_ci(lambda p, q: np.mean(p == q), a, a, n_resamples=20)[1] < 1.0
    with pytest.raises(ValueError, match="equal length"):
        bootstrap_ci(lambda p, q: 0.0, a, a[:5], paired=True)
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci(a, confidence=95)
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_ci(lambda p: np.nan, a, n_resamples=5)


# ---------------------------------------------------------------- KL variants (directions, eps=None)
def _brute_kl_exact(p_logits, q_logits):
    # sum p (log_softmax(p) - log_softmax(q)), the av-benchmark form, with plain math
    out = []
    for p_row, q_row in zip(p_logits, q_logits):
        lzp = math.log(sum(math.exp(v) for v in p_row))
        lzq = math.log(sum(math.exp(v) for v in q_row))
        out.append(sum(math.exp(a - lzp) * ((a - lzp) - (b - lzq)) for a, b in zip(p_row, q_row)))
    return out


def _kl_pair():
    rng = np.random.default_rng(21)
    return rng.normal(size=(6, 13)) * 3, rng.normal(size=(6, 13)) * 2 - np.arange(13) * 0.25


def test_kl_default_and_reverse_keyword_unchanged():
    ref, gen = _kl_pair()
    r = kl_divergence(ref, gen)
    assert (r.direction, r.eps) == ("KL(ref||gen)", 1e-6)
    np.testing.assert_allclose(r.per_pair, _brute_kl(ref.tolist(), gen.tolist()), rtol=1e-10)
    rev = kl_divergence(ref, gen, reverse=True)
    np.testing.assert_array_equal(rev.per_pair, kl_divergence(ref, gen, direction="gen||ref").per_pair)
    assert rev.direction == "KL(gen||ref)"
    # positional reverse (as compute.kl_entry passes it by keyword; both stay valid)
    assert kl_divergence(ref, gen, True).direction == "KL(gen||ref)"


@pytest.mark.parametrize("direction, label", [("ref||gen", "KL(ref||gen)"), ("gen||ref", "KL(gen||ref)")])
def test_kl_exact_log_softmax_matches_brute_force(direction, label):
    ref, gen = _kl_pair()
    r = kl_divergence(ref, gen, direction=direction, eps=None)
    p, q = (ref, gen) if direction == "ref||gen" else (gen, ref)
    np.testing.assert_allclose(r.per_pair, _brute_kl_exact(p.tolist(), q.tolist()), rtol=1e-10)
    assert (r.direction, r.eps) == (label, None)
    assert r.value == pytest.approx(np.mean(r.per_pair), rel=1e-15)
    # with logits of this spread the 1e-6 floor barely matters, but it is not nothing
    assert r.value != kl_divergence(ref, gen, direction=direction).value


def test_kl_exact_form_is_av_benchmarks_kl_div_sum_over_n():
    # torch's kl_div(log_softmax(gen), log_softmax(ref), reduction="sum", log_target=True) / N
    # = (1/N) sum_i sum_c p_ref (log p_ref - log p_gen); re-derived here with scipy
    from scipy.special import log_softmax, rel_entr, softmax
    ref, gen = _kl_pair()
    expected = rel_entr(softmax(ref, axis=1), softmax(gen, axis=1)).sum() / len(ref)
    assert kl_divergence(ref, gen, eps=None).value == pytest.approx(expected, rel=1e-10)
    lr, lg = log_softmax(ref, axis=1), log_softmax(gen, axis=1)
    assert kl_divergence(ref, gen, eps=None).value == pytest.approx((np.exp(lr) * (lr - lg)).sum() / 6, rel=1e-12)


@pytest.mark.parametrize("eps", [1e-6, None])
def test_kl_symmetric_is_the_sum_of_both_directions(eps):
    ref, gen = _kl_pair()
    s = kl_divergence(ref, gen, direction="symmetric", eps=eps)
    a = kl_divergence(ref, gen, direction="ref||gen", eps=eps)
    b = kl_divergence(ref, gen, direction="gen||ref", eps=eps)
    np.testing.assert_allclose(s.per_pair, a.per_pair + b.per_pair, rtol=1e-14)
    assert s.value == pytest.approx(a.value + b.value, rel=1e-12)
    assert s.direction == "KL(ref||gen)+KL(gen||ref)" and s.eps == eps
    # swapping the sets leaves the symmetric sum unchanged
    np.testing.assert_allclose(kl_divergence(gen, ref, direction="symmetric", eps=eps).per_pair, s.per_pair,
                               rtol=1e-12)


def test_kl_exact_form_is_zero_on_identical_rows_and_never_negative():
    ref = np.array([[800.0, 0.0, -800.0], [1.0, 2.0, 3.0]])
    assert kl_divergence(ref, ref, eps=None).per_pair.tolist() == [0.0, 0.0]
    assert kl_divergence(ref, ref).value < 0.0  # the protocol's floor: a hair below 0
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(200, 7)) * 4, rng.normal(size=(200, 7)) * 4
    assert (kl_divergence(x, y, eps=None).per_pair >= 0).all()
    assert (kl_divergence(x, y, direction="symmetric", eps=None).per_pair >= 0).all()
    # extreme logits stay finite in the exact form (no exp/log round trip)
    big = kl_divergence(np.array([[700.0, -700.0]]), np.array([[-700.0, 700.0]]), eps=None)
    assert big.value == pytest.approx(1400.0, rel=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    ({"direction": "forward"}, "direction must be one of"),
    ({"direction": "ref||gen", "reverse": True}, "contradicts"),
    ({"direction": "symmetric", "reverse": True}, "contradicts"),
    ({"eps": 0.0}, "positive float"),
    ({"eps": -1e-6}, "positive float"),
    ({"eps": float("nan")}, "positive float"),
    ({"eps": "1e-6"}, "positive float"),
])
def test_kl_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kl_divergence(np.zeros((2, 3)), np.zeros((2, 3)), **kwargs)


def test_kl_reverse_with_matching_direction_is_allowed():
    ref, gen = _kl_pair()
    r = kl_divergence(ref, gen, reverse=True, direction="gen||ref", eps=None)
    assert r.direction == "KL(gen||ref)"


@pytest.mark.parametrize("n, m, d", [(6, 9, 64), (40, 30, 8)])  # rows < dims (SVD path), rows > dims
def test_weighted_frechet_distance_equals_the_covariance_path(n, m, d):
    """Reference: frechet_distance on weighted_moments (d x d eigenvalues); rel 1e-9."""
    from imagehear.scores.frechet import frechet_distance, weighted_frechet_distance, weighted_moments

    rng = np.random.default_rng(n)
    x, y = rng.normal(size=(n, d)), rng.normal(0.5, 2.0, size=(m, d))
    wx, wy = rng.poisson(1.0, size=n).astype(float), rng.uniform(0.5, 2.0, size=m)
    wx[:2] = [0.0, 3.0]  # a dropped row and a repeated one
    slow = frechet_distance(*weighted_moments(x, wx), *weighted_moments(y, wy))
    assert weighted_frechet_distance(x, wx, y, wy) == pytest.approx(slow, rel=1e-9)


# ---------------------------------------------------------------- purity
def _package_imports(path: Path) -> list[str]:
    """Every ``imagehear...`` module a source file imports (relative imports resolved)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: "from . import x" inside imagehear/scores
                base = ".".join(["imagehear", "scores"][:3 - node.level] + ([base] if base else []))
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return [name for name in found if name == "imagehear" or name.startswith("imagehear.")]


@pytest.mark.parametrize("path", sorted(SCORES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_scores_import_nothing_else_of_the_package(path):
    """scores/ is pure maths: benchmark facts (protocol) come in as arguments from compute."""
    outside = [name for name in _package_imports(path) if not name.startswith("imagehear.scores")]
    assert not outside, f"{path.name} imports {outside}"


def test_the_purity_check_sees_package_imports(tmp_path):
    """The check above must catch each import form, or it proves nothing."""
    for line in ["from imagehear import protocol", "import imagehear.protocol", "from imagehear.protocol import X",
                 "from .. import protocol", "import imagehear"]:
        source = tmp_path / "mod.py"
        source.write_text(line + "\n")
        assert [n for n in _package_imports(source) if not n.startswith("imagehear.scores")], line
