"""Fetch a file from a URL or a local folder into a cache: temp file, SHA-256 check, rename.

A partial or corrupt download never lands under its final name, and a cached file that
no longer matches its checksum is fetched again (open_clip's rule, without writing to the
target path directly).
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path

from imagehear.errors import DataError
from imagehear.io.atomic import atomic_write

CHUNK = 1 << 20


def cache_root() -> Path:
    """``$IMAGEHEAR_CACHE``, else ``$XDG_CACHE_HOME/imagehear`` (``~/.cache/imagehear``)."""
    if os.environ.get("IMAGEHEAR_CACHE"):
        return Path(os.environ["IMAGEHEAR_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))) / "imagehear"


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def remembered_sha256(path) -> str:
    """SHA-256 of a large file, remembered by (path, size, mtime): weights are hashed once, not per run."""
    import json

    path = Path(path).resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    store = cache_root() / "sha256.json"
    try:
        memo = json.loads(store.read_text())
    except (OSError, ValueError):
        memo = {}
    if key not in memo:
        memo[key] = sha256_file(path)
        try:
            with atomic_write(store) as fh:
                json.dump(memo, fh)
        except OSError:  # a memo only: a cache we may not write costs a re-hash next run, not the run
            pass
    return memo[key]


def is_offline() -> bool:
    """``IMAGEHEAR_OFFLINE`` or ``HF_HUB_OFFLINE`` is set: nothing is downloaded."""
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("IMAGEHEAR_OFFLINE", "HF_HUB_OFFLINE"))


def is_url(source: str) -> bool:
    return str(source).startswith(("http://", "https://", "file://"))


def _copy_stream(src, dst, digest, total: int | None, desc: str | None) -> None:
    from tqdm.auto import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc=desc, disable=desc is None, leave=False) as bar:
        for block in iter(lambda: src.read(CHUNK), b""):
            dst.write(block)
            digest.update(block)
            bar.update(len(block))


def fetch(source: str, dest, sha256: str | None = None, *, error=DataError, desc: str | None = None,
          timeout: float = 60.0) -> Path:
    """Copy ``source`` (URL or local path) to ``dest`` atomically; verify ``sha256`` when given.

    Returns ``dest``. An existing ``dest`` with the right checksum is reused; one with the
    wrong checksum is replaced. Raises ``error`` with a message naming the file and source.
    """
    dest = Path(dest)
    if dest.is_file() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    digest = hashlib.sha256()
    with atomic_write(dest, "wb") as out:
        if is_url(source):
            try:
                with urllib.request.urlopen(str(source), timeout=timeout) as resp:
                    length = resp.headers.get("Content-Length")
                    total = int(length) if length else None
                    _copy_stream(resp, out, digest, total, desc)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
                raise error(f"{dest.name}: download from {source} failed ({exc})") from None
            if total is not None and out.tell() != total:
                raise error(f"{dest.name}: download from {source} was cut short "
                            f"({out.tell()} of {total} bytes); run again")
        else:
            if not Path(source).is_file():
                raise error(f"{dest.name}: not found at {source}")
            with open(source, "rb") as src:
                _copy_stream(src, out, digest, None, desc)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise error(f"{dest.name}: checksum mismatch for {source} (sha256 {digest.hexdigest()}, "
                        f"expected {sha256}); the file is corrupt or not the published one")
    return dest

