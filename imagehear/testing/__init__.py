"""Randomly initialised models of the real architectures, saved in the upstream formats.

Real pretrained weights cannot be downloaded everywhere (CI, air-gapped clusters); these
writers build the same architectures with random weights and save them under the
upstream file names, so tests and benchmarks go through the product's real loading code.
One module per backbone, each with ``write_random_weights(weights_dir, size, seed)``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from imagehear.backbones import BACKBONES


def make_weights_dir(weights_dir, backbones=BACKBONES, size: str = "tiny", seed: int = 0) -> Path:
    """Write random weights for ``backbones`` into ``weights_dir`` (``size``: tiny or full)."""
    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    for name in backbones:
        importlib.import_module(f"imagehear.testing.{name}").write_random_weights(weights_dir, size=size, seed=seed)
    return weights_dir
