"""Fixed batches for a backbone whose outputs depend on the whole batch (Wav2CLIP under ``--compat ssv2a``).

SSV2A's CS feeds Wav2CLIP 64 clips at a time in sorted path order, and Wav2CLIP normalises its
log-spectrogram over the whole batch, so a clip's embedding depends on its batch mates
(protocol v1 normalises each clip by itself and batches freely). :func:`extract_grouped` forms
exactly those batches and caches each as one entry keyed by the content hashes of its clips in
order: a batch is reused only when the same clips fall into it again.

>>> group_order(["b.wav", "a.wav", "d.wav", "c.wav", "e.wav"], 2)
[[1, 0], [3, 2], [4]]
"""
from __future__ import annotations

import hashlib

import numpy as np

from imagehear.embed.engine import EmbeddingCache, autocast, cache_key, default_cache_dir
from imagehear.errors import ImageHearError
from imagehear.io.clips import AudioItem
from imagehear.models.devices import check_precision


def group_order(names: list[str], size: int) -> list[list[int]]:
    """Indices of ``names`` sorted by name, cut into consecutive batches of ``size`` (the last shorter)."""
    order = sorted(range(len(names)), key=lambda i: names[i])
    return [order[start:start + size] for start in range(0, len(order), size)]


def batch_hash(items: list[AudioItem]) -> str:
    """The cache key of one batch: its clips' content hashes, in batch order."""
    return hashlib.sha256(("batch:" + ",".join(item.content_hash() for item in items)).encode()).hexdigest()


def extract_grouped(backbone, items: list[AudioItem], size: int, cache_dir=None,
                    precision: str = "fp32") -> list[dict[str, np.ndarray]]:
    """Run ``backbone`` on ``items`` in batches of ``size`` in sorted name order; one output dict
    per item, in the items' order. The batch's waveforms must share a length (the profile's
    preparation crops or pads them), as upstream stacks them."""
    import torch

    check_precision(precision)
    cache = None if cache_dir is False else EmbeddingCache(
        cache_dir or default_cache_dir(), {**cache_key(backbone, precision), "batch": f"{size} clips, sorted by name"})
    out: list = [None] * len(items)
    for group in group_order([item.name for item in items], size):
        key = batch_hash([items[i] for i in group])
        outputs = cache.get(key) if cache is not None else None
        if outputs is None:
            waves = [items[i].load(backbone.sample_rate) for i in group]
            if len({int(w.shape[-1]) for w in waves}) > 1:
                raise ImageHearError(f"{backbone.name}: a whole-batch normalisation needs clips of one length; "
                                     f"{items[group[0]].name} and others differ (use the profile's preparation)")
            with torch.inference_mode(), autocast(str(getattr(backbone, "device", "cpu")), precision):
                outputs = {k: v.float().cpu().numpy() for k, v in backbone(torch.stack(waves)).items()}
            if cache is not None:
                cache.put(key, outputs)
        for row, i in enumerate(group):
            out[i] = {k: v[row] for k, v in outputs.items()}
    return out
