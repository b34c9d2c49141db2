"""KL divergence between PaSST label distributions of paired reference and generated clips."""
import datasets
import evaluate

from imagehear import api  # From: image-hear==0.1.0

_DESCRIPTION = """KL(ref||gen) = sum_c p_ref (log p_ref - log(p_gen + 1e-6)), with p = softmax over PaSST's 527
AudioSet logits (passt_s_swa_p16_128_ap476, 32 kHz), per explicit (reference, generated) pair, averaged.
`reverse=True` gives KL(gen||ref), the direction stable-audio-metrics computes. Protocol v1 of the
image-hear toolkit."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: generated audio (file paths or 1-D arrays with `sampling_rate`).
    references: reference audio, one per prediction, paired by position.
    reverse: compute KL(gen||ref) instead. pad_to_10s: zero-pad PaSST input to 10 s.
    weights_dir, device, batch_size, cache_dir, seed: as in every image-hear module.
Returns:
    kl, ci95, n, direction, per_pair.
Examples:
    >>> kl = evaluate.load("metrics/kl")
    >>> kl.compute(predictions=["gen/a.wav"], references=["ref/a.wav"], weights_dir="weights")["kl"]
"""

_CITATION = """@inproceedings{koutini2022passt,
  title={Efficient Training of Audio Transformers with Patchout},
  author={Koutini, Khaled and Schl{\\"u}ter, Jan and Eghbal-zadeh, Hamid and Widmer, Gerhard},
  booktitle={Interspeech}, year={2022}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KL(api.DirectInputs, evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            reference_urls=["https://github.com/kkoutini/PaSST"])

    def _compute(self, predictions, references, sampling_rate=None, reverse=False, weights_dir=None,
                 device="auto", batch_size=None, cache_dir=None, seed=0, pad_to_10s=False):
        return api.kl(predictions, references, sampling_rate=sampling_rate, reverse=reverse, weights_dir=weights_dir,
                      device=device, batch_size=batch_size, cache_dir=cache_dir, seed=seed, pad_to_10s=pad_to_10s)
