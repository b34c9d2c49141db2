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
from imagehear.scores.bootstrap import bootstrap_ci
from imagehear.scores.classifier import (
    KL_DIRECTIONS, KL_EPS, OTHER, AccuracyResult, KLResult, classifier_accuracy, kl_divergence,
)
from imagehear.scores.frechet import (
    FewSamplesWarning, GaussianStats, frechet_distance, frechet_distance_from_embeddings,
    frechet_distance_from_stats, trace_sqrt_product,
)
from imagehear.scores.inception import IS_SEED, IS_SPLITS, InceptionScoreResult, inception_score
from imagehear.scores.kernel import KAD_SCALE, KADResult, kernel_audio_distance, median_pairwise_distance
from imagehear.scores.similarity import SimilarityResult, clap_score, clip_score, per_class_mean

__all__ = [
    "AccuracyResult", "FewSamplesWarning", "GaussianStats", "IS_SEED", "IS_SPLITS", "InceptionScoreResult",
    "KADResult", "KAD_SCALE", "KLResult", "KL_DIRECTIONS", "KL_EPS", "OTHER", "SimilarityResult",
    "bootstrap_ci", "clap_score", "classifier_accuracy", "clip_score", "frechet_distance",
    "frechet_distance_from_embeddings", "frechet_distance_from_stats", "inception_score",
    "kernel_audio_distance", "kl_divergence", "median_pairwise_distance", "per_class_mean",
    "trace_sqrt_product",
]
