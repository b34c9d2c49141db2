"""Random PaSST weights in the release format: a flat state dict of hear21passt's ``PaSST``.

hear21passt's ``load_pretrained`` reads ``passt-s-f128-p16-s10-ap.476-swa.pt`` with
``torch.load`` and loads it strictly into ``get_model(arch="passt_s_swa_p16_128_ap476")``,
so the file holds exactly that module's state dict (``cls_token``, ``dist_token``,
``new_pos_embed``, ``freq_new_pos_embed``, ``time_new_pos_embed``, ``patch_embed.proj.*``,
``blocks.N.*``, ``norm.*``, ``head.0/1.*``, ``head_dist.*``). The architecture is fixed by
the checkpoint name, so ``size="tiny"`` is the full model (86 M parameters, ~345 MB).
"""
from __future__ import annotations

from pathlib import Path

from imagehear.testing import check_size, save_perturbed_net


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Save a randomly initialised PaSST under its upstream file name; returns the path."""
    import torch

    from imagehear.models.passt import build_net

    check_size(size)
    torch.manual_seed(seed)
    return save_perturbed_net(build_net(), "passt", weights_dir, scale=0.02)
