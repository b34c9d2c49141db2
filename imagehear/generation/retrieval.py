"""The ``retrieval`` baseline: for each image, the clip of an audio library that the CS model
(Wav2CLIP audio × CLIP ViT-B/32 image, as ``clip_score`` computes them) matches best.

How far retrieval alone gets: give it e.g. your VGGSound test clips. Every library clip is
embedded once (cached by content, like ``evaluate``'s embeddings); each image's CLIP embedding
is compared by cosine with all of them, and the best clip (the first on ties) is returned,
mono, at the library's most common sample rate. The seeds are not used: retrieval is
deterministic. ``generation.json`` records the library folder and its fingerprint (a SHA-256
over its files' relative paths and contents), so a result names the exact library.

    image-hear generate retrieval --out runs/retrieval --model-arg library=/data/vggsound_test
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from imagehear.errors import UsageError


class Retrieval:
    """A factory: ``Retrieval(library, weights_dir=None, device="cpu", cache_dir=None)`` is a model."""

    name = "retrieval"

    def __init__(self, library, weights_dir=None, device: str = "cpu", cache_dir=None):
        import soundfile as sf

        from imagehear.embed.engine import extract
        from imagehear.embed.lazy import lazy_backbone
        from imagehear.evaluation.suite import fingerprint
        from imagehear.io.audio import AUDIO_SUFFIXES
        from imagehear.io.clips import as_items

        folder = Path(library).expanduser()
        if not folder.is_dir():
            raise UsageError(f"library={library!r}: no such folder (give a folder of audio clips)")
        self.files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
        if not self.files:
            raise UsageError(f"library={library!r}: no audio files ({', '.join(AUDIO_SUFFIXES)}) in it")
        self.cache_dir = cache_dir
        self.sample_rate = Counter(sf.info(str(p)).samplerate for p in self.files).most_common(1)[0][0]
        self.audio = lazy_backbone("wav2clip", weights_dir, device, cache_dir)
        self.image = lazy_backbone("clip", weights_dir, device, cache_dir)
        items = as_items(self.files, names=[p.relative_to(folder).as_posix() for p in self.files])
        embeddings = np.stack([o["embedding"] for o in extract(self.audio, items, cache_dir=cache_dir,
                                                               progress=False)])
        self.embeddings = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        self.details = {"library": str(folder.resolve()), "library_fingerprint": fingerprint(items, [
            i.name for i in items]), "library_sample_rate": self.sample_rate,
            "weights": {b.name: b.weights.record() for b in (self.audio, self.image)},
            "rule": "argmax over library clips of cosine(Wav2CLIP audio, CLIP image); first on ties"}

    def best(self, images) -> list[int]:
        """The library index that matches each image best."""
        from imagehear.embed.engine import extract_keyed
        from imagehear.io.images import image_key

        keys = [image_key(img) for img in images]
        out = extract_keyed(self.image, dict(keys), self.image.embed_images, cache_dir=self.cache_dir)
        vectors = np.stack([out[key] for key, _ in keys])
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return [int(i) for i in np.argmax(vectors @ self.embeddings.T, axis=1)]

    def __call__(self, images, labels, seeds):
        from imagehear.io.audio import load_audio

        return [load_audio(self.files[i], self.sample_rate).numpy() for i in self.best(images)]
