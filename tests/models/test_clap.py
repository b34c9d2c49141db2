"""CLAP backbone: tiny random HTSAT/RoBERTa checkpoint in the hub layout, parity with transformers.

Reference: ``ClapProcessor`` + ``ClapModel.get_audio_features`` / ``get_text_features``
called directly on the same folder (both L2-normalise, so we compare our embeddings after
L2 normalisation). Tolerance: atol 1e-5 (float32; measured difference 0 on <= 10 s clips).
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from transformers import ClapModel, ClapProcessor  # the reference: a hard dependency, never skipped

from imagehear.io.audio import load_audio
from imagehear.models import backbone
from imagehear.models.backbone import load_backbone
from imagehear.models.clap import SAMPLE_RATE
from imagehear.errors import AudioError, WeightsError

from tests.conftest import SHARED_AUDIO
from tests.torch_calls import forward_rows

ATOL = 1e-5
normalise = torch.nn.functional.normalize


@pytest.fixture(scope="module")
def clap_bb(offline_weights_dir):
    return load_backbone("clap", weights_dir=offline_weights_dir)


@pytest.fixture(scope="module")
def reference(offline_weights_dir):
    folder = offline_weights_dir / "clap-htsat-unfused"
    return ClapModel.from_pretrained(folder).eval(), ClapProcessor.from_pretrained(folder)


def upstream_audio(reference, clips):
    model, processor = reference
    inputs = processor(audio=[np.asarray(c) for c in clips], sampling_rate=SAMPLE_RATE, return_tensors="pt")
    with torch.inference_mode():
        return model.get_audio_features(**inputs).pooler_output


def test_real_clips_match_transformers(clap_bb, reference):
    clips = torch.stack([load_audio(p, SAMPLE_RATE) for p in SHARED_AUDIO])
    assert clips.shape == (2, 480_000)
    ours = clap_bb(clips)["embedding"]
    assert ours.shape == (2, 512) and ours.dtype == torch.float32
    assert (ours.norm(dim=1) - 1).abs().max() > 0.1  # un-normalised, as documented
    torch.testing.assert_close(normalise(ours, dim=-1), upstream_audio(reference, clips), atol=ATOL, rtol=0)


def test_short_synthetic_clips_match_transformers(clap_bb, reference):
    t = torch.arange(int(2.5 * SAMPLE_RATE)) / SAMPLE_RATE
    noise = torch.randn(len(t), generator=torch.Generator().manual_seed(0))
    clips = torch.stack([0.3 * torch.sin(2 * torch.pi * 440 * t), 0.05 * noise])
    ours = clap_bb(clips)["embedding"]
    torch.testing.assert_close(normalise(ours, dim=-1), upstream_audio(reference, clips), atol=ATOL, rtol=0)
    # per-clip: a clip's embedding does not depend on its batch mates
    torch.testing.assert_close(clap_bb(clips[:1])["embedding"], ours[:1], atol=ATOL, rtol=0)


def test_long_clip_is_deterministic_mean_of_windows(clap_bb, reference):
    clip = torch.randn(13 * SAMPLE_RATE, generator=torch.Generator().manual_seed(1)) * 0.1
    model, processor = reference
    # upstream's rand_trunc crops at a random start: two calls differ
    np.random.seed(0)
    first = processor(audio=[clip.numpy()], sampling_rate=SAMPLE_RATE, return_tensors="pt")["input_features"]
    np.random.seed(1)
    second = processor(audio=[clip.numpy()], sampling_rate=SAMPLE_RATE, return_tensors="pt")["input_features"]
    assert not torch.equal(first, second)
    np.random.seed(0)
    a = clap_bb(clip[None])["embedding"]
    np.random.seed(1)
    torch.testing.assert_close(clap_bb(clip[None])["embedding"], a, atol=0, rtol=0)
    with pytest.MonkeyPatch.context() as mp, forward_rows("ClapAudioPatchEmbed") as rows:
        mp.setattr(backbone, "MAX_WINDOWS_PER_PASS", 1)  # the windows stream through, one per pass
        streamed = clap_bb(clip[None])["embedding"]
    assert rows == [1, 1]
    torch.testing.assert_close(streamed, a, atol=ATOL, rtol=0)
    # windows [0 s, 10 s] and [3 s, 13 s], each through the plain upstream path, averaged
    windows = [clip[:10 * SAMPLE_RATE], clip[3 * SAMPLE_RATE:]]
    inputs = processor(audio=[w.numpy() for w in windows], sampling_rate=SAMPLE_RATE, return_tensors="pt")
    with torch.inference_mode():
        projected = model.audio_projection(model.audio_model(**inputs).pooler_output)
    torch.testing.assert_close(a, projected.mean(0, keepdim=True), atol=ATOL, rtol=0)
    torch.testing.assert_close(normalise(projected, dim=-1), upstream_audio(reference, windows), atol=ATOL, rtol=0)


def test_text_matches_transformers(clap_bb, reference):
    model, processor = reference
    texts = ["the sound of a dog", "rain", "a saxophone playing jazz in the street"]
    ours = clap_bb.embed_text(texts)
    inputs = processor(text=texts, padding=True, return_tensors="pt")
    with torch.inference_mode():
        ref = model.get_text_features(**inputs).pooler_output
    assert ours.shape == (3, 512)
    torch.testing.assert_close(normalise(ours, dim=-1), ref, atol=ATOL, rtol=0)
    torch.testing.assert_close(clap_bb.embed_text(texts[1:2]), ours[1:2], atol=ATOL, rtol=0)  # padding-invariant
    assert clap_bb.embed_text([]).shape == (0, 512)


def test_config_and_bad_input(clap_bb):
    cfg = clap_bb.config()
    assert cfg["weights_sha256"] == clap_bb.weights.sha256 and cfg["input_length"]["hop_s"] == 5.0
    assert cfg["frontend"]["fmin"] == 50
    with pytest.raises(AudioError, match="NaN or Inf"):
        clap_bb(torch.full((1, 4800), float("inf")))
    with pytest.raises(AudioError, match="shape"):
        clap_bb(torch.zeros(4800))


def test_fused_or_broken_folder_is_a_weights_error(offline_weights_dir, tmp_path):
    import json

    folder = tmp_path / "clap-htsat-unfused"
    shutil.copytree(offline_weights_dir / "clap-htsat-unfused", folder)
    config = json.loads((folder / "config.json").read_text())
    config["audio_config"]["enable_fusion"] = True
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(WeightsError, match="a fused CLAP checkpoint"):
        load_backbone("clap", weights_dir=tmp_path)
    (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="clap-htsat-unfused.*save"):
        load_backbone("clap", weights_dir=tmp_path)
