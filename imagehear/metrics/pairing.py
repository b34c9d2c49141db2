"""Explicit pairing of uploaded files for the metric Spaces: never by upload order.

Browsers do not promise the order of a multi-file upload, so a clip is matched to its
reference by name: reference clips by file name without extension (as ``image-hear
evaluate --reference-dir`` pairs them), class names and conditioning images through a
manifest (``file,label,image``, as ``image-hear plan`` writes it; only the base names of
``file`` and ``image`` are compared, since uploads lose their folders). Every mismatch is
an :class:`~imagehear.errors.PairingError` naming the file.

>>> p = pair_uploads("paired", ["/up/b.wav", "/up/a.wav"], ["/r/a.flac", "/r/b.flac"])
>>> p.predictions, p.references
(['/up/a.wav', '/up/b.wav'], ['/r/a.flac', '/r/b.flac'])
>>> p.rows
[['a.wav', 'a.flac'], ['b.wav', 'b.flac']]
>>> rows = parse_manifest("file,label,image\\ndog/dog_000.wav,Dog,dog1.jpg\\n")
>>> pair_uploads("label", ["/up/dog_000.wav"], manifest=rows).references
['Dog']
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from imagehear.errors import ImageHearError
from imagehear.metrics import REFERENCE_KINDS


class PairingError(ImageHearError):
    """Uploaded files that cannot be paired (missing, duplicated or unknown names)."""


@dataclass
class Pairing:
    """Inputs in a fixed order, and the rows (generated, reference) that show the pairing."""

    predictions: list
    references: list | None
    rows: list = field(default_factory=list)


def _name(path) -> str:
    return PurePath(str(path)).name


def _stem(path) -> str:
    return PurePath(str(path)).stem


def _unique(paths, key, what: str) -> dict:
    out = {}
    for path in paths:
        k = key(path)
        if k in out:
            raise PairingError(f"two {what} are named {k!r} ({_name(out[k])}, {_name(path)}); "
                               f"give every file a distinct name")
        out[k] = path
    return out


def parse_manifest(text: str) -> dict[str, dict]:
    """Manifest CSV text -> {base name of ``file``: row}. The header must have ``file``.

    >>> sorted(parse_manifest("file,label\\na/x.wav,Dog\\nb/y.wav,Cat\\n"))
    ['x.wav', 'y.wav']
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if "file" not in (reader.fieldnames or ()):
        raise PairingError("manifest: its header must name a 'file' column (file,label,image as "
                           "`image-hear plan` writes it)")
    rows = {}
    for row in reader:
        name = _name((row.get("file") or "").strip())
        if not name:
            continue
        if name in rows:
            raise PairingError(f"manifest: {name!r} appears twice; uploads are matched by base name")
        rows[name] = {k: (v or "").strip() for k, v in row.items() if k}
    return rows


def _manifest_rows(predictions, manifest, column: str) -> list:
    if manifest is None:
        raise PairingError(f"upload the manifest (file,{column}) that names the {column} of each clip")
    rows = []
    for path in predictions:
        row = manifest.get(_name(path))
        if row is None:
            raise PairingError(f"{_name(path)}: not in the manifest; every uploaded clip needs a manifest row")
        if not row.get(column):
            raise PairingError(f"manifest: the row of {_name(path)} has no {column!r}")
        rows.append(row)
    return rows


def pair_uploads(kind: str, predictions, references=None, manifest: dict | None = None) -> Pairing:
    """Order ``predictions`` by name and give each its reference (see the module docstring).

    ``kind`` is what the metric's references are (``MetricSpec.references``, a key of
    :data:`imagehear.metrics.REFERENCE_KINDS`); ``manifest`` comes from :func:`parse_manifest`.
    """
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"kind must be one of {tuple(REFERENCE_KINDS)}, got {kind!r}")
    if not predictions:
        raise PairingError("upload the generated clips")
    generated = _unique(predictions, _name, "generated clips")
    preds = [generated[k] for k in sorted(generated)]
    if kind == "none":
        return Pairing(preds, None, [[_name(p), ""] for p in preds])
    if kind in ("paired", "set", "image") and not references:
        raise PairingError("upload the reference files (" + ("images" if kind == "image" else "clips") + ")")
    if kind == "set":
        refs = sorted(references, key=_name)
        return Pairing(preds, refs, [[_name(p), f"reference set ({len(refs)} clips)"] for p in preds])
    if kind == "paired":
        _unique(preds, _stem, "generated clips (without extension)")
        by_stem = _unique(references, _stem, "reference clips (without extension)")
        missing = [_name(p) for p in preds if _stem(p) not in by_stem]
        if missing:
            raise PairingError(f"{missing[0]}: no reference clip named {_stem(missing[0])}.* "
                               f"({len(missing)} unmatched); references pair by file name without extension")
        refs = [by_stem[_stem(p)] for p in preds]
        return Pairing(preds, refs, [[_name(p), _name(r)] for p, r in zip(preds, refs)])
    rows = _manifest_rows(preds, manifest, kind)
    if kind == "label":
        labels = [row["label"] for row in rows]
        return Pairing(preds, labels, [[_name(p), label] for p, label in zip(preds, labels)])
    images = _unique(references, _name, "images")
    refs = []
    for path, row in zip(preds, rows):
        image = _name(row["image"])
        if image not in images:
            raise PairingError(f"{_name(path)}: its image {image!r} (manifest) was not uploaded")
        refs.append(images[image])
    return Pairing(preds, refs, [[_name(p), _name(r)] for p, r in zip(preds, refs)])
