"""Embeddings → result entries: the score functions plus CIs and per-class breakdowns.

Pure: arrays in, JSON-able dicts out (the shapes of docs/results_schema.md). Used by the
suite, the CLI and the evaluate modules alike, so all three give the same numbers.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> a, i = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
>>> entry, per_sample = clip_score_entry(a, i, ["Dog", "Cat"] * 3, n_resamples=50)
>>> sorted(entry), entry["n"]
(['ci95', 'n', 'per_class', 'value'], 6)
"""
from __future__ import annotations

import numpy as np

from imagehear import protocol, scores
from imagehear.errors import ImageHearError

N_RESAMPLES = 1000      # per-sample scores: cheap
N_RESAMPLES_SET = 100   # set-level scores (FAD, KAD): one full computation per resample
KAD_CI_MAX_ROWS = 4000  # above this the KAD bootstrap costs minutes: the CI is omitted, with a note
CLAP_PROMPT = "This is a sound of {}."  # LAION-CLAP's zero-shot template


def clap_prompts(class_names=protocol.CLASS_NAMES) -> list[str]:
    return [CLAP_PROMPT.format(name.lower()) for name in class_names]


def _ci(values, seed: int, n_resamples: int = N_RESAMPLES) -> list[float]:
    return list(scores.bootstrap_ci(np.asarray(values, dtype=np.float64), n_resamples=n_resamples, seed=seed))


def _similarity_entry(result, labels, seed, n_resamples) -> dict:
    return {"value": result.value, "ci95": _ci(result.per_sample, seed, n_resamples), "n": len(labels),
            "per_class": scores.per_class_mean(result.per_sample, labels)}


def clip_score_entry(audio_emb, image_emb, labels, seed: int = 0, n_resamples: int = N_RESAMPLES):
    """CS = 100 × mean cosine(Wav2CLIP audio, CLIP image of the conditioning image)."""
    result = scores.clip_score(audio_emb, image_emb)
    return _similarity_entry(result, labels, seed, n_resamples), result.per_sample


def clap_score_entry(audio_emb, text_emb, labels, seed: int = 0, n_resamples: int = N_RESAMPLES):
    """100 × mean cosine(CLAP audio, CLAP text of the class prompt); text_emb has a row per class."""
    index = {name: i for i, name in enumerate(protocol.CLASS_NAMES)}
    result = scores.clap_score(audio_emb, text_emb, labels=np.array([index[l] for l in labels], dtype=int))
    return _similarity_entry(result, labels, seed, n_resamples), result.per_sample


def accuracy_entry(logits, labels, seed: int = 0, n_resamples: int = N_RESAMPLES):
    result = scores.classifier_accuracy(logits, labels)
    entry = {"value": result.value, "ci95": _ci(100.0 * result.correct, seed, n_resamples), "n": len(labels),
             "top5": result.top5, "per_class": result.per_class, "confusion": result.confusion}
    return entry, result


def kl_entry(ref_logits, gen_logits, labels, seed: int = 0, reverse: bool = False, eps=scores.KL_EPS,
             n_resamples: int = N_RESAMPLES):
    """Mean KL over pairs (headline direction KL(ref||gen), or KL(gen||ref) with ``reverse``); the
    other direction and the symmetric sum are recorded under ``other_directions``."""
    headline, other = ("gen||ref", "ref||gen") if reverse else ("ref||gen", "gen||ref")
    result = scores.kl_divergence(ref_logits, gen_logits, direction=headline, eps=eps)
    entry = {"value": result.value, "ci95": _ci(result.per_pair, seed, n_resamples), "n": len(labels),
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


def _resampled_moments(frames: np.ndarray, owner: np.ndarray, clip_idx: np.ndarray):
    """Mean and unbiased covariance of the frames of the resampled clips ``clip_idx``, duplicates
    counted — equal to those of the concatenated frames, without copying them."""
    weight = np.bincount(clip_idx, minlength=owner.max() + 1)[owner].astype(np.float64)
    total = weight.sum()
    mean = weight @ frames / total
    centred = frames - mean
    return mean, (centred * weight[:, None]).T @ centred / (total - 1)


def frechet_entry(gen_clips: list[np.ndarray], ref_clips: list[np.ndarray], seed: int = 0,
                  n_resamples: int = N_RESAMPLES_SET, metric: str = "FAD",
                  unit: str = "VGGish frames (0.96 s each)") -> dict:
    """FD between frames pooled per set; the CI resamples whole clips (frames of a clip move together).

    Clip-level embeddings (PaSST, PANNs) come as one (1, D) array per clip."""
    _need_rows(metric, unit, sum(map(len, gen_clips)), sum(map(len, ref_clips)))
    gen, ref = np.concatenate(gen_clips).astype(np.float64), np.concatenate(ref_clips).astype(np.float64)
    value = scores.frechet_distance_from_embeddings(gen, ref, names=("generated", "reference"))
    gen_owner = np.repeat(np.arange(len(gen_clips)), [len(c) for c in gen_clips])
    ref_owner = np.repeat(np.arange(len(ref_clips)), [len(c) for c in ref_clips])

    def statistic(g_idx, r_idx):
        return scores.frechet_distance(*_resampled_moments(gen, gen_owner, g_idx),
                                       *_resampled_moments(ref, ref_owner, r_idx))

    ci = scores.bootstrap_ci(statistic, np.arange(len(gen_clips)), np.arange(len(ref_clips)),
                             n_resamples=n_resamples, seed=seed)
    return {"value": value, "ci95": list(ci), "n_generated": int(len(gen)), "n_reference": int(len(ref)),
            "n_generated_clips": len(gen_clips), "n_reference_clips": len(ref_clips),
            "rank_generated": int(np.linalg.matrix_rank(np.cov(gen, rowvar=False))) if len(gen) > 1 else 0,
            "rank_reference": int(np.linalg.matrix_rank(np.cov(ref, rowvar=False))) if len(ref) > 1 else 0}


def kad_entry(gen_emb, ref_emb, seed: int = 0, n_resamples: int = N_RESAMPLES_SET) -> dict:
    _need_rows("KAD", "clips", len(gen_emb), len(ref_emb))
    result = scores.kernel_audio_distance(ref_emb, gen_emb)
    entry = {"value": result.value, "n_generated": result.n_generated, "n_reference": result.n_reference,
             "bandwidth": result.bandwidth}
    if result.n_generated + result.n_reference <= KAD_CI_MAX_ROWS:
        entry["ci95"] = list(scores.bootstrap_ci(
            lambda g, r: scores.kernel_audio_distance(r, g, bandwidth=result.bandwidth).value,
            gen_emb, ref_emb, n_resamples=n_resamples, seed=seed))
    else:
        entry["ci95_note"] = f"omitted above {KAD_CI_MAX_ROWS} clips (cost of the kernel bootstrap)"
    return entry
