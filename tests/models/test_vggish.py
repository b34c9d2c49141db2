"""VGGish backbone: parity with torchvggish's own pipeline on identical random weights.

Reference: ``torchvggish.vggish_input.waveform_to_examples`` (numpy, float64) feeding
``torchvggish.vggish(postprocess=False)``, which loads our random checkpoint through its
own ``hub.load_state_dict_from_url`` from the torch hub cache; we compare with its
pre-ReLU activations (the output of ``embeddings.4``, captured by a forward hook), since
our backbone removes that ReLU. Tolerance: the front ends agree to ~1e-14 (both float64);
the float32 network runs in other batch shapes, so embeddings must agree to max abs
diff <= 1e-5 and <= 1e-5 relative to their max abs value.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from imagehear.io.audio import load_audio
from imagehear.models import vggish
from imagehear.errors import AudioError, WeightsError
from imagehear.models.weights import REGISTRY

from ..conftest import SHARED_AUDIO
from .conftest import synthetic_clip
from tests.torch_calls import forward_rows

SR = vggish.SAMPLE_RATE
ATOL = RTOL = 1e-5


@pytest.fixture(scope="session")
def vggish_backbone(weights_dir):
    return vggish.load(weights_dir)


@pytest.fixture(scope="session")
def vggish_reference(upstream_torch_home):
    """torchvggish's own front end and model (loaded by its own code from a torch hub cache holding our file)."""
    import torchvggish
    from torchvggish.vggish_input import waveform_to_examples

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORCH_HOME", str(upstream_torch_home))
        model = torchvggish.vggish(postprocess=False).eval()
    captured = []
    # clone: the ReLU after embeddings.4 runs in place and would overwrite the captured tensor
    model.embeddings[4].register_forward_hook(lambda module, args, out: captured.append(out.detach().clone()))

    def run(wave: torch.Tensor):
        examples = waveform_to_examples(wave.numpy().astype(np.float64), SR)
        captured.clear()
        with torch.no_grad():
            model(examples)
        return captured[0], examples

    return run


@pytest.fixture(scope="session")
def vggish_clips():
    """The two real clips: mono mean, already at 16 kHz."""
    assert len(SHARED_AUDIO) == 2, "tests need the two clips in ../shared/audio"
    return [load_audio(path, SR) for path in SHARED_AUDIO]


def synthetic(seconds: float, seed: int = 0) -> torch.Tensor:
    return synthetic_clip(seconds, SR, seed)


def assert_close(ours: torch.Tensor, ref: torch.Tensor, atol=ATOL, rtol=RTOL):
    assert ours.shape == ref.shape
    diff = (ours - ref).abs().max().item()
    assert diff <= atol, f"max abs diff {diff:.3g} > {atol}"
    assert diff <= rtol * ref.abs().max().item(), f"relative diff {diff / ref.abs().max().item():.3g}"


@pytest.mark.parametrize("which", ["real0", "real1", "synthetic"])
def test_parity(vggish_backbone, vggish_reference, vggish_clips, which):
    wave = synthetic(3.5) if which == "synthetic" else vggish_clips[int(which[-1])]
    ours = vggish_backbone(wave[None])["embedding"][0]
    ref, _ = vggish_reference(wave)
    assert ours.shape == (vggish.n_examples(len(wave)), 128) == ref.shape
    assert (ours < 0).any(), "final ReLU must be removed"
    assert_close(ours, ref)


def test_frontend_matches_waveform_to_examples(vggish_backbone, vggish_clips):
    """Log mel examples vs upstream's numpy, float64 both sides: max abs diff <= 1e-10 (seen: ~1e-14)."""
    from torchvggish.vggish_input import waveform_to_examples

    wave = vggish_clips[1][:2 * SR + 777]  # 2.05 s: a partial third example that both must drop
    ref = waveform_to_examples(wave.numpy().astype(np.float64), SR, return_tensor=False)
    ours = vggish.examples(wave[None], vggish_backbone.mel)[0]
    assert ours.dtype == torch.float64 and ours.shape == ref.shape == (2, 96, 64)
    assert_close(ours, torch.from_numpy(ref), atol=1e-10)


def test_batch_equals_one_at_a_time(vggish_backbone, vggish_clips):
    """Batching must not change results (module tolerance: convolutions in other batch shapes)."""
    batch = torch.stack([vggish_clips[0][:2 * SR], vggish_clips[1][:2 * SR], synthetic(2.0)])
    together = vggish_backbone(batch)["embedding"]
    assert together.shape == (3, 2, 128)
    for i in range(3):
        assert_close(together[i], vggish_backbone(batch[i:i + 1])["embedding"][0])
    # a long clip's examples stream through in passes (here of 4 of the 6): the same embeddings
    with pytest.MonkeyPatch.context() as mp, forward_rows("VGG") as rows:
        mp.setattr(vggish, "EXAMPLES_PER_PASS", 4)
        streamed = vggish_backbone(batch)["embedding"]
    assert rows == [4, 2]
    assert_close(streamed, together)


@pytest.mark.parametrize("n, problem", [(vggish.MIN_SAMPLES - 1, "too short"), (0, "too short")])
def test_short_clip_is_an_error(vggish_backbone, n, problem):
    with pytest.raises(AudioError, match=problem):
        vggish_backbone(torch.zeros(1, n))


def test_shortest_clip_gives_one_frame(vggish_backbone):
    assert vggish_backbone(synthetic(1.0)[None, :vggish.MIN_SAMPLES])["embedding"].shape == (1, 1, 128)


@pytest.mark.parametrize("bad, problem", [(torch.zeros(2, 3, SR), "shape"), (torch.full((1, SR), float("inf")), "NaN")])
def test_bad_input(vggish_backbone, bad, problem):
    with pytest.raises(AudioError, match=problem):
        vggish_backbone(bad)


def test_surface(vggish_backbone):
    assert vggish_backbone.name == "vggish" and vggish_backbone.sample_rate == 16000
    assert vggish_backbone.device == "cpu" and not vggish_backbone.net.training
    assert vggish_backbone.weights.entry.file_name == "vggish-10086976.pth"
    assert not isinstance(vggish_backbone.net.embeddings[-1], torch.nn.ReLU)
    config = vggish_backbone.config()
    assert config["final_relu"] is False and config["postprocess_pca"] is False
    assert config["weights_sha256"] == vggish_backbone.weights.sha256


def test_missing_weights_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError) as info:
        vggish.load(tmp_path / "empty")
    assert "vggish-10086976.pth" in str(info.value) and "\n" not in str(info.value)


def test_wrong_or_corrupt_weights(tmp_path):
    path = tmp_path / REGISTRY["vggish"].file_name
    torch.save({"features.0.weight": torch.zeros(3)}, path)
    with pytest.raises(WeightsError, match="does not match torchvggish"):
        vggish.load(tmp_path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a readable VGGish checkpoint"):
        vggish.load(tmp_path)
