import numpy as np
import pytest

from imagehear import compute, scores
from imagehear.errors import ImageHearError


def test_fad_resample_by_clip_weights_equals_concatenating_resampled_clips():
    rng = np.random.default_rng(3)
    gen = [rng.normal(size=(int(rng.integers(3, 9)), 6)) for _ in range(12)]
    ref = [rng.normal(0.3, 1.2, size=(int(rng.integers(3, 9)), 6)) for _ in range(9)]
    g_idx, r_idx = rng.integers(0, 12, 12), rng.integers(0, 9, 9)
    weighted = compute.frechet_statistic(gen, ref)(np.bincount(g_idx, minlength=12)[None],
                                                   np.bincount(r_idx, minlength=9)[None])
    direct = scores.frechet_distance_from_embeddings(np.concatenate([gen[i] for i in g_idx]),
                                                     np.concatenate([ref[i] for i in r_idx]))
    np.testing.assert_allclose(weighted, [direct], rtol=1e-9)
    entry = compute.frechet_entry(gen, ref, seed=5, n_resamples=40)
    assert entry["value"] == scores.frechet_distance_from_embeddings(np.concatenate(gen), np.concatenate(ref))
    assert entry["n_generated"] == sum(len(c) for c in gen) and entry["n_reference_clips"] == 9
    assert entry["ci_method"]["recentred"] and entry["ci_method"]["seed"] == 5


def test_entries_carry_per_class_values_and_cis():
    rng = np.random.default_rng(0)
    labels = ["Dog", "Cat", "Dog", "Rain"]
    entry, per_sample = compute.clip_score_entry(rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), labels)
    assert entry["per_class"]["Dog"] == np.mean(per_sample[[0, 2]])
    assert entry["ci95"][0] <= entry["value"] <= entry["ci95"][1]
    text = rng.normal(size=(30, 8))
    clap, _ = compute.clap_score_entry(rng.normal(size=(4, 8)), text, labels)
    assert set(clap["per_class"]) == {"Cat", "Dog", "Rain"}
    assert compute.clap_prompts()[0] == "This is a sound of accordion."


def test_too_few_frames_or_clips_is_a_clear_error():
    one_frame = [np.ones((1, 4))]
    with pytest.raises(ImageHearError, match="FAD needs at least 2 VGGish frames"):
        compute.frechet_entry(one_frame, [np.ones((3, 4))])
    with pytest.raises(ImageHearError, match="KAD needs at least 2 clips per set, got 1 generated"):
        compute.kad_entry(np.ones((1, 4)), np.ones((5, 4)))
