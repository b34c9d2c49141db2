"""``image-hear plan``: the manifest a model author fills, and a README telling them how.

>>> import tempfile
>>> path = write_plan(tempfile.mkdtemp(), per_class=2)
>>> path.name, len(path.read_text().splitlines())
('manifest.csv', 61)
"""
from __future__ import annotations

import os
from pathlib import Path

from imagehear import protocol

README_TEXT = """IMAGE HEAR generation plan (protocol {version})

manifest.csv lists every clip to generate: file,label,image
  file  - where to write the clip, relative to this folder
  label - the IMAGE HEAR class
  image - the conditioning image (file name in the IMAGE HEAR dataset)

What to do:
1. Get the images: `image-hear dataset --out image_hear{image_set_option}` or
   datasets.load_dataset("imagehear/image_hear") (column file_name = the image column above).
2. For each row, generate audio conditioned on `image` and write it to `file`
   (WAV/FLAC, any sample rate, mono or stereo; the protocol resamples).
   {per_class} clips per class; clip j of a class uses image j mod n, so every image of
   a class is used equally often.
3. Validate before spending time on metrics: `image-hear check {folder}`.
4. Score: `image-hear evaluate {folder} --out results.json`.

The manifest is the only link between files and classes: do not rename files without
updating it. A subset of rows (a smoke test) is fine; results then say "complete": false.
"""


def write_plan(out_dir, per_class: int = protocol.CLIPS_PER_CLASS, classes=None,
               image_set: str = protocol.DEFAULT_IMAGE_SET) -> Path:
    """Write ``manifest.csv`` and ``README.txt`` into ``out_dir``; return the manifest path.

    ``classes`` (names, in any order) or a ``per_class`` below 120 write a subset of the plan
    (a smoke test): the same rows, file names and images as the full plan has for them.
    ``image_set``: "im2wav" (protocol v1's 100 images) or "v2a-mapper" (101, people4.jpg included)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / protocol.MANIFEST_NAME
    # a temp name, then a rename: shards starting together never read a half-written manifest
    part = out_dir / f".{protocol.MANIFEST_NAME}.{os.getpid()}.part"
    protocol.write_manifest(protocol.generation_plan(per_class, protocol.plan_classes(classes), image_set=image_set), part)
    os.replace(part, manifest)
    (out_dir / "README.txt").write_text(README_TEXT.format(
        version=protocol.PROTOCOL_VERSION, per_class=per_class, folder=out_dir,
        image_set_option="" if image_set == protocol.DEFAULT_IMAGE_SET else f" --image-set {image_set}"))
    return manifest
