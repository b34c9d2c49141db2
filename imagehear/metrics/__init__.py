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
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# How a metric uses reference audio: none, clip-by-clip pairs, or the whole set.
REFERENCE_KINDS = ("none", "paired", "set")
# What the ci95 of an entry means (the validator and the cards read this):
#   mean   - cluster bootstrap (images within classes) of a mean of per-sample values: holds the value
#   set    - set-level statistic on clip resamples, re-centred by its bias estimate: holds the value
#            and covers the expected value at this set size (docs/statistics.md)
#   splits - no CI; ``std`` over splits, as the inception score is reported
CI_KINDS = ("mean", "set", "splits")


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
    reference: str                  # one of REFERENCE_KINDS
    ci: str                         # one of CI_KINDS
    per_sample: tuple[str, ...]     # per_sample.csv columns it fills
    protocol: str                   # the definition, in words (goes to results.json config)
    module: str | None = None       # evaluate module under metrics/, if any
    needs_labels: bool = False      # reads the IMAGE HEAR class of each clip

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
    def needs_reference(self) -> bool:
        return self.reference != "none"

    def compute(self, inputs):
        """Run this metric's entry function on :class:`imagehear.metrics.entries.MetricInputs`."""
        from imagehear.metrics import entries

        return getattr(entries, self.name)(inputs)


_PERCENT = (0.0, 100.0)
_COSINE = (-100.0, 100.0)
_DISTANCE = (0.0, math.inf)
_IS = (1.0, 527.0)  # exp(mutual information) over 527 AudioSet classes
# KL's 1e-6 floor lets identical pairs score down to -log(1 + 527e-6) ≈ -5.3e-4
_KL = (-1e-3, math.inf)

_SPECS = (
    MetricSpec("clip_score", "CLIP score (CS)", "CS", "", 2, True, _COSINE, ("wav2clip.embedding", "clip.image"),
               "none", "mean", ("clip_score",),
               "100 x mean cosine of L2-normed Wav2CLIP audio (MLP projection on, each clip normalised by its own "
               "statistics) and CLIP ViT-B/32 image embeddings (OpenAI preprocessing) of the conditioning image; "
               "no clamp at 0", "clip_score_audio"),
    MetricSpec("accuracy", "PaSST accuracy (top-1)", "accuracy", " %", 2, True, _PERCENT, ("passt.logits",),
               "none", "mean", ("passt_top1", "passt_top1_label", "correct"),
               "PaSST passt_s_swa_p16_128_ap476 top-1 over the 527 AudioSet logits minus the 33 excluded classes; "
               "correct iff in the class's published AudioSet set; top-5 likewise", "passt_accuracy", needs_labels=True),
    MetricSpec("clap_score", "CLAP score", "CLAP", "", 2, True, _COSINE, ("clap.embedding", "clap.text"),
               "none", "mean", ("clap_score",),
               "100 x mean cosine of L2-normed CLAP (laion/clap-htsat-unfused) audio and text embeddings; "
               "text = the class prompt 'This is a sound of <class>.'", "clap_score", needs_labels=True),
    MetricSpec("kl", "KL (PaSST)", "KL", "", 3, False, _KL, ("passt.logits",), "paired", "mean", ("kl",),
               "softmax over PaSST's 527 logits; KL(ref||gen) = sum p_ref (log p_ref - log(p_gen + 1e-6)) per "
               "(reference, generated) pair matched by relative path without extension; mean over pairs; the "
               "reverse direction and the symmetric sum are recorded beside it", "kl"),
    MetricSpec("kl_panns", "KL (PANNs)", "KL-PANNs", "", 3, False, _KL, ("panns.logits",), "paired", "mean",
               ("kl_panns",),
               "as kl, on the softmax of PANNs CNN14 (16 kHz) fc_audioset logits before the sigmoid", "kl_panns"),
    MetricSpec("fad", "FAD (VGGish)", "FAD", "", 3, False, _DISTANCE, ("vggish.embedding",), "set", "set", (),
               "VGGish (torchvggish weights) 16 kHz, one 128-d embedding per 0.96 s frame, PCA off, final ReLU "
               "removed; frames pooled per set; unbiased covariance; Frechet distance in float64 from a symmetric "
               "eigen-decomposition", "fad"),
    MetricSpec("fd_passt", "FD (PaSST)", "FD-PaSST", "", 2, False, _DISTANCE, ("passt.embedding",), "set", "set",
               (), "Frechet distance (as fad) between PaSST's 768-d clip embeddings (mean of the cls and "
               "distillation tokens) of the two sets, one row per clip", "fd_passt"),
    MetricSpec("fd_panns", "FD (PANNs)", "FD-PANNs", "", 2, False, _DISTANCE, ("panns.embedding",), "set", "set",
               (), "Frechet distance (as fad) between PANNs CNN14 (16 kHz) 2048-d embeddings (ReLU of fc1) of the "
               "two sets, one row per clip", "fd_panns"),
    MetricSpec("kad", "KAD (PaSST)", "KAD", "", 3, False, (-math.inf, math.inf), ("passt.embedding",), "set",
               "set", (),
               "unbiased MMD^2 (x100) with a Gaussian kernel on PaSST clip embeddings (768-d); bandwidth = median "
               "pairwise distance of the reference set; unbiased, so it can dip below 0 when the sets match",
               "kad"),
    MetricSpec("is_passt", "IS (PaSST)", "IS-PaSST", "", 3, True, _IS, ("passt.logits",), "none", "splits", (),
               "inception score exp(E_x KL(p(y|x) || p(y))) of PaSST's softmax over 527 classes, float64, "
               "10 splits; value = mean over splits, std beside it", "is_passt"),
    MetricSpec("is_panns", "IS (PANNs)", "IS-PANNs", "", 3, True, _IS, ("panns.logits",), "none", "splits", (),
               "inception score (as is_passt) of the softmax of PANNs CNN14 (16 kHz) logits", "is_panns"),
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
