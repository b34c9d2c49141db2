"""Input checks shared by the score modules: every score works on float64 copies."""
from __future__ import annotations

import numpy as np


def as_matrix(x, name: str, min_rows: int = 1) -> np.ndarray:
    """``x`` as a finite float64 (rows, dims) array, or a ValueError naming ``name``."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (samples, dims), got shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise ValueError(f"{name} needs at least {min_rows} row(s) and 1 column, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise ValueError(f"{name} holds NaN or Inf (first in row {bad})")
    return arr


def same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape (one row per pair), "
                         f"got {a.shape} and {b.shape}")


def same_dims(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name_a} and {name_b} must have the same embedding size, "
                         f"got {a.shape[1]} and {b.shape[1]}")


def as_labels(labels, n: int, name: str = "labels") -> list[str]:
    """Class names, one per row; a bare string would silently iterate per character."""
    if isinstance(labels, str):
        raise ValueError(f"{name} must be a sequence of class names, one per sample, not a string")
    out = [str(label) for label in labels]
    if len(out) != n:
        raise ValueError(f"{name} has {len(out)} entries but there are {n} samples")
    return out


def as_class_sets(classes, name: str = "classes") -> dict[str, set[int]]:
    """``{class name: AudioSet label indices}`` as sets of ints. The benchmark's facts come in
    as data (the caller passes the protocol's), so the scores import nothing of the package."""
    if not hasattr(classes, "items"):
        raise ValueError(f"{name} must map each class name to its AudioSet label indices, got {type(classes).__name__}")
    return {str(label): {int(i) for i in indices} for label, indices in classes.items()}


def known_labels(labels: list[str], sets: dict) -> None:
    """A ValueError naming any label that ``sets`` does not define."""
    unknown = sorted(set(labels) - set(sets))
    if unknown:
        raise ValueError(f"unknown class name(s) {unknown}; known: {', '.join(sorted(sets))}")
