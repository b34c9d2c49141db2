"""``image-hear evaluate``: a clip set in, the results record out (what results.json holds).

One front door. A generated folder becomes a :class:`imagehear.io.clips.Clips` through
:func:`folder_clips` (manifest + check → clips, pairs and images), lists of clips through
:meth:`Clips.from_lists <imagehear.io.clips.Clips.from_lists>`; :func:`evaluate` scores either
through :func:`imagehear.evaluation.pipeline.run` (embeddings per backbone, each computed once, cached;
then each metric's entry) and returns the record the CLI writes, warnings included, and its
per-sample rows (:mod:`imagehear.report.outputs` writes them, :mod:`imagehear.report.summary` shows them).
PaSST runs once per clip and feeds accuracy, KL, IS, FD and KAD. Rows conditioned on a video
or a frames folder (:mod:`imagehear.embed.frames`) are scored on CS over their frames; they download
no IMAGE HEAR image.
"""
from __future__ import annotations

import contextlib
import datetime
import hashlib
import platform
import warnings
from dataclasses import replace
from pathlib import Path

from imagehear import metrics as registry
from imagehear import protocol
from imagehear.errors import ImageHearError, ManifestError, UsageError
from imagehear.evaluation import arguments, pipeline
from imagehear.evaluation.pipeline import Options
from imagehear.io.audio import AUDIO_SUFFIXES
from imagehear.io.clips import Clips, as_items
from imagehear.metrics import compute

__all__ = ["Clips", "Options", "evaluate", "evaluate_generated", "folder_clips", "pair_reference"]


class LabelWarning(UserWarning):
    """A default metric left out: some clip has no IMAGE HEAR class to score against."""


class PairingWarning(UserWarning):
    """Paired metrics (KL) computed on fewer clips than the run has: some have no reference file."""


def class_metrics(names, rows, requested) -> list[str]:
    """Leave out (default) or refuse (named) the metrics that read each clip's IMAGE HEAR class
    when some row has another label: video sets such as VGGSound label clips with their own
    classes (or not at all), which PaSST's AudioSet mapping and the CLAP prompts do not cover."""
    needs = [n for n in names if registry.METRICS[n].needs_labels]
    named = arguments.named_metrics(requested)  # all / +name: the others were chosen for the user
    other = [r for r in rows if r.label not in protocol.CLASSES]
    if not needs or not other:
        return names
    why = (f"{len(other)} manifest row(s) have no IMAGE HEAR class as label (e.g. {other[0].file}: "
           f"{other[0].label!r}), and a video set's own labels (VGGSound's) have no AudioSet mapping or CLAP "
           "prompt here")
    if named & set(needs):
        needs = [n for n in needs if n in named]
        raise UsageError(f"{', '.join(needs)}: scores each clip against its IMAGE HEAR class, but {why}; "
                            "leave it out of --metrics (e.g. --metrics clip_score,kl,fad)")
    warnings.warn(f"{', '.join(needs)} left out: {why}", LabelWarning, stacklevel=2)
    return [n for n in names if n not in needs]


def pair_reference(rows, reference_dir) -> tuple[dict[str, Path], list[str], list[str], list[Path]]:
    """Match reference clips to manifest rows by relative path without extension."""
    reference_dir = Path(reference_dir)
    if not reference_dir.is_dir():
        raise ImageHearError(f"{reference_dir}: reference folder not found")
    refs = sorted(p for p in reference_dir.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    if not refs:
        raise ImageHearError(f"{reference_dir}: no audio files ({', '.join(AUDIO_SUFFIXES)}) found")
    by_key = {}
    for p in refs:
        key = str(p.relative_to(reference_dir).with_suffix(""))
        if key in by_key:
            raise ImageHearError(f"{p}: two reference files share the key {key!r}; keep one")
        by_key[key] = p
    gen_keys = {str(Path(r.file).with_suffix("")): r.file for r in rows}
    pairs = {gen_keys[k]: by_key[k] for k in gen_keys if k in by_key}
    unmatched_gen = sorted(f for k, f in gen_keys.items() if k not in by_key)
    unmatched_ref = sorted(str(by_key[k].relative_to(reference_dir)) for k in by_key if k not in gen_keys)
    return pairs, unmatched_gen, unmatched_ref, refs


def reference_problems(paths, reference_dir) -> list[str]:
    """One line per reference clip that cannot be scored (unreadable, empty, NaN/Inf), all of them."""
    from imagehear.evaluation.check import inspect_clip

    lines = []
    for path in paths:
        name = str(Path(path).relative_to(reference_dir))
        _, problems = inspect_clip(Path(path), name, min_seconds=0.0)
        lines += [f"ERROR {p.kind}: reference {reference_dir}/{p.file}: {p.message}" for p in problems if p.is_error]
    return lines


def validated_rows(folder: Path, skip_invalid: bool, progress: bool, reference_errors=()):
    """The manifest rows to score and the skipped ones; every problem of the generated clips and
    of the reference clips is reported at once, before any embedding."""
    from imagehear.evaluation.check import FlaggedClipsWarning, check_generated

    report = check_generated(folder, progress=progress)  # reads and validates the manifest first
    for kind, files in report.flagged().items():  # scored as they are: a bad answer is still an answer
        if files:
            warnings.warn(f"{len(files)} {kind} clip(s) scored as they are (e.g. {files[0]}); "
                          "`image-hear check` lists them", FlaggedClipsWarning, stacklevel=2)
    if reference_errors or (not report.ok and not skip_invalid):
        parts = [] if report.ok or skip_invalid else [
            f"{folder} has invalid clips; fix them or pass --skip-invalid:", report.text()]
        if reference_errors:
            parts += [f"{len(reference_errors)} reference clip(s) cannot be scored; fix or remove them:",
                      *reference_errors]
        raise ManifestError("\n".join(parts))
    invalid = report.invalid_files()
    skipped = [{"file": p.file, "reason": f"{p.kind}: {p.message}"} for p in report.problems if p.is_error]
    kept = [r for r in protocol.read_manifest(folder) if r.file not in invalid]
    if not kept:
        raise ManifestError(f"{folder}: no valid clips left to score")
    return kept, skipped


def fingerprint(items, names) -> dict:
    """What identifies a reference set: its file count and a SHA-256 over the sorted
    ``name\\0<sha256 of the file>\\n`` lines (content hashes are memoised per item)."""
    lines = sorted(f"{name}\0{item.content_hash()}\n" for item, name in zip(items, names))
    return {"n_files": len(lines), "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
            "method": "sha256 over sorted 'relative path NUL sha256-of-file-bytes LF' lines"}


def reference_fingerprint(items, paths, reference_dir) -> dict:
    """:func:`fingerprint` of a reference folder's clips, named by their relative paths."""
    return fingerprint(items, [Path(p).relative_to(reference_dir).as_posix() for p in paths])


@contextlib.contextmanager
def noted():
    """Collect the text of image-hear's own warnings raised inside (each once, in order), then
    warn them again, with every other warning, so callers see and filter them as before."""
    notes: list[str] = []
    caught: list = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield notes
    finally:  # on an error too: what was warned before it still reaches the caller
        notes += dict.fromkeys(str(w.message) for w in caught if w.category.__module__.startswith("imagehear"))
        for w in caught:  # outside catch_warnings: the caller's filters apply again
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


# --- a generated folder → Clips -----------------------------------------------------------------

def folder_clips(generated_dir, metrics=None, reference_dir=None, skip_invalid: bool = False,
                 options: Options | None = None) -> tuple[Clips, list[str]]:
    """A generated folder (with ``manifest.csv``) as a clip set, and the metrics to score on it
    (``metrics`` less the class metrics a video set's labels cannot serve). Every problem of the
    generated and the reference clips is an error before any embedding (``skip_invalid``: the
    invalid generated clips are left out and listed in ``Clips.skipped``)."""
    options = options or Options()
    folder = Path(generated_dir)
    with noted() as notes:
        names = pipeline.select_metrics(metrics, reference_dir is not None)
        manifest = protocol.read_manifest(folder)
        names = class_metrics(names, manifest, metrics)
        paired = None
        if any(registry.METRICS[n].reference != "none" for n in names):
            paired = pair_reference(manifest, reference_dir)
        reference_errors = reference_problems(paired[3], reference_dir) if paired else []
        rows, skipped = validated_rows(folder, skip_invalid, options.progress, reference_errors)
        images = None
        if any(registry.METRICS[n].needs_images for n in names):
            images = conditioning_images(folder, rows, options)
        clips = Clips.from_manifest(folder, rows, images, skipped)
        if paired is not None:
            add_reference(clips, paired, reference_dir)
            warn_unpaired(clips, names)
    clips.notes = notes
    return clips, names


def add_reference(clips: Clips, paired, reference_dir) -> None:
    """Give ``clips`` every reference clip of the folder, and the pairs :func:`pair_reference` found
    among the clips kept (a clip skipped by ``--skip-invalid`` is neither paired nor unmatched)."""
    pairs, unmatched_gen, unmatched_ref, ref_paths = paired
    kept = [r.file for r in clips.rows]
    ref_index = {p: i for i, p in enumerate(ref_paths)}
    clips.reference = as_items(ref_paths)
    clips.reference_names = [Path(p).relative_to(reference_dir).as_posix() for p in ref_paths]
    clips.pairs = [(i, ref_index[pairs[f]]) for i, f in enumerate(kept) if f in pairs]
    kept_files = set(kept)
    clips.unmatched = {"generated": [f for f in unmatched_gen if f in kept_files], "reference": unmatched_ref}


def warn_unpaired(clips: Clips, names) -> None:
    """Say it when the paired metrics will see only some clips (12 reference files for 360 clips:
    KL on 12 pairs); none paired at all is the metrics' own error (:func:`pipeline.check_request`)."""
    paired = [n for n in names if registry.METRICS[n].reference == "paired"]
    unmatched = clips.unmatched.get("generated") or []
    if paired and unmatched and clips.pairs:
        warnings.warn(f"{', '.join(paired)} on {len(clips.pairs)} of {len(clips.generated)} clips: {len(unmatched)} "
                      f"generated clip(s) have no reference file (e.g. {unmatched[0]}; they pair by relative path "
                      "without extension)", PairingWarning, stacklevel=3)


def conditioning_images(folder: Path, rows, options: Options) -> list:
    """Each row's conditioning: its IMAGE HEAR image (fetched once, checked), else its video or
    frames folder (:func:`imagehear.embed.frames.conditioning`; these fetch nothing)."""
    from imagehear.embed.frames import conditioning
    from imagehear.io.dataset import fetch_images

    listed = sorted({r.image for r in rows if r.image})
    images = fetch_images(options.source, files=listed) if listed else {}
    return [images[r.image] if r.image else conditioning(folder, r, options.video_frames) for r in rows]


# --- Clips → the results record -----------------------------------------------------------------

def evaluate(clips: Clips, metrics=None, options: Options | None = None,
             defaulted: bool | None = None) -> tuple[dict, list[dict]]:
    """Score ``clips`` on ``metrics`` (names or a comma-separated string; None: the default set):
    (results, per-sample rows). ``results`` is what ``image-hear evaluate`` writes to results.json,
    ``warnings`` included (:attr:`Clips.notes` and what this run warned; the warnings are also
    raised as usual); the rows are its per_sample.csv. ``defaulted`` (default: ``metrics is None``):
    the metrics are the default set's, so one whose inputs are missing (no reference clip pairs
    with a generated one) is reported with its reason while the others are computed; a metric
    the user named is refused before any work."""
    defaulted = metrics is None if defaulted is None else defaulted
    from imagehear.embed.distributed import current_shard
    from imagehear.metrics.samples import pack

    options = options or Options()
    with noted() as notes:
        if options.shard is None:  # under accelerate launch, this process's share of the clips
            options.shard = current_shard(options.device)
        names = pipeline.select_metrics(metrics, bool(clips.reference))
        out, columns, backbones = pipeline.run(names, clips, options, optional=names if defaulted else ())
        pipeline.warn_random_weights(backbones)
        per_sample = per_sample_rows(clips.manifest_rows(), columns)
        results = results_record(clips, names, out, backbones, options)
        results["per_sample"] = pack(per_sample)  # last: per-clip values for compare and the consistency check
    results["warnings"] = list(dict.fromkeys([*clips.notes, *notes]))
    return results, per_sample


def evaluate_generated(generated_dir, reference_dir=None, metrics=None, skip_invalid: bool = False,
                       options: Options | None = None) -> tuple[dict, list[dict]]:
    """Score a generated folder (with ``manifest.csv``): :func:`folder_clips`, then :func:`evaluate`."""
    options = options or Options()
    clips, names = folder_clips(generated_dir, metrics, reference_dir, skip_invalid, options)
    return evaluate(clips, names, options, defaulted=metrics is None)


def per_sample_rows(rows, columns: dict) -> list[dict]:
    """One dict per clip: its manifest row (file, label, image; video and frames when set) and
    its value in each per-sample column."""
    out = [{"file": r.file, "label": r.label, "image": r.image, **({"video": r.video} if r.video else {}),
            **({"frames": r.frames} if r.frames else {})} for r in rows]
    for column, values in columns.items():
        for row, value in zip(out, values):
            row[column] = value
    return out


def coverage(rows) -> dict:
    """How the clips compare with the full plan (:func:`imagehear.protocol.plan_coverage`). An image
    given as a path counts by its file name, as a manifest names it; a clip without an IMAGE HEAR
    class (lists scored without labels) is outside the plan, so such a run is never complete."""
    inside = [replace(r, image=Path(r.image).name) for r in rows
              if r.conditioning != "image" or r.label in protocol.CLASSES]
    out = protocol.plan_coverage(inside)
    out["complete"] = out["complete"] and len(inside) == len(rows)
    return out


def results_record(clips: Clips, names, out: dict, backbones, options: Options) -> dict:
    """The results dict (docs/results_schema.md) up to ``per_sample`` and ``warnings``."""
    from imagehear import __version__

    cover = coverage(clips.manifest_rows())
    return {
        "benchmark": "image_hear", "protocol": protocol.PROTOCOL_VERSION, "image_hear_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"name": options.model.get("name") or clips.name or "unnamed model",
                  "paper": options.model.get("paper"), "code": options.model.get("code")},
        "complete": cover["complete"] and not clips.skipped, "n_samples": len(clips.generated),
        "image_set": cover["image_set"],  # protocol.IMAGE_SETS: which images the plan cycles through
        "coverage": {k: v for k, v in cover.items() if k not in ("complete", "image_set")},
        "skipped": clips.skipped, "metrics": out,
        **({"reference_set": fingerprint(clips.reference, clips.reference_names or
                                         [item.name for item in clips.reference])} if clips.reference else {}),
        "config": run_config(names, backbones, options, cover, clips),
        "environment": environment(backbones, options),
    }


def run_config(names, backbones, options: Options, cover: dict, clips: Clips) -> dict:
    """results.json ``config``: every protocol choice, and how video and frames rows were read."""
    from imagehear.evaluation.environment import protocol_config

    config = protocol_config(names, backbones.loaded, options.seed, options.precision, options.profile,
                             compute.bootstrap_config(options.seed))
    if clips.generation is not None:  # how the clips were made (image-hear generate's generation.json)
        config["generation"] = clips.generation
    if cover.get("conditioning"):
        from imagehear.embed.frames import config_record

        config["conditioning"] = config_record(options.video_frames, cover["conditioning"])
        from imagehear.models import MODELS

        for name in [n for n in backbones.loaded if n in MODELS and MODELS[n].video_fps]:  # ImageBind: whole videos
            from imagehear.embed import fps_video

            config["conditioning"][f"{name}_video"] = fps_video.config_record(MODELS[name].video_fps,
                                                                             options.profile.audio_length)
    return config


def environment(backbones, options: Options) -> dict:
    """results.json ``environment``: Python, packages, device, processes and each backbone's weights."""
    from imagehear.evaluation.environment import device_record, package_versions

    return {"python": platform.python_version(), "packages": package_versions(),
            **device_record(backbones.device), "processes": options.shard.world if options.shard else 1,
            "weights": {n: b.weights.record() for n, b in backbones.loaded.items()}}
