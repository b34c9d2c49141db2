"""CLIP ViT-B/32 image tower (``openai/clip-vit-base-patch32``) → 512-d projected embeddings.

Preprocessing is OpenAI's ``clip`` package ``_transform``, written out with PIL so it is
deterministic and needs no torchvision: bicubic resize of the short side to 224 (long
side ``int(224 * long / short)``), centre crop 224 (offsets ``round((size - 224) / 2)``),
RGB conversion, ``[0, 1]`` scaling, CLIP mean/std. OpenAI converts to RGB *after* the
resize and crop and ignores EXIF orientation; so do we (all IMAGE HEAR images are RGB
with no EXIF rotation, so neither choice changes the benchmark).

>>> from PIL import Image
>>> preprocess(Image.new("RGB", (640, 480), (255, 0, 0))).shape
torch.Size([3, 224, 224])
"""
from __future__ import annotations

import numpy as np

from imagehear.errors import DataError, WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import embed_image_batches
from imagehear.models.weights import resolve

SPEC = MODELS["clip"]  # source, checksum, outputs, code version: imagehear/models
SIZE = 224
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
PREPROCESSING = {
    "implementation": "PIL, OpenAI clip _transform order",
    "resize": "short side to 224, PIL BICUBIC, long side int(224 * long / short)",
    "crop": "centre 224x224, offsets round((size - 224) / 2)",
    "convert": "RGB after resize and crop (as OpenAI); EXIF orientation ignored",
    "scale": "uint8 / 255", "mean": list(CLIP_MEAN), "std": list(CLIP_STD),
}


def image_name(image, index: int | None = None) -> str:
    return getattr(image, "filename", "") or (f"image #{index}" if index is not None else "image")


def preprocess(image, index: int | None = None):
    """One PIL image → float32 tensor (3, 224, 224), as OpenAI's CLIP preprocessing."""
    import torch
    from PIL import Image

    try:
        width, height = image.size
        short, long = min(width, height), max(width, height)
        new_long = int(SIZE * long / short)
        new_size = (SIZE, new_long) if width <= height else (new_long, SIZE)
        if new_size != image.size:
            image = image.resize(new_size, Image.BICUBIC)
        left = int(round((new_size[0] - SIZE) / 2.0))
        top = int(round((new_size[1] - SIZE) / 2.0))
        image = image.crop((left, top, left + SIZE, top + SIZE)).convert("RGB")
        pixels = np.array(image, dtype=np.uint8)
    except Exception as exc:  # lazy PIL decoding surfaces corrupt files here
        raise DataError(f"{image_name(image, index)}: unreadable image ({type(exc).__name__}: {exc}); "
                        "replace the file") from None
    x = torch.from_numpy(pixels).permute(2, 0, 1).float().div(255)
    mean = torch.as_tensor(CLIP_MEAN, dtype=torch.float32)[:, None, None]
    std = torch.as_tensor(CLIP_STD, dtype=torch.float32)[:, None, None]
    return x.sub(mean).div(std)


class CLIPImage:
    name = "clip"
    sample_rate = None  # an image model

    def __init__(self, model, weights, device: str, batch_size: int = 32):
        self.model = model
        self.weights = weights
        self.device = device
        self.batch_size = batch_size

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "tower": "vision + visual_projection",
                "preprocessing": PREPROCESSING, "output": "image_embeds (512,), not normalised"}

    def embed_images(self, images):
        """List of PIL images → float32 tensor (N, 512) of projected, un-normalised embeddings."""
        return embed_image_batches(images, preprocess, lambda pixels: self.model(pixel_values=pixels).image_embeds,
                                   batch_size=self.batch_size, device=self.device, dim=512)


def load_vision_model(folder, device: str = "cpu"):
    """The vision tower + projection of a ``CLIPModel`` folder; missing weights are an error."""
    import torch
    from transformers import CLIPVisionModelWithProjection
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the text-tower keys are expected extras: we check what matters below
    try:
        model, info = CLIPVisionModelWithProjection.from_pretrained(
            folder, dtype=torch.float32, output_loading_info=True)
    except Exception as exc:  # config/safetensors unreadable
        raise WeightsError(f"{folder}: not a CLIP save_pretrained folder ({type(exc).__name__}: {exc}); "
                           "save openai/clip-vit-base-patch32 there again") from None
    finally:
        hf_logging.set_verbosity(verbosity)
    bad = list(info.get("missing_keys", [])) + list(info.get("mismatched_keys", []))
    if bad:
        raise WeightsError(f"{folder}: checkpoint lacks or mismatches {len(bad)} vision weights "
                           f"(e.g. {bad[0]}); save openai/clip-vit-base-patch32 there again")
    return model.eval().to(device)


def load(weights_dir=None, device: str = "cpu", batch_size: int = 32) -> CLIPImage:
    """Load the CLIP image tower from ``weights_dir/clip-vit-base-patch32/`` (or the hub cache)."""
    weights = resolve("clip", weights_dir)
    return CLIPImage(load_vision_model(weights.path, device), weights, device, batch_size)
