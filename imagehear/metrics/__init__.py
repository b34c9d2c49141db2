"""The metric registry: every metric described once, in one typed spec.

The suite, the Python API, the report, the leaderboard validator and table, and the
evaluate modules all read :data:`METRICS`; none keeps a list of its own. Adding a metric
is one :class:`MetricSpec` here, one entry function in :mod:`imagehear.metrics.entries`
and its pure maths in :mod:`imagehear.scores`.

This module imports nothing heavy (no numpy, no torch), so the leaderboard and
``image-hear --help`` can read it.

>>> from imagehear.metrics import METRICS, backbones_for, outputs_for
>>> METRICS["fd_passt"].needs, METRICS["fd_passt"].lower_is_better
(('passt.embedding',), True)
>>> outputs_for(["accuracy", "kl", "fd_passt", "is_passt"])   # one PaSST pass serves all four
{'passt': ('embedding', 'logits')}
>>> backbones_for(["clip_score"])
('wav2clip', 'clip')
>>> METRICS["kl"].references, METRICS["accuracy"].references, by_module("passt_accuracy").name
('paired', 'label', 'accuracy')
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# What a metric's references are, and so how its inputs pair: the one vocabulary of the
# pipeline (reference audio), the evaluate modules (what ``references`` holds), their Spaces
# (how uploads pair, imagehear.metrics.pairing) and the cards. kind -> what ``references`` holds.
REFERENCE_KINDS = {
    "none": "not used",
    "paired": "reference clips (file paths or 1-D arrays), one per prediction: each is paired with the "
              "prediction at its position (uploads: by file name without extension)",
    "set": "reference clips (file paths or 1-D arrays), any number: the reference set, not paired",
    "label": "IMAGE HEAR class names (e.g. \"Dog\") or class ids (0..29, sorted names), one per prediction",
    "image": "the conditioning image of each prediction (file paths or PIL images)",
}
# What the ci95 of an entry means (the validator and the cards read this):
#   mean   - cluster bootstrap (images within classes) of a mean of per-sample values: holds the value
#   set    - set-level statistic on clip resamples, re-centred by its bias estimate: holds the value
#            and covers the expected value at this set size (docs/statistics.md)
#   splits - no CI; ``std`` over splits, as the inception score is reported
#   fit    - no CI; an extrapolation whose fit (slope, r2, points) is recorded (FD-inf)
CI_KINDS = ("mean", "set", "splits", "fit")


@dataclass(frozen=True)
class ModuleSpec:
    """The evaluate module of a metric: ``metrics/<name>/`` (Space and Hub id ``imagehear/<name>``).

    What its ``compute`` returns: the value under the metric's name, then ``keys`` of the
    metric's results entry (None: all of it), then per-sample values: ``samples`` maps output keys
    to per-sample columns (None: every column, under ``per_sample``).
    """

    name: str
    title: str | None = None                  # the Space's and card's title (None: the metric's label)
    keys: tuple[str, ...] | None = None
    samples: tuple[tuple[str, str], ...] | None = None
    citation: str = ""                        # BibTeX of the papers behind the metric
    urls: tuple[str, ...] = ("https://github.com/hkchengrex/av-benchmark",)


@dataclass(frozen=True)
class MetricSpec:
    name: str                       # results.json key and CLI name
    label: str                      # what the report calls it
    column: str                     # leaderboard column
    unit: str                       # suffix shown after the value ("" or " %")
    decimals: int
    higher_is_better: bool
    valid_range: tuple[float, float]  # of value, CI bounds and per-class values
    needs: tuple[str, ...]          # backbone outputs, "backbone.output"
    references: str                 # a key of REFERENCE_KINDS
    ci: str                         # one of CI_KINDS
    per_sample: tuple[str, ...]     # per_sample.csv columns it fills
    protocol: str                   # the definition, in words (goes to results.json config)
    evaluate_module: ModuleSpec | None = None
    # the headline is value_scale x the mean of this per-sample column over the clips that have a
    # value (None: a set-level statistic); the leaderboard recomputes it to check a file
    value_column: str | None = None
    value_scale: float = 1.0
    chance: str | None = None       # what the entry's chance row scores, as the report names it
    # False: a description of the audio (Audiobox's production complexity), not a quality; its
    # arrow is only a sort order, and it is no Hub benchmark task (nothing to rank models by)
    quality: bool = True

    @property
    def lower_is_better(self) -> bool:
        return not self.higher_is_better

    @property
    def backbones(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.split(".")[0] for n in self.needs))

    @property
    def weights(self) -> tuple[str, ...]:
        """Weights registry entries the value depends on (their sha256 must be recorded)."""
        return self.backbones

    @property
    def reference(self) -> str:
        """How the metric uses reference audio: paired, set or none (its references, seen by the pipeline)."""
        return self.references if self.references in ("paired", "set") else "none"

    @property
    def needs_reference(self) -> bool:
        return self.reference != "none"

    @property
    def needs_images(self) -> bool:
        """Reads the conditioning image of each clip (some need is an image output)."""
        return self.references == "image"

    @property
    def needs_labels(self) -> bool:
        """Reads the IMAGE HEAR class of each clip (its references are labels)."""
        return self.references == "label"

    @property
    def module(self) -> str | None:
        """The evaluate module's name (folder under metrics/), if any."""
        return self.evaluate_module.name if self.evaluate_module else None

    def compute(self, inputs):
        """Run this metric's entry function on :class:`imagehear.metrics.entries.MetricInputs`."""
        from imagehear.metrics import entries

        return getattr(entries, self.name)(inputs)


_PERCENT = (0.0, 100.0)
_COSINE = (-100.0, 100.0)
_DISTANCE = (0.0, math.inf)
_UNBOUNDED = (-math.inf, math.inf)  # FD-inf: an extrapolated intercept can fall below 0
_IS = (1.0, 527.0)  # exp(mutual information) over 527 AudioSet classes
# KL's 1e-6 floor lets identical pairs score down to -log(1 + 527e-6) ≈ -5.3e-4
_KL = (-1e-3, math.inf)

# BibTeX of the papers behind the four modules with published context (their cards cite them too)
_IM2WAV = """@inproceedings{sheffer2023hear,
  title={I Hear Your True Colors: Image Guided Audio Generation},
  author={Sheffer, Roy and Adi, Yossi}, booktitle={ICASSP}, year={2023}}"""
_PASST = """@inproceedings{koutini2022passt,
  title={Efficient Training of Audio Transformers with Patchout},
  author={Koutini, Khaled and Schl{\\"u}ter, Jan and Eghbal-zadeh, Hamid and Widmer, Gerhard},
  booktitle={Interspeech}, year={2022}}"""
_WAV2CLIP = """@inproceedings{wu2022wav2clip,
  title={Wav2CLIP: Learning Robust Audio Representations from CLIP},
  author={Wu, Ho-Hsiang and Seetharaman, Prem and Kumar, Kundan and Bello, Juan Pablo},
  booktitle={ICASSP}, year={2022}}"""
_FAD = """@inproceedings{kilgour2019fad,
  title={Fr{\\'e}chet Audio Distance: A Reference-Free Metric for Evaluating Music Enhancement Algorithms},
  author={Kilgour, Kevin and Zuluaga, Mauricio and Roblek, Dominik and Sharifi, Matthew},
  booktitle={Interspeech}, year={2019}}"""
_IM2WAV_URL = "https://arxiv.org/abs/2211.03089"
_FD_INF = ("Frechet distance extrapolated to infinitely many generated rows, as fadtk's score_inf: FD (as fad) of "
           "{rows} against the whole reference set at 25 subset sizes int(linspace(500, N, 25)) (from N // 2 when "
           "N < 500), subsets of the generated rows drawn with replacement by numpy RandomState(seed); "
           "value = intercept of the least-squares line of FD on 1/n; no interval, the fit is recorded")
_PE_AV = """@article{vyas2025peav,
  title={Pushing the Frontier of Audiovisual Perception with Large-Scale Multimodal Correspondence Learning},
  author={Vyas, Apoorv and Chang, Heng-Jui and Yang, Cheng-Fu and Huang, Po-Yao and Gao, Luya and Richter, Julius
          and Chen, Sanyuan and Le, Matt and Doll{\\'a}r, Piotr and Feichtenhofer, Christoph and Lee, Ann
          and Hsu, Wei-Ning}, journal={arXiv:2512.19687}, year={2025}}"""
_IMAGEBIND = """@inproceedings{girdhar2023imagebind,
  title={ImageBind: One Embedding Space To Bind Them All}, author={Girdhar, Rohit and El-Nouby, Alaaeldin and
         Liu, Zhuang and Singh, Mannat and Alwala, Kalyan Vasudev and Joulin, Armand and Misra, Ishan},
  booktitle={CVPR}, year={2023}}"""

_SPECS = (
    MetricSpec("clip_score", "CLIP score (CS)", "CS", "", 2, True, _COSINE, ("wav2clip.embedding", "clip.image"),
               "image", "mean", ("clip_score",),
               "100 x mean cosine of L2-normed Wav2CLIP audio (MLP projection on, each clip normalised by its own "
               "statistics) and CLIP ViT-B/32 image embeddings (OpenAI preprocessing) of the conditioning image; "
               "no clamp at 0",
               ModuleSpec("clip_score_audio", "IMAGE HEAR clip score (Wav2CLIP x CLIP)",
                          keys=("ci95", "n", "per_class"), samples=(("per_sample", "clip_score"),),
                          citation=f"{_IM2WAV}\n{_WAV2CLIP}", urls=(_IM2WAV_URL,)),
               value_column="clip_score", chance="same clips, mismatched images"),
    MetricSpec("pe_av_score", "PE-AV score", "PE-AV", "", 2, True, _COSINE, ("pe_av.embedding", "pe_av.image"),
               "image", "mean", ("pe_av_score",),
               "100 x mean cosine of L2-normed (by us: the model's heads do not normalise) PE-AV "
               "(facebook/pe-av-large) audio and visual embeddings; the conditioning image is a one-frame video "
               "(336 x 336, mean/std 0.5); video rows: mean over sampled frames, each a one-frame video; no clamp",
               ModuleSpec("pe_av_score", "IMAGE HEAR PE-AV score (Perception Encoder Audio-Visual)",
                          keys=("ci95", "n", "per_class"), samples=(("per_sample", "pe_av_score"),),
                          citation=_PE_AV, urls=("https://huggingface.co/facebook/pe-av-large",
                                                 "https://arxiv.org/abs/2512.19687")),
               value_column="pe_av_score", chance="same clips, mismatched images"),
    MetricSpec("ib_score", "IB-score (raw cosine, not x 100)", "IB", "", 3, True, (-1.0, 1.0),
               ("imagebind.embedding", "imagebind.image"), "image", "mean", ("ib_score",),
               "mean raw cosine (not x 100: av-benchmark's IB-score scale) of ImageBind imagebind_huge audio "
               "(three 2 s clips of the 16 kHz clip, 128-bin fbank, mean -4.268 / std 9.138, clip embeddings "
               "averaged by the model) and vision embeddings of the conditioning image (short side 224 bicubic, "
               "centre crop 224, CLIP mean/std; the model repeats it into a 2-frame clip); video rows as "
               "av-benchmark: FFmpeg's fps=0.5 filter (via PyAV), the first int(0.5 x audio length) frames "
               "(default 8 s: 4), three 224 crops, every consecutive frame pair a 2-frame clip, the model's mean "
               "over crops x pairs; frames folders: their frames as sampled; weights CC-BY-NC-SA 4.0",
               ModuleSpec("ib_score", "IMAGE HEAR IB-score (ImageBind audio-image cosine, raw)",
                          keys=("ci95", "n", "per_class"), samples=(("per_sample", "ib_score"),),
                          citation=_IMAGEBIND, urls=("https://github.com/hkchengrex/av-benchmark",
                                                     "https://github.com/facebookresearch/ImageBind")),
               value_column="ib_score", chance="same clips, mismatched images"),
    MetricSpec("accuracy", "PaSST accuracy (top-1)", "accuracy", " %", 2, True, _PERCENT, ("passt.logits",),
               "label", "mean", ("passt_top1", "passt_top1_label", "correct"),
               "PaSST passt_s_swa_p16_128_ap476 top-1 over the 527 AudioSet logits minus the 33 excluded classes; "
               "correct iff in the class's published AudioSet set; top-5 likewise",
               ModuleSpec("passt_accuracy", "IMAGE HEAR PaSST accuracy",
                          keys=("ci95", "top5", "n", "per_class", "confusion"),
                          samples=(("predicted", "passt_top1_label"),), citation=f"{_IM2WAV}\n{_PASST}",
                          urls=(_IM2WAV_URL, "https://github.com/kkoutini/PaSST")),
               value_column="correct", value_scale=100.0, chance="class-prior guess"),
    MetricSpec("clap_score", "CLAP score", "CLAP", "", 2, True, _COSINE, ("clap.embedding", "clap.text"),
               "label", "mean", ("clap_score",),
               "100 x mean cosine of L2-normed CLAP (laion/clap-htsat-unfused) audio and text embeddings; "
               "text = the class prompt 'This is a sound of <class>.'", ModuleSpec("clap_score"),
               value_column="clap_score", chance="same clips, other classes' prompts"),
    MetricSpec("kl", "KL (PaSST)", "KL", "", 3, False, _KL, ("passt.logits",), "paired", "mean", ("kl",),
               "softmax over PaSST's 527 logits; KL(ref||gen) = sum p_ref (log p_ref - log(p_gen + 1e-6)) per "
               "(reference, generated) pair matched by relative path without extension; mean over pairs; the "
               "reverse direction and the symmetric sum are recorded beside it",
               ModuleSpec("kl", "PaSST KL divergence", keys=("ci95", "n", "direction", "other_directions"),
                          samples=(("per_pair", "kl"),), citation=_PASST, urls=("https://github.com/kkoutini/PaSST",)),
               value_column="kl"),
    MetricSpec("kl_panns", "KL (PANNs)", "KL-PANNs", "", 3, False, _KL, ("panns.logits",), "paired", "mean",
               ("kl_panns",),
               "as kl, on the softmax of PANNs CNN14 (16 kHz) fc_audioset logits before the sigmoid",
               ModuleSpec("kl_panns"), value_column="kl_panns"),
    MetricSpec("fad", "FAD (VGGish)", "FAD", "", 3, False, _DISTANCE, ("vggish.embedding",), "set", "set", (),
               "VGGish (torchvggish weights) 16 kHz, one 128-d embedding per 0.96 s frame, PCA off, final ReLU "
               "removed; frames pooled per set; unbiased covariance; Frechet distance in float64 from a symmetric "
               "eigen-decomposition",
               ModuleSpec("fad", "Frechet audio distance (VGGish)", samples=(), citation=_FAD,
                          urls=("https://arxiv.org/abs/1812.08466",))),
    MetricSpec("fd_passt", "FD (PaSST)", "FD-PaSST", "", 2, False, _DISTANCE, ("passt.embedding",), "set", "set",
               (), "Frechet distance (as fad) between PaSST's 768-d clip embeddings (mean of the cls and "
               "distillation tokens) of the two sets, one row per clip", ModuleSpec("fd_passt")),
    MetricSpec("fd_panns", "FD (PANNs)", "FD-PANNs", "", 2, False, _DISTANCE, ("panns.embedding",), "set", "set",
               (), "Frechet distance (as fad) between PANNs CNN14 (16 kHz) 2048-d embeddings (ReLU of fc1) of the "
               "two sets, one row per clip", ModuleSpec("fd_panns")),
    MetricSpec("fad_inf", "FAD∞ (VGGish)", "FAD∞", "", 3, False, _UNBOUNDED, ("vggish.embedding",), "set", "fit", (),
               _FD_INF.format(rows="VGGish frames (as fad)")),
    MetricSpec("fd_passt_inf", "FD∞ (PaSST)", "FD∞-PaSST", "", 2, False, _UNBOUNDED, ("passt.embedding",), "set",
               "fit", (), _FD_INF.format(rows="PaSST clip embeddings (as fd_passt)")),
    MetricSpec("fd_panns_inf", "FD∞ (PANNs)", "FD∞-PANNs", "", 2, False, _UNBOUNDED, ("panns.embedding",), "set",
               "fit", (), _FD_INF.format(rows="PANNs CNN14 embeddings (as fd_panns)")),
    MetricSpec("kad", "KAD (PaSST)", "KAD", "", 3, False, (-math.inf, math.inf), ("passt.embedding",), "set",
               "set", (),
               "unbiased MMD^2 (x100) with a Gaussian kernel on PaSST clip embeddings (768-d); bandwidth = median "
               "pairwise distance of the reference set; unbiased, so it can dip below 0 when the sets match",
               ModuleSpec("kad")),
    MetricSpec("is_passt", "IS (PaSST)", "IS-PaSST", "", 3, True, _IS, ("passt.logits",), "none", "splits", (),
               "inception score exp(E_x KL(p(y|x) || p(y))) of PaSST's softmax over 527 classes, float64, "
               "10 splits; value = mean over splits, std beside it", ModuleSpec("is_passt")),
    MetricSpec("is_panns", "IS (PANNs)", "IS-PANNs", "", 3, True, _IS, ("panns.logits",), "none", "splits", (),
               "inception score (as is_passt) of the softmax of PANNs CNN14 (16 kHz) logits", ModuleSpec("is_panns")),
    # Audiobox Aesthetics: four metrics read one output (one model pass). No evaluate module: evaluate's
    # one-metric module would run the model once per axis; imagehear.api.evaluate_clips gives all four.
    *(MetricSpec(f"aesthetics_{axis.lower()}", f"Aesthetics {axis} ({what})", f"AES-{axis}", "", 2, True,
                 (-math.inf, math.inf), ("aesthetics.axes",), "none", "mean", (f"aesthetics_{axis.lower()}",),
                 f"Meta Audiobox Aesthetics (audiobox-aesthetics package, facebook/audiobox-aesthetics weights, "
                 f"CC-BY 4.0) {what} ({axis}), per clip: mono 16 kHz, 10 s windows every 10 s (last zero-padded, "
                 f"masked), the package's de-normalised prediction averaged by window length; nominal scale 1-10 "
                 f"(not clipped); mean over clips{note}; no reference", value_column=f"aesthetics_{axis.lower()}",
                 quality=not note)
      for axis, what, note in (("CE", "content enjoyment", ""), ("CU", "content usefulness", ""),
                               ("PC", "production complexity",
                                "; descriptive (higher = more complex), not a quality: its arrow is a sort order"),
                               ("PQ", "production quality", ""))),
)
METRICS: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}
# Metrics computed when none are named: the benchmark's own set plus FD on PaSST (free: it
# reuses the PaSST pass). Opt-in: PANNs (another 320 MB checkpoint and another pass per
# clip) and the inception scores (av-benchmark's; they need at least 10 clips).
DEFAULT_METRICS = ("clip_score", "accuracy", "clap_score", "kl", "fad", "fd_passt", "kad")  # registry order


def get(name: str) -> MetricSpec:
    from imagehear.errors import ImageHearError

    if name not in METRICS:
        raise ImageHearError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
    return METRICS[name]


def by_module(module: str) -> MetricSpec:
    """The metric whose evaluate module is ``module`` (a folder name under metrics/)."""
    for spec in _SPECS:
        if spec.module == module:
            return spec
    raise KeyError(f"no metric has the evaluate module {module!r}; modules: "
                   f"{', '.join(s.module for s in _SPECS if s.module)}")


def backbones_for(names) -> tuple[str, ...]:
    """The backbones the metrics ``names`` need, in first-use order."""
    return tuple(dict.fromkeys(b for n in names for b in METRICS[n].backbones))


def outputs_for(names) -> dict[str, tuple[str, ...]]:
    """The union of backbone outputs the metrics need: backbone -> sorted output names."""
    out: dict[str, set] = {}
    for n in names:
        for need in METRICS[n].needs:
            backbone, output = need.split(".")
            out.setdefault(backbone, set()).add(output)
    return {b: tuple(sorted(o)) for b, o in out.items()}


# per_sample.csv column types; columns not listed are floats
PER_SAMPLE_TYPES = {"file": "str", "label": "str", "image": "str", "video": "str", "frames": "str", "passt_top1": "int",
                    "passt_top1_label": "str", "correct": "bool"}


def per_sample_columns(names=None) -> tuple[str, ...]:
    """per_sample.csv columns: the clip's identity (its manifest columns: image, video or frames is
    its conditioning), then each metric's columns in registry order."""
    chosen = [s for s in _SPECS if names is None or s.name in names]
    return ("file", "label", "image", "video", "frames") + tuple(c for s in chosen for c in s.per_sample)
