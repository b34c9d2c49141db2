"""What produced a result: package versions, device, and the protocol choices in words."""
from __future__ import annotations

import platform
from importlib import metadata

from imagehear import protocol
from imagehear.audio import RESAMPLER

PACKAGES = ("image-hear", "torch", "torchaudio", "transformers", "datasets", "evaluate", "hear21passt",
            "wav2clip", "torchvggish", "numpy", "scipy", "soundfile")

PROTOCOL_TEXT = {
    "clip_score": "100 x mean cosine of L2-normed Wav2CLIP audio (MLP projection on, each clip normalised by "
                  "its own statistics) and CLIP ViT-B/32 image embeddings (OpenAI preprocessing) of the "
                  "conditioning image; no clamp at 0",
    "accuracy": "PaSST passt_s_swa_p16_128_ap476 top-1 over the 527 AudioSet logits minus the 33 excluded "
                "classes; correct iff in the class's published AudioSet set; top-5 likewise",
    "clap_score": "100 x mean cosine of L2-normed CLAP (laion/clap-htsat-unfused) audio and text embeddings; "
                  "text = the class prompt",
    "kl": "softmax over PaSST's 527 logits; KL(ref||gen) = sum p_ref (log p_ref - log(p_gen + 1e-6)) per "
          "(reference, generated) pair matched by relative path without extension; mean over pairs",
    "fad": "VGGish (torchvggish weights) 16 kHz, one 128-d embedding per 0.96 s frame, PCA off, final ReLU "
           "removed; frames pooled per set; unbiased covariance; Frechet distance in float64 from a "
           "symmetric eigen-decomposition",
    "kad": "unbiased MMD^2 (x100) with a Gaussian kernel on PaSST clip embeddings (768-d); bandwidth = median "
           "pairwise distance of the reference set",
}


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def device_record(device: str) -> dict:
    import torch

    record = {"device": device, "torch_threads": torch.get_num_threads(), "cpu": platform.processor() or
              platform.machine()}
    if device.startswith("cuda") and torch.cuda.is_available():
        record["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return record


def protocol_config(metrics, backbones: dict, seed: int, precision: str, n_resamples: dict) -> dict:
    """Every protocol choice behind a result, in one dict (goes to results.json ``config``)."""
    return {
        "protocol": protocol.PROTOCOL_VERSION,
        "metrics": {m: PROTOCOL_TEXT[m] for m in metrics},
        "resampler": RESAMPLER,
        "sample_rates": {name: b.sample_rate for name, b in backbones.items() if getattr(b, "sample_rate", None)},
        "backbones": {name: b.config() for name, b in backbones.items()},
        "precision": precision if precision == "fp32" else
        f"{precision} autocast (opt-in; measured deviation from fp32 in bench/precision.md)",
        "bootstrap": {"method": "percentile", "confidence": 0.95, "seed": seed, **n_resamples},
        "pairing": "reference files matched to generated ones by relative path without extension",
        "excluded_audioset_indices": list(protocol.EXCLUDED_AUDIOSET_INDICES),
    }
