"""The embedding engine: batched, cached, streamed extraction for any audio backbone.

Clips are grouped by length so a batch needs no padding (padding would change PaSST and
Wav2CLIP outputs); decoding runs in a DataLoader; only one batch of waveforms is held at a
time. Every result is cached on disk, keyed by everything that changes it (backbone,
weights SHA-256, its config, the resampler, the precision, the code and package versions
that compute it — :func:`cache_key` — and the audio bytes), so a re-run
or an added metric recomputes nothing, and a killed run resumes where it stopped.

>>> import numpy as np, tempfile
>>> cache = EmbeddingCache(tempfile.mkdtemp(), {"backbone": "demo"})
>>> cache.put("ab" * 32, {"embedding": np.ones(3, dtype="float32")})
>>> cache.get("ab" * 32)["embedding"]
array([1., 1., 1.], dtype=float32)
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np

from imagehear.io.atomic import atomic_write
from imagehear.io.audio import RESAMPLER
from imagehear.io.clips import AudioItem, as_items  # noqa: F401 (re-exported: the engine's inputs)
from imagehear.models.devices import check_precision

CACHE_VERSION = 2  # bump when this engine changes outputs (each model spec has its own code_version)


def default_cache_dir() -> Path:
    from imagehear.io.download import cache_root

    return cache_root() / "embeddings"


class CacheWarning(UserWarning):
    """The embedding cache could not store an entry (scores are unaffected)."""


class EmbeddingCache:
    """One folder per (backbone, weights, config) key; one atomic ``.npz`` per content hash."""

    def __init__(self, root, key: dict):
        self.key = key
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]
        self.folder = Path(root) / str(key.get("backbone", "model")) / digest
        self._warned = False

    def _path(self, content_hash: str) -> Path:
        return self.folder / content_hash[:2] / f"{content_hash}.npz"

    def get(self, content_hash: str) -> dict[str, np.ndarray] | None:
        path = self._path(content_hash)
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        except OSError:  # not ours to read (a colleague's file in a shared cache), a flaky mount:
            return None  # recompute, and leave the entry where it is
        except Exception:  # truncated or corrupt entry (zip CRC, bad header): recompute it
            with contextlib.suppress(OSError):  # a folder we may not write: keep it, recompute anyway
                path.unlink(missing_ok=True)
            return None

    def put(self, content_hash: str, outputs: dict[str, np.ndarray]) -> None:
        """Store ``outputs``; a folder we may not write (a colleague's, in a shared cache) or a full
        disk costs the caching, not the run: one :class:`CacheWarning` per cache, then on."""
        path = self._path(content_hash)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not (self.folder / "key.json").exists():
                with atomic_write(self.folder / "key.json") as fh:
                    fh.write(json.dumps(self.key, indent=1, sort_keys=True, default=str))
            with atomic_write(path, "wb") as fh:
                np.savez(fh, **outputs)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                warnings.warn(f"embedding cache {self.folder}: cannot store entries ({exc.strerror or exc}); "
                              "the scores are computed all the same, but a re-run will compute them again "
                              "(give this user write access there, or choose another --cache-dir)",
                              CacheWarning, stacklevel=2)


@functools.lru_cache(maxsize=None)
def package_version(name: str) -> str | None:
    """Installed version of distribution ``name`` (None when absent), read from its metadata."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def backbone_versions(backbone) -> dict:
    """The code that computes ``backbone``'s outputs: its spec's ``code_version`` and the versions
    of torch, torchaudio and the spec's ``packages`` (a model without a spec: torch's alone)."""
    from imagehear.models import BASE_PACKAGES, MODELS

    spec = MODELS.get(backbone.name)
    packages = BASE_PACKAGES + (spec.packages if spec else ())
    return {"code_version": spec.code_version if spec else None,
            "packages": {name: package_version(name) for name in packages}}


def cache_key(backbone, precision: str) -> dict:
    """Everything that changes a backbone's outputs; its digest names the cache folder.

    ``backbone``, ``weights_sha256``, ``config``, ``resampler``, ``precision``,
    ``cache_version`` (this engine), ``code_version`` (the model spec's) and
    ``packages`` (distribution → version). Audio (:func:`extract`) and image / text
    outputs (:func:`extract_keyed`) use the same key.
    """
    return {"backbone": backbone.name, "weights_sha256": backbone.weights.sha256, "config": backbone.config(),
            "resampler": RESAMPLER, "precision": precision, "cache_version": CACHE_VERSION,
            **backbone_versions(backbone)}


def length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of equal length, at most ``batch_size`` each.

    >>> length_batches([5, 3, 5, 5, 3], 2)
    [[1, 4], [0, 2], [3]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches, current = [], []
    for i in order:
        if current and (len(current) == batch_size or lengths[current[0]] != lengths[i]):
            batches.append(current)
            current = []
        current.append(i)
    return batches + ([current] if current else [])


class _ClipDataset:
    """Map-style dataset for the DataLoader: decodes and resamples one clip per index."""

    def __init__(self, items: list[AudioItem], rate: int):
        self.items, self.rate = items, rate

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i].load(self.rate)


def _stack(waves):
    import torch

    return torch.stack(waves)


def default_batch_size(device: str) -> int:
    """Clips per forward pass when not given: 1 on CPU, 16 on accelerators.

    On a CPU a transformer's activations for a batch of 10 s clips spill the caches:
    PaSST measured 1.85 s/clip at batch 1 against 2.27 s/clip at batch 8 (2 cores, fp32).
    On a GPU batches are what fill the device.

    >>> default_batch_size("cpu"), default_batch_size("cuda:0")
    (1, 16)
    """
    return 1 if str(device).startswith("cpu") else 16


def autocast(device: str, precision: str):
    """``torch.autocast`` for ``precision`` on ``device``'s type (fp32: a no-op context).

    >>> import torch
    >>> with autocast("cpu", "bf16"):
    ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    torch.bfloat16
    """
    import torch

    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    return torch.autocast(str(device).split(":")[0], dtype=dtype, enabled=dtype is not None)


def extract(backbone, items: list[AudioItem], cache_dir=None, batch_size: int | None = None, precision: str = "fp32",
            num_workers: int | None = None, progress: bool = True, shard=None) -> list[dict[str, np.ndarray]]:
    """Run ``backbone`` over ``items``; return one dict of float32 arrays per item, in order.

    ``cache_dir=False`` disables the cache; ``None`` uses :func:`default_cache_dir`.
    ``shard`` (:class:`imagehear.embed.distributed.Shard`): this process computes every
    ``world``-th batch of the single-process batching and reads the rest from the cache.
    """
    return extract_many([backbone], items, cache_dir=cache_dir, batch_size=batch_size, precision=precision,
                        num_workers=num_workers, progress=progress, shard=shard)[backbone.name]


def extract_many(backbones, items: list[AudioItem], subsets: dict | None = None, cache_dir=None,
                 batch_size: int | None = None, precision: str = "fp32", num_workers: int | None = None,
                 progress: bool = True, shard=None) -> dict[str, list[dict[str, np.ndarray]]]:
    """Run several backbones over ``items``, decoding each clip once per sample rate.

    ``subsets`` maps a backbone name to the item indices it needs (default: all); the result
    maps each name to one output dict per index of its subset, in order. Backbones sharing a
    sample rate (Wav2CLIP, VGGish, PANNs at 16 kHz) read the same decoded batch. With
    ``progress``, the cache scan is announced first (how many clip x backbone embeddings are
    left to compute), then one overall bar with an ETA counts them, above each group's own bar.
    """
    from tqdm.auto import tqdm

    from imagehear.embed.distributed import Shard

    check_precision(precision)
    shard = shard or Shard()
    subsets = {b.name: list(subsets[b.name]) if subsets and b.name in subsets else list(range(len(items)))
               for b in backbones}
    by_rate: dict[int, list] = {}
    for backbone in backbones:
        by_rate.setdefault(backbone.sample_rate, []).append(backbone)
    if cache_dir is False and shard.world > 1:
        raise ValueError("sharded extraction exchanges results through the cache: do not disable it")
    hashes = [item.content_hash() for item in items]  # memoised per item: each file is read once
    plans = [_scan(group, rate, items, hashes, subsets, cache_dir, precision) for rate, group in by_rate.items()]
    # Every process scans before any writes (the previous call ended on a barrier after its writes),
    # so all see the same cache state, plan the same batches, and take disjoint shares of them.
    shard.barrier()
    for plan in plans:
        plan.batch(batch_size, shard)
    if progress:
        tqdm.write(announcement(plans), file=sys.stderr)
    work = sum(plan.work for plan in plans)
    with tqdm(total=work, desc="embeddings (clip x backbone)", unit="emb", disable=not progress or not work,
              position=0) as overall:
        for plan in plans:
            plan.compute(num_workers, precision, progress, overall)
    out = {}
    for plan in plans:
        out.update(plan.gathered(shard, subsets, hashes))
    return out


def announcement(plans) -> str:
    """The line printed before any work: what the cache scan found, per backbone.

    >>> class P: needed, total = {"passt": 7, "vggish": 0}, {"passt": 12, "vggish": 12}
    >>> announcement([P()])
    'embeddings to compute: 7 of 24 clip x backbone (passt 7 of 12, vggish 0 of 12); the other 17 are in the cache'
    """
    needed = {n: v for plan in plans for n, v in plan.needed.items()}
    total = {n: v for plan in plans for n, v in plan.total.items()}
    left, whole = sum(needed.values()), sum(total.values())
    detail = ", ".join(f"{n} {needed[n]} of {total[n]}" for n in total)
    rest = "all in the cache" if not left else f"the other {whole - left} are in the cache" if left < whole else \
        "none in the cache yet"
    return f"embeddings to compute: {left} of {whole} clip x backbone ({detail}); {rest}"


class _RatePlan:
    """The backbones of one sample rate: what the cache holds, what is left, and the batches."""

    def __init__(self, group, rate, caches, results, missing, todo_hashes, todo):
        self.group, self.rate, self.caches, self.results = group, rate, caches, results
        self.missing, self.todo_hashes, self.todo = missing, todo_hashes, todo
        self.needed = {b.name: len(missing[b.name]) for b in group}
        self.total = {b.name: len(missing[b.name]) + len(results[b.name]) for b in group}
        self.batches, self.work = [], 0

    def batch(self, batch_size, shard) -> None:
        """This process's share of length-sorted batches, and its clip x backbone count."""
        if not self.todo:
            return
        device = str(getattr(self.group[0], "device", "cpu"))
        self.batches = length_batches([item.length_at(self.rate) for item in self.todo],
                                      batch_size or default_batch_size(device))[shard.rank::shard.world]
        self.work = sum(self.todo_hashes[i] in self.missing[b.name] for batch in self.batches for i in batch
                        for b in self.group)

    def compute(self, num_workers, precision, progress, overall) -> None:
        if not self.batches:
            return
        import torch
        from torch.utils.data import DataLoader
        from tqdm.auto import tqdm

        device = str(getattr(self.group[0], "device", "cpu"))
        if num_workers is None:  # decoding in parallel pays on a GPU box; on CPU it steals compute cores
            num_workers = min(4, os.cpu_count() or 1) if device.startswith("cuda") else 0
        loader = DataLoader(_ClipDataset(self.todo, self.rate), num_workers=num_workers,
                            batch_sampler=self.batches, collate_fn=_stack)
        order = iter(self.batches)
        names = "+".join(b.name for b in self.group)
        with tqdm(total=sum(map(len, self.batches)), desc=names, unit="clip", disable=not progress, leave=False,
                  position=1) as bar, torch.inference_mode():
            for batch in loader:
                indices = next(order)
                for b in self.group:
                    rows = [r for r, i in enumerate(indices) if self.todo_hashes[i] in self.missing[b.name]]
                    if not rows:
                        continue
                    with autocast(device, precision):
                        outputs = b(batch[rows].to(device) if len(rows) < len(indices) else batch.to(device))
                    outputs = {k: v.float().cpu().numpy() for k, v in outputs.items()}
                    for row, r in enumerate(rows):
                        h = self.todo_hashes[indices[r]]
                        one = {k: v[row] for k, v in outputs.items()}
                        self.results[b.name][h] = one
                        if self.caches[b.name] is not None:
                            self.caches[b.name].put(h, one)  # written per batch: a killed run resumes here
                    overall.update(len(rows))
                bar.update(len(indices))

    def gathered(self, shard, subsets, hashes) -> dict:
        """Each backbone's outputs in its subset's order (other processes' shares from the cache)."""
        if shard.world > 1:
            shard.barrier()
            for b in self.group:
                for h in self.missing[b.name] - set(self.results[b.name]):
                    self.results[b.name][h] = self.caches[b.name].get(h)
                    if self.results[b.name][h] is None:
                        from imagehear.errors import ImageHearError
                        raise ImageHearError(f"{self.caches[b.name].folder}: another process's embedding is missing; "
                                             "with several machines, --cache-dir must be a folder they all share")
        return {b.name: [self.results[b.name][hashes[i]] for i in subsets[b.name]] for b in self.group}


def _scan(group, rate, items, hashes, subsets, cache_dir, precision) -> _RatePlan:
    """Read what the cache already holds for the backbones of one sample rate."""
    caches = {b.name: None if cache_dir is False else EmbeddingCache(cache_dir or default_cache_dir(),
                                                                     cache_key(b, precision)) for b in group}
    results = {b.name: {} for b in group}
    for b in group:
        if caches[b.name] is not None:
            for h in dict.fromkeys(hashes[i] for i in subsets[b.name]):
                hit = caches[b.name].get(h)
                if hit is not None:
                    results[b.name][h] = hit
    missing = {b.name: {hashes[i] for i in subsets[b.name]} - set(results[b.name]) for b in group}
    todo_hashes = [h for h in dict.fromkeys(hashes) if any(h in m for m in missing.values())]
    first_item = {}  # content hash -> the first item with it (one pass: hashes.index in a loop is quadratic)
    for item, h in zip(items, hashes):
        first_item.setdefault(h, item)
    return _RatePlan(group, rate, caches, results, missing, todo_hashes, [first_item[h] for h in todo_hashes])


def extract_keyed(backbone, inputs: dict[str, object], compute, cache_dir=None, precision: str = "fp32",
                  batch_size: int = 32) -> dict[str, np.ndarray]:
    """Cached outputs for non-audio inputs (images, prompts), keyed by a content hash.

    ``inputs`` maps a content hash (an image's SHA-256, a prompt's) to the input;
    ``compute(list of inputs) -> (N, D) tensor`` runs the backbone on one batch.
    """
    import torch

    check_precision(precision)
    cache = None if cache_dir is False else EmbeddingCache(cache_dir or default_cache_dir(),
                                                           cache_key(backbone, precision))
    out = {}
    for h in inputs:
        hit = cache.get(h) if cache is not None else None
        if hit is not None:
            out[h] = hit["embedding"]
    todo = [h for h in inputs if h not in out]
    # the precision is in the cache key and the results: images and prompts run under it too
    with torch.inference_mode(), autocast(str(getattr(backbone, "device", "cpu")), precision):
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            embeddings = compute([inputs[h] for h in chunk]).float().cpu().numpy()
            for h, e in zip(chunk, embeddings):
                out[h] = e
                if cache is not None:
                    cache.put(h, {"embedding": e})
    return out


def text_hash(text: str) -> str:
    return hashlib.sha256(f"text:{text}".encode()).hexdigest()
