"""Pure metric math on numpy arrays (float64): no models, no torch.

Each score takes embeddings or logits and returns a float or a small frozen result
object; evaluate modules, the suite and the CLI only call these.

>>> import numpy as np
>>> from imagehear import scores
>>> rng = np.random.default_rng(0)
>>> a, b = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
>>> round(scores.clip_score(a, a).value, 6), round(scores.frechet_distance_from_embeddings(a, a), 9)
(100.0, 0.0)
"""
from imagehear.scores.bootstrap import (
    CLUSTER_METHOD, ClusterDesign, bootstrap_ci, cluster_bootstrap_ci, interval, reference_seed, stratified_means,
    two_sided_p
)
from imagehear.scores.chance import (
    mismatched_clap_score, mismatched_clip_score, prior_guess_accuracy, shuffled_accuracy
)
from imagehear.scores.classifier import (
    KL_DIRECTIONS, KL_EPS, OTHER, AccuracyResult, KLResult, classifier_accuracy, kl_divergence
)
from imagehear.scores.frechet import (
    FewSamplesWarning, GaussianStats, covariance_rank, frechet_distance, frechet_distance_from_embeddings,
    frechet_distance_from_stats, trace_sqrt_product, weighted_frechet_distance, weighted_moments
)
from imagehear.scores.frechet_inf import MIN_N as FD_INF_MIN_N
from imagehear.scores.frechet_inf import SAMPLING as FD_INF_SAMPLING
from imagehear.scores.frechet_inf import STEPS as FD_INF_STEPS
from imagehear.scores.frechet_inf import FrechetInfResult, frechet_distance_inf, subset_sizes
from imagehear.scores.inception import IS_SEED, IS_SPLITS, InceptionScoreResult, inception_score
from imagehear.scores.kernel import (
    BANDWIDTH_MAX_ROWS, BANDWIDTH_SEED, KAD_SCALE, KADResult, kernel_audio_distance, kernel_audio_distance_resampled,
    median_pairwise_distance
)
from imagehear.scores.paired import Difference, paired_difference, resampled_pair_difference
from imagehear.scores.similarity import SimilarityResult, clap_score, clip_score, clip_score_frames, per_class_mean

__all__ = [
    "BANDWIDTH_MAX_ROWS", "BANDWIDTH_SEED",
    "CLUSTER_METHOD", "ClusterDesign", "Difference", "cluster_bootstrap_ci", "interval", "kernel_audio_distance_resampled",
    "mismatched_clap_score", "mismatched_clip_score", "paired_difference", "prior_guess_accuracy",
    "reference_seed", "resampled_pair_difference", "shuffled_accuracy", "stratified_means", "two_sided_p", "weighted_frechet_distance", "covariance_rank", "weighted_moments",
    "AccuracyResult", "FewSamplesWarning", "GaussianStats", "IS_SEED", "IS_SPLITS", "InceptionScoreResult",
    "KADResult", "KAD_SCALE", "KLResult", "KL_DIRECTIONS", "KL_EPS", "OTHER", "SimilarityResult",
    "bootstrap_ci", "clap_score", "classifier_accuracy", "clip_score", "clip_score_frames", "frechet_distance",
    "frechet_distance_from_embeddings", "frechet_distance_from_stats", "inception_score",
    "kernel_audio_distance", "kl_divergence", "median_pairwise_distance", "per_class_mean",
    "trace_sqrt_product", "FrechetInfResult", "frechet_distance_inf", "subset_sizes",
    "FD_INF_MIN_N", "FD_INF_SAMPLING", "FD_INF_STEPS",
]
