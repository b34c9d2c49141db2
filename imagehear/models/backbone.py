"""Backbones: one module per model, each with the same small surface.

Each model is one spec in :data:`imagehear.models.MODELS` (source, checksum, sample rate,
outputs with their shapes, code version, packages, licence, loader, random weights) and
one module here whose ``load(weights_dir=None, device="cpu", **options)`` returns a
:class:`imagehear.models.Backbone`: ``name``, ``sample_rate``, ``weights`` (a
:class:`imagehear.models.weights.ResolvedWeights`), ``device``, ``config()`` (every setting that
changes the outputs: it keys the embedding cache and goes into result files); audio models
are called on a float32 (B, T) tensor of equal-length mono clips at ``sample_rate`` and
return the spec's audio outputs as tensors with leading dimension B; image models have
``embed_images(list of PIL images)``, text models ``embed_text(list of str)``.

A change to a module that moves an output goes with a bump of its spec's ``code_version``:
tests/test_cache_golden.py fails until it is bumped and the golden file regenerated
(``python -m tests.regen_golden``).

Backbones know nothing about metrics; heavy imports stay inside the modules.
"""
from __future__ import annotations

from imagehear.models import MODELS

BACKBONES = tuple(MODELS)


def load_backbone(name: str, weights_dir=None, device: str = "cpu", **options):
    """Load model ``name`` (a key of :data:`imagehear.models.MODELS`) through its spec's loader."""
    if name not in MODELS:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name].load(weights_dir=weights_dir, device=device, **options)


def resolve_device(device: str = "auto") -> str:
    """``auto`` → cuda if available, then mps, else cpu; a device this machine lacks is a UsageError."""
    from imagehear.models.devices import available_device

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


def window_starts(n_samples: int, window: int, hop: int) -> list[int]:
    """Start samples of the windows covering a clip of ``n_samples``: one window when it fits,
    else windows every ``hop`` while one still ends before the clip does, plus one aligned to
    its end (no audio dropped). PaSST and CLAP cut long clips this way.

    >>> window_starts(13, 10, 5), window_starts(20, 10, 5), window_starts(4, 10, 5)
    ([0, 3], [0, 5, 10], [0])
    """
    if n_samples <= window:
        return [0]
    return list(range(0, n_samples - window, hop)) + [n_samples - window]


MAX_WINDOWS_PER_PASS = 16  # windows one forward pass holds: a 5-minute clip's 59 run in 4 passes, so peak
#                            memory stays that of 16 short clips (all at once took 4.3 GB, issue 21)


def in_passes(rows, forward, max_rows: int | None = None):
    """``forward`` on ``rows`` (a sequence or tensor; first axis) in passes of at most ``max_rows``
    (default :data:`MAX_WINDOWS_PER_PASS`), its outputs concatenated along the first axis; a
    forward returning a tuple has each element concatenated. Each row is computed on its own, so
    the passes give what one pass gives.

    >>> import torch
    >>> in_passes(torch.arange(5.0), lambda x: (x * 2, x.shape[0] * torch.ones(len(x))), max_rows=2)
    (tensor([0., 2., 4., 6., 8.]), tensor([2., 2., 2., 2., 1.]))
    """
    import torch

    size = max_rows or MAX_WINDOWS_PER_PASS
    outs = [forward(rows[i:i + size]) for i in range(0, len(rows), size)]
    if len(outs) == 1:
        return outs[0]
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(parts) for parts in zip(*outs))
    return torch.cat(outs)


def embed_image_batches(images, pixels, forward, *, batch_size: int, device: str, dim: int):
    """``forward`` on the images in batches of ``batch_size``: float32 (N, dim) on the CPU.

    ``pixels(image, index)`` is one image's model input (its index names it in errors); ``forward``
    maps the stacked inputs, already on ``device``, to (batch, dim); it runs under inference mode.

    >>> import torch
    >>> embed_image_batches([1, 2, 3], lambda im, i: torch.full((2,), float(im)), lambda x: x * 10,
    ...                     batch_size=2, device="cpu", dim=2)
    tensor([[10., 10.],
            [20., 20.],
            [30., 30.]])
    """
    import torch

    images = list(images)
    out = []
    for start in range(0, len(images), batch_size):
        chunk = images[start:start + batch_size]
        batch = torch.stack([pixels(im, start + i) for i, im in enumerate(chunk)]).to(device)
        with torch.inference_mode():
            out.append(forward(batch).float().cpu())
    return torch.cat(out) if out else torch.zeros(0, dim)
