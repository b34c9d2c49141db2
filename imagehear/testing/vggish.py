"""Random VGGish weights in the release format: torchvggish's ``VGG`` state dict.

``torchvggish.vggish()`` loads ``vggish-10086976.pth`` with ``hub.load_state_dict_from_url``
and ``model.load_state_dict(state_dict)`` (strict) into ``VGG(make_layers(), postprocess)``,
so the file holds exactly that module's state dict: ``features.{0,3,6,8,11,13}.weight/bias``
and ``embeddings.{0,2,4}.weight/bias`` (the PCA parameters live in another file). The
architecture is fixed by the checkpoint, so ``size="tiny"`` is the full model (72 M
parameters, ~290 MB).
"""
from __future__ import annotations

from pathlib import Path

from imagehear.testing import check_size, save_perturbed_net


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Save a randomly initialised VGGish under its upstream file name; returns the path."""
    import torch

    from imagehear.models.vggish import build_net

    check_size(size)
    torch.manual_seed(seed)
    return save_perturbed_net(build_net(), "vggish", weights_dir, scale=0.05, vectors_only=True)
