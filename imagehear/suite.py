"""``image-hear evaluate``: a generated folder in, every IMAGE HEAR score out.

Flow (one way): manifest + check → audio → embeddings per backbone (each computed once,
cached) → :mod:`imagehear.compute` → results dict → :mod:`imagehear.report`.
PaSST runs once per clip and feeds accuracy, KL and KAD.
"""
from __future__ import annotations

import datetime
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imagehear import compute, protocol
from imagehear.errors import ImageHearError, ManifestError

# metric -> backbones it needs; reference metrics need --reference-dir
METRICS = {"clip_score": ("wav2clip", "clip"), "accuracy": ("passt",), "clap_score": ("clap",),
           "kl": ("passt",), "fad": ("vggish",), "kad": ("passt",)}
REFERENCE_METRICS = ("kl", "fad", "kad")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


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
    shard: object = None               # imagehear.distributed.Shard; None: from the launcher's env


def select_metrics(requested, has_reference: bool) -> list[str]:
    if requested is None:
        return [m for m in METRICS if has_reference or m not in REFERENCE_METRICS]
    names = [m.strip() for m in (requested.split(",") if isinstance(requested, str) else requested) if m.strip()]
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise ImageHearError(f"unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRICS)}")
    if not has_reference and any(m in REFERENCE_METRICS for m in names):
        raise ImageHearError(f"{', '.join(m for m in names if m in REFERENCE_METRICS)} need reference audio: "
                             "pass --reference-dir")
    return names


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


class _Backbones:
    """One lazy backbone per name: built only if some clip is not cached yet."""

    def __init__(self, options: Options):
        from imagehear.backbones import resolve_device

        self.options, self.loaded = options, {}
        self.device = options.shard.device if options.shard.world > 1 else resolve_device(options.device)

    def __getitem__(self, name):
        if name not in self.loaded:
            from imagehear.backbones.lazy import lazy_backbone

            extra = {"pad_to_10s": self.options.pad_to_10s} if name == "passt" else {}
            self.loaded[name] = lazy_backbone(name, self.options.weights_dir, self.device, self.options.cache_dir,
                                              **extra)
        return self.loaded[name]


def _audio(backbones, name, paths, options):
    from imagehear.embed import as_items, extract

    return extract(backbones[name], as_items(paths), cache_dir=options.cache_dir, batch_size=options.batch_size,
                   precision=options.precision, progress=options.progress and options.shard.is_main,
                   shard=options.shard)


def _image_embeddings(backbone, rows, options) -> np.ndarray:
    """CLIP embeddings of each row's conditioning image (each of the images embedded once)."""
    from imagehear.api import image_embeddings
    from imagehear.dataset import fetch_images

    files = sorted({r.image for r in rows})
    paths = fetch_images(options.source, files=files)
    embeddings = image_embeddings([paths[f] for f in files], backbone, options.cache_dir, options.precision)
    index = {f: i for i, f in enumerate(files)}
    return embeddings[[index[r.image] for r in rows]]


def _text_embeddings(backbone, options) -> np.ndarray:
    from imagehear.embed import extract_keyed, text_hash

    prompts = compute.clap_prompts()
    out = extract_keyed(backbone, {text_hash(p): p for p in prompts}, backbone.embed_text,
                        cache_dir=options.cache_dir, precision=options.precision)
    return np.stack([out[text_hash(p)] for p in prompts])


def evaluate_generated(generated_dir, reference_dir=None, metrics=None, skip_invalid: bool = False,
                       options: Options | None = None) -> tuple[dict, list[dict]]:
    """Score a generated folder (with ``manifest.csv``); return (results, per-sample rows)."""
    from imagehear import __version__
    from imagehear.distributed import current_shard
    from imagehear.environment import device_record, package_versions, protocol_config

    options = options or Options()
    if options.shard is None:
        options.shard = current_shard(options.device)
    folder = Path(generated_dir)
    rows, skipped = validated_rows(folder, skip_invalid, options.progress)
    names = select_metrics(metrics, reference_dir is not None)
    labels = [r.label for r in rows]
    gen_paths = [folder / r.file for r in rows]
    backbones = _Backbones(options)
    out: dict[str, dict] = {}
    per_sample = [{"file": r.file, "label": r.label, "image": r.image} for r in rows]
    seed = options.seed
    passt_gen = _audio(backbones, "passt", gen_paths, options) if {"accuracy", "kl", "kad"} & set(names) else None

    if "clip_score" in names:
        audio = np.stack([e["embedding"] for e in _audio(backbones, "wav2clip", gen_paths, options)])
        out["clip_score"], values = compute.clip_score_entry(audio, _image_embeddings(backbones["clip"], rows, options),
                                                             labels, seed)
        _add_column(per_sample, "clip_score", values)
    if "accuracy" in names:
        logits = np.stack([e["logits"] for e in passt_gen])
        out["accuracy"], acc = compute.accuracy_entry(logits, labels, seed)
        _add_column(per_sample, "passt_top1", acc.predicted.tolist())
        _add_column(per_sample, "passt_top1_label", [protocol.AUDIOSET_LABELS[i] for i in acc.predicted])
        _add_column(per_sample, "correct", acc.correct.tolist())
    if "clap_score" in names:
        audio = np.stack([e["embedding"] for e in _audio(backbones, "clap", gen_paths, options)])
        out["clap_score"], values = compute.clap_score_entry(audio, _text_embeddings(backbones["clap"], options),
                                                             labels, seed)
        _add_column(per_sample, "clap_score", values)
    if reference_dir is not None:
        out.update(_reference_metrics(names, rows, gen_paths, passt_gen, reference_dir, backbones, options,
                                      per_sample))

    coverage = protocol.plan_coverage(rows)
    results = {
        "benchmark": "image_hear", "protocol": protocol.PROTOCOL_VERSION, "image_hear_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"name": options.model.get("name") or folder.resolve().name, "paper": options.model.get("paper"),
                  "code": options.model.get("code")},
        "complete": coverage["complete"] and not skipped, "n_samples": len(rows),
        "coverage": {k: v for k, v in coverage.items() if k != "complete"},
        "skipped": skipped, "metrics": out,
        "config": protocol_config(names, backbones.loaded, seed, options.precision,
                                  {"n_resamples": compute.N_RESAMPLES, "n_resamples_set": compute.N_RESAMPLES_SET}),
        "environment": {"python": platform.python_version(), "packages": package_versions(),
                        **device_record(backbones.device), "processes": options.shard.world,
                        "weights": {n: b.weights.record() for n, b in backbones.loaded.items()}},
    }
    return results, per_sample


def _add_column(rows: list[dict], name: str, values) -> None:
    for row, value in zip(rows, values):
        row[name] = float(value) if isinstance(value, (float, np.floating)) else value


def _reference_metrics(names, rows, gen_paths, passt_gen, reference_dir, backbones, options, per_sample) -> dict:
    pairs, unmatched_gen, unmatched_ref, ref_paths = pair_reference(rows, reference_dir)
    out, seed = {}, options.seed
    if "kl" in names:
        if not pairs:
            raise ImageHearError(f"{reference_dir}: no reference file matches a generated clip by relative path "
                                 f"without extension (e.g. {rows[0].file} needs {Path(rows[0].file).with_suffix('')}.wav)")
        index = [i for i, r in enumerate(rows) if r.file in pairs]
        ref = _audio(backbones, "passt", [pairs[rows[i].file] for i in index], options)
        entry, per_pair = compute.kl_entry(np.stack([e["logits"] for e in ref]),
                                           np.stack([passt_gen[i]["logits"] for i in index]),
                                           [rows[i].label for i in index], seed)
        entry["unmatched"] = {"generated": unmatched_gen, "reference": unmatched_ref}
        out["kl"] = entry
        values = dict(zip(index, per_pair))
        _add_column(per_sample, "kl", [values.get(i) for i in range(len(rows))])
    if "fad" in names:
        gen = [e["embedding"] for e in _audio(backbones, "vggish", gen_paths, options)]
        ref = [e["embedding"] for e in _audio(backbones, "vggish", ref_paths, options)]
        out["fad"] = compute.frechet_entry(gen, ref, seed)
    if "kad" in names:
        ref = _audio(backbones, "passt", ref_paths, options)
        out["kad"] = compute.kad_entry(np.stack([e["embedding"] for e in passt_gen]),
                                       np.stack([e["embedding"] for e in ref]), seed)
    return out
