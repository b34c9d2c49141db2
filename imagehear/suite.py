"""``image-hear evaluate``: a generated folder in, every IMAGE HEAR score out.

Flow (one way): manifest + check → clips, pairs and images → :func:`imagehear.pipeline.run`
(embeddings per backbone, each computed once, cached; then each metric's entry) → results
dict → :mod:`imagehear.report`. PaSST runs once per clip and feeds accuracy, KL, IS, FD and KAD.
"""
from __future__ import annotations

import datetime
import platform
from pathlib import Path

from imagehear import compute, pipeline, protocol
from imagehear import metrics as registry
from imagehear.errors import ImageHearError, ManifestError
from imagehear.pipeline import Options

__all__ = ["Options", "evaluate_generated", "pair_reference"]
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


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


def validated_rows(folder: Path, skip_invalid: bool, progress: bool):
    from imagehear.check import check_generated

    report = check_generated(folder, progress=progress)  # reads and validates the manifest first
    if not report.ok and not skip_invalid:
        raise ManifestError(f"{folder} has invalid clips; fix them or pass --skip-invalid:\n{report.text()}")
    invalid = report.invalid_files()
    skipped = [{"file": p.file, "reason": f"{p.kind}: {p.message}"} for p in report.problems if p.is_error]
    kept = [r for r in protocol.read_manifest(folder) if r.file not in invalid]
    if not kept:
        raise ManifestError(f"{folder}: no valid clips left to score")
    return kept, skipped


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
    rows, skipped = validated_rows(folder, skip_invalid, options.progress)
    # clips are named by their manifest path (the inception score orders clips by name)
    clips = pipeline.Clips(as_items([folder / r.file for r in rows], names=[r.file for r in rows]),
                           [r.label for r in rows])
    if any(registry.METRICS[n].reference != "none" for n in names):
        pairs, unmatched_gen, unmatched_ref, ref_paths = pair_reference(rows, reference_dir)
        clips.reference = as_items(ref_paths)
        ref_index = {p: i for i, p in enumerate(ref_paths)}
        clips.pairs = [(i, ref_index[pairs[r.file]]) for i, r in enumerate(rows) if r.file in pairs]
        clips.unmatched = {"generated": unmatched_gen, "reference": unmatched_ref}
    if any("clip.image" in registry.METRICS[n].needs for n in names):
        images = fetch_images(options.source, files=sorted({r.image for r in rows}))
        clips.images = [images[r.image] for r in rows]
    out, columns, backbones = pipeline.run(names, clips, options)
    per_sample = [{"file": r.file, "label": r.label, "image": r.image} for r in rows]
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
        "config": protocol_config(names, backbones.loaded, options.seed, options.precision, options.profile,
                                  {"n_resamples": compute.N_RESAMPLES, "n_resamples_set": compute.N_RESAMPLES_SET}),
        "environment": {"python": platform.python_version(), "packages": package_versions(),
                        **device_record(backbones.device), "processes": options.shard.world,
                        "weights": {n: b.weights.record() for n, b in backbones.loaded.items()}},
    }
    return results, per_sample
