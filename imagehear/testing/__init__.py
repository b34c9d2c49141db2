"""Randomly initialised models of the real architectures, saved in the upstream formats.

Real pretrained weights cannot be downloaded everywhere (CI, air-gapped clusters); these
writers build the same architectures with random weights and save them under the
upstream file names, so tests and benchmarks go through the product's real loading code.
One module per model, each with ``write_random_weights(weights_dir, size, seed)``, named by
the model's spec (:attr:`imagehear.models.ModelSpec.random_weights`).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from imagehear.models import MODELS

SIZES = ("tiny", "full")  # "full": the released architecture sizes; "tiny": small configs where possible


def check_size(size: str) -> None:
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")


def save_checkpoint(state: dict, backbone: str, weights_dir) -> Path:
    """Save a state dict as ``weights_dir/<upstream file name of backbone>`` (torch.save, as released)."""
    import torch

    path = Path(weights_dir) / MODELS[backbone].file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


def save_perturbed_net(net, backbone: str, weights_dir, scale: float, vectors_only: bool = False) -> Path:
    """Add ``scale`` x N(0, 1) noise to every parameter of ``net`` (or its 1-D ones: biases and
    norms), then save its state dict as the upstream file of ``backbone``.

    Default initialisations leave norms at 1/0 and biases tiny: perturbing them makes every
    tensor matter, so a loader that skipped one could not pass a parity test.
    """
    import torch

    with torch.no_grad():
        for param in net.parameters():
            if not vectors_only or param.ndim == 1:
                param.add_(torch.randn_like(param) * scale)
    return save_checkpoint(net.state_dict(), backbone, weights_dir)


def make_weights_dir(weights_dir, backbones=tuple(MODELS), size: str = "tiny", seed: int = 0) -> Path:
    """Write random weights for ``backbones`` into ``weights_dir`` (``size``: tiny or full).

    The folder gets a ``RANDOM_WEIGHTS`` marker: results scored with it record
    ``random_init: true`` for every checkpoint, and the leaderboard never ranks them.
    """
    from imagehear.models.weights import RANDOM_MARKER

    weights_dir = Path(weights_dir)
    weights_dir.mkdir(parents=True, exist_ok=True)
    (weights_dir / RANDOM_MARKER).write_text("Randomly initialised weights (imagehear.testing): scores made with "
                                             "them are meaningless and never ranked.\n")
    for name in backbones:
        MODELS[name].write_random_weights(weights_dir, size=size, seed=seed)
    return weights_dir


class _RandomWeights:
    """One temporary folder of random weights per process, filled as backbones are asked for."""

    def __init__(self):
        self.folder = None
        self.written = set()

    def __call__(self, backbones) -> str:
        if self.folder is None:  # removed when the process ends
            self.folder = tempfile.TemporaryDirectory(prefix="imagehear-random-weights-")
        missing = [b for b in backbones if b not in self.written]
        if missing:
            make_weights_dir(self.folder.name, backbones=missing)
            self.written.update(missing)
        return self.folder.name


_random_weights = _RandomWeights()


def random_weights(*backbones: str) -> str:
    """A folder holding RANDOM weights for ``backbones`` (:func:`make_weights_dir`, tiny sizes,
    seed 0), for examples (the evaluate modules' docstrings) and tests: scores made with it are
    meaningless (results record ``random_init``). Built once per process (PaSST alone is
    345 MB), removed at exit."""
    return _random_weights(backbones)
