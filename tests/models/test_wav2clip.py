"""Wav2CLIP backbone: random release-format weights, parity with upstream one clip at a time.

Reference: ``wav2clip.embed_audio(clip, model)`` called on one clip at a time, with the
model upstream's own loader (``wav2clip.get_model()``) builds from the same ``Wav2CLIP.pt``
file, found in torch hub's cache (TORCH_HOME) where it would have downloaded it: nothing of
our loader is shared with the reference. Tolerance: 1e-5 absolute on embeddings of
magnitude ~1 (float32; batched convolutions may sum in a different order, measured max
difference ~2e-7).
"""
from __future__ import annotations


import numpy as np
import pytest
import torch
import wav2clip

from imagehear.io.audio import load_audio
from imagehear.models.backbone import load_backbone
from imagehear.errors import AudioError, WeightsError
from imagehear.testing.wav2clip import write_random_weights

from tests.conftest import SHARED_AUDIO

ATOL = 1e-5


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """One random release-format ``Wav2CLIP.pt``: (weights_dir holding it, a TORCH_HOME whose hub
    cache holds the same file under the name upstream downloads it as)."""
    weights_dir = tmp_path_factory.mktemp("w2c_weights")
    path = write_random_weights(weights_dir, seed=0)
    torch_home = tmp_path_factory.mktemp("w2c_torch_home")
    (torch_home / "hub" / "checkpoints").mkdir(parents=True)
    (torch_home / "hub" / "checkpoints" / wav2clip.MODEL_URL.rsplit("/", 1)[1]).symlink_to(path)
    return weights_dir, torch_home


@pytest.fixture(scope="module")
def w2c(checkpoint):
    with pytest.MonkeyPatch.context() as mp:  # offline for this module only, restored afterwards
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield load_backbone("wav2clip", weights_dir=checkpoint[0])


@pytest.fixture(scope="module")
def upstream(checkpoint):
    """wav2clip's own ``get_model()`` (pretrained=True): torch.hub finds the file in its cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORCH_HOME", str(checkpoint[1]))
        model = wav2clip.get_model(device="cpu")
    return model


def upstream_one_at_a_time(model, batch):
    return np.concatenate([wav2clip.embed_audio(clip[None], model) for clip in batch.numpy()])


def test_reference_is_built_by_upstream_from_the_file(w2c, upstream):
    assert upstream is not w2c.model and upstream.transform is not None  # the frozen MLP projection is on
    assert not upstream.encoder.training and not upstream.transform.training  # "frozen": eval mode


@pytest.fixture(scope="module")
def real_clips():
    if not SHARED_AUDIO:
        pytest.fail("../shared/audio/*.wav is missing")
    return torch.stack([load_audio(p, 16_000) for p in SHARED_AUDIO])


def test_surface(w2c):
    assert w2c.name == "wav2clip" and w2c.sample_rate == 16_000
    assert w2c.weights.origin == "weights_dir" and w2c.weights.path.name == "Wav2CLIP.pt"
    cfg = w2c.config()
    assert cfg["weights_sha256"] == w2c.weights.sha256 and "per clip" in cfg["normalisation"]
    out = w2c(torch.zeros(2, 16_000) + 0.01)
    assert set(out) == {"embedding"} and out["embedding"].shape == (2, 512)
    assert out["embedding"].dtype == torch.float32


def test_real_clips_match_upstream_per_clip(w2c, upstream, real_clips):
    noise = torch.from_numpy(np.random.default_rng(1).standard_normal(real_clips.shape[1], dtype=np.float32)) * 0.1
    batch = torch.cat([real_clips, noise[None]])
    ours = w2c(batch)["embedding"].numpy()
    np.testing.assert_allclose(ours, upstream_one_at_a_time(upstream, batch), atol=ATOL, rtol=0)
    assert np.abs(ours).max() > 0.05  # the comparison is not between two near-zero vectors


@pytest.mark.parametrize("samples", [257, 4_000, 65_536])
def test_synthetic_lengths_match_upstream_per_clip(w2c, upstream, samples):
    rng = np.random.default_rng(samples)
    t = np.arange(samples) / 16_000
    # different loudness and content per clip, so per-batch statistics would differ from per-clip ones
    batch = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.01 * rng.standard_normal(samples),
                      0.2 * rng.standard_normal(samples) + 0.3 * np.sin(2 * np.pi * 3000 * t)]).astype(np.float32)
    batch = torch.from_numpy(batch)
    ours = w2c(batch)["embedding"].numpy()
    np.testing.assert_allclose(ours, upstream_one_at_a_time(upstream, batch), atol=ATOL, rtol=0)


def test_upstream_batched_depends_on_batch_and_ours_does_not(w2c, upstream, real_clips):
    """Why we normalise per clip: upstream's output for a clip changes with its batch mates."""
    quiet = real_clips[1:2] * 0.01
    batch = torch.cat([real_clips[:1], quiet])
    upstream_batched = wav2clip.embed_audio(batch.numpy(), upstream)
    upstream_alone = upstream_one_at_a_time(upstream, batch)
    assert np.abs(upstream_batched - upstream_alone).max() > 100 * ATOL
    alone = w2c(real_clips[:1])["embedding"].numpy()[0]
    in_batch = w2c(batch)["embedding"].numpy()[0]
    np.testing.assert_allclose(in_batch, alone, atol=ATOL, rtol=0)


def test_bad_input_errors(w2c):
    with pytest.raises(AudioError, match="too short"):
        w2c(torch.zeros(1, 256))
    with pytest.raises(AudioError, match="NaN or Inf"):
        w2c(torch.full((1, 1000), float("nan")))
    with pytest.raises(AudioError, match="shape"):
        w2c(torch.zeros(1000))


def test_wrong_checkpoint_is_a_weights_error(tmp_path):
    torch.save({"audio_encoder.conv1.weight": torch.zeros(3)}, tmp_path / "Wav2CLIP.pt")
    with pytest.raises(WeightsError, match="Wav2CLIP.pt.*download"):
        load_backbone("wav2clip", weights_dir=tmp_path)
