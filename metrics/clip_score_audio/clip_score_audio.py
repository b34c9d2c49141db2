"""IMAGE HEAR clip score (CS): how well generated audio matches its conditioning image."""
import datasets
import evaluate

from imagehear import api  # From: image-hear==0.1.0

_DESCRIPTION = """CS = 100 x mean cosine similarity between the Wav2CLIP embedding of each generated clip
(16 kHz, frozen MLP projection on, each clip normalised by its own statistics) and the CLIP ViT-B/32
embedding of its conditioning image (OpenAI preprocessing), both L2-normalised; no clamp at 0.
Protocol v1 of the image-hear toolkit (the Im2Wav paper's CS, with every open choice fixed)."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: generated audio, as file paths or 1-D float arrays (then give `sampling_rate`).
    references: the conditioning images, as file paths or PIL images, one per prediction.
    sampling_rate: sample rate of array inputs.
    labels: optional IMAGE HEAR class names or ids, one per prediction, for per-class values.
    weights_dir: folder with `Wav2CLIP.pt` and `clip-vit-base-patch32/` (else caches / download).
    device: "auto" (default), "cpu", "cuda", "mps". batch_size: clips per forward pass.
    cache_dir: embedding cache (default ~/.cache/imagehear/embeddings). seed: bootstrap seed.
Returns:
    clip_score: 100 x mean cosine; ci95: seeded 95 % percentile bootstrap; n; per_class (with labels);
    per_sample: the score of each pair.
Examples:
    >>> cs = evaluate.load("metrics/clip_score_audio")
    >>> cs.compute(predictions=["dog_000.wav"], references=["dog1.jpg"], weights_dir="weights")["clip_score"]
"""

_CITATION = """@inproceedings{sheffer2023hear,
  title={I Hear Your True Colors: Image Guided Audio Generation},
  author={Sheffer, Roy and Adi, Yossi}, booktitle={ICASSP}, year={2023}}
@inproceedings{wu2022wav2clip,
  title={Wav2CLIP: Learning Robust Audio Representations from CLIP},
  author={Wu, Ho-Hsiang and Seetharaman, Prem and Kumar, Kundan and Bello, Juan Pablo},
  booktitle={ICASSP}, year={2022}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ClipScoreAudio(api.DirectInputs, evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            reference_urls=["https://arxiv.org/abs/2211.03089"])

    def _compute(self, predictions, references, sampling_rate=None, labels=None, weights_dir=None,
                 device="auto", batch_size=None, cache_dir=None, seed=0):
        return api.clip_score_audio(predictions, references, sampling_rate=sampling_rate, labels=labels,
                                    weights_dir=weights_dir, device=device, batch_size=batch_size,
                                    cache_dir=cache_dir, seed=seed)
