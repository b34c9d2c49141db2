"""image-hear: the reference toolkit for the IMAGE HEAR image-to-audio benchmark.

Heavy dependencies (torch, datasets, transformers) are imported only by the functions
that need them, so ``import imagehear`` and ``image-hear --help`` stay instant.
"""
from imagehear.errors import ImageHearError

__version__ = "0.1.0"
__all__ = ["ImageHearError", "generate", "load_image_hear", "__version__"]


def load_image_hear(source=None, cache_dir=None, image_set="im2wav"):
    """Return IMAGE HEAR as a ``datasets.Dataset`` (100 rows, split ``test``).

    ``source`` overrides the pinned GitHub source: a base URL or a local folder holding the
    images (also ``IMAGEHEAR_SOURCE``). Every image is checked against its SHA-256.
    ``image_set="v2a-mapper"``: the 101 files V2A-Mapper scored (people4.jpg in People).
    """
    from imagehear.io.dataset import load_image_hear as _load

    return _load(source=source, cache_dir=cache_dir, image_set=image_set)


def generate(model, out_dir, **options):
    """Run ``model`` over the IMAGE HEAR plan into ``out_dir`` (see :func:`imagehear.generation.generate`)."""
    from imagehear.generation import generate as _generate

    return _generate(model, out_dir, **options)
