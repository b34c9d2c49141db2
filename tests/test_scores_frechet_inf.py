"""FD∞ against fadtk's own ``FrechetAudioDistance.score_inf`` (fadtk 1.1.0, installed --no-deps)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from imagehear import scores


def _embeddings(rng, n, d, shift=0.0):
    # correlated, anisotropic, non-zero mean: no symmetric structure for a bug to hide in
    mix = rng.normal(size=(d, d)) * np.linspace(0.2, 2.0, d)
    return rng.normal(size=(n, d)) @ mix + shift + rng.normal(size=d)


def _fadtk_score_inf(tmp_path, generated_clips, reference, seed):
    """fadtk's score_inf on the same rows: reference statistics from an npz, the evaluated set as
    one .npy per clip (as fadtk caches embeddings), fadtk's global numpy state seeded."""
    from fadtk.fad import FrechetAudioDistance
    from fadtk.model_loader import ModelLoader

    class Rows(ModelLoader):  # fadtk's FAD needs a model loader only for its name
        def load_model(self):
            pass

        def _get_embedding(self, audio):
            raise AssertionError("no audio is embedded here")

    files = []
    for i, clip in enumerate(generated_clips):
        files.append(tmp_path / f"clip{i:04d}.npy")
        np.save(files[-1], clip)
    stats = tmp_path / "reference.npz"
    np.savez(stats, **{"rows.mu": reference.mean(axis=0), "rows.cov": np.cov(reference, rowvar=False)})
    grad = torch.is_grad_enabled()
    try:
        fad = FrechetAudioDistance(Rows("rows", reference.shape[1], 16000), load_model=False)
        np.random.seed(seed)
        return fad.score_inf(stats, files)
    finally:
        torch.set_grad_enabled(grad)  # fadtk turns gradients off process-wide


@pytest.mark.filterwarnings("ignore:The `disp` argument:DeprecationWarning")  # fadtk's sqrtm call
def test_fd_inf_equals_fadtk_score_inf(tmp_path):
    rng = np.random.default_rng(3)
    clips = np.split(_embeddings(rng, 1200, 24, shift=0.3), 300)  # 300 clips of 4 frames
    reference = _embeddings(np.random.default_rng(4), 1500, 24)
    ours = scores.frechet_distance_inf(np.concatenate(clips), reference, seed=7)
    theirs = _fadtk_score_inf(tmp_path, clips, reference, seed=7)
    assert [n for n, _ in ours.points] == [n for n, _ in theirs.points]  # the same 25 sizes from 500 to N
    np.testing.assert_allclose([v for _, v in ours.points], [v for _, v in theirs.points], rtol=1e-9)
    # the FDs differ only by rounding: fadtk takes scipy's sqrtm, we take symmetric eigenvalues
    assert ours.value == pytest.approx(theirs.score, rel=1e-9)
    assert ours.slope == pytest.approx(theirs.slope, rel=1e-9)
    assert ours.r2 == pytest.approx(theirs.r2, rel=1e-9)


def test_fd_inf_is_seeded_and_extrapolates_below_the_finite_fd():
    rng = np.random.default_rng(0)
    x, ref = _embeddings(rng, 600, 8), _embeddings(np.random.default_rng(1), 900, 8)
    a, b = scores.frechet_distance_inf(x, ref, seed=1), scores.frechet_distance_inf(x, ref, seed=1)
    assert a == b and a != scores.frechet_distance_inf(x, ref, seed=2)
    assert a.slope > 0 and a.value < a.points[0][1]  # the 1/n bias is positive: the line falls towards n = inf
    with pytest.raises(ValueError, match="min_n"):
        scores.frechet_distance_inf(x[:100], ref)  # fewer rows than fadtk's smallest subset
