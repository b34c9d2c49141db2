"""Random PE-AV weights as a ``save_pretrained`` folder (``pe-av-large/``).

``full`` is transformers' default ``PeAudioVideoConfig`` (documented as the pe-av-large
architecture: DAC-style audio tokenizer + 6-layer audio, video and audio-video
transformers, a PE-Core ViT-L/14 at 336 px per frame through timm, a 22-layer ModernBERT
text tower, 1024-d heads). ``tiny`` keeps every module and the 1024-d output (the heads
project to the text width) and the frame geometry (336 px, 14 px patches), but gives each
transformer one layer of width 32 and the ViT one block of width 32. The folder also holds
the processors' settings: ``PeAudioFeatureExtractor`` defaults (48 kHz, hop 1,920) and the
video processor as the hub's ``video_preprocessor_config.json`` (336 x 336, mean/std 0.5).
"""
from __future__ import annotations

from pathlib import Path

FOLDER = "pe-av-large"
VIDEO_PROCESSOR = dict(size={"height": 336, "width": 336}, image_mean=[0.5] * 3, image_std=[0.5] * 3,
                       do_resize=True, do_rescale=True, do_normalize=True, do_convert_rgb=True)


def pe_av_config(size: str = "tiny"):
    from transformers import PeAudioVideoConfig

    if size == "full":
        return PeAudioVideoConfig()
    if size != "tiny":
        raise ValueError(f"size must be 'tiny' or 'full', got {size!r}")
    small = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2, head_dim=16)
    vision = dict(architecture="vit_pe_core_large_patch14_336", model_args=dict(embed_dim=32, depth=1, num_heads=2))
    text = dict(vocab_size=99, pad_token_id=0, bos_token_id=1, cls_token_id=1, eos_token_id=2, sep_token_id=2,
                hidden_size=1024, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2)
    return PeAudioVideoConfig(text_config=text, audio_video_config=dict(
        **small, audio_config=dict(**small, dac_config=dict(encoder_hidden_size=4, codebook_dim=8, hidden_size=16)),
        video_config=dict(**small, vision_config=vision)))


def write_random_weights(weights_dir, size: str = "tiny", seed: int = 0) -> Path:
    """Write ``weights_dir/pe-av-large/`` (config, safetensors, audio and video processor settings)."""
    import torch
    from transformers import PeAudioFeatureExtractor, PeAudioVideoModel, PeVideoVideoProcessor
    from transformers.initialization import no_init_weights
    from transformers.utils import logging as hf_logging

    from imagehear.models.pe_av import quiet_construction

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the tiny text tower's special-token ids are irrelevant (no text is embedded)
    try:
        config = pe_av_config(size)
        # no_init_weights: transformers' truncated-normal init of three 1024-wide text towers takes seconds
        with no_init_weights(), quiet_construction():
            model = PeAudioVideoModel(config).eval()
        model.tie_weights()  # post_init would have: the audio-video encoder shares the audio and video towers
    finally:
        hf_logging.set_verbosity(verbosity)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # every tensor random (norms and biases too), so a loader that skipped one could not pass
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, generator=gen)
            if param.ndim > 1:
                param.copy_(0.02 * noise)
            else:
                param.copy_(0.1 * noise + (0.0 if name.endswith("bias") else 1.0))
    folder = Path(weights_dir) / FOLDER
    model.save_pretrained(folder)
    PeAudioFeatureExtractor().save_pretrained(folder)
    PeVideoVideoProcessor(**VIDEO_PROCESSOR).save_pretrained(folder)
    return folder
