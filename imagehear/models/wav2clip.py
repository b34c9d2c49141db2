"""Wav2CLIP audio encoder (16 kHz → 512-d, its frozen MLP projection on), one clip at a time.

Upstream ``ResNet.forward`` normalises the log-spectrogram by the mean and standard
deviation of the *whole input tensor*, so a clip's embedding depends on which other clips
share its batch. Protocol v1 defines the embedding as upstream's one-clip-at-a-time
result: here each clip is normalised by its own statistics, so any batch gives exactly
the per-clip result. The weights still load through wav2clip's own ``ResNetExtractor``.
``normalisation="batch"`` keeps upstream's whole-batch statistics instead, for harnesses that
relied on them (SSV2A's CS, ``--compat ssv2a``): its outputs then depend on the batch, and only
:mod:`imagehear.embed.grouped` feeds it (fixed batches, cached per batch).

>>> per_clip_normalise.__doc__.splitlines()[0]
'Normalise each clip of a (B, 1, F, T) log-spectrogram by its own mean and std.'
"""
from __future__ import annotations

from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch
from imagehear.models.weights import resolve

SPEC = MODELS["wav2clip"]  # source, checksum, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
# Spectrogram(n_fft=512) reflect-pads n_fft // 2 samples each side, which needs more samples than that.
MIN_SAMPLES = 257


def per_clip_normalise(spec):
    """Normalise each clip of a (B, 1, F, T) log-spectrogram by its own mean and std.

    Same formula as upstream (``torch.std`` unbiased, ``+ 1e-9``), statistics per clip.
    """
    dims = tuple(range(1, spec.ndim))
    mean = spec.mean(dim=dims, keepdim=True)
    std = spec.std(dim=dims, keepdim=True)
    return (spec - mean) / (std + 1e-9)


NORMALISATIONS = {"clip": "per clip: (x - mean) / (std + 1e-9), std unbiased",
                  "batch": "over the whole batch, as upstream: (x - mean) / (std + 1e-9), std unbiased"}


def encode(extractor, batch, normalisation: str = "clip"):
    """wav2clip ``ResNetExtractor`` forward (utterance mode), normalised per clip (or per batch)."""
    import torch

    enc = extractor.encoder
    x = torch.log(enc.spectrogram(batch.unsqueeze(1)) + 1e-7)
    x = per_clip_normalise(x) if normalisation == "clip" else (x - x.mean()) / (x.std() + 1e-9)
    x = enc.maxpool(enc.relu(enc.bn1(enc.conv1(x))))
    x = enc.layer4(enc.layer3(enc.layer2(enc.layer1(x))))
    x = enc.avgpool(x).reshape(x.size(0), -1)
    return extractor.transform(x)


class Wav2CLIP:
    name = "wav2clip"
    sample_rate = SAMPLE_RATE

    def __init__(self, extractor, weights, device: str, normalisation: str = "clip"):
        self.model = extractor
        self.weights = weights
        self.device = device
        self.normalisation = normalisation

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "sample_rate": self.sample_rate,
                "frontend": "torchaudio Spectrogram(n_fft=512, hop_length=353), log(x + 1e-7)",
                "normalisation": NORMALISATIONS[self.normalisation],
                "projection": "audio_transform MLP (512-512-512), eval mode", "output": "embedding (512,)"}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "wav2clip", SAMPLE_RATE, MIN_SAMPLES)
        with torch.inference_mode():
            return {"embedding": encode(self.model, batch.to(self.device), self.normalisation).float()}



def load_extractor(path, device: str = "cpu"):
    """Build wav2clip's ``ResNetExtractor`` (frozen, MLP on) from a ``Wav2CLIP.pt`` file."""
    import torch
    from wav2clip.model.encoder import ResNetExtractor

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        extractor = ResNetExtractor(checkpoint=checkpoint, scenario="frozen", transform=True)
    except Exception as exc:  # unpickling or state-dict mismatch: both mean a wrong/corrupt file
        detail = " ".join(str(exc).split())[:200]  # one line, as the CLI prints it
        raise WeightsError(f"{path}: not a Wav2CLIP release checkpoint ({type(exc).__name__}: "
                           f"{detail}); delete it and download Wav2CLIP.pt again") from None
    return extractor.eval().to(device)


def load(weights_dir=None, device: str = "cpu", normalisation: str = "clip") -> Wav2CLIP:
    """Load Wav2CLIP from ``weights_dir/Wav2CLIP.pt`` (or the cache / a download); ``normalisation``:
    "clip" (protocol v1) or "batch" (upstream's whole-batch statistics)."""
    if normalisation not in NORMALISATIONS:
        raise ValueError(f"normalisation must be one of {', '.join(NORMALISATIONS)}, got {normalisation!r}")
    weights = resolve("wav2clip", weights_dir)
    return Wav2CLIP(load_extractor(weights.path, device), weights, device, normalisation)
