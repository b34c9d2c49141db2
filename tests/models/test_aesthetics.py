"""Audiobox Aesthetics backbone and the four ``aesthetics_*`` metrics: random weights of the real
``AesMultiOutput`` saved as upstream's ``checkpoint.pt``, parity with the package's own entry point.

Reference: ``audiobox_aesthetics.infer.AesPredictor(checkpoint_pth=...)`` (the package builds the
model from the file itself) and its ``forward`` on ``{"path": (1, T) tensor, "sample_rate": 16000}``
items (its file reader needs torchcodec, absent here; a tensor item is its documented other input).
Clips at 16 kHz, so neither side resamples. Tolerance: atol 1e-4 on the 1-10 scale (float32;
measured 0: the same code on the same tensors).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from audiobox_aesthetics.infer import AesPredictor  # the reference: a required test dependency, never skipped

from imagehear import api
from imagehear.errors import WeightsError
from imagehear.models.aesthetics import AXES, SAMPLE_RATE
from imagehear.models.backbone import load_backbone
from imagehear.models import MODELS

from tests.models.conftest import synthetic_clip

ATOL = 1e-4


def test_four_axes_match_the_package_entry_point(offline_weights_dir):
    # 11 s: two windows (10 s, then 1 s zero-padded and masked), so the length weighting matters; one clip
    # only, as each window is a full WavLM-base+ pass (the package fixes the architecture)
    clips = [synthetic_clip(11.0, SAMPLE_RATE, 0)]
    predictor = AesPredictor(checkpoint_pth=str(offline_weights_dir / MODELS["aesthetics"].file_name))
    reference = predictor.forward([{"path": c[None], "sample_rate": SAMPLE_RATE} for c in clips])
    expected = np.array([[row[a] for a in AXES] for row in reference])

    out = api.evaluate_clips([f"aesthetics_{a.lower()}" for a in AXES], [c.numpy() for c in clips],
                             labels=["Dog"], sampling_rate=SAMPLE_RATE, weights_dir=str(offline_weights_dir),
                             cache_dir=False, progress=False)
    metrics, columns = out[0], out[1]
    ours = np.array([columns[f"aesthetics_{a.lower()}"] for a in AXES]).T
    np.testing.assert_allclose(ours, expected, atol=ATOL, rtol=0)
    assert np.ptp(expected) > 0.01  # the axes differ: a swapped column could not pass
    for i, axis in enumerate(AXES):
        entry = metrics[f"aesthetics_{axis.lower()}"]
        assert entry["value"] == pytest.approx(expected[:, i].mean(), abs=ATOL)
        assert entry["ci95"][0] <= entry["value"] <= entry["ci95"][1] and entry["n"] == 1
        assert entry["per_class"] == {"Dog": pytest.approx(expected[0, i], abs=ATOL)}


def test_config_and_a_foreign_file(offline_weights_dir, tmp_path):
    backbone = load_backbone("aesthetics", weights_dir=offline_weights_dir)
    cfg = backbone.config()
    assert cfg["model_cfg"]["nth_layer"] == 13 and set(cfg["target_transform"]) == set(AXES)
    torch.save({"state_dict": {}}, tmp_path / MODELS["aesthetics"].file_name)
    with pytest.raises(WeightsError, match="not an Audiobox Aesthetics checkpoint.*download it again"):
        load_backbone("aesthetics", weights_dir=tmp_path)


def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch):
    import sys

    from imagehear.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "audiobox_aesthetics", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'image-hear\[aesthetics\]'"):
        load_backbone("aesthetics")
