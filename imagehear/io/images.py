"""Conditioning images as CLIP's inputs: each keyed by its content, decoded only when embedded.

:mod:`imagehear.evaluation.pipeline` (one image per clip) and :mod:`imagehear.embed.frames` (several frames
per clip) both embed through these two helpers, so an image and the same picture as a
video frame share one cache entry.

>>> from PIL import Image
>>> key, item = image_key(Image.new("RGB", (2, 2)))
>>> len(key), open_image(item) is item
(64, True)
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from imagehear.errors import DataError, ImageHearError


def image_key(img) -> tuple[str, object]:
    """(content hash, input) for a path or a PIL image; a path is checked, not yet decoded."""
    from PIL import Image

    if isinstance(img, (str, Path)):
        path = Path(img)
        if not path.is_file():
            raise ImageHearError(f"{path}: image not found")
        return hashlib.sha256(path.read_bytes()).hexdigest(), path
    if isinstance(img, Image.Image):
        return hashlib.sha256(f"{img.mode}{img.size}".encode() + img.tobytes()).hexdigest(), img
    raise ImageHearError(f"images must be file paths or PIL images, got {type(img).__name__}")


def load_image(path):
    """Open and decode an image file; an unreadable or truncated file is a DataError naming it."""
    from PIL import Image

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: image file not found")
    image = None
    try:
        image = Image.open(path)
        image.load()  # decode now: PIL opens lazily and a truncated file fails only here
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError... for bad files
        if image is not None:
            image.close()
        raise DataError(f"{path}: unreadable image ({type(exc).__name__}: {exc}); "
                        "re-download it (image-hear verifies checksums) or replace the file") from None
    return image


def open_image(item):
    """Paths are decoded here (errors name the file); CLIP's preprocessing converts to RGB after
    its resize and crop, as OpenAI's does, so images are passed on unconverted."""
    return load_image(item) if isinstance(item, Path) else item
