"""``image-hear evaluate``: a generated folder in, every IMAGE HEAR score out.

Flow (one way): manifest + check → clips, pairs and images → :func:`imagehear.pipeline.run`
(embeddings per backbone, each computed once, cached; then each metric's entry) → results
dict → :mod:`imagehear.report`. PaSST runs once per clip and feeds accuracy, KL, IS, FD and KAD.
Rows conditioned on a video or a frames folder (:mod:`imagehear.frames`) are scored on CS
over their frames; they download no IMAGE HEAR image.
"""
from __future__ import annotations

import datetime
import hashlib
import platform
import warnings
from pathlib import Path

from imagehear import compute, pipeline, protocol
from imagehear import metrics as registry
from imagehear.errors import ImageHearError, ManifestError, UsageError
from imagehear.pipeline import Options

__all__ = ["Options", "evaluate_generated", "pair_reference"]
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


class LabelWarning(UserWarning):
    """A default metric left out: some clip has no IMAGE HEAR class to score against."""


def class_metrics(names, rows, requested) -> list[str]:
    """Leave out (default) or refuse (named) the metrics that read each clip's IMAGE HEAR class
    when some row has another label: video sets such as VGGSound label clips with their own
    classes (or not at all), which PaSST's AudioSet mapping and the CLAP prompts do not cover."""
    needs = [n for n in names if registry.METRICS[n].needs_labels]
    other = [r for r in rows if r.label not in protocol.CLASSES]
    if not needs or not other:
        return names
    why = (f"{len(other)} manifest row(s) have no IMAGE HEAR class as label (e.g. {other[0].file}: "
           f"{other[0].label!r}), and a video set's own labels (VGGSound's) have no AudioSet mapping or CLAP "
           "prompt here")
    if requested is not None:
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
    from imagehear.check import inspect_clip

    lines = []
    for path in paths:
        name = str(Path(path).relative_to(reference_dir))
        _, problems = inspect_clip(Path(path), name, min_seconds=0.0)
        lines += [f"ERROR {p.kind}: reference {reference_dir}/{p.file}: {p.message}" for p in problems if p.is_error]
    return lines


def validated_rows(folder: Path, skip_invalid: bool, progress: bool, reference_errors=()):
    """The manifest rows to score and the skipped ones; every problem of the generated clips and
    of the reference clips is reported at once, before any embedding."""
    from imagehear.check import FlaggedClipsWarning, check_generated

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


def reference_fingerprint(items, paths, reference_dir) -> dict:
    """What identifies a reference set: its file count and a SHA-256 over the sorted
    ``relative/path\\0<sha256 of the file>\\n`` lines (content hashes are memoised per item)."""
    lines = sorted(f"{Path(p).relative_to(reference_dir).as_posix()}\0{item.content_hash()}\n"
                   for item, p in zip(items, paths))
    return {"n_files": len(lines), "sha256": hashlib.sha256("".join(lines).encode()).hexdigest(),
            "method": "sha256 over sorted 'relative path NUL sha256-of-file-bytes LF' lines"}


def evaluate_generated(generated_dir, reference_dir=None, metrics=None, skip_invalid: bool = False,
                       options: Options | None = None) -> tuple[dict, list[dict]]:
    """Score a generated folder (with ``manifest.csv``); return (results, per-sample rows)."""
    from imagehear import __version__
    from imagehear.dataset import fetch_images
    from imagehear.distributed import current_shard
    from imagehear.embed import as_items
    from imagehear.environment import device_record, package_versions, protocol_config

    options = options or Options()
    if options.shard is None:
        options.shard = current_shard(options.device)
    folder = Path(generated_dir)
    names = pipeline.select_metrics(metrics, reference_dir is not None)
    manifest = protocol.read_manifest(folder)
    names = class_metrics(names, manifest, metrics)
    paired, reference_errors = None, []
    if any(registry.METRICS[n].reference != "none" for n in names):
        paired = pair_reference(manifest, reference_dir)
        reference_errors = reference_problems(paired[3], reference_dir)
    rows, skipped = validated_rows(folder, skip_invalid, options.progress, reference_errors)
    # clips are named by their manifest path (the inception score orders clips by name)
    clips = pipeline.Clips(as_items([folder / r.file for r in rows], names=[r.file for r in rows]),
                           [r.label or "all" for r in rows],
                           image_ids=[r.image or r.video or r.frames for r in rows])  # the intervals' unit
    if paired is not None:
        pairs, unmatched_gen, unmatched_ref, ref_paths = paired
        kept = {r.file for r in rows}
        unmatched_gen = [f for f in unmatched_gen if f in kept]
        clips.reference = as_items(ref_paths)
        ref_index = {p: i for i, p in enumerate(ref_paths)}
        clips.pairs = [(i, ref_index[pairs[r.file]]) for i, r in enumerate(rows) if r.file in pairs]
        clips.unmatched = {"generated": unmatched_gen, "reference": unmatched_ref}
    if any("clip.image" in registry.METRICS[n].needs for n in names):
        from imagehear.frames import conditioning

        listed = sorted({r.image for r in rows if r.image})  # video and frames rows fetch nothing
        images = fetch_images(options.source, files=listed) if listed else {}
        clips.images = [images[r.image] if r.image else conditioning(folder, r, options.video_frames) for r in rows]
    out, columns, backbones = pipeline.run(names, clips, options)
    random_init = sorted(n for n, b in backbones.loaded.items() if b.weights.random_init)
    if random_init:
        from imagehear.weights import RandomWeightsWarning

        warnings.warn(f"scored with RANDOMLY INITIALISED weights ({', '.join(random_init)}): the numbers are "
                      "meaningless and the leaderboard never ranks this file", RandomWeightsWarning, stacklevel=2)
    per_sample = [{"file": r.file, "label": r.label, "image": r.image, **({"video": r.video} if r.video else {}),
                   **({"frames": r.frames} if r.frames else {})} for r in rows]
    for column, values in columns.items():
        for row, value in zip(per_sample, values):
            row[column] = value

    coverage = protocol.plan_coverage(rows)
    results = {
        "benchmark": "image_hear", "protocol": protocol.PROTOCOL_VERSION, "image_hear_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"name": options.model.get("name") or folder.resolve().name, "paper": options.model.get("paper"),
                  "code": options.model.get("code")},
        "complete": coverage["complete"] and not skipped, "n_samples": len(rows),
        "coverage": {k: v for k, v in coverage.items() if k != "complete"},
        "skipped": skipped, "metrics": out,
        **({"reference_set": reference_fingerprint(clips.reference, ref_paths, reference_dir)}
           if clips.reference else {}),
        "config": protocol_config(names, backbones.loaded, options.seed, options.precision, options.profile,
                                  compute.bootstrap_config(options.seed)),
        "environment": {"python": platform.python_version(), "packages": package_versions(),
                        **device_record(backbones.device), "processes": options.shard.world,
                        "weights": {n: b.weights.record() for n, b in backbones.loaded.items()}},
    }
    if coverage.get("conditioning"):  # how video and frames rows were read
        from imagehear.frames import config_record

        results["config"]["conditioning"] = config_record(options.video_frames, coverage["conditioning"])
    from imagehear.samples import pack

    results["per_sample"] = pack(per_sample)  # last: per-clip values for compare and the consistency check
    return results, per_sample
