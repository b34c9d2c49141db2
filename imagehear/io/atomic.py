"""Writing a file so that a reader never sees half of it: a temp file beside it, then a rename.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "results.json"
>>> with atomic_write(path) as fh:
...     _ = fh.write("{}")
>>> path.read_text(), sorted(p.name for p in path.parent.iterdir())
('{}', ['results.json'])
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", **open_options):
    """Open a temp file beside ``path`` for writing; on success it replaces ``path``, on any
    error (or Ctrl-C) it is removed and ``path`` is left as it was.

    The file gets the permissions the umask gives a new file (``mkstemp`` alone makes it
    0600, which locks colleagues out of a shared cache or results folder).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **open_options) as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
