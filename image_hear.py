"""IMAGE HEAR as a ``datasets`` builder (one split, ``test``: 100 images, 30 classes).

Features, source, checksums and rows all come from :mod:`imagehear.io.dataset`, so this file
and ``imagehear.load_image_hear`` cannot disagree. ``datasets`` >= 4 no longer runs
loading scripts through ``load_dataset``; instantiate the builder instead (the Hub copy is
Parquet + a YAML card, written by ``image-hear dataset --out DIR``)::

    from image_hear import ImageHear

    builder = ImageHear(cache_dir="hf_cache", source=None, image_cache_dir=None)
    builder.download_and_prepare()
    test = builder.as_dataset("test")

``source`` (also ``$IMAGEHEAR_SOURCE``): a base URL or a local folder holding the images;
default: the pinned Im2Wav commit. ``image_cache_dir``: where fetched images are kept.
"""
# no `from __future__ import annotations`: dataclasses would then look this module up in
# sys.modules, which fails when the file is loaded with importlib.util.spec_from_file_location
from dataclasses import dataclass
from typing import Optional

import datasets

from imagehear.io import dataset as _image_hear


@dataclass
class ImageHearConfig(datasets.BuilderConfig):
    """Builder config: where the images come from and where they are cached."""

    source: Optional[str] = None
    image_cache_dir: Optional[str] = None


class ImageHear(datasets.GeneratorBasedBuilder):
    """IMAGE HEAR (Im2Wav's out-of-domain image-to-audio benchmark)."""

    BUILDER_CONFIG_CLASS = ImageHearConfig
    BUILDER_CONFIGS = [ImageHearConfig(name="default", version=datasets.Version("1.0.0"),
                                       description=_image_hear.DESCRIPTION)]
    DEFAULT_CONFIG_NAME = "default"

    def _info(self) -> datasets.DatasetInfo:
        return _image_hear.dataset_info()

    def _split_generators(self, dl_manager):
        # the images are fetched by imagehear (temp file + SHA-256 + rename), not dl_manager,
        # so the builder and load_image_hear share one cache and one checksum rule
        paths = _image_hear.fetch_images(self.config.source, self.config.image_cache_dir)
        return [datasets.SplitGenerator(name=datasets.Split.TEST, gen_kwargs={"paths": paths})]

    def _generate_examples(self, paths):
        yield from _image_hear.examples(paths)
