"""Random Audiobox Aesthetics weights in the release format: upstream's ``checkpoint.pt``.

``AesPredictor.setup_model`` reads a dict with ``state_dict`` (the ``AesMultiOutput``
parameters, keys prefixed ``model.``), ``model_cfg`` (the constructor's settings) and
``target_transform`` (mean and std per axis), and loads the state dict strictly into
``AesMultiOutput``, whose WavLM-base+ encoder is fixed by the package (not by the
checkpoint): so ``size="tiny"`` is the full model (~95 M parameters, ~380 MB). The
target transform here is made up (means 5-6.5, stds 1-2.5), as the weights are.
"""
from __future__ import annotations

from pathlib import Path

from imagehear.testing import check_size, save_checkpoint

MODEL_CFG = {"proj_num_layer": 1, "proj_ln": False, "proj_act_fn": "gelu", "proj_dropout": 0, "nth_layer": 13,
             "use_weighted_layer_sum": True, "precision": "32", "normalize_embed": True, "output_dim": 1}
TARGET_TRANSFORM = {"CE": {"mean": 5.0, "std": 1.0}, "CU": {"mean": 5.5, "std": 1.5},
                    "PC": {"mean": 6.0, "std": 2.0}, "PQ": {"mean": 6.5, "std": 2.5}}


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Save a randomly initialised ``AesMultiOutput`` as upstream's checkpoint dict; returns the path."""
    import torch
    from audiobox_aesthetics.model.aes import AesMultiOutput

    check_size(size)
    torch.manual_seed(seed)
    model = AesMultiOutput(**MODEL_CFG, target_transform=TARGET_TRANSFORM)
    with torch.no_grad():  # default init leaves the layer mix uniform and norms at 1: make every tensor matter
        for param in model.parameters():
            param.add_(torch.randn_like(param) * (0.1 if param.ndim == 1 else 0.01))
    state = {f"model.{k}": v for k, v in model.state_dict().items()}
    return save_checkpoint({"state_dict": state, "model_cfg": dict(MODEL_CFG),
                            "target_transform": TARGET_TRANSFORM}, "aesthetics", weights_dir)
