"""What produced a result: package versions, device, and the protocol choices (words from the metric registry)."""
from __future__ import annotations

import platform

from imagehear import protocol
from imagehear.io.audio import RESAMPLER


def _packages() -> tuple[str, ...]:
    """image-hear, the code behind every model (from the model specs), then the data stack."""
    from imagehear.models import code_packages

    return tuple(dict.fromkeys(("image-hear",) + code_packages() + (
        "datasets", "evaluate", "panns-inference", "numpy", "scipy", "soundfile", "av")))


def package_versions() -> dict[str, str]:
    """Installed versions of :func:`_packages` (absent ones left out)."""
    from imagehear.embed.engine import package_version

    return {name: version for name in _packages() if (version := package_version(name))}


def device_record(device: str) -> dict:
    import torch

    record = {"device": device, "torch_threads": torch.get_num_threads(), "cpu": platform.processor() or
              platform.machine()}
    if device.startswith("cuda") and torch.cuda.is_available():
        record["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return record


def protocol_config(metrics, backbones: dict, seed: int, precision: str, profile, bootstrap: dict) -> dict:
    """Every protocol choice behind a result, in one dict (goes to results.json ``config``)."""
    from imagehear.metrics import METRICS

    return {
        "protocol": protocol.PROTOCOL_VERSION,
        "profile": profile.record(),
        "metrics": {m: METRICS[m].protocol for m in metrics},
        "resampler": RESAMPLER,
        "waveform": profile.waveform(),
        "sample_rates": {name: b.sample_rate for name, b in backbones.items() if getattr(b, "sample_rate", None)},
        "backbones": {name: b.config() for name, b in backbones.items()},
        "precision": precision if precision == "fp32" else
        f"{precision} autocast (opt-in; measured deviation from fp32 in bench/precision.md)",
        "bootstrap": {"seed": seed, **bootstrap},  # how every interval was drawn (compute.bootstrap_config)
        "pairing": "reference files matched to generated ones by relative path without extension",
        "excluded_audioset_indices": list(protocol.EXCLUDED_AUDIOSET_INDICES),
    }
