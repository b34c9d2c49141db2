"""Root conftest: fixtures every collected test needs, the doctests of imagehear/ included.

pytest collects ``tests/`` and the library's doctests (``imagehear/``, see pyproject's
``testpaths``); a fixture defined in tests/conftest.py would not reach the doctests, so the
private cache lives here.
"""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests and doctests never write into the user's ~/.cache/imagehear (embeddings, images,
    weight hashes) nor into ../shared: IMAGEHEAR_CACHE points at a session temp folder."""
    old = os.environ.get("IMAGEHEAR_CACHE")
    os.environ["IMAGEHEAR_CACHE"] = str(tmp_path_factory.mktemp("imagehear_cache"))
    yield
    if old is None:
        os.environ.pop("IMAGEHEAR_CACHE", None)
    else:
        os.environ["IMAGEHEAR_CACHE"] = old
