"""The metric specs hold what side tables used to: headline column and scale, chance rows, and
one vocabulary for what a metric's references are (pipeline, evaluate modules, Spaces, cards)."""
from __future__ import annotations

import numpy as np
import pytest

from imagehear.metrics import METRICS, REFERENCE_KINDS


def test_every_spec_speaks_the_one_vocabulary():
    from imagehear import evaluate_module, metric_app
    from imagehear.metrics import pairing

    assert {s.references for s in METRICS.values()} == set(REFERENCE_KINDS)  # every kind is used
    assert set(evaluate_module._EXAMPLES) == set(REFERENCE_KINDS)
    assert set(metric_app.REFERENCE_INPUTS) | set(metric_app.MANIFEST_KINDS) < set(REFERENCE_KINDS)
    with pytest.raises(ValueError, match="kind must be one of"):
        pairing.pair_uploads("audio", ["/u/a.wav"])  # a word of an old vocabulary


@pytest.mark.parametrize("name", METRICS)
def test_the_pipeline_view_of_references_follows_them(name):
    spec = METRICS[name]
    assert spec.reference == (spec.references if spec.references in ("paired", "set") else "none")
    assert spec.needs_labels == (spec.references == "label")
    from imagehear.models import output_spec

    reads_images = any(output_spec(n).input == "image" for n in spec.needs)  # CLIP's or PE-AV's image tower
    assert reads_images == (spec.references == "image") == spec.needs_images


@pytest.mark.parametrize("name", METRICS)
def test_a_headline_column_is_a_per_sample_column_of_the_metric(name):
    spec = METRICS[name]
    assert (spec.value_column is not None) == (spec.ci == "mean")  # a mean of per-clip values
    assert spec.value_column is None or spec.value_column in spec.per_sample


def test_headlines_are_recomputed_from_the_spec_column_and_scale():
    from imagehear.metrics import samples

    rows = [{"file": f"dog/dog_{i:03d}.wav", "label": "Dog", "image": "dog1.jpg", "correct": c, "kl": k}
            for i, (c, k) in enumerate([(True, 0.5), (False, None), (True, 1.5), (True, 2.0)])]
    block = samples.unpack(samples.pack(rows))
    assert samples.headline(block, "accuracy") == pytest.approx(METRICS["accuracy"].value_scale * 3 / 4) == 75.0
    assert samples.headline(block, "kl") == pytest.approx(4.0 / 3)  # clips without a value left out
    assert samples.headline(block, "fad") is None  # a set statistic: nothing to recompute
    assert set(samples.HEADLINE_METRICS) == {n for n, s in METRICS.items() if s.value_column}


def test_chance_rows_are_named_by_the_spec():
    from imagehear import api
    from imagehear.testing import random_weights
    from imagehear.report.summary import markdown_summary

    t = np.arange(16000) / 16000
    tones = [np.sin(2 * np.pi * f * t).astype(np.float32) for f in (220.0, 440.0, 880.0, 1760.0)]
    out, _ = api.evaluate_clips(["accuracy", "clap_score"], tones, labels=["Dog", "Dog", "Piano", "Piano"],
                                sampling_rate=16000, weights_dir=random_weights("passt", "clap"), device="cpu")
    table = markdown_summary({"metrics": out})
    for name in ("accuracy", "clap_score"):
        assert isinstance(out[name]["chance"]["value"], float)
        assert f"| ↳ chance: {METRICS[name].chance} |" in table
    assert "chance level" not in table
