"""Random Wav2CLIP weights in the release layout (``Wav2CLIP.pt``).

The release checkpoint is the flat ``state_dict`` of wav2clip's pre-training module
(``ResNetDistillation`` with the ``clip_loss_x`` loss): ``audio_encoder.*`` (the ResNet,
including its spectrogram window), ``audio_transform.*`` and ``image_transform.*`` (the
MLP projections) and ``loss_fn_a/loss_fn_i.logit_scale``. ``wav2clip.get_model`` keeps the
``audio_*`` keys. The real architecture is small (~11.7 M parameters), so ``tiny`` and
``full`` are the same model.
"""
from __future__ import annotations

from pathlib import Path


def random_state_dict(seed: int = 0) -> dict:
    """A release-shaped state dict with random weights (BatchNorm statistics randomised too)."""
    import math

    import torch
    from wav2clip.model.encoder import MLPLayers
    from wav2clip.model.resnet import BasicBlock, ResNet

    torch.manual_seed(seed)
    encoder = ResNet(BasicBlock, [2, 2, 2, 2], pool="avgpool")
    for module in encoder.modules():
        # non-trivial running statistics, so eval-mode BatchNorm is not the identity
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_(0, 0.1)
            module.running_var.uniform_(0.5, 2.0)
            module.bias.data.normal_(0, 0.1)
    state = {f"audio_encoder.{k}": v for k, v in encoder.state_dict().items()}
    for prefix in ("audio_transform", "image_transform"):
        state.update({f"{prefix}.{k}": v for k, v in MLPLayers([512, 512, 512]).state_dict().items()})
    for prefix in ("loss_fn_a", "loss_fn_i"):
        state[f"{prefix}.logit_scale"] = torch.tensor(math.log(1 / 0.07))
    return state


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Write ``weights_dir/Wav2CLIP.pt``; ``size`` is accepted for symmetry (tiny == full)."""
    from imagehear.testing import check_size, save_checkpoint

    check_size(size)
    return save_checkpoint(random_state_dict(seed), "wav2clip", weights_dir)
