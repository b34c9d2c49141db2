"""CLIP image backbone: OpenAI preprocessing written with PIL, tiny random ViT-B/32-shaped tower.

Reference: OpenAI ``clip``'s ``_transform`` rebuilt with torchvision (Resize(224, BICUBIC),
CenterCrop(224), convert RGB, ToTensor, Normalize) feeding ``CLIPModel.get_image_features``
loaded independently from the same folder. Tolerances: pixels identical (atol 0);
embeddings atol 1e-5 (float32 batched vs one-by-one forward).
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
import torchvision.transforms as T  # a hard dependency (hear21passt -> timm -> torchvision)
from PIL import Image
from transformers import CLIPImageProcessor, CLIPModel  # the reference: a hard dependency, never skipped

from imagehear.models.backbone import load_backbone
from imagehear.io.images import load_image
from imagehear.models.clip import CLIP_MEAN, CLIP_STD, preprocess
from imagehear.errors import DataError

from tests.conftest import SHARED_IMAGES

REAL = ["saxophone3.jpg", "car1.jpg", "cat1.jpg", "police2.jpg"]  # WEBP-in-.jpg, 3.5 MB JPEG, 225x224, rounding case
OPENAI = T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224),
                    lambda image: image.convert("RGB"), T.ToTensor(), T.Normalize(CLIP_MEAN, CLIP_STD)])


@pytest.fixture(scope="module")
def clip_bb(offline_weights_dir):
    return load_backbone("clip", weights_dir=offline_weights_dir)


@pytest.fixture(scope="module")
def real_images():
    return [load_image(SHARED_IMAGES / name) for name in REAL]


def synthetic_images():
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (301, 225, 3), dtype=np.uint8))
    wide = Image.fromarray(rng.integers(0, 256, (224, 500, 3), dtype=np.uint8))
    grey = Image.fromarray(rng.integers(0, 256, (333, 517), dtype=np.uint8))  # mode L
    rgba = Image.fromarray(rng.integers(0, 256, (240, 260, 4), dtype=np.uint8))
    return [rgb, wide, grey, rgba, rgb.convert("P")]


def test_real_images_open(real_images):
    assert real_images[0].format == "WEBP" and real_images[1].size == (2560, 1707)


def test_preprocess_is_openai_pixel_for_pixel(real_images):
    for image in real_images + synthetic_images():
        ours = preprocess(image)
        assert ours.shape == (3, 224, 224) and ours.dtype == torch.float32
        assert torch.equal(ours, OPENAI(image)), image.size


def test_embeddings_match_transformers_reference(clip_bb, offline_weights_dir, real_images):
    images = real_images + synthetic_images()
    ours = clip_bb.embed_images(images)
    reference = CLIPModel.from_pretrained(offline_weights_dir / "clip-vit-base-patch32").eval()
    with torch.inference_mode():
        ref = torch.cat([reference.get_image_features(pixel_values=OPENAI(im)[None]).pooler_output for im in images])
    assert ours.shape == (len(images), 512) and ours.dtype == torch.float32
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=0)
    norms = ours.norm(dim=1)
    assert not torch.allclose(norms, torch.ones_like(norms))  # not normalised: the metric does that


def test_batching_does_not_change_results(offline_weights_dir, real_images):
    one = load_backbone("clip", weights_dir=offline_weights_dir, batch_size=1).embed_images(real_images)
    three = load_backbone("clip", weights_dir=offline_weights_dir, batch_size=3).embed_images(real_images)
    torch.testing.assert_close(one, three, atol=1e-5, rtol=0)
    assert load_backbone("clip", weights_dir=offline_weights_dir).embed_images([]).shape == (0, 512)


def test_clip_image_processor_differs_from_openai(real_images):
    """transformers' CLIPImageProcessor is not OpenAI's preprocessing: why we write our own.

    Measured on IMAGE HEAR: ±1 grey level on most images, and on 20 of 101 images the
    resized long side rounds differently, shifting the crop by a pixel (max |diff| up to
    3 normalised units). Loose bounds: some difference, and not a different image.
    """
    processor = CLIPImageProcessor()
    diffs = [(preprocess(im) - processor(images=im, return_tensors="pt").pixel_values[0]).abs()
             for im in real_images]
    assert max(d.max().item() for d in diffs) > 0.5       # police2/car1: crop shifted
    assert all(d.mean().item() < 0.5 for d in diffs)      # same picture, roughly aligned


def test_corrupt_image_names_the_file(clip_bb, tmp_path):
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((SHARED_IMAGES / "cat1.jpg").read_bytes()[:2000])
    with pytest.raises(DataError, match="truncated.jpg.*unreadable"):
        load_image(truncated)
    with Image.open(truncated) as lazy, pytest.raises(DataError, match="truncated.jpg.*unreadable"):
        clip_bb.embed_images([lazy])  # lazily opened: fails at decode time
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(DataError, match="notes.jpg"):
        load_image(text)
    with pytest.raises(DataError, match="not found"):
        load_image(tmp_path / "missing.jpg")


def test_config_records_preprocessing(clip_bb, tmp_path):
    cfg = clip_bb.config()
    assert cfg["weights_sha256"] == clip_bb.weights.sha256 and "BICUBIC" in cfg["preprocessing"]["resize"]
    copy = tmp_path / "clip-vit-base-patch32"
    shutil.copytree(clip_bb.weights.path, copy)
    assert load_backbone("clip", weights_dir=tmp_path).config() == cfg  # same files → same cache key


def test_folder_without_the_projection_is_a_weights_error(clip_bb, tmp_path):
    from safetensors.torch import load_file, save_file

    from imagehear.errors import WeightsError

    folder = tmp_path / "clip-vit-base-patch32"
    shutil.copytree(clip_bb.weights.path, folder)
    state = load_file(folder / "model.safetensors")
    del state["visual_projection.weight"]  # would otherwise be silently random-initialised
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})
    with pytest.raises(WeightsError, match="visual_projection"):
        load_backbone("clip", weights_dir=tmp_path)
