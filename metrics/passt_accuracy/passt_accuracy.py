"""IMAGE HEAR accuracy: does a pretrained audio classifier (PaSST) hear the image's class?"""
import datasets
import evaluate

from imagehear import api  # From: image-hear==0.1.0

_DESCRIPTION = """Top-1 accuracy (%) of PaSST (passt_s_swa_p16_128_ap476, 32 kHz, eval mode, hear21passt's
mel front end) on generated clips: the top class over the 527 AudioSet logits, after removing the 33
excluded classes, must be in the published AudioSet set of the image's IMAGE HEAR class. Clips up to
10 s go in as they are; longer ones in 10 s windows with 5 s hop, logits averaged. Protocol v1 of the
image-hear toolkit (the Im2Wav paper's accuracy, every open choice fixed)."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: generated audio, as file paths or 1-D float arrays (then give `sampling_rate`).
    references: IMAGE HEAR class names (e.g. "Dog") or class ids (0..29, sorted names), one per clip.
    sampling_rate: sample rate of array inputs. pad_to_10s: zero-pad to 10 s (av-benchmark parity).
    weights_dir: folder with `passt-s-f128-p16-s10-ap.476-swa.pt` (else caches / download).
    device, batch_size, cache_dir, seed: as in every image-hear module.
Returns:
    accuracy (%), ci95, top5 (%), n, per_class (%), confusion (intended -> predicted class counts),
    predicted (the top AudioSet label of each clip).
Examples:
    >>> acc = evaluate.load("metrics/passt_accuracy")
    >>> acc.compute(predictions=["dog_000.wav"], references=["Dog"], weights_dir="weights")["accuracy"]
"""

_CITATION = """@inproceedings{sheffer2023hear,
  title={I Hear Your True Colors: Image Guided Audio Generation},
  author={Sheffer, Roy and Adi, Yossi}, booktitle={ICASSP}, year={2023}}
@inproceedings{koutini2022passt,
  title={Efficient Training of Audio Transformers with Patchout},
  author={Koutini, Khaled and Schl{\\"u}ter, Jan and Eghbal-zadeh, Hamid and Widmer, Gerhard},
  booktitle={Interspeech}, year={2022}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class PasstAccuracy(api.DirectInputs, evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            reference_urls=["https://arxiv.org/abs/2211.03089", "https://github.com/kkoutini/PaSST"])

    def _compute(self, predictions, references, sampling_rate=None, weights_dir=None, device="auto",
                 batch_size=None, cache_dir=None, seed=0, pad_to_10s=False):
        return api.passt_accuracy(predictions, references, sampling_rate=sampling_rate, weights_dir=weights_dir,
                                  device=device, batch_size=batch_size, cache_dir=cache_dir, seed=seed,
                                  pad_to_10s=pad_to_10s)
