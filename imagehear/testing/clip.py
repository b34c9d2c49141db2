"""Random CLIP ViT-B/32 weights as a ``save_pretrained`` folder (``clip-vit-base-patch32/``).

``full`` is the architecture of ``openai/clip-vit-base-patch32`` (transformers' default
``CLIPConfig``: ViT-B/32 vision tower, 12-layer text tower, 512-d projections); ``tiny``
keeps the image geometry (224 px, 32 px patches) and the 512-d projection but shrinks the
towers, so the same loading and preprocessing code runs in a second. The folder also gets
the hub's ``preprocessor_config.json`` (transformers' ``CLIPImageProcessor`` defaults are
OpenAI's settings).
"""
from __future__ import annotations

from pathlib import Path

FOLDER = "clip-vit-base-patch32"


def clip_config(size: str = "tiny"):
    from transformers import CLIPConfig

    if size == "full":
        return CLIPConfig(projection_dim=512)
    if size != "tiny":
        raise ValueError(f"size must be 'tiny' or 'full', got {size!r}")
    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37)
    return CLIPConfig(text_config=dict(small, vocab_size=99, max_position_embeddings=77,
                                                  bos_token_id=0, eos_token_id=2, pad_token_id=1),
                      vision_config=dict(small, image_size=224, patch_size=32), projection_dim=512)


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Write ``weights_dir/clip-vit-base-patch32/`` (config, safetensors, preprocessor config)."""
    import torch
    from transformers import CLIPImageProcessor, CLIPModel

    config = clip_config(size)
    torch.manual_seed(seed)
    model = CLIPModel(config).eval()
    folder = Path(weights_dir) / FOLDER
    model.save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)
    return folder
