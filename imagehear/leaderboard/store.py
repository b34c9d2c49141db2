"""The results folder: read every ``*.json`` under it, write accepted submissions.

Files that fail validation are kept out of the table and listed with their reasons, so a
broken file is visible rather than silently missing. Submissions get a fresh file name
and are written with exclusive creation: an upload can never overwrite a result.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from imagehear.leaderboard.table import Result
from imagehear.leaderboard.validate import load_results_file


def load_results_dir(results_dir) -> tuple[list[Result], list[tuple[str, list[str]]]]:
    """``(accepted, refused)`` for every ``*.json`` under ``results_dir`` (recursively).

    A missing folder is an empty leaderboard, not an error: a new Space starts empty.
    """
    root = Path(results_dir)
    accepted, refused = [], []
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        key = path.relative_to(root).as_posix()
        try:
            data, reasons = load_results_file(path)
        except OSError as exc:
            data, reasons = None, [f"unreadable: {exc.strerror or exc}"]
        if reasons:
            refused.append((key, reasons))
        else:
            accepted.append(Result(key, data))
    return accepted, refused


def slug(name: str, limit: int = 40) -> str:
    """A file-name-safe form of a model name.

    >>> slug("My Model v2 (10 s)!")
    'my-model-v2-10-s'
    """
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:limit].strip("-") or "model"


def save_submission(data: dict, results_dir) -> tuple[Path, bool]:
    """Write an accepted results dict under ``results_dir``; return ``(path, created)``.

    The name is ``<model-slug>-<date>-<content hash>.json``, so the same content sent
    twice maps to the same name and is stored once (``created`` is False). The text goes
    to a temp file first, then is hard-linked into place: the link fails if the name
    exists (never an overwrite) and a reader never sees a half-written file.
    """
    root = Path(results_dir)
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    target = root / f"{slug(data['model']['name'])}-{str(data['created'])[:10]}-{digest}.json"
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.link(tmp, target)
        return target, True
    except FileExistsError:
        return target, False
    finally:
        os.unlink(tmp)
