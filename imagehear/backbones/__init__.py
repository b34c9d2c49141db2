"""Backbones: one module per model, each with the same small surface.

Every module defines ``load(weights_dir=None, device="cpu", **options)`` returning an
object with:

- ``name`` (registry key), ``sample_rate`` (audio backbones), ``weights`` (a
  :class:`imagehear.weights.ResolvedWeights`), ``device``;
- ``config()``: a JSON-able dict of every setting that changes the outputs (it keys the
  embedding cache and goes into result files);
- audio backbones: ``__call__(batch)`` on a float32 tensor (B, T) of equal-length mono
  clips at ``sample_rate`` → dict of tensors with leading dimension B
  (passt: ``logits`` (B, 527) and ``embedding`` (B, 768); panns: ``logits`` (B, 527, before
  the sigmoid) and ``embedding`` (B, 2048, ReLU of fc1); wav2clip: ``embedding`` (B, 512);
  vggish: ``embedding`` (B, frames, 128); clap: ``embedding`` (B, 512));
- clip: ``embed_images(list of PIL images)`` → (N, 512); clap also ``embed_text(list of str)``.

and two module-level constants that key the embedding cache (:func:`imagehear.embed.cache_key`):

- ``CODE_VERSION`` (int): bump it in the same change as any edit of the module that changes
  an output (preprocessing, framing, pooling...); tests/test_cache_golden.py fails until it
  is bumped and the golden file regenerated (``python -m tests.regen_golden``). A new
  backbone starts at 1 and adds its outputs to tests/golden/ the same way;
- ``PACKAGES`` (tuple of distribution names): the upstream packages whose code computes the
  outputs (e.g. ``("hear21passt",)``); their installed versions, with torch's and
  torchaudio's, are part of the key, so upgrading one recomputes instead of mixing outputs.

Backbones know nothing about metrics; heavy imports stay inside the modules.
"""
from __future__ import annotations

import importlib

BACKBONES = ("passt", "panns", "wav2clip", "vggish", "clip", "clap")


def load_backbone(name: str, weights_dir=None, device: str = "cpu", **options):
    """Load backbone ``name`` (see :data:`BACKBONES`) through the weights registry."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(BACKBONES)}")
    module = importlib.import_module(f"imagehear.backbones.{name}")
    return module.load(weights_dir=weights_dir, device=device, **options)


def resolve_device(device: str = "auto") -> str:
    """``auto`` → cuda if available, then mps, else cpu; a device this machine lacks is a UsageError."""
    from imagehear.arguments import available_device

    return available_device(device)


def check_batch(batch, backbone: str, sample_rate: int, min_samples: int = 1, need: str = ""):
    """A float32 (B, T) tensor of finite, equal-length mono clips, at least ``min_samples`` long.

    >>> check_batch([[0.0, 0.1]], "demo", 16000).shape
    torch.Size([1, 2])
    """
    import torch

    from imagehear.errors import AudioError

    batch = torch.as_tensor(batch, dtype=torch.float32)
    if batch.ndim != 2 or batch.shape[0] == 0:
        raise AudioError(f"{backbone}: expected a (batch, samples) tensor of mono clips, got shape "
                         f"{tuple(batch.shape)}; mix channels to mono and stack equal-length clips")
    if batch.shape[1] < max(min_samples, 1):
        raise AudioError(f"{backbone}: clips of {batch.shape[1]} samples ({batch.shape[1] / sample_rate:.3f} s at "
                         f"{sample_rate} Hz) are too short; it needs at least {min_samples} samples"
                         f"{need}: generate longer clips")
    if not torch.isfinite(batch).all():
        raise AudioError(f"{backbone}: the batch contains NaN or Inf samples; regenerate those clips")
    return batch
