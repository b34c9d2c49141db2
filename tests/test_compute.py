"""imagehear.metrics.compute's entries against the definitions written out in numpy here (never the
function under test, nor the imagehear.scores maths it calls)."""
import numpy as np
import pytest
import scipy.linalg

from imagehear.metrics import compute

from imagehear import protocol
from imagehear.errors import ImageHearError


def fd_by_hand(x, y) -> float:
    """|mu_x - mu_y|^2 + tr(S_x + S_y - 2 (S_x S_y)^1/2), unbiased covariances (np.cov), scipy's sqrtm."""
    mu_x, mu_y = x.mean(axis=0), y.mean(axis=0)
    s_x, s_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = scipy.linalg.sqrtm(s_x @ s_y).real
    return float(((mu_x - mu_y) ** 2).sum() + np.trace(s_x) + np.trace(s_y) - 2 * np.trace(root))


def cosines_by_hand(a, b) -> np.ndarray:
    """100 x cosine of row i of ``a`` with row i of ``b``."""
    return 100.0 * np.einsum("nd,nd->n", a, b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_fad_resample_by_clip_weights_equals_concatenating_resampled_clips():
    rng = np.random.default_rng(3)
    gen = [rng.normal(size=(int(rng.integers(3, 9)), 6)) for _ in range(12)]
    ref = [rng.normal(0.3, 1.2, size=(int(rng.integers(3, 9)), 6)) for _ in range(9)]
    g_idx, r_idx = rng.integers(0, 12, 12), rng.integers(0, 9, 9)
    weighted = compute.frechet_statistic(gen, ref)(np.bincount(g_idx, minlength=12)[None],
                                                   np.bincount(r_idx, minlength=9)[None])
    direct = fd_by_hand(np.concatenate([gen[i] for i in g_idx]), np.concatenate([ref[i] for i in r_idx]))
    np.testing.assert_allclose(weighted, [direct], rtol=1e-8)
    entry = compute.frechet_entry(gen, ref, seed=5, n_resamples=40)
    assert entry["value"] == pytest.approx(fd_by_hand(np.concatenate(gen), np.concatenate(ref)), rel=1e-8)
    assert entry["value"] > 0.1  # the sets differ (mean 0.3, scale 1.2): not a comparison of two zeros
    assert entry["n_generated"] == sum(len(c) for c in gen) and entry["n_reference_clips"] == 9
    assert entry["ci_method"]["recentred"] and entry["ci_method"]["seed"] == 5


def test_entries_carry_per_class_values_and_cis():
    rng = np.random.default_rng(0)
    labels = ["Dog", "Cat", "Dog", "Rain"]
    audio, image = rng.normal(size=(4, 8)), 3.0 * rng.normal(size=(4, 8))  # raw rows: the score normalises
    entry, per_sample = compute.clip_score_entry(audio, image, labels)
    cos = cosines_by_hand(audio, image)
    np.testing.assert_allclose(per_sample, cos, rtol=1e-12)
    assert entry["value"] == pytest.approx(cos.mean(), rel=1e-12)
    assert entry["per_class"] == pytest.approx({"Dog": (cos[0] + cos[2]) / 2, "Cat": cos[1], "Rain": cos[3]},
                                               rel=1e-12)
    assert entry["n"] == 4 and entry["ci95"][0] <= entry["value"] <= entry["ci95"][1]
    text = rng.normal(size=(30, 8))  # one row per class, in CLASS_NAMES order
    clap_audio = rng.normal(size=(4, 8))
    clap, clap_per_sample = compute.clap_score_entry(clap_audio, text, labels)
    own_text = text[[protocol.CLASS_NAMES.index(label) for label in labels]]
    cos = cosines_by_hand(clap_audio, own_text)
    np.testing.assert_allclose(clap_per_sample, cos, rtol=1e-12)
    assert clap["value"] == pytest.approx(cos.mean(), rel=1e-12)
    assert clap["per_class"] == pytest.approx({"Dog": (cos[0] + cos[2]) / 2, "Cat": cos[1], "Rain": cos[3]},
                                              rel=1e-12)
    assert compute.clap_prompts()[0] == "This is a sound of accordion."


def test_too_few_frames_or_clips_is_a_clear_error():
    one_frame = [np.ones((1, 4))]
    with pytest.raises(ImageHearError, match="FAD needs at least 2 VGGish frames"):
        compute.frechet_entry(one_frame, [np.ones((3, 4))])
    with pytest.raises(ImageHearError, match="KAD needs at least 2 clips per set, got 1 generated"):
        compute.kad_entry(np.ones((1, 4)), np.ones((5, 4)))
