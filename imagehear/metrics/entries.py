"""One entry function per metric: gathered backbone outputs in, (results entry, per-sample columns) out.

Each function is named after its :data:`imagehear.metrics.METRICS` key and only arranges
arrays for :mod:`imagehear.metrics.compute` (which calls the pure maths in :mod:`imagehear.scores`);
no model is loaded here. The pipeline builds one :class:`MetricInputs` for a run and
calls every requested metric on it.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> logits = [rng.normal(size=527) for _ in range(20)]
>>> entry, columns = is_passt(MetricInputs({"passt.logits": logits}, labels=["Dog"] * 20,
...                                        names=[f"dog_{i:03d}" for i in range(20)]))
>>> sorted(entry), columns
(['ci95_note', 'n', 'n_splits', 'order', 'std', 'value'], {})
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from imagehear import protocol
from imagehear.errors import ImageHearError
from imagehear.metrics import compute
from imagehear.models import output_spec
from imagehear.protocol.profiles import PROFILES, Profile


@dataclass
class MetricInputs:
    """Everything a metric may read: per-clip backbone outputs of both sets, and the pairing."""

    generated: dict[str, list]                  # "backbone.output" -> one array per generated clip
    reference: dict[str, list] = field(default_factory=dict)  # the same, per reference clip
    labels: list[str] = field(default_factory=list)           # IMAGE HEAR class per generated clip
    names: list[str] = field(default_factory=list)            # generated clip names (relative paths)
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (generated index, reference index)
    unmatched: dict = field(default_factory=dict)             # {"generated": [...], "reference": [...]}
    class_texts: np.ndarray | None = None       # CLAP text embedding per class (CLASS_NAMES order)
    # conditioning image id per generated clip: the unit the intervals resample (clips of
    # one image move together); None when unknown (the API without images): clips i.i.d.
    images: list[str] | None = None
    seed: int = 0
    profile: Profile = PROFILES["protocol-v1"]

    def stack(self, output: str, which: str = "generated") -> np.ndarray:
        return np.stack(getattr(self, which)[output])

    def images_of(self, indices) -> list[str] | None:
        return None if self.images is None else [self.images[i] for i in indices]


def accuracy(inputs: MetricInputs):
    entry, result = compute.accuracy_entry(inputs.stack("passt.logits"), inputs.labels, inputs.seed,
                                              images=inputs.images)
    return entry, {"passt_top1": result.predicted.tolist(),
                   "passt_top1_label": [protocol.AUDIOSET_LABELS[i] for i in result.predicted],
                   "correct": result.correct.tolist()}


def _image_score(inputs: MetricInputs, audio: str, image: str, column: str, label: str):
    images = inputs.generated[image]  # an image row per clip, or a (frames, D) array for videos
    if all(np.ndim(e) == 1 for e in images):
        entry, values = compute.clip_score_entry(inputs.stack(audio), np.stack(images), inputs.labels, inputs.seed,
                                                 images=inputs.images, label=label)
    else:
        entry, values = compute.clip_score_frames_entry(inputs.stack(audio), images, inputs.labels, inputs.seed,
                                                        images=inputs.images)
    return entry, {column: values.tolist()}


def clip_score(inputs: MetricInputs):
    entry, columns = _image_score(inputs, "wav2clip.embedding", "clip.image", "clip_score", "CLIP score")
    scale = inputs.profile.clip_score_scale
    if scale != 100.0:  # a profile's convention (SSV2A: the bare cosine)
        entry = _rescaled(entry, scale / 100.0)
        entry["scale"] = f"{scale:g} x mean cosine (profile {inputs.profile.name})"
        columns = {"clip_score": [v * scale / 100.0 for v in columns["clip_score"]]}
    return entry, columns


def pe_av_score(inputs: MetricInputs):
    return _image_score(inputs, "pe_av.embedding", "pe_av.image", "pe_av_score", "PE-AV score")


def ib_score(inputs: MetricInputs):
    """av-benchmark's IB-score: the raw cosine (compute's similarity entries are x 100: rescaled); a video
    or frames row has one embedding, as an image row (imagehear.embed.fps_video)."""
    entry, columns = _image_score(inputs, "imagebind.embedding", "imagebind.image", "ib_score", "IB-score")
    entry = _rescaled(entry, 0.01)  # the label and the protocol text state the scale
    return entry, {"ib_score": [v / 100.0 for v in columns["ib_score"]]}


def _aesthetics(inputs: MetricInputs, axis: int, column: str):
    values = inputs.stack("aesthetics.axes")[:, axis]  # columns CE, CU, PC, PQ: one model pass gives all four
    return compute.per_clip_mean_entry(values, inputs.labels, inputs.seed, images=inputs.images), \
        {column: values.tolist()}


def aesthetics_ce(inputs: MetricInputs):
    return _aesthetics(inputs, 0, "aesthetics_ce")


def aesthetics_cu(inputs: MetricInputs):
    return _aesthetics(inputs, 1, "aesthetics_cu")


def aesthetics_pc(inputs: MetricInputs):
    return _aesthetics(inputs, 2, "aesthetics_pc")


def aesthetics_pq(inputs: MetricInputs):
    return _aesthetics(inputs, 3, "aesthetics_pq")


def _rescaled(entry: dict, factor: float) -> dict:
    """A similarity entry at another scale: the value, its interval (the same resamples), the
    per-class means and the chance level are all linear in it."""
    out = {**entry, "value": entry["value"] * factor, "ci95": [v * factor for v in entry["ci95"]],
           "per_class": {k: v * factor for k, v in entry["per_class"].items()}}
    if isinstance(entry.get("chance", {}).get("value"), float):
        out["chance"] = {**entry["chance"], "value": entry["chance"]["value"] * factor}
    return out


def clap_score(inputs: MetricInputs):
    entry, values = compute.clap_score_entry(inputs.stack("clap.embedding"), inputs.class_texts, inputs.labels,
                                                inputs.seed, images=inputs.images)
    return entry, {"clap_score": values.tolist()}


def _kl(inputs: MetricInputs, output: str, column: str):
    if not inputs.pairs:
        raise ImageHearError("no reference clip pairs with a generated one (pairs match by relative path "
                             "without extension, e.g. dog/dog_000.wav with dog/dog_000.flac)")
    gen_idx = [g for g, _ in inputs.pairs]
    ref = np.stack([inputs.reference[output][r] for _, r in inputs.pairs])
    gen = np.stack([inputs.generated[output][g] for g in gen_idx])
    entry, per_pair = compute.kl_entry(ref, gen, [inputs.labels[g] for g in gen_idx], inputs.seed,
                                          reverse=inputs.profile.kl_direction == "gen||ref", eps=inputs.profile.kl_eps,
                                          images=inputs.images_of(gen_idx))
    entry["unmatched"] = inputs.unmatched
    entry["n_unmatched"] = len(inputs.labels) - len(gen_idx)  # generated clips without a reference: not in n
    values = dict(zip(gen_idx, per_pair.tolist()))
    return entry, {column: [values.get(i) for i in range(len(inputs.labels))]}


def kl(inputs: MetricInputs):
    return _kl(inputs, "passt.logits", "kl")


def kl_panns(inputs: MetricInputs):
    return _kl(inputs, "panns.logits", "kl_panns")


def _rows(output: str, clips: list) -> list[np.ndarray]:
    """Each clip's rows of the Frechet statistics: its frames for a per-frame output (the model
    spec says which), else the clip's one embedding."""
    per_frame = output_spec(output).per_frame
    return [np.asarray(c) if per_frame else np.asarray(c)[None] for c in clips]


def _fd(inputs: MetricInputs, output: str, unit: str, metric: str):
    entry = compute.frechet_entry(_rows(output, inputs.generated[output]), _rows(output, inputs.reference[output]),
                                     inputs.seed, metric=metric, unit=unit, labels=inputs.labels, images=inputs.images)
    return entry, {}


def fad(inputs: MetricInputs):
    return _fd(inputs, "vggish.embedding", "VGGish frames (0.96 s each)", "FAD")


def fd_passt(inputs: MetricInputs):
    return _fd(inputs, "passt.embedding", "clips", "FD (PaSST)")


def fd_panns(inputs: MetricInputs):
    return _fd(inputs, "panns.embedding", "clips", "FD (PANNs)")


def _fd_inf(inputs: MetricInputs, output: str, unit: str, metric: str):
    return compute.frechet_inf_entry(_rows(output, inputs.generated[output]), _rows(output, inputs.reference[output]),
                                     inputs.seed, metric=metric, unit=unit), {}


def fad_inf(inputs: MetricInputs):
    return _fd_inf(inputs, "vggish.embedding", "VGGish frames (0.96 s each)", "FAD∞")


def fd_passt_inf(inputs: MetricInputs):
    return _fd_inf(inputs, "passt.embedding", "clips", "FD∞ (PaSST)")


def fd_panns_inf(inputs: MetricInputs):
    return _fd_inf(inputs, "panns.embedding", "clips", "FD∞ (PANNs)")


def kad(inputs: MetricInputs):
    return compute.kad_entry(inputs.stack("passt.embedding"), inputs.stack("passt.embedding", "reference"),
                                inputs.seed, labels=inputs.labels, images=inputs.images), {}


def _is(inputs: MetricInputs, output: str):
    return compute.inception_entry(inputs.stack(output), inputs.names, inputs.profile), {}


def is_passt(inputs: MetricInputs):
    return _is(inputs, "passt.logits")


def is_panns(inputs: MetricInputs):
    return _is(inputs, "panns.logits")
