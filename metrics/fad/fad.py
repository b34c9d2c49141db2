"""Frechet audio distance (VGGish) between a generated and a reference set."""
import datasets
import evaluate

from imagehear import api  # From: image-hear==0.1.0

_DESCRIPTION = """FAD: Frechet distance between Gaussians fitted to VGGish embeddings (torchvggish port of
Google's weights, 16 kHz, one 128-d embedding per 0.96 s frame, PCA off, final ReLU removed - the
av-benchmark / audioldm_eval convention), frames pooled per set, unbiased covariance, computed in float64
from a symmetric eigen-decomposition (never complex, never negative). The two sets need not pair or have
the same size. Warns when a set has no more frames than dimensions (128). Protocol v1 of image-hear."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: generated audio (file paths or 1-D arrays with `sampling_rate`), each >= 0.96 s.
    references: reference audio, any number of clips.
    weights_dir: folder with `vggish-10086976.pth`. device, batch_size, cache_dir, seed: as usual.
Returns:
    fad, ci95 (clips resampled), n_generated / n_reference (frames), n_generated_clips /
    n_reference_clips, rank_generated / rank_reference (covariance ranks).
Examples:
    >>> fad = evaluate.load("metrics/fad")
    >>> fad.compute(predictions=gen_paths, references=ref_paths, weights_dir="weights")["fad"]
"""

_CITATION = """@inproceedings{kilgour2019fad,
  title={Fr{\\'e}chet Audio Distance: A Reference-Free Metric for Evaluating Music Enhancement Algorithms},
  author={Kilgour, Kevin and Zuluaga, Mauricio and Roblek, Dominik and Sharifi, Matthew},
  booktitle={Interspeech}, year={2019}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class FAD(api.DirectInputs, evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            reference_urls=["https://arxiv.org/abs/1812.08466"])

    def _compute(self, predictions, references, sampling_rate=None, weights_dir=None, device="auto",
                 batch_size=None, cache_dir=None, seed=0):
        return api.fad(predictions, references, sampling_rate=sampling_rate, weights_dir=weights_dir,
                       device=device, batch_size=batch_size, cache_dir=cache_dir, seed=seed)
