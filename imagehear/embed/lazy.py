"""A backbone that builds its network only when a clip is not already in the cache.

A warm-cache run needs each backbone's cache key — its weights' SHA-256 and ``config()`` —
but no forward pass. Building PaSST alone takes seconds (imports, random init, checkpoint
read), so this wrapper resolves the weights, reads ``config()`` remembered from an earlier
build of the same (backbone, weights, options, image-hear version, the spec's
``code_version``), and builds on first use.

>>> LazyBackbone.__call__.__doc__
'Run the real backbone (built on first use).'
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from imagehear.io.atomic import atomic_write


class LazyBackbone:
    def __init__(self, name: str, weights_dir=None, device: str = "cpu", cache_dir=None, **options):
        from imagehear import __version__
        from imagehear.models import get
        from imagehear.models.weights import resolve

        self.name, self.device, self.options, self._weights_dir = name, device, options, weights_dir
        self.weights = resolve(name, weights_dir)
        spec = get(name)
        self.sample_rate = spec.sample_rate
        key = json.dumps([name, self.weights.sha256, options, __version__, spec.code_version],
                         sort_keys=True, default=str)
        self._config_file = (Path(cache_dir) / "configs" / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:20]}"
                             ".json") if cache_dir else None
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from imagehear.models.backbone import load_backbone

            self._model = load_backbone(self.name, self._weights_dir, self.device, **self.options)
        return self._model

    def config(self) -> dict:
        if self._config_file is not None and self._config_file.is_file():
            try:
                return json.loads(self._config_file.read_text())
            except ValueError:  # a torn write: rebuild it below
                pass
        config = self.model.config()
        if self._config_file is not None:
            with atomic_write(self._config_file) as fh:
                json.dump(config, fh)
        return config

    def __call__(self, batch):
        """Run the real backbone (built on first use)."""
        return self.model(batch)

    def embed_images(self, images):
        return self.model.embed_images(images)

    def embed_text(self, texts):
        return self.model.embed_text(texts)

    def embed_videos(self, videos):
        return self.model.embed_videos(videos)


def lazy_backbone(name: str, weights_dir=None, device: str = "auto", cache_dir=None, **options) -> LazyBackbone:
    """A :class:`LazyBackbone` on ``device`` (``auto`` resolved) remembering its config in the
    embedding cache (``cache_dir``; None: the default one; False: none)."""
    from imagehear.embed.engine import default_cache_dir
    from imagehear.models.backbone import resolve_device

    cache = None if cache_dir is False else (cache_dir or default_cache_dir())
    return LazyBackbone(name, weights_dir, resolve_device(device), cache, **options)
