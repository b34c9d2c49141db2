"""PE-AV backbone and ``pe_av_score``: tiny random PeAudioVideoModel saved with save_pretrained,
parity with transformers' own ``PeAudioVideoModel.forward``.

Reference: the saved folder loaded by transformers itself (``PeAudioVideoModel``,
``PeAudioFeatureExtractor``, ``PeVideoVideoProcessor``), the image given to the processor as a
one-frame video array ``(1, H, W, 3)``, and one joint ``forward(input_values=...,
pixel_values_videos=...)``, whose ``audio_embeds``/``video_embeds`` come from the audio-video
encoder's own (tied) towers. Tolerance: atol 1e-5 on embeddings (float32; measured 0 here),
1e-3 on the score (x 100).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import PeAudioFeatureExtractor, PeAudioVideoModel, PeVideoVideoProcessor  # the reference

from imagehear import api
from imagehear.errors import ImageHearError, WeightsError
from imagehear.models.backbone import load_backbone
from imagehear.models.pe_av import SAMPLE_RATE

from tests.models.conftest import synthetic_clip

ATOL = 1e-5


@pytest.fixture(scope="module")
def pe_av(offline_weights_dir):
    return load_backbone("pe_av", weights_dir=offline_weights_dir)


def images():
    rng = np.random.default_rng(0)  # non-square, non-symmetric content: a crop or flip would show
    return [Image.fromarray((rng.random((120, 200, 3)) * 255).astype(np.uint8)),
            Image.fromarray((rng.random((90, 60, 3)) * 255).astype(np.uint8))]


def upstream(folder, clips, pictures):
    model = PeAudioVideoModel.from_pretrained(folder).eval()
    audio = PeAudioFeatureExtractor.from_pretrained(folder)([c.numpy() for c in clips], sampling_rate=SAMPLE_RATE,
                                                             return_tensors="pt")
    video = PeVideoVideoProcessor.from_pretrained(folder)(videos=[np.asarray(p)[None] for p in pictures],
                                                          return_tensors="pt")
    with torch.inference_mode():
        out = model(input_values=audio["input_values"], padding_mask=audio["padding_mask"],
                    pixel_values_videos=video["pixel_values_videos"])
    return out.audio_embeds, out.video_embeds


def test_embeddings_and_score_match_transformers_forward(pe_av, offline_weights_dir):
    clips = torch.stack([synthetic_clip(0.5, SAMPLE_RATE, seed) for seed in (0, 1)])
    pictures = images()
    ref_audio, ref_video = upstream(offline_weights_dir / "pe-av-large", clips, pictures)
    ours_audio, ours_video = pe_av(clips)["embedding"], pe_av.embed_images(pictures)
    assert ours_audio.shape == ours_video.shape == (2, 1024)
    assert (ours_audio.norm(dim=1) - 1).abs().max() > 0.1  # un-normalised, as documented
    torch.testing.assert_close(ours_audio, ref_audio, atol=ATOL, rtol=0)
    torch.testing.assert_close(ours_video, ref_video, atol=ATOL, rtol=0)
    torch.testing.assert_close(pe_av(clips[1:])["embedding"], ours_audio[1:], atol=ATOL, rtol=0)  # per clip

    result = api.score("pe_av_score", [c.numpy() for c in clips], images=pictures, labels=["Dog", "Piano"],
                       sampling_rate=SAMPLE_RATE, weights_dir=str(offline_weights_dir), cache_dir=False,
                       progress=False)
    normalise = torch.nn.functional.normalize
    expected = 100 * (normalise(ref_audio, dim=-1) * normalise(ref_video, dim=-1)).sum(-1)
    np.testing.assert_allclose(result["per_sample"]["pe_av_score"], expected.numpy(), atol=1e-3, rtol=0)
    assert result["pe_av_score"] == pytest.approx(float(expected.mean()), abs=1e-3)
    assert "chance" in result and "PE-AV score" in result["chance"]["definition"]


def test_greyscale_image_is_the_rgb_frame(pe_av):
    grey = Image.fromarray(np.arange(64 * 48, dtype=np.uint8).reshape(48, 64) % 251, mode="L")
    torch.testing.assert_close(pe_av.embed_images([grey]), pe_av.embed_images([grey.convert("RGB")]), atol=0, rtol=0)
    assert pe_av.embed_images([]).shape == (0, 1024)


def test_config_records_the_conventions(pe_av):
    cfg = pe_av.config()
    assert cfg["image"]["as"].startswith("one-frame video") and cfg["image"]["size"] == {"height": 336, "width": 336}
    assert cfg["audio"]["hop_length"] == 1920 and cfg["weights_sha256"] == pe_av.weights.sha256


def test_a_foreign_folder_is_one_weights_error(offline_weights_dir, tmp_path):
    import shutil

    folder = tmp_path / "pe-av-large"
    shutil.copytree(offline_weights_dir / "pe-av-large", folder)
    (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="pe-av-large.*not a PE-AV save_pretrained folder.*save facebook"):
        load_backbone("pe_av", weights_dir=tmp_path)


def test_score_without_images_is_named():
    with pytest.raises(ImageHearError, match="pe_av_score needs the conditioning image"):
        api.score("pe_av_score", [np.zeros(SAMPLE_RATE, dtype=np.float32)], sampling_rate=SAMPLE_RATE)
