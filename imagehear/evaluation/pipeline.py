"""One pipeline for a generated folder and for lists of clips: clips → embeddings → metric entries.

:func:`run` plans the union of backbone outputs the requested metrics need, hashes each
clip's bytes once, runs each backbone once per clip (through the cached engine, so a clip
already embedded costs nothing), then calls each metric's entry function
(:mod:`imagehear.metrics.entries`) on the gathered arrays. A folder and lists of clips are the
same :class:`imagehear.io.clips.Clips` by then: ``image-hear evaluate`` (via :mod:`imagehear.evaluation.suite`)
and :mod:`imagehear.api` both call it, so they agree by construction.

A metric whose maths fails once the embeddings exist (a degenerate kernel bandwidth, a
singular set) does not lose the others: its entry is ``{"error": "..."}``.

>>> Options().profile.name
'protocol-v1'
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from imagehear import metrics as registry
from imagehear.embed.frames import DEFAULT_FRAMES
from imagehear.errors import ImageHearError
from imagehear.io.clips import Clips, same_length
from imagehear.models.devices import PRECISIONS
from imagehear.protocol.profiles import PROFILES, Profile

__all__ = ["Backbones", "Clips", "Options", "gather", "prepared", "run", "score", "select_metrics",
           "warn_random_weights"]


@dataclass
class Options:
    weights_dir: str | None = None
    device: str = "auto"
    batch_size: int | None = None     # None: 1 on CPU, 16 on accelerators
    cache_dir: str | None = None       # embedding cache; False disables it
    source: str | None = None          # dataset image source
    pad_to_10s: bool = False
    seed: int = 0
    precision: str = "fp32"
    progress: bool = True
    model: dict = field(default_factory=dict)
    shard: object = None               # imagehear.embed.distributed.Shard; None: from the launcher's env
    profile: Profile = PROFILES["protocol-v1"]
    video_frames: int | None = DEFAULT_FRAMES  # frames sampled per video row (imagehear.embed.frames; None: all)

    def __post_init__(self):
        """Every value checked once, here, for the CLI and the Python API alike (one-line UsageError)."""
        from imagehear.errors import UsageError
        from imagehear.evaluation import arguments as check

        self.device = check.named("device", check.device, self.device)
        if self.batch_size is not None:
            self.batch_size = check.named("batch_size", check.positive_int, self.batch_size)
        self.seed = check.named("seed", check.seed, self.seed)
        if self.precision not in PRECISIONS:
            raise UsageError(f"precision={self.precision!r}: use fp32, bf16 or fp16")
        if self.weights_dir is not None:
            self.weights_dir = str(check.named("weights_dir", check.existing_dir, self.weights_dir))
        if self.cache_dir not in (None, False):
            self.cache_dir = str(check.named("cache_dir", check.writable_dir, self.cache_dir))
        check.cache_root_writable()
        if self.source is not None:
            self.source = check.named("source", check.image_source, self.source)
        if self.video_frames is not None:
            self.video_frames = check.named("video_frames", check.positive_int, self.video_frames)


class Backbones:
    """One lazy backbone per name: built only if some clip is not cached yet."""

    def __init__(self, options: Options):
        from imagehear.models.backbone import resolve_device

        self.options, self.loaded = options, {}
        shard = options.shard
        self.device = shard.device if shard is not None and shard.world > 1 else resolve_device(options.device)

    def __getitem__(self, name):
        if name not in self.loaded:
            from imagehear.embed.lazy import lazy_backbone

            extra = self.options.profile.backbone_options(name, pad_to_10s=self.options.pad_to_10s)
            self.loaded[name] = lazy_backbone(name, self.options.weights_dir, self.device, self.options.cache_dir,
                                              **extra)
        return self.loaded[name]


def missing_inputs(names, clips: Clips) -> dict[str, str]:
    """Each metric of ``names`` whose inputs ``clips`` lack, with the one-line reason."""
    out = {}
    for spec in (registry.METRICS[n] for n in names):
        if spec.needs_reference and not clips.reference:
            out[spec.name] = (f"{spec.name} needs reference audio; pass --reference-dir REF (in Python: "
                              "references=...)")
        elif spec.reference == "paired" and not clips.pairs:
            if not clips.unmatched:  # clips given as lists: pairs exist exactly when the counts agree
                same_length(clips.generated, clips.reference, "predictions", "references (reference audio)")
            example = Path(clips.generated[0].name).with_suffix("")
            out[spec.name] = ("no reference file matches a generated clip: they pair by relative path without "
                              f"extension (e.g. {clips.generated[0].name} needs {example}.wav or {example}.flac "
                              "in the reference folder)")
        elif spec.needs_images and clips.images is None:
            out[spec.name] = f"{spec.name} needs the conditioning image of each clip (images=...)"
        elif spec.needs_labels and not clips.has_labels:
            out[spec.name] = (f"{spec.name}: needs the IMAGE HEAR class of each clip (labels=..., class names "
                              "or ids)")
    return out


def check_request(names, clips: Clips, optional=()) -> dict[str, str]:
    """Refuse, before any embedding, a request whose inputs cannot serve a metric it names; a metric
    of ``optional`` (the default set's, which the user did not name) is left out instead: returned
    with its reason, which becomes its entry's error."""
    missing = missing_inputs(names, clips)
    named = [n for n in missing if n not in set(optional)]
    if named:
        raise ImageHearError(missing[named[0]])
    return missing


def check_profile(names, profile: Profile) -> None:
    """Refuse metrics a profile does not reproduce (SSV2A's profile is its CS only)."""
    from imagehear.errors import UsageError

    outside = [n for n in names if profile.metrics is not None and n not in profile.metrics]
    if outside:
        raise UsageError(f"--compat {profile.name} reproduces {', '.join(profile.metrics)} only, not "
                         f"{', '.join(outside)}: pass --metrics {','.join(profile.metrics)}")


def _reference_indices(names, backbone: str, clips: Clips) -> list[int]:
    """Reference clips a backbone must embed: all for set metrics, the paired ones for paired metrics."""
    kinds = {registry.METRICS[n].reference for n in names if backbone in registry.METRICS[n].backbones}
    if "set" in kinds:
        return list(range(len(clips.reference)))
    if "paired" in kinds:
        return sorted({r for _, r in clips.pairs})
    return []


def gather(names, clips: Clips, backbones: Backbones, options: Options):
    """Every backbone output the metrics ``names`` need, for both sets: one pass of the engine,
    each clip hashed once, decoded once per sample rate, embedded once per backbone."""
    from imagehear.embed.engine import extract_many
    from imagehear.metrics.entries import MetricInputs

    inputs = MetricInputs(generated={}, reference={}, labels=list(clips.labels),
                          names=[item.name for item in clips.generated], pairs=list(clips.pairs),
                          unmatched=clips.unmatched, seed=options.seed, profile=options.profile,
                          images=clips.units())
    planned = registry.outputs_for(names)
    for b in [b for b, outputs in planned.items() if "image" in outputs]:  # CLIP, PE-AV: one row per image
        inputs.generated[f"{b}.image"] = list(image_embeddings(clips.images, backbones[b], options, b))
    if "text" in planned.get("clap", ()):
        inputs.class_texts = class_text_embeddings(backbones["clap"], options)
    audio = {b: [o for o in outputs if o not in ("image", "text")] for b, outputs in planned.items()}
    audio = {b: outputs for b, outputs in audio.items() if outputs}
    batch = options.profile.wav2clip_batch  # SSV2A: Wav2CLIP on fixed batches (embed/grouped.py)
    if batch and "wav2clip" in audio:
        from imagehear.embed.grouped import extract_grouped

        grouped = extract_grouped(backbones["wav2clip"], clips.generated, batch, cache_dir=options.cache_dir,
                                  precision=options.precision)
        for output in audio.pop("wav2clip"):  # CS reads generated clips only
            inputs.generated[f"wav2clip.{output}"] = [e[output] for e in grouped]
    n_gen = len(clips.generated)
    ref_index = {b: _reference_indices(names, b, clips) for b in audio}
    subsets = {b: list(range(n_gen)) + [n_gen + i for i in ref_index[b]] for b in audio}
    shard = options.shard
    embedded = extract_many([backbones[b] for b in audio], clips.generated + clips.reference, subsets,
                            cache_dir=options.cache_dir, batch_size=options.batch_size, precision=options.precision,
                            progress=options.progress and (shard is None or shard.is_main), shard=shard)
    for b, outputs in audio.items():
        gen, ref = embedded[b][:n_gen], embedded[b][n_gen:]
        for output in outputs:
            inputs.generated[f"{b}.{output}"] = [e[output] for e in gen]
            if ref_index[b]:
                # set metrics read every reference clip; paired ones only those in pairs
                by_index = dict(zip(ref_index[b], (e[output] for e in ref)))
                inputs.reference[f"{b}.{output}"] = [by_index.get(i) for i in range(len(clips.reference))]
    return inputs


def score(names, inputs) -> tuple[dict, dict]:
    """Each metric's entry on the gathered inputs: (metrics dict, per-sample columns)."""
    out, columns = {}, {}
    for name in names:
        try:
            entry, per_sample = registry.METRICS[name].compute(inputs)
        except (ImageHearError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            out[name] = {"error": f"{type(exc).__name__}: {exc}" if not isinstance(exc, ImageHearError) else str(exc)}
            continue
        out[name] = entry
        columns.update(per_sample)
    return out, columns


def run(names, clips: Clips, options: Options | None = None, backbones: Backbones | None = None, optional=()):
    """Score ``clips`` on the metrics ``names``: (metrics dict, per-sample columns, backbones used).

    A metric whose inputs are missing is refused before any embedding, unless it is in
    ``optional`` (the default set's, not named by the user): its entry is then ``{"error": why}``
    and the others are computed."""
    options = options or Options()
    left_out = check_request(names, clips, optional)
    check_profile(names, options.profile)
    backbones = backbones or Backbones(options)
    kept = [n for n in names if n not in left_out]
    if any(registry.METRICS[n].needs_images for n in kept):
        clips = dataset_images(clips, options)
    inputs = gather(kept, prepared(clips, options.profile), backbones, options)
    out, columns = score(kept, inputs)
    return {n: out[n] if n in out else {"error": left_out[n]} for n in names}, columns, backbones


def warn_random_weights(backbones: Backbones) -> list[str]:
    """Warn (:class:`~imagehear.models.weights.RandomWeightsWarning`) when some backbone of the run
    has randomly initialised weights (a folder marked by :mod:`imagehear.testing`); return their names."""
    random_init = sorted(n for n, b in backbones.loaded.items() if b.weights.random_init)
    if random_init:
        import warnings

        from imagehear.models.weights import RandomWeightsWarning

        warnings.warn(f"scored with RANDOMLY INITIALISED weights ({', '.join(random_init)}): the numbers are "
                      "meaningless and the leaderboard never ranks this file", RandomWeightsWarning, stacklevel=3)
    return random_init


def dataset_images(clips: Clips, options: Options) -> Clips:
    """``clips`` with each image given by its bare IMAGE HEAR name (``dog1.jpg``, as manifests name
    them) and no such file here fetched from the dataset (``options.source``; checked by SHA-256).
    The names stay the intervals' units."""
    from imagehear import protocol

    def bare(img) -> bool:
        return isinstance(img, (str, Path)) and str(img) in protocol.IMAGE_SHA256 and not Path(img).exists()

    names = sorted({str(img) for img in clips.images or () if bare(img)})
    if not names:
        return clips
    from imagehear.io.dataset import fetch_images

    fetched = fetch_images(options.source, files=names)
    return replace(clips, images=[fetched[str(img)] if bare(img) else img for img in clips.images],
                   image_ids=clips.image_ids if clips.image_ids is not None else clips.units())


def prepared(clips: Clips, profile: Profile) -> Clips:
    """``clips`` as ``profile`` prepares their waveforms: the preparation is part of what each
    clip is, hence of its content hash and cache key (protocol v1's own leaves them as they are)."""
    waveform = profile.waveform()
    if not waveform:
        return clips
    return replace(clips, generated=[replace(c, waveform=waveform) for c in clips.generated],
                   reference=[replace(c, waveform=waveform) for c in clips.reference])


def select_metrics(requested, has_reference: bool) -> list[str]:
    """Metric names from a comma-separated string or list; default: the registry's default set.
    ``all`` and ``+name`` (:func:`imagehear.evaluation.arguments.metric_list`) leave out, as the
    default set does, the metrics they chose for the user that need absent reference audio.

    >>> select_metrics("+is_passt", has_reference=False)
    ['clip_score', 'accuracy', 'clap_score', 'is_passt']
    """
    if requested is None:
        return [m for m in registry.DEFAULT_METRICS if has_reference or not registry.METRICS[m].needs_reference]
    from imagehear.errors import UsageError
    from imagehear.evaluation.arguments import metric_list, named

    selection = named("metrics", metric_list, requested)
    names = [m for m in selection if has_reference or m in selection.explicit
             or not registry.METRICS[m].needs_reference]
    needs = [m for m in names if registry.METRICS[m].needs_reference]
    if not has_reference and needs:
        raise UsageError(f"{', '.join(needs)} need{'s' if len(needs) == 1 else ''} reference audio; pass "
                         "--reference-dir REF (in Python: references=...)")
    return list(dict.fromkeys(names))


# --- non-audio inputs: images for CLIP, class prompts for CLAP ---------------------------------

def image_embeddings(images, backbone, options: Options, name: str = "clip") -> np.ndarray | list:
    """CLIP image embeddings, one row per image (each distinct image embedded once, cached).

    When some clip is conditioned on several frames (a video or a frames folder), one array per
    clip instead: (512,) for an image, (frames, 512) otherwise (:func:`imagehear.embed.frames.frame_embeddings`);
    a backbone that embeds a video whole (``video_fps``: ImageBind) gives one row per clip
    (:func:`imagehear.embed.fps_video.embeddings`, the duration from the profile's audio length)."""
    from imagehear.embed import frames
    from imagehear.embed.engine import extract_keyed
    from imagehear.io.images import image_key, open_image

    if any(frames.is_multi(img) for img in images):
        from imagehear.models import MODELS

        fps = MODELS[name].video_fps if name in MODELS else None
        if fps:
            from imagehear.embed import fps_video

            return fps_video.embeddings(images, backbone, fps, options.profile.audio_length, options)
        return frames.frame_embeddings(images, backbone, options)

    distinct = {}  # a full run repeats each of 100 images ~36 times: read and hash each once
    for img in images:
        distinct.setdefault(str(img) if isinstance(img, (str, Path)) else id(img), img)
    keys = {k: image_key(img) for k, img in distinct.items()}
    out = extract_keyed(backbone, dict(keys.values()), lambda items: backbone.embed_images([open_image(i) for i in items]),
                        cache_dir=options.cache_dir, precision=options.precision)
    return np.stack([out[keys[str(img) if isinstance(img, (str, Path)) else id(img)][0]] for img in images])


def class_text_embeddings(backbone, options: Options) -> np.ndarray:
    """CLAP text embedding of each class prompt, in CLASS_NAMES order (cached)."""
    from imagehear.embed.engine import extract_keyed, text_hash
    from imagehear.metrics.compute import clap_prompts

    prompts = clap_prompts()
    out = extract_keyed(backbone, {text_hash(p): p for p in prompts}, backbone.embed_text,
                        cache_dir=options.cache_dir, precision=options.precision)
    return np.stack([out[text_hash(p)] for p in prompts])
