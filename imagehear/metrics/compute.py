"""Embeddings → result entries: the score functions plus CIs, chance levels and per-class breakdowns.

Every interval resamples the plan's units: conditioning images within classes
(:class:`imagehear.scores.ClusterDesign`), recorded in each entry's ``ci_method`` and in
:func:`bootstrap_config`; docs/statistics.md explains the methods and their coverage.

Pure: arrays in, JSON-able dicts out (the shapes of docs/results_schema.md). Used by the
suite, the CLI and the evaluate modules alike, so all three give the same numbers.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, i = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
>>> entry, per_sample = clip_score_entry(a, i, ["Dog", "Cat"] * 3, n_resamples=50)
>>> sorted(entry), entry["n"]
(['chance', 'ci95', 'ci_method', 'n', 'per_class', 'value'], 6)
"""
from __future__ import annotations

import numpy as np

from imagehear import protocol, scores
from imagehear.errors import ImageHearError

N_RESAMPLES = 1000      # per-sample scores: cheap
N_RESAMPLES_SET = 100   # set-level scores (FAD, KAD): one full computation per resample
CLAP_PROMPT = "This is a sound of {}."  # LAION-CLAP's zero-shot template
# The benchmark facts the pure scores take as arguments (imagehear.scores imports nothing of
# the package): each class's AudioSet label indices, and the labels the protocol excludes.
AUDIOSET_SETS = {name: info.audioset_indices for name, info in protocol.CLASSES.items()}


def clap_prompts(class_names=protocol.CLASS_NAMES) -> list[str]:
    return [CLAP_PROMPT.format(name.lower()) for name in class_names]


def bootstrap_config(seed: int = 0) -> dict:
    """results.json ``config.bootstrap``: how every interval of the run was drawn (docs/statistics.md)."""
    return {"method": scores.CLUSTER_METHOD, "confidence": 0.95, "seed": seed,
            "reference_seed": scores.reference_seed(seed), "kad_bandwidth_seed": scores.BANDWIDTH_SEED,
            "n_resamples": N_RESAMPLES, "n_resamples_set": N_RESAMPLES_SET,
            "cluster_unit": "conditioning image within its class: a drawn image brings all its clips",
            "per_sample_metrics": "percentile interval of the resampled means, widened about the value by "
                                  "t(df)/z, df = images - classes",
            "set_metrics": "generated clips resampled by image within class (seed), reference clips i.i.d. "
                           "(reference_seed); the distribution is re-centred by its bias estimate before the "
                           "percentile",
            "kad_bandwidth": "median pairwise distance of the reference clips; above "
                             f"{scores.BANDWIDTH_MAX_ROWS} clips, of a subsample drawn with kad_bandwidth_seed",
            "fallback": "without image ids (the Python API without images) clips are resampled as independent; "
                        "each entry's ci_method says which unit it used"}


def _ci(values, labels, images, seed: int, n_resamples: int) -> dict:
    """ci95 and ci_method of a mean of per-clip ``values``: images resampled within classes."""
    values = np.asarray(values, dtype=np.float64)
    design = scores.ClusterDesign(labels, images, n=len(values))
    dist = scores.stratified_means(values, design, n_resamples, seed)
    return {"ci95": list(scores.interval(float(values.mean()), dist, design.df)),
            "ci_method": design.record(seed, n_resamples)}


def _similarity_entry(result, labels, images, seed, n_resamples) -> dict:
    return {"value": result.value, **_ci(result.per_sample, labels, images, seed, n_resamples), "n": len(labels),
            "per_class": scores.per_class_mean(result.per_sample, labels)}


def clip_score_entry(audio_emb, image_emb, labels, seed: int = 0, n_resamples: int = N_RESAMPLES, images=None,
                     label: str = "CLIP score"):
    """CS = 100 × mean cosine(Wav2CLIP audio, CLIP image of the conditioning image); ``images``:
    the conditioning image id of each clip (the bootstrap's unit; None: clips i.i.d.). Any
    audio-image cosine score (``pe_av_score``) uses it too; ``label`` names it in the chance row."""
    result = scores.clip_score(audio_emb, image_emb)
    entry = _similarity_entry(result, labels, images, seed, n_resamples)
    try:
        value, what = scores.mismatched_clip_score(audio_emb, image_emb, labels, images)
        entry["chance"] = {"value": value, "definition": f"{label} of the same clips against {what}"}
    except ValueError as exc:
        entry["chance"] = {"note": str(exc)}
    return entry, result.per_sample


def clip_score_frames_entry(audio_emb, frame_emb, labels, seed: int = 0, n_resamples: int = N_RESAMPLES,
                            images=None):
    """CS over frames: per clip 100 × mean over its frames of cosine(Wav2CLIP audio, CLIP frame);
    ``frame_emb`` has one (F_i, 512) array (or a (512,) image row) per clip; ``images``: the
    conditioning id of each clip (image name, video or frames folder), the bootstrap's unit."""
    result = scores.clip_score_frames(audio_emb, frame_emb)
    counts = [1 if np.ndim(f) == 1 else len(f) for f in frame_emb]
    entry = _similarity_entry(result, labels, images, seed, n_resamples)
    entry["frames_per_clip"] = {"min": min(counts), "mean": float(np.mean(counts)), "max": max(counts)}
    return entry, result.per_sample


def per_clip_mean_entry(values, labels, seed: int = 0, n_resamples: int = N_RESAMPLES, images=None) -> dict:
    """Mean of a per-clip model output (Audiobox Aesthetics' axes): value, cluster-bootstrap ci95, per class.

    >>> entry = per_clip_mean_entry([6.0, 7.0, 5.0, 8.0], ["Dog", "Dog", "Cat", "Cat"], n_resamples=50)
    >>> entry["value"], entry["per_class"]
    (6.5, {'Cat': 6.5, 'Dog': 6.5})
    """
    values = np.asarray(values, dtype=np.float64)
    return {"value": float(values.mean()), **_ci(values, labels, images, seed, n_resamples), "n": len(values),
            "per_class": scores.per_class_mean(values, labels)}


def clap_score_entry(audio_emb, text_emb, labels, seed: int = 0, n_resamples: int = N_RESAMPLES, images=None):
    """100 × mean cosine(CLAP audio, CLAP text of the class prompt); text_emb has a row per class."""
    index = {name: i for i, name in enumerate(protocol.CLASS_NAMES)}
    label_index = np.array([index[l] for l in labels], dtype=int)
    result = scores.clap_score(audio_emb, text_emb, labels=label_index)
    entry = _similarity_entry(result, labels, images, seed, n_resamples)
    entry["chance"] = {"value": scores.mismatched_clap_score(audio_emb, text_emb, label_index),
                       "definition": "CLAP score of the same clips against the prompts of the other classes"}
    return entry, result.per_sample


def accuracy_entry(logits, labels, seed: int = 0, n_resamples: int = N_RESAMPLES, images=None):
    facts = {"classes": AUDIOSET_SETS, "excluded": protocol.EXCLUDED_AUDIOSET_INDICES}
    result = scores.classifier_accuracy(logits, labels, **facts)
    prior, guess = scores.prior_guess_accuracy(labels, n_outputs=np.shape(logits)[1], **facts)
    entry = {"value": result.value, **_ci(100.0 * result.correct, labels, images, seed, n_resamples),
             "n": len(labels), "top5": result.top5, "per_class": result.per_class, "confusion": result.confusion,
             "chance": {"value": prior, "guess": protocol.AUDIOSET_LABELS[guess],
                        "shuffled": scores.shuffled_accuracy(result.predicted, labels, classes=AUDIOSET_SETS),
                        "definition": "value: the best constant AudioSet label for this set's class mix (a "
                                      "class-prior guess); shuffled: this run's predictions permuted across clips"}}
    return entry, result


def kl_entry(ref_logits, gen_logits, labels, seed: int = 0, reverse: bool = False, eps=scores.KL_EPS,
             n_resamples: int = N_RESAMPLES, images=None):
    """Mean KL over pairs (headline direction KL(ref||gen), or KL(gen||ref) with ``reverse``); the
    other direction and the symmetric sum are recorded under ``other_directions``."""
    headline, other = ("gen||ref", "ref||gen") if reverse else ("ref||gen", "gen||ref")
    result = scores.kl_divergence(ref_logits, gen_logits, direction=headline, eps=eps)
    entry = {"value": result.value, **_ci(result.per_pair, labels, images, seed, n_resamples), "n": len(labels),
             "direction": result.direction, "eps": eps,
             "per_class": scores.per_class_mean(result.per_pair, labels),
             "other_directions": {r.direction: r.value for r in (
                 scores.kl_divergence(ref_logits, gen_logits, direction=d, eps=eps) for d in (other, "symmetric"))}}
    return entry, result.per_pair


def inception_entry(logits, names, profile, n_splits: int = 10) -> dict:
    """Inception score of softmax(logits): mean and std over ``n_splits``; the clip order before
    the shuffle is the profile's (as given, or sorted by file stem as av-benchmark lists clips)."""
    from pathlib import PurePath

    stems = [PurePath(n).stem for n in names] if profile.is_order == "sorted by file stem" else None
    result = scores.inception_score(logits, n_splits=n_splits, shuffle_seed=profile.is_shuffle_seed, names=stems)
    return {"value": result.value, "std": result.std, "n_splits": result.n_splits, "n": result.n,
            "order": f"{profile.is_order}, then numpy RandomState({profile.is_shuffle_seed}).permutation",
            "ci95_note": "the inception score reports the std over splits, not a CI"}


def _need_rows(metric: str, unit: str, n_generated: int, n_reference: int) -> None:
    if min(n_generated, n_reference) < 2:
        raise ImageHearError(f"{metric} needs at least 2 {unit} per set, got {n_generated} generated and "
                             f"{n_reference} reference: score more (or longer) clips")


def _set_interval(statistic, value: float, n_generated: int, n_reference: int, labels, images, seed: int,
                  n_resamples: int, floor: float = -np.inf) -> dict:
    """ci95 and ci_method of a set-level statistic: generated clips by image within class,
    reference clips i.i.d.; ``statistic(gen_weights, ref_weights)`` -> one value per resample.
    Bounds below ``floor`` (0 for FD, which cannot be negative) are raised to it."""
    gen_design = scores.ClusterDesign(labels, images, n=n_generated)
    ref_design = scores.ClusterDesign(n=n_reference)
    ref_seed = scores.reference_seed(seed)
    dist = np.asarray(statistic(np.concatenate(list(gen_design.row_weights(n_resamples, seed))),
                                np.concatenate(list(ref_design.row_weights(n_resamples, ref_seed)))))
    if not np.all(np.isfinite(dist)):
        raise ValueError("the statistic returned NaN or Inf on a resample")
    df = min(gen_design.df, ref_design.df)
    low, high = scores.interval(value, dist, df, recentre=True)
    return {"ci95": [max(low, floor), max(high, floor)],
            "ci_method": {**gen_design.record(seed, n_resamples), "reference_unit": "reference clip, i.i.d.",
                          "reference_seed": ref_seed, "recentred": True, "bias_estimate": float(dist.mean() - value)}}


def frechet_statistic(gen_clips: list[np.ndarray], ref_clips: list[np.ndarray]):
    """FD of weighted clip resamples: ``f(gen_weights (b, n), ref_weights (b, m)) -> (b,)``;
    a clip's frames carry its weight (frames of a clip move together)."""
    gen, ref = np.concatenate(gen_clips).astype(np.float64), np.concatenate(ref_clips).astype(np.float64)
    gen_owner = np.repeat(np.arange(len(gen_clips)), [len(c) for c in gen_clips])
    ref_owner = np.repeat(np.arange(len(ref_clips)), [len(c) for c in ref_clips])

    def statistic(gen_w, ref_w):
        return np.array([scores.weighted_frechet_distance(gen, g[gen_owner], ref, r[ref_owner])
                         for g, r in zip(gen_w, ref_w)])

    return statistic


def frechet_entry(gen_clips: list[np.ndarray], ref_clips: list[np.ndarray], seed: int = 0,
                  n_resamples: int = N_RESAMPLES_SET, metric: str = "FAD",
                  unit: str = "VGGish frames (0.96 s each)", labels=None, images=None) -> dict:
    """FD between frames pooled per set; the CI resamples whole clips (by image within class
    when ``labels``/``images`` are given) and is re-centred (FD is biased upward on resamples).

    Clip-level embeddings (PaSST, PANNs) come as one (1, D) array per clip."""
    _need_rows(metric, unit, sum(map(len, gen_clips)), sum(map(len, ref_clips)))
    gen, ref = np.concatenate(gen_clips).astype(np.float64), np.concatenate(ref_clips).astype(np.float64)
    value = scores.frechet_distance_from_embeddings(gen, ref, names=("generated", "reference"))
    entry = {"value": value, **_set_interval(frechet_statistic(gen_clips, ref_clips), value, len(gen_clips),
                                             len(ref_clips), labels, images, seed, n_resamples, floor=0.0),
             "n_generated": int(len(gen)), "n_reference": int(len(ref)),
             "n_generated_clips": len(gen_clips), "n_reference_clips": len(ref_clips),
             "rank_generated": scores.covariance_rank(gen), "rank_reference": scores.covariance_rank(ref)}
    return entry


def frechet_inf_entry(gen_clips: list[np.ndarray], ref_clips: list[np.ndarray], seed: int = 0,
                      metric: str = "FAD∞", unit: str = "VGGish frames (0.96 s each)") -> dict:
    """FD∞ (fadtk's extrapolation in 1/n) of the generated rows against the whole reference set.

    Subset sizes start at fadtk's 500 rows; a generated set of fewer rows starts at half its
    size instead, and the entry says so. No interval: the fit (slope, r2, points) is recorded."""
    n_gen, n_ref = sum(map(len, gen_clips)), sum(map(len, ref_clips))
    if n_gen < 4 or n_ref < 2:
        raise ImageHearError(f"{metric} needs at least 4 generated and 2 reference {unit}, got {n_gen} and "
                             f"{n_ref}: score more (or longer) clips")
    min_n = scores.FD_INF_MIN_N if n_gen >= scores.FD_INF_MIN_N else n_gen // 2
    result = scores.frechet_distance_inf(np.concatenate(gen_clips), np.concatenate(ref_clips), seed=seed,
                                         min_n=min_n, steps=scores.FD_INF_STEPS)
    entry = {"value": result.value, "slope": result.slope, "r2": result.r2,
             "points": [[n, fd] for n, fd in result.points], "seed": seed, "min_n": min_n,
             "steps": result.steps, "sampling": scores.FD_INF_SAMPLING, "subsampled": f"generated {unit}",
             "n_generated": n_gen, "n_reference": n_ref, "n_generated_clips": len(gen_clips),
             "n_reference_clips": len(ref_clips),
             "ci95_note": "FD-inf is an extrapolation: no interval; its fit (slope, r2, points) is recorded"}
    if min_n != scores.FD_INF_MIN_N:
        entry["note"] = (f"the generated set has {n_gen} {unit}, fewer than fadtk's smallest subset "
                         f"({scores.FD_INF_MIN_N}): subset sizes start at half the set, {min_n}")
    return entry


def kad_statistic(gen_emb, ref_emb, bandwidth: float):
    """KAD of weighted resamples from one pass over the kernel: ``f(gen_w, ref_w) -> (b,)``."""
    return lambda gen_w, ref_w: scores.kernel_audio_distance_resampled(ref_emb, gen_emb, ref_w, gen_w, bandwidth)


def kad_entry(gen_emb, ref_emb, seed: int = 0, n_resamples: int = N_RESAMPLES_SET, labels=None, images=None) -> dict:
    """KAD with its CI at any size: the kernel is computed once and resampled by weights. The
    bandwidth's seed and the rows its median was taken over are recorded beside it: above
    ``scores.BANDWIDTH_MAX_ROWS`` reference clips the seed picks the subsample."""
    _need_rows("KAD", "clips", len(gen_emb), len(ref_emb))
    result = scores.kernel_audio_distance(ref_emb, gen_emb)
    return {"value": result.value, **_set_interval(kad_statistic(gen_emb, ref_emb, result.bandwidth), result.value,
                                                   len(gen_emb), len(ref_emb), labels, images, seed, n_resamples),
            "n_generated": result.n_generated, "n_reference": result.n_reference, "bandwidth": result.bandwidth,
            "bandwidth_seed": result.bandwidth_seed, "bandwidth_rows": result.bandwidth_rows}
