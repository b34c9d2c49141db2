"""``--compat ssv2a`` against SSV2A's CS (github wguo86/SSV2A, ``ssv2a/evals/cs.py``), recomputed here.

Reference (written in this test from that file): each clip read, its first channel, its mean
subtracted, ``torchaudio.functional.resample`` to 16 kHz, cut or zero-padded to
int(10 x 102.4) x 160 = 163,840 samples; clips sorted by path and cut into DataLoader batches;
``wav2clip.embed_audio`` (wav2clip's own model, loaded from the same ``Wav2CLIP.pt`` as
``wav2clip.get_model`` loads its release file) on each whole batch; CS = mean over clips of the
cosine with the clip's image, not x 100. torchaudio.load needs torchcodec (not installed), so
the reference reads with soundfile, as torchaudio's soundfile backend did. Images go through
our CLIP backbone on both sides (its parity with OpenAI's preprocessing: tests/models/test_clip.py).
The mechanism is the same at any batch size; it runs at 2 (3 clips: a batch of 2, then 1)
to stay fast, and the registered profile is checked for SSV2A's 64.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio
from PIL import Image

from imagehear.errors import UsageError
from imagehear.evaluation import pipeline
from imagehear.io.clips import Clips
from imagehear.protocol.profiles import PROFILES, profile

RATE = 22050      # not 16 kHz, so resampling is exercised
BATCH = 2
N = 3


def _clip(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int((1.0 + 0.4 * seed) * RATE)) / RATE
    left = 0.3 * np.sin(2 * np.pi * (300 + 120 * seed) * t) + 0.05 * rng.standard_normal(t.size)
    right = 0.3 * rng.standard_normal(t.size)  # SSV2A ignores it: a channel mean would not
    return (np.stack([left, right], axis=1) + 0.1).astype("float32")


def _ssv2a_wave(path: Path) -> np.ndarray:
    data, orig = sf.read(path, dtype="float32", always_2d=True)
    audio = torch.from_numpy(data.T[0:1])
    audio = torchaudio.functional.resample(audio - audio.mean(), orig_freq=orig, new_freq=16000)
    padded = np.zeros((1, 163840))
    n = min(audio.shape[-1], 163840)
    padded[:, :n] = audio.numpy()[:, :n]
    return padded


def _ssv2a_audio_embeddings(paths, weights_dir) -> dict:
    import wav2clip
    from wav2clip.model.encoder import ResNetExtractor

    model = ResNetExtractor(checkpoint=torch.load(Path(weights_dir) / "Wav2CLIP.pt", map_location="cpu"),
                            scenario="frozen", transform=True).eval()
    order = sorted(str(p) for p in paths)
    out = {}
    with torch.no_grad():
        for start in range(0, len(order), BATCH):
            names = order[start:start + BATCH]
            batch = np.concatenate([_ssv2a_wave(Path(n)) for n in names], dtype=np.float32)
            out.update(zip(names, wav2clip.embed_audio(batch, model)))
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory, shared_dir):
    root = tmp_path_factory.mktemp("ssv2a")
    paths = []
    for i in range(N):
        paths.append(root / f"clip_{(2 * i) % N}.wav")  # listed out of sorted order: 0, 2, 1
        sf.write(paths[-1], _clip(i), RATE, subtype="PCM_16")
    images = [shared_dir / "image_hear" / "images" / name for name in ("dog1.jpg", "piano1.jpg", "rain1.jpg")]
    return paths, images


def test_ssv2a_cs_equals_its_code_and_the_batch_matters(clips, weights_dir, tmp_path):
    from imagehear.models.backbone import load_backbone
    from tests.torch_calls import forward_calls

    paths, images = clips
    labels = ["Dog", "Piano", "Rain"]
    ssv2a = replace(PROFILES["ssv2a"], wav2clip_batch=BATCH)
    options = pipeline.Options(weights_dir=str(weights_dir), device="cpu", cache_dir=str(tmp_path), profile=ssv2a,
                               progress=False)
    out, columns, _ = pipeline.run(["clip_score"], Clips.from_lists([str(p) for p in paths], None, images, labels),
                                   options)
    with forward_calls() as calls:  # each batch was cached whole: a rerun embeds nothing
        again, _, _ = pipeline.run(["clip_score"], Clips.from_lists([str(p) for p in paths], None, images, labels),
                                   options)
    assert not calls and again["clip_score"]["value"] == out["clip_score"]["value"]
    audio = _ssv2a_audio_embeddings(paths, weights_dir)
    clip = load_backbone("clip", str(weights_dir), "cpu")
    img = clip.embed_images([Image.open(p).convert("RGB") for p in images]).numpy()
    a = np.stack([audio[str(p)] for p in paths])
    cosine = (a / np.linalg.norm(a, axis=1, keepdims=True) * img / np.linalg.norm(img, axis=1, keepdims=True)).sum(1)
    np.testing.assert_allclose(columns["clip_score"], cosine, atol=1e-5)
    assert out["clip_score"]["value"] == pytest.approx(cosine.mean(), abs=1e-5)  # no x 100
    assert out["clip_score"]["scale"] == "1 x mean cosine (profile ssv2a)"
    # the same preparation with each clip normalised by itself (protocol v1's Wav2CLIP): the batch moves the number
    alone = pipeline.Options(weights_dir=str(weights_dir), device="cpu", cache_dir=False, progress=False,
                             profile=replace(ssv2a, wav2clip_batch=None))
    _, per_clip, _ = pipeline.run(["clip_score"], Clips.from_lists([str(p) for p in paths], None, images, labels), alone)
    assert np.abs(np.asarray(per_clip["clip_score"]) - cosine).max() > 1e-4  # 8.5e-4 here; parity is 1e-8


def test_the_registered_profile_is_ssv2a_s_and_refuses_what_it_does_not_reproduce(clips, weights_dir):
    ssv2a = profile("ssv2a")
    assert (ssv2a.wav2clip_batch, ssv2a.clip_score_scale, ssv2a.preparation) == (64, 1.0, "ssv2a")
    paths, images = clips
    options = pipeline.Options(weights_dir=str(weights_dir), device="cpu", cache_dir=False, profile=ssv2a)
    with pytest.raises(UsageError, match="--compat ssv2a reproduces clip_score only, not accuracy"):
        pipeline.run(["accuracy"], Clips.from_lists([str(p) for p in paths], labels=["Dog"] * N), options)
    with pytest.raises(UsageError, match="--audio-length does not apply to --compat ssv2a"):
        profile("ssv2a", audio_length=8)
