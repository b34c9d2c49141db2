"""Intervals that respect the plan: cluster bootstrap, set-level intervals, KAD by index, chance levels."""
import numpy as np
import pytest

from imagehear import compute, protocol, samples, scores

PLAN = protocol.generation_plan()
LABELS = [r.label for r in PLAN]
IMAGES = [r.image for r in PLAN]
IMAGE_INDEX = np.unique(IMAGES, return_inverse=True)[1]


def clustered_values(seed=0, sd_image=1.0, sd_clip=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, sd_image, 100)[IMAGE_INDEX] + rng.normal(0, sd_clip, len(PLAN))


def width(ci):
    return ci[1] - ci[0]


def test_cluster_interval_is_wider_than_iid_when_images_matter_and_not_otherwise():
    """Fails if the cluster bootstrap degenerates to i.i.d. clips (ratio ~1 on clustered data)."""
    values = clustered_values(sd_image=1.0)
    iid = scores.bootstrap_ci(values, n_resamples=300)
    clustered = scores.cluster_bootstrap_ci(values, LABELS, IMAGES, n_resamples=300)
    # design effect 1 + (36 - 1) * 0.5 ~ 18.5: the interval is ~4x as wide
    assert width(clustered) / width(iid) > 3.0
    flat = clustered_values(sd_image=0.0)
    ratio = width(scores.cluster_bootstrap_ci(flat, LABELS, IMAGES, n_resamples=300)) / width(
        scores.bootstrap_ci(flat, n_resamples=300))
    assert 0.8 < ratio < 1.35
    assert clustered[0] <= values.mean() <= clustered[1]


def test_rescaled_bootstrap_variance_is_the_unbiased_stratified_estimate():
    """Rao-Wu: var* equals sum_h share_h^2 s_h^2 / n_h over image means (a plain redraw of
    n_h of n_h images would give (n_h - 1) / n_h of it: half with 2 images per class)."""
    values = clustered_values(seed=1)
    design = scores.ClusterDesign(LABELS, IMAGES)
    dist = scores.stratified_means(values, design, n_resamples=20000, seed=0)
    sums = np.bincount(design.unit_of_row, weights=values)
    expected = 0.0
    for units, share in zip(design.strata_units, design.stratum_share):
        means = sums[units] / design.unit_size[units]
        expected += share ** 2 * means.var(ddof=1) / len(units)
    assert dist.var() == pytest.approx(expected, rel=0.05)
    assert design.df == 70 and design.n_units == 100


def test_cluster_bootstrap_is_seeded_and_records_its_method():
    values = clustered_values(seed=2)
    a = scores.cluster_bootstrap_ci(values, LABELS, IMAGES, n_resamples=200, seed=3)
    assert a == scores.cluster_bootstrap_ci(values, LABELS, IMAGES, n_resamples=200, seed=3)
    assert a != scores.cluster_bootstrap_ci(values, LABELS, IMAGES, n_resamples=200, seed=4)
    entry, _ = compute.clip_score_entry(np.random.default_rng(0).normal(size=(len(PLAN), 8)),
                                        np.random.default_rng(1).normal(size=(100, 8))[IMAGE_INDEX], LABELS,
                                        seed=3, n_resamples=50, images=IMAGES)
    method = entry["ci_method"]
    assert method["unit"] == "image within class" and method["seed"] == 3 and method["n_resamples"] == 50
    assert method["units"] == 100 and method["strata"] == 30
    no_images, _ = compute.clip_score_entry(np.ones((4, 2)) + np.eye(4, 2), np.ones((4, 2)), ["Dog"] * 4,
                                            n_resamples=20)
    assert no_images["ci_method"]["unit"].startswith("clip within class (no image ids")


def test_a_class_with_one_image_resamples_its_clips():
    design = scores.ClusterDesign(["Dog"] * 3 + ["Cat"] * 4, ["d1"] * 3 + ["c1", "c1", "c2", "c2"])
    assert design.n_units == 5 and design.single_unit_strata == ["Dog"]
    assert "one image" in design.record(0, 10)["single_image_strata"]
    dist = scores.stratified_means(np.arange(7.0), design, n_resamples=50)
    assert np.std(dist) > 0


def test_set_level_interval_holds_the_value_where_the_percentile_one_did_not():
    rng = np.random.default_rng(0)
    gen, ref = rng.normal(size=(200, 16)) + 0.25, rng.normal(size=(200, 16))
    value = scores.frechet_distance_from_embeddings(gen, ref)
    old = scores.bootstrap_ci(scores.frechet_distance_from_embeddings, gen, ref, n_resamples=50, seed=0)
    assert old[0] > value  # duplicates inflate FD: the whole percentile interval lies above it
    entry = compute.frechet_entry(list(gen[:, None]), list(ref[:, None]), seed=0, n_resamples=50, unit="rows")
    assert entry["ci95"][0] <= value <= entry["ci95"][1]
    assert entry["ci_method"]["bias_estimate"] > 0 and entry["ci_method"]["recentred"] is True


def test_kad_resampled_by_index_equals_direct_recomputation():
    rng = np.random.default_rng(4)
    ref, gen = rng.normal(size=(25, 5)), rng.normal(0.4, 1.0, size=(18, 5))
    idx_r, idx_g = rng.integers(0, 25, (6, 25)), rng.integers(0, 18, (6, 18))
    w_r = np.stack([np.bincount(i, minlength=25) for i in idx_r])
    w_g = np.stack([np.bincount(i, minlength=18) for i in idx_g])
    fast = scores.kernel_audio_distance_resampled(ref, gen, w_r, w_g, bandwidth=2.5)
    direct = [scores.kernel_audio_distance(ref[r], gen[g], bandwidth=2.5).value for r, g in zip(idx_r, idx_g)]
    np.testing.assert_allclose(fast, direct, rtol=1e-10)
    ones = scores.kernel_audio_distance_resampled(ref, gen, np.ones((1, 25)), np.ones((1, 18)), bandwidth=2.5)
    assert ones[0] == pytest.approx(scores.kernel_audio_distance(ref, gen, bandwidth=2.5).value, rel=1e-12)


def test_kad_keeps_its_interval_above_4000_clips():
    rng = np.random.default_rng(5)
    gen, ref = rng.normal(0.1, 1.0, size=(2100, 4)), rng.normal(size=(2000, 4))
    entry = compute.kad_entry(gen, ref, n_resamples=20)
    assert entry["ci95"][0] <= entry["value"] <= entry["ci95"][1] and "ci95_note" not in entry


def test_chance_levels_beside_the_headlines():
    rng = np.random.default_rng(6)
    image_vecs = rng.normal(size=(100, 32))
    audio = image_vecs[IMAGE_INDEX] + 0.5 * rng.normal(size=(len(PLAN), 32))  # audio that matches its image
    entry, _ = compute.clip_score_entry(audio, image_vecs[IMAGE_INDEX], LABELS, n_resamples=20, images=IMAGES)
    assert entry["value"] > 80 and abs(entry["chance"]["value"]) < 5
    assert "other classes" in entry["chance"]["definition"]
    prior, guess = scores.prior_guess_accuracy(LABELS)
    shares = {}
    for name, info in protocol.CLASSES.items():
        for i in info.audioset_indices:
            shares[i] = shares.get(i, 0) + 1 / 30
    assert prior == pytest.approx(100 * max(v for i, v in shares.items()
                                            if i not in protocol.EXCLUDED_AUDIOSET_INDICES))
    logits = rng.normal(size=(len(PLAN), 527))
    acc, _ = compute.accuracy_entry(logits, LABELS, n_resamples=20, images=IMAGES)
    assert acc["chance"]["value"] == prior and 0 <= acc["chance"]["shuffled"] <= 100
    text = rng.normal(size=(30, 32))
    clap, _ = compute.clap_score_entry(text[[protocol.CLASS_NAMES.index(l) for l in LABELS]], text, LABELS,
                                       n_resamples=20, images=IMAGES)
    assert clap["value"] == pytest.approx(100.0) and clap["chance"]["value"] < 20


def test_per_sample_block_round_trips_and_recomputes_the_headline_exactly():
    rng = np.random.default_rng(7)
    entry, values = compute.clip_score_entry(rng.normal(size=(len(PLAN), 8)), rng.normal(size=(len(PLAN), 8)),
                                             LABELS, n_resamples=10, images=IMAGES)
    rows = [{"file": r.file, "label": r.label, "image": r.image, "clip_score": v, "kl": None if i % 7 else 0.5}
            for i, (r, v) in enumerate(zip(PLAN, values))]
    block = samples.pack(rows)
    back = samples.unpack(block)
    assert samples.headline(back, "clip_score") == entry["value"]  # the same float, not approximately
    assert samples.per_class(back, "clip_score") == entry["per_class"]
    assert back.units[0] == PLAN[0].image and np.isnan(back.columns["kl"][1])
    for bad, why in [(dict(block, n=5), "per_sample.file"), (dict(block, format="x"), "format"),
                     ({**block, "columns": {"clip_score": ["1"] * len(PLAN)}}, "not a finite number"),
                     ({**block, "columns": {"evil": []}}, "unknown column"), ([], "not an object")]:
        with pytest.raises(ValueError, match=why):
            samples.unpack(bad)
