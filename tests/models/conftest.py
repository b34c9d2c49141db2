"""Fixtures shared by the model tests (the random weights and upstream_torch_home: tests/conftest.py)."""
import pytest


@pytest.fixture(scope="module")
def offline_weights_dir(weights_dir):
    """The session's random weights, with the Hugging Face hub offline for the module (restored after)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield weights_dir


def synthetic_clip(seconds: float, rate: int, seed: int = 0):
    """A 440 Hz + 3 kHz tone mixture with white noise (non-symmetric, broadband), float32 tensor."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    t = torch.arange(int(seconds * rate)) / rate
    tone = 0.3 * torch.sin(2 * torch.pi * 440 * t) + 0.1 * torch.sin(2 * torch.pi * 3000 * t)
    return tone + 0.05 * torch.randn(t.shape, generator=gen)
