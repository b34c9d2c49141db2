"""PaSST backbone: parity with hear21passt's own pipeline on identical random weights.

Reference: hear21passt ``get_basic_model(mode="all")`` (its ``AugmentMelSTFT`` in eval
mode + its ``PaSST`` with the original attention), which loads our random checkpoint
through its own ``load_pretrained`` from the torch hub cache. Tolerance: float32 CPU
arithmetic in a different order (complex STFT, mel bank built once, SDPA attention):
logits and embeddings max abs diff <= 1e-4 and <= 1e-5 relative to their max abs value.
"""
from __future__ import annotations

import contextlib
import io

import pytest
import torch

from imagehear.io.audio import load_audio
from imagehear.models import passt
from imagehear.models.backbone import window_starts
from imagehear.errors import AudioError, WeightsError
from imagehear.models.weights import REGISTRY

from ..conftest import SHARED_AUDIO
from .conftest import synthetic_clip

SR = passt.SAMPLE_RATE
ATOL, RTOL = 1e-4, 1e-5


@pytest.fixture(scope="session")
def passt_backbone(weights_dir):
    return passt.load(weights_dir)


@pytest.fixture(scope="session")
def passt_reference(upstream_torch_home):
    """hear21passt's own model, loaded by its own code from a torch hub cache holding our file."""
    from hear21passt.base import get_basic_model

    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.setenv("TORCH_HOME", str(upstream_torch_home))
        model = get_basic_model(mode="all").eval()

    def run(wave):
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            out = model(wave)
        return out[:, :527], out[:, 527:]

    return run


@pytest.fixture(scope="session")
def passt_clips():
    """The two real clips: mono mean, resampled 16 → 32 kHz with the protocol's resampler."""
    assert len(SHARED_AUDIO) == 2, "tests need the two clips in ../shared/audio"
    return [load_audio(path, SR) for path in SHARED_AUDIO]


def synthetic(seconds: float, seed: int = 0) -> torch.Tensor:
    return synthetic_clip(seconds, SR, seed)


def assert_close(ours: torch.Tensor, ref: torch.Tensor):
    diff = (ours - ref).abs().max().item()
    assert diff <= ATOL, f"max abs diff {diff:.3g} > {ATOL}"
    assert diff <= RTOL * ref.abs().max().item() + 1e-7, f"relative diff {diff / ref.abs().max().item():.3g}"


@pytest.fixture(scope="session")
def passt_clip0_out(passt_backbone, passt_clips):
    """Our outputs on the first real clip, whole (10 s): shared by the 10 s and the 13 s tests."""
    return passt_backbone(passt_clips[0][None, :10 * SR])


def test_parity_short_clips(passt_backbone, passt_reference, passt_clips):
    """2 s crops of both real clips and a 2 s synthetic clip, against hear21passt (module tolerance)."""
    batch = torch.stack([passt_clips[0][2 * SR:4 * SR], passt_clips[1][5 * SR:7 * SR], synthetic(2.0)])
    out = passt_backbone(batch)
    ref_logits, ref_embedding = passt_reference(batch)
    assert out["logits"].shape == (3, 527) and out["embedding"].shape == (3, 768)
    assert_close(out["logits"], ref_logits)
    assert_close(out["embedding"], ref_embedding)


def test_parity_full_10s_clip(passt_clip0_out, passt_reference, passt_clips):
    wave = passt_clips[0][None]
    assert wave.shape[1] == 10 * SR  # exactly one window, no padding
    ref_logits, ref_embedding = passt_reference(wave)
    assert_close(passt_clip0_out["logits"], ref_logits)
    assert_close(passt_clip0_out["embedding"], ref_embedding)


def test_sdpa_matches_original_attention(weights_dir, passt_backbone):
    """Same front end, hear21passt's Attention vs SDPA: isolates the attention swap (module tolerance)."""
    original = passt.load(weights_dir, attention="hear21passt")
    wave = synthetic(2.0, seed=1)[None]
    ours, theirs = passt_backbone(wave), original(wave)
    assert_close(ours["logits"], theirs["logits"])
    assert_close(ours["embedding"], theirs["embedding"])
    assert "scaled_dot_product_attention" in passt_backbone.config()["attention"]
    assert "hear21passt" in original.config()["attention"]


def test_batch_equals_one_at_a_time(passt_backbone, passt_clips):
    """Batching must not change results: same tolerance as parity (batched matmuls reorder sums)."""
    batch = torch.stack([passt_clips[0][:2 * SR], passt_clips[1][:2 * SR], synthetic(2.0)])
    together = passt_backbone(batch)
    for i in range(3):
        alone = passt_backbone(batch[i:i + 1])
        assert_close(together["logits"][i:i + 1], alone["logits"])
        assert_close(together["embedding"][i:i + 1], alone["embedding"])


def test_long_clip_is_mean_of_its_windows(passt_backbone, passt_clips, passt_clip0_out, monkeypatch):
    """13 s → windows [0, 10 s] and [3 s, 13 s], each run alone; outputs are their means (module tolerance).
    The windows stream through the model (here one per pass), so memory does not grow with the clip."""
    from imagehear.models import backbone

    from tests.torch_calls import forward_rows

    wave = torch.cat([passt_clips[0], passt_clips[1][:3 * SR]])[None]  # window 1 is the whole first clip
    assert window_starts(wave.shape[1], passt.WINDOW, passt.HOP) == [0, 3 * SR]
    monkeypatch.setattr(backbone, "MAX_WINDOWS_PER_PASS", 1)
    with forward_rows("PaSST") as rows:
        out = passt_backbone(wave)
    assert rows == [1, 1]  # two passes of one window, not one of two
    monkeypatch.undo()
    last = passt_backbone(wave[:, 3 * SR:])
    for key in ("logits", "embedding"):
        assert_close(out[key], (passt_clip0_out[key] + last[key]) / 2)
    assert (out["logits"] - passt_clip0_out["logits"]).abs().max() > 1e-3  # the last 3 s really count


def test_pad_to_10s(passt_backbone):
    """pad_to_10s zero-pads at the end to 10 s (av-benchmark parity); module tolerance."""
    b = passt_backbone  # same loaded network, other option: spares a 5 s reload
    padded_backbone = passt.PaSSTBackbone(b.net, b.weights, b.device, pad_to_10s=True, attention=b.attention)
    wave = synthetic(3.0, seed=2)[None]
    zero_padded = torch.nn.functional.pad(wave, (0, 7 * SR))
    padded = padded_backbone(wave)
    assert_close(padded["logits"], passt_backbone(zero_padded)["logits"])
    assert (padded["logits"] - passt_backbone(wave)["logits"]).abs().max() > 1e-3  # padding changes outputs
    assert padded_backbone.config()["input_length"]["pad_to_10s"] is True
    assert passt_backbone.config()["input_length"]["pad_to_10s"] is False


def test_surface(passt_backbone):
    assert passt_backbone.name == "passt" and passt_backbone.sample_rate == 32000
    assert passt_backbone.device == "cpu" and not passt_backbone.net.training
    assert passt_backbone.weights.entry.file_name == "passt-s-f128-p16-s10-ap.476-swa.pt"
    config = passt_backbone.config()
    assert config["frontend"]["fmax"] == 15000.0 and config["frontend"]["n_mels"] == 128
    assert config["weights_sha256"] == passt_backbone.weights.sha256


@pytest.mark.parametrize("bad, problem", [
    (torch.zeros(1, passt.MIN_SAMPLES - 1), "too short"),
    (torch.zeros(2, 3, SR), "shape"),
    (torch.full((1, SR), float("nan")), "NaN"),
])
def test_bad_input(passt_backbone, bad, problem):
    with pytest.raises(AudioError, match=problem):
        passt_backbone(bad)


def test_shortest_clip_runs(passt_backbone):
    assert passt_backbone(synthetic(1.0)[None, :passt.MIN_SAMPLES])["logits"].shape == (1, 527)


def test_missing_weights_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError) as info:
        passt.load(tmp_path / "empty")
    message = str(info.value)
    assert "passt-s-f128-p16-s10-ap.476-swa.pt" in message and "\n" not in message


def test_wrong_architecture(tmp_path):
    torch.save({"cls_token": torch.zeros(1, 1, 8)}, tmp_path / REGISTRY["passt"].file_name)
    with pytest.raises(WeightsError, match="does not match passt_s_swa_p16_128_ap476"):
        passt.load(tmp_path)


def test_corrupt_weights(tmp_path):
    (tmp_path / REGISTRY["passt"].file_name).write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a readable PaSST checkpoint"):
        passt.load(tmp_path)
