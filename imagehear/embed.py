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

import functools
import hashlib
import importlib
import json
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imagehear.audio import RESAMPLER

CACHE_VERSION = 2  # bump when this engine changes outputs (each backbone has its own CODE_VERSION)
BASE_PACKAGES = ("torch", "torchaudio")  # compute (and resample for) every backbone
PRECISIONS = ("fp32", "bf16", "fp16")


def default_cache_dir() -> Path:
    from imagehear.download import cache_root

    return cache_root() / "embeddings"


class EmbeddingCache:
    """One folder per (backbone, weights, config) key; one atomic ``.npz`` per content hash."""

    def __init__(self, root, key: dict):
        self.key = key
        digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:20]
        self.folder = Path(root) / str(key.get("backbone", "model")) / digest

    def _path(self, content_hash: str) -> Path:
        return self.folder / content_hash[:2] / f"{content_hash}.npz"

    def get(self, content_hash: str) -> dict[str, np.ndarray] | None:
        path = self._path(content_hash)
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                return {k: data[k] for k in data.files}
        except Exception:  # truncated or corrupt entry (zip CRC, bad header): recompute it
            path.unlink(missing_ok=True)
            return None

    def put(self, content_hash: str, outputs: dict[str, np.ndarray]) -> None:
        path = self._path(content_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (self.folder / "key.json").exists():
            (self.folder / "key.json").write_text(json.dumps(self.key, indent=1, sort_keys=True, default=str))
        fd, tmp = tempfile.mkstemp(suffix=".npz.part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **outputs)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@dataclass(frozen=True)
class AudioItem:
    """A clip to embed: a file, or an in-memory waveform with its sampling rate.

    ``waveform`` names a preparation other than protocol v1's (an evaluation profile's,
    e.g. av-benchmark's mean subtraction and crop): it is part of the content hash, since
    the prepared clip is what the backbones see.
    """
    name: str
    path: Path | None = None
    array: np.ndarray | None = None
    sampling_rate: int | None = None
    waveform: tuple = ()  # imagehear.profiles.Profile.waveform(): () is protocol v1's own

    def content_hash(self) -> str:
        """SHA-256 of the file's bytes (or the array's), computed once per item."""
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            cached = self._hash()
            object.__setattr__(self, "_content_hash", cached)  # a memo, not state: the item stays frozen
        return cached

    def _hash(self) -> str:
        digest = hashlib.sha256()
        if self.path is not None:
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            digest.update(f"array:{self.sampling_rate}:".encode())
            digest.update(np.ascontiguousarray(self.array, dtype=np.float32).tobytes())
        if self.waveform:
            digest.update(json.dumps(self.waveform).encode())
        return digest.hexdigest()

    @property
    def _prep(self) -> dict:
        return dict(self.waveform)

    def length_at(self, rate: int) -> int:
        """Samples after resampling to ``rate`` (torchaudio's output length), read from the header."""
        if self.path is not None:
            import soundfile as sf

            from imagehear.audio import read_audio
            try:
                info = sf.info(str(self.path))
                frames, orig = info.frames, info.samplerate
            except Exception:
                read_audio(self.path)  # raises the AudioError that names the file
                raise
        else:
            frames, orig = len(self.array), int(self.sampling_rate)
        g = math.gcd(orig, rate)
        n = math.ceil(frames * (rate // g) / (orig // g))
        seconds = self._prep.get("audio_length_s")
        return n if seconds is None else min(n, int(rate * seconds))

    def load(self, rate: int):
        from imagehear.audio import av_benchmark_wave, load_audio, prepare_array, read_audio, to_mono

        if self._prep.get("preparation") != "av-benchmark":
            wave = load_audio(self.path, rate) if self.path is not None else \
                prepare_array(self.array, self.sampling_rate, rate, name=self.name)
            seconds = self._prep.get("audio_length_s")
            return wave if seconds is None else wave[:int(rate * seconds)]
        if self.path is not None:
            data, orig = read_audio(self.path)
        else:
            data, orig = prepare_array(self.array, self.sampling_rate, self.sampling_rate, name=self.name), \
                self.sampling_rate
        return av_benchmark_wave(to_mono(np.asarray(data)), orig, rate, self._prep.get("audio_length_s"))


def as_items(audio, sampling_rate: int | None = None, names=None) -> list[AudioItem]:
    """Paths (str/Path) or 1-D arrays (with ``sampling_rate``) → :class:`AudioItem` list.

    ``names`` (one per clip) default to the paths, or ``array i``.
    """
    items = []
    for i, a in enumerate(audio):
        if isinstance(a, (str, os.PathLike)):
            items.append(AudioItem(str(a) if names is None else names[i], path=Path(a)))
        else:
            if sampling_rate is None:
                raise ValueError("audio given as arrays needs sampling_rate")
            items.append(AudioItem(f"array {i}" if names is None else names[i], array=np.asarray(a, dtype=np.float32), sampling_rate=sampling_rate))
    return items


@functools.lru_cache(maxsize=None)
def package_version(name: str) -> str | None:
    """Installed version of distribution ``name`` (None when absent), read from its metadata."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def backbone_versions(backbone) -> dict:
    """The code that computes ``backbone``'s outputs: its module's ``CODE_VERSION`` and the
    versions of torch, torchaudio and the module's upstream ``PACKAGES``.

    A registered backbone (``imagehear.backbones.<name>``) is read from its module, so a
    :class:`~imagehear.backbones.lazy.LazyBackbone` needs no build; any other object from
    the module its class is defined in (None / no packages when it has no such constants).
    """
    from imagehear.backbones import BACKBONES

    if backbone.name in BACKBONES:
        module = importlib.import_module(f"imagehear.backbones.{backbone.name}")
    else:
        module = sys.modules.get(type(backbone).__module__)
    packages = BASE_PACKAGES + tuple(getattr(module, "PACKAGES", ()))
    return {"code_version": getattr(module, "CODE_VERSION", None),
            "packages": {name: package_version(name) for name in packages}}


def cache_key(backbone, precision: str) -> dict:
    """Everything that changes a backbone's outputs; its digest names the cache folder.

    ``backbone``, ``weights_sha256``, ``config``, ``resampler``, ``precision``,
    ``cache_version`` (this engine), ``code_version`` (the backbone module's) and
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


def extract(backbone, items: list[AudioItem], cache_dir=None, batch_size: int | None = None, precision: str = "fp32",
            num_workers: int | None = None, progress: bool = True, shard=None) -> list[dict[str, np.ndarray]]:
    """Run ``backbone`` over ``items``; return one dict of float32 arrays per item, in order.

    ``cache_dir=False`` disables the cache; ``None`` uses :func:`default_cache_dir`.
    ``shard`` (:class:`imagehear.distributed.Shard`): this process computes every
    ``world``-th batch of the single-process batching and reads the rest from the cache.
    """
    from imagehear.distributed import Shard

    shard = shard or Shard()
    import torch
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    cache = None if cache_dir is False else EmbeddingCache(cache_dir or default_cache_dir(),
                                                           cache_key(backbone, precision))
    if cache is None and shard.world > 1:
        raise ValueError("sharded extraction exchanges results through the cache: do not disable it")
    hashes = [item.content_hash() for item in items]
    results: dict[str, dict] = {}
    if cache is not None:
        for h in dict.fromkeys(hashes):
            hit = cache.get(h)
            if hit is not None:
                results[h] = hit
    # Every process scans before any writes (the previous call ended on a barrier after its writes),
    # so all see the same cache state, plan the same batches, and take disjoint shares of them.
    shard.barrier()
    todo_hashes = [h for h in dict.fromkeys(hashes) if h not in results]
    todo = [items[hashes.index(h)] for h in todo_hashes]
    if todo:
        lengths = [item.length_at(backbone.sample_rate) for item in todo]
        device = str(getattr(backbone, "device", "cpu"))
        batch_size = batch_size or default_batch_size(device)
        if num_workers is None:  # decoding in parallel pays on a GPU box; on CPU it steals compute cores
            num_workers = min(4, os.cpu_count() or 1) if device.startswith("cuda") else 0
        batches = length_batches(lengths, batch_size)[shard.rank::shard.world]
        loader = DataLoader(_ClipDataset(todo, backbone.sample_rate), num_workers=num_workers,
                            batch_sampler=batches, collate_fn=_stack)
        order = iter(batches)
        autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        with tqdm(total=sum(map(len, batches)), desc=f"{backbone.name}", unit="clip", disable=not progress, leave=False) as bar, \
                torch.inference_mode():
            for batch in loader:
                indices = next(order)
                with torch.autocast(device.split(":")[0], dtype=autocast_dtype, enabled=autocast_dtype is not None):
                    outputs = backbone(batch.to(device))
                outputs = {k: v.float().cpu().numpy() for k, v in outputs.items()}
                for row, i in enumerate(indices):
                    one = {k: v[row] for k, v in outputs.items()}
                    results[todo_hashes[i]] = one
                    if cache is not None:
                        cache.put(todo_hashes[i], one)  # written per batch: a killed run resumes here
                bar.update(len(indices))
    if shard.world > 1:
        shard.barrier()
        for h in todo_hashes:
            if h not in results:
                results[h] = cache.get(h)
                if results[h] is None:
                    from imagehear.errors import ImageHearError
                    raise ImageHearError(f"{cache.folder}: another process's embedding is missing; with several "
                                         "machines, --cache-dir must be a folder they all share")
    return [results[h] for h in hashes]


def extract_keyed(backbone, inputs: dict[str, object], compute, cache_dir=None, precision: str = "fp32",
                  batch_size: int = 32) -> dict[str, np.ndarray]:
    """Cached outputs for non-audio inputs (images, prompts), keyed by a content hash.

    ``inputs`` maps a content hash (an image's SHA-256, a prompt's) to the input;
    ``compute(list of inputs) -> (N, D) tensor`` runs the backbone on one batch.
    """
    import torch

    cache = None if cache_dir is False else EmbeddingCache(cache_dir or default_cache_dir(),
                                                           cache_key(backbone, precision))
    out = {}
    for h in inputs:
        hit = cache.get(h) if cache is not None else None
        if hit is not None:
            out[h] = hit["embedding"]
    todo = [h for h in inputs if h not in out]
    with torch.inference_mode():
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
