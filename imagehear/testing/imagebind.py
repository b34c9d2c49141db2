"""Random ImageBind weights in the release format: a bare ``ImageBindModel`` state dict, as
``imagebind_huge.pth`` is (``imagebind_huge(pretrained=True)`` loads it strictly).

``tiny`` keeps every modality (the file holds all six) and the 1024-d joint space, with one
block per trunk and widths of one or two heads of imagebind_huge's head widths (the loader
reads widths and depths from the tensors and heads from those head widths); ``full`` is
imagebind_huge's own arguments (~1.2 B parameters, 4.8 GB).
"""
from __future__ import annotations

from pathlib import Path

from imagehear.testing import check_size, save_perturbed_net

TINY = {"out_embed_dim": 1024, "vision_embed_dim": 160, "vision_num_blocks": 1, "vision_num_heads": 2,
        "audio_embed_dim": 128, "audio_num_blocks": 1, "audio_num_heads": 2, "text_embed_dim": 64,
        "text_num_blocks": 1, "text_num_heads": 1, "depth_embed_dim": 48, "depth_num_blocks": 1, "depth_num_heads": 1,
        "thermal_embed_dim": 64, "thermal_num_blocks": 1, "thermal_num_heads": 1, "imu_embed_dim": 64,
        "imu_num_blocks": 1, "imu_num_heads": 1}


def arguments(size: str = "tiny") -> dict:
    """``ImageBindModel`` keyword arguments for ``size``."""
    from imagehear.models.imagebind import HUGE

    check_size(size)
    return dict(TINY) if size == "tiny" else {**HUGE, "audio_drop_path": 0.1, "imu_drop_path": 0.7}


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Save a randomly initialised ``ImageBindModel`` state dict as ``imagebind_huge.pth``; returns the path."""
    import torch

    from imagehear.models.imagebind import upstream

    imagebind_model, _ = upstream()
    torch.manual_seed(seed)
    net = imagebind_model.ImageBindModel(**arguments(size))
    # default init leaves norms at 1 and biases at 0: perturb the vectors so every tensor matters
    return save_perturbed_net(net, "imagebind", weights_dir, scale=0.1, vectors_only=True)
