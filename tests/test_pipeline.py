"""The metric registry and the one pipeline: every consumer reads the registry, each backbone
runs once per clip, a warm cache runs no forward pass, a failing metric loses no other."""
from __future__ import annotations

import numpy as np
import pytest

import imagehear.models.backbone
from imagehear import api, protocol, scores
from imagehear.metrics import compute
from imagehear.evaluation import pipeline
from imagehear.cli import build_parser
from imagehear.errors import ImageHearError
from imagehear.leaderboard import table, validate
from imagehear.metrics import METRICS, backbones_for, entries, outputs_for, per_sample_columns
from imagehear.report.summary import PER_SAMPLE_COLUMNS, markdown_summary
from imagehear.models.weights import REGISTRY
from tests.torch_calls import forward_calls

RATE = 16000


def test_every_consumer_reads_the_registry():
    assert validate.METRIC_RANGES == {n: s.valid_range for n, s in METRICS.items()}
    assert set(validate.MEAN_METRICS) == {n for n, s in METRICS.items() if s.ci == "mean"}
    assert table.METRIC_COLUMNS == {s.column: n for n, s in METRICS.items()}
    assert table.LOWER_IS_BETTER == {s.column for s in METRICS.values() if s.lower_is_better}
    assert PER_SAMPLE_COLUMNS == per_sample_columns()
    evaluate_help = build_parser()._subparsers._group_actions[0].choices["evaluate"].format_help()
    for name, spec in METRICS.items():
        assert callable(getattr(entries, name)), f"{name} has no entry function"
        assert set(spec.backbones) <= set(imagehear.models.backbone.BACKBONES) and set(spec.weights) <= set(REGISTRY)
        assert name in evaluate_help
        row = markdown_summary({"metrics": {name: {"value": 1.0, "n": 3}}}).splitlines()[-1]
        assert row.startswith(f"| {spec.label}")


def test_outputs_are_planned_as_a_union():
    assert outputs_for(["accuracy", "kl", "kad", "fd_passt", "is_passt"]) == {"passt": ("embedding", "logits")}
    assert backbones_for(["clip_score", "fad", "fd_panns", "kl_panns"]) == ("wav2clip", "clip", "vggish", "panns")


def test_metric_selection_errors_name_the_fix():
    assert pipeline.select_metrics(None, has_reference=False) == ["clip_score", "accuracy", "clap_score"]
    with pytest.raises(ImageHearError, match="unknown metric.*fd_pasta.*choose from"):
        pipeline.select_metrics("accuracy,fd_pasta", True)
    with pytest.raises(ImageHearError, match="fd_passt needs reference audio; pass --reference-dir"):
        pipeline.select_metrics(["fd_passt"], False)


def test_all_and_plus_names_choose_for_the_user_and_refuse_only_what_was_named():
    assert pipeline.select_metrics("all", has_reference=True) == list(METRICS)
    # chosen for the user: the reference metrics are left out without reference audio, as defaults are
    assert pipeline.select_metrics("all", has_reference=False) == [
        n for n in METRICS if not METRICS[n].needs_reference]
    assert pipeline.select_metrics("+is_passt,+kl_panns", has_reference=True) == [
        "clip_score", "accuracy", "clap_score", "kl", "kl_panns", "fad", "fd_passt", "kad", "is_passt"]
    with pytest.raises(ImageHearError, match="kl_panns needs reference audio"):  # named: refused
        pipeline.select_metrics("+kl_panns", has_reference=False)
    with pytest.raises(ImageHearError, match="mixes names and \\+names"):
        pipeline.select_metrics("kl,+fad", True)
    with pytest.raises(ImageHearError, match="'all' stands alone"):
        pipeline.select_metrics("all,kl", True)


def _tones(n, seed, seconds=1.0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    return [(0.3 * np.sin(2 * np.pi * (200 + 37 * i) * t) + 0.05 * rng.standard_normal(t.size)).astype("float32")
            for i in range(n)]


@pytest.fixture(scope="module")
def warm(weights_dir, tmp_path_factory):
    """12 generated and 12 reference clips scored on accuracy and KL: the PaSST pass is cached."""
    gen, ref = _tones(12, 0), _tones(12, 1)
    kw = dict(sampling_rate=RATE, weights_dir=str(weights_dir), device="cpu",
              cache_dir=str(tmp_path_factory.mktemp("cache")))
    first, _ = api.evaluate_clips(["accuracy", "kl"], gen, references=ref, labels=["Dog"] * 12, **kw)
    return gen, ref, kw, first


@pytest.fixture(scope="module")
def direct(warm, weights_dir):
    """PaSST outputs of every clip computed without the pipeline: the backbone called on one clip at a
    time after torchaudio's resampling with its defaults (the protocol's), no engine, no cache."""
    import torch
    import torchaudio

    from imagehear.models.backbone import load_backbone

    gen, ref, _, _ = warm
    model = load_backbone("passt", str(weights_dir), "cpu")

    def run(clips):
        outs = [model(torchaudio.functional.resample(torch.from_numpy(c), RATE, model.sample_rate)[None])
                for c in clips]
        return {k: np.stack([o[k][0].double().numpy() for o in outs]) for k in ("embedding", "logits")}

    return run(gen), run(ref)


def test_first_run_equals_the_math_on_direct_outputs(warm, direct):
    _, _, _, first = warm
    gen, ref = direct
    kl = scores.kl_divergence(ref["logits"], gen["logits"])
    assert first["kl"]["value"] == pytest.approx(kl.value, rel=1e-4) and first["kl"]["n"] == 12
    acc = scores.classifier_accuracy(gen["logits"], ["Dog"] * 12, classes=compute.AUDIOSET_SETS,
                                     excluded=protocol.EXCLUDED_AUDIOSET_INDICES)
    assert first["accuracy"]["value"] == pytest.approx(acc.value)
    assert first["accuracy"]["top5"] == pytest.approx(acc.top5)


def test_added_passt_metrics_run_no_passt_forward(warm, direct):
    gen, ref, kw, first = warm
    with forward_calls() as calls:  # torch's own hook: nothing of image-hear is patched
        out, _ = api.evaluate_clips(["accuracy", "kl", "fd_passt", "is_passt", "kad"], gen, references=ref,
                                    labels=["Dog"] * 12, **kw)
    assert not calls, f"a warm run ran forward passes: {dict(calls)}"  # every PaSST output came from the cache
    assert out["accuracy"] == first["accuracy"] and out["kl"] == first["kl"]
    # the new metrics are the maths of imagehear.scores on outputs computed without the pipeline
    d_gen, d_ref = direct
    inception = scores.inception_score(d_gen["logits"], n_splits=10, shuffle_seed=2020)  # protocol v1's order
    assert out["is_passt"]["n"] == 12
    assert out["is_passt"]["value"] == pytest.approx(inception.value, rel=1e-4)
    assert out["is_passt"]["std"] == pytest.approx(inception.std, rel=1e-3, abs=1e-6)
    with pytest.warns(scores.FewSamplesWarning):  # 12 clips, 768 dimensions
        fd = scores.frechet_distance_from_embeddings(d_gen["embedding"], d_ref["embedding"])
    assert out["fd_passt"]["n_generated"] == 12 and out["fd_passt"]["value"] == pytest.approx(fd, rel=1e-4)
    kad = scores.kernel_audio_distance(d_ref["embedding"], d_gen["embedding"])
    assert out["kad"]["value"] == pytest.approx(kad.value, rel=1e-3, abs=1e-3)


def test_a_failing_metric_keeps_the_others(warm):
    gen, ref, kw, first = warm
    out, columns = api.evaluate_clips(["accuracy", "is_passt"], gen[:6], labels=["Dog"] * 6, **kw)
    assert out["is_passt"] == {"error": "ValueError: inception score with 10 splits needs at least 10 rows, "
                                        "got 6: score more clips or lower n_splits"}
    assert out["accuracy"]["n"] == 6 and len(columns["correct"]) == 6
    with pytest.raises(ImageHearError, match="^is_passt: ValueError: inception score"):
        api.score("is_passt", gen[:6], **kw)


def test_api_score_reaches_every_metric_shape(warm, direct):
    gen, ref, kw, first = warm
    d_gen, d_ref = direct
    fd = api.score("fd_passt", gen, references=ref[:5], **kw)  # set metrics take any reference count
    with pytest.warns(scores.FewSamplesWarning):
        expected = scores.frechet_distance_from_embeddings(d_gen["embedding"], d_ref["embedding"][:5])
    assert fd["fd_passt"] == pytest.approx(expected, rel=1e-4)
    assert fd["n_reference"] == 5 and fd["per_sample"] == {}
    kl = api.score("kl", gen, references=ref, kl_direction="gen||ref", **kw)
    assert kl["direction"] == "KL(gen||ref)" and set(kl["other_directions"]) == {
        "KL(ref||gen)", "KL(ref||gen)+KL(gen||ref)"}
    reverse = scores.kl_divergence(d_ref["logits"], d_gen["logits"], direction="gen||ref")
    assert kl["kl"] == pytest.approx(reverse.value, rel=1e-4)
    np.testing.assert_allclose(kl["per_sample"]["kl"], reverse.per_pair, rtol=1e-3, atol=1e-7)
    assert kl["other_directions"]["KL(ref||gen)"] == pytest.approx(first["kl"]["value"])
    assert kl["other_directions"]["KL(ref||gen)+KL(gen||ref)"] == pytest.approx(
        kl["kl"] + first["kl"]["value"])
    with pytest.raises(ImageHearError, match="predictions has 12 items but references .* has 3"):
        api.score("kl", gen, references=ref[:3], **kw)


def test_inputs_a_metric_needs_are_checked_before_any_embedding(tmp_path):
    clip = [np.zeros(RATE, dtype="float32")]
    (tmp_path / "no_weights").mkdir()  # holds no weights: any embedding would fail
    kw = dict(sampling_rate=RATE, weights_dir=str(tmp_path / "no_weights"), cache_dir=str(tmp_path / "c"))
    with pytest.raises(ImageHearError, match="accuracy: needs the IMAGE HEAR class of each clip"):
        api.evaluate_clips(["accuracy"], clip, **kw)
    with pytest.raises(ImageHearError, match="clip_score needs the conditioning image"):
        api.evaluate_clips(["clip_score"], clip, **kw)
    with pytest.raises(ImageHearError, match="kl needs reference audio"):
        api.evaluate_clips(["kl"], clip, **kw)
