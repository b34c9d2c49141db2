"""Random PANNs CNN14 (16 kHz) weights in the release layout of ``Cnn14_16k_mAP=0.438.pth``.

PANNs' training script saves ``{"iteration", "model", "sampler"}``, and every loader
(panns-inference, av-benchmark, ours) reads ``checkpoint["model"]`` strictly into
``Cnn14``: ``bn0.*``, ``conv_block{1-6}.{conv1,conv2}.weight`` and ``.{bn1,bn2}.*``,
``fc1.*``, ``fc_audioset.*``, plus torchlibrosa's frontend parameters
``spectrogram_extractor.stft.conv_{real,imag}.weight`` and ``logmel_extractor.melW``.
The ``sampler`` entry holds numpy arrays, so the file needs numpy's constructors
allow-listed under ``weights_only=True``; ours holds a small one too, to keep that path
tested. The architecture is fixed by the checkpoint, so ``size="tiny"`` is the full
model (81 M parameters, ~325 MB).

PyTorch's default initialisation with BatchNorm's identity statistics would shrink the
signal through twelve conv layers until biases alone decided the outputs, and a loader
that skipped a tensor could still pass a parity test. So the BatchNorm statistics are
measured on a synthetic batch (as training would set them), then every BatchNorm tensor,
every bias and the mel matrix are perturbed.
"""
from __future__ import annotations

from pathlib import Path

from imagehear.testing import check_size, save_checkpoint


def calibration_batch(seed: int):
    """2 s clips that vary in level and spectrum over time (a stationary signal would give
    BatchNorm tiny variances, and any real clip would then blow up through the layers)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    rate, seconds = 16000, 2
    t = torch.arange(seconds * rate) / rate
    noise = torch.randn(4, len(t), generator=gen)
    envelope = 10 ** (-3 * (0.5 + 0.5 * torch.cos(2 * torch.pi * 1.3 * t)))  # 0 to -60 dB
    chirp = torch.sin(2 * torch.pi * (50 * t + (8000 - 50) / (2 * seconds) * t ** 2))  # 50 Hz to 8 kHz
    brown = torch.cumsum(noise[3], 0)
    return torch.stack([0.5 * chirp * envelope.flip(0), 0.3 * noise[0] * envelope,
                        0.3 * torch.sin(2 * torch.pi * 440 * t) + 0.05 * noise[1],
                        0.5 * (brown - brown.mean()) / brown.abs().max() + 0.01 * noise[2]])


def calibrate(net, seed: int) -> None:
    """Set every BatchNorm's running statistics to its batch statistics on :func:`calibration_batch`."""
    import torch

    norms = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.momentum = None  # cumulative average: one batch gives exactly its statistics
    with torch.no_grad():
        net.train()(calibration_batch(seed))
    for norm in norms:
        norm.momentum = 0.1
    net.eval()


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Save a random CNN14 (16 kHz) as ``{"iteration", "model", "sampler"}`` under its upstream name."""
    import numpy as np
    import torch

    from imagehear.models.panns import build_net, to_upstream

    check_size(size)
    torch.manual_seed(seed)
    net = build_net()
    calibrate(net, seed)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.add_(torch.randn_like(module.running_mean) * module.running_var.sqrt() * 0.1)
                module.running_var.mul_(torch.exp(torch.randn_like(module.running_var) * 0.1))
                module.weight.add_(torch.randn_like(module.weight) * 0.1)
                module.bias.add_(torch.randn_like(module.bias) * 0.1)
            elif isinstance(module, torch.nn.Linear):
                module.bias.add_(torch.randn_like(module.bias) * 0.05)
        # upstream computes with the file's mel matrix: make ours differ from the computed one
        net.mel_weights.mul_(1 + 0.01 * torch.randn_like(net.mel_weights))
    checkpoint = {"iteration": 0, "model": to_upstream(net.state_dict()),
                  "sampler": {"indexes": np.arange(8, dtype=np.int64)}}
    return save_checkpoint(checkpoint, "panns", weights_dir)
