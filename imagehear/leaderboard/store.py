"""The results folder: every ``*.json`` under it, read and validated once per change.

:class:`ResultsFolder` keeps each file's verdict and re-reads a file only when its size or
modification time changes, so a search keystroke costs one ``stat`` per file. Files that
fail validation (or cannot be read at all: any exception is caught per file) are kept out
of the table and listed with their reasons, so a bad file arriving through the Hub sync is
visible and never breaks the table. Hidden paths (``.cache/`` of the Hub sync, upload
temp files) are ignored.

Submissions get a fresh file name and are written atomically with exclusive creation: an
upload can never overwrite a result, and a reader never sees a half-written file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from imagehear.leaderboard.validate import load_results_file


def canonical_digest(data) -> str:
    """SHA-256 of a results dict's canonical JSON (sorted keys): equal content, equal digest.

    >>> canonical_digest({"b": 1, "a": [2]}) == canonical_digest({"a": [2], "b": 1})
    True
    """
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*.json")
                  if not any(part.startswith(".") for part in p.relative_to(root).parts) and p.is_file())


@dataclass(frozen=True)
class Snapshot:
    """The folder as last read: valid ``(key, data, digest)`` triples and ``(key, reasons)`` refusals."""

    signature: tuple
    valid: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    def digests(self) -> dict[str, str]:
        return {digest: key for key, _, digest in self.valid}


class ResultsFolder:
    """A results folder read once per change (see the module docstring).

    A missing folder is an empty leaderboard, not an error: a new Space starts empty.
    """

    def __init__(self, root, loader=load_results_file):
        self.root = Path(root)
        self.loader = loader
        self._files: dict[str, tuple] = {}   # key -> (mtime_ns, size, data, reasons, digest)
        self._snapshot = Snapshot(signature=("never read",))

    def signature(self) -> tuple:
        """(key, mtime_ns, size) of every results file: changes whenever the folder does."""
        out = []
        for path in _json_files(self.root):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between listing and stat
            out.append((path.relative_to(self.root).as_posix(), stat.st_mtime_ns, stat.st_size))
        return tuple(out)

    def snapshot(self) -> Snapshot:
        signature = self.signature()
        if signature == self._snapshot.signature:
            return self._snapshot
        files = {}
        for key, mtime, size in signature:
            known = self._files.get(key)
            files[key] = known if known and known[:2] == (mtime, size) else (mtime, size, *self._read(key))
        self._files = files
        valid = [(key, data, digest) for key, (_, _, data, reasons, digest) in files.items() if not reasons]
        refused = [(key, reasons) for key, (_, _, _, reasons, _) in files.items() if reasons]
        self._snapshot = Snapshot(signature, valid, refused)
        return self._snapshot

    def _read(self, key: str) -> tuple:
        try:
            data, reasons = self.loader(self.root / key)
            return data, reasons, canonical_digest(data) if not reasons else ""
        except OSError as exc:
            return None, [f"unreadable: {exc.strerror or exc}"], ""
        except Exception as exc:  # a hostile or broken file must never break the table
            return None, [f"could not be checked ({type(exc).__name__})"], ""


def slug(name: str, limit: int = 40) -> str:
    """A file-name-safe form of a model name.

    >>> slug("My Model v2 (10 s)!")
    'my-model-v2-10-s'
    """
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:limit].strip("-") or "model"


def submission_name(data: dict) -> str:
    """The file name an accepted results dict is stored under: ``<model-slug>-<date>-<digest>.json``.

    It follows from the content alone, so ``image-hear export-hub`` can link the file before
    it is uploaded.

    >>> submission_name({"model": {"name": "My Model"}, "created": "2026-12-01T05:00:00+00:00"})
    'my-model-2026-12-01-58e2fc88529c.json'
    """
    return f"{slug(data['model']['name'])}-{str(data['created'])[:10]}-{canonical_digest(data)[:12]}.json"


def save_submission(data: dict, results_dir) -> tuple[Path, bool]:
    """Write an accepted results dict under ``results_dir``; return ``(path, created)``.

    The name is ``<model-slug>-<date>-<content hash>.json``, so the same content sent
    twice maps to the same name and is stored once (``created`` is False). The text goes
    to a hidden temp file first, then is hard-linked into place: the link fails if the name
    exists (never an overwrite) and a reader never sees a half-written file.
    """
    root = Path(results_dir)
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)
    target = root / submission_name(data)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, target)
        return target, True
    except FileExistsError:
        return target, False
    finally:
        os.unlink(tmp)
