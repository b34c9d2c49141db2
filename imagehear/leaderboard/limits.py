"""Limits on hostile input, checked before a results file is parsed.

A file is read only up to ``MAX_FILE_BYTES + 1`` bytes, and its nesting depth is measured
on the raw bytes (strings skipped) before ``json.loads`` sees it: deep nesting never
reaches the parser's recursion, and a huge file is never read whole.
"""
from __future__ import annotations

import re

MAX_FILE_BYTES = 5_000_000   # a full results.json with per-sample values is ~0.4 MB
MAX_DEPTH = 32               # nesting of objects and lists; a results.json needs about 6
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')  # a JSON string literal (escapes included)
_NOT_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))


def nesting_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep the objects and lists of JSON bytes nest, counted without parsing them (bytes
    inside strings are skipped) and only up to ``limit + 1``, so hostile input costs little.

    >>> nesting_depth(b'{"a": [1, {"b": "[[["}]}'), nesting_depth(b"[" * 10**6)
    (3, 33)
    """
    depth = deepest = 0
    for char in _STRING.sub(b"", raw).translate(None, _NOT_BRACKET):
        depth += 1 if char in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                break
    return deepest


def read_capped(path, limit: int = MAX_FILE_BYTES) -> bytes:
    """At most ``limit + 1`` bytes of a file: a huge file is refused without reading it whole."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)
