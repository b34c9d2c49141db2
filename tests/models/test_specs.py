"""The model registry is the one description of every model: each spec builds a Backbone
that produces exactly its declared outputs, every metric's needs are declared outputs, and
the other parts (weights, cache key, environment, accepted list, random weights) read it."""
import importlib
import json

import numpy as np
import pytest

from imagehear.embed import engine as embed

from imagehear.evaluation import environment

from imagehear.models import weights
from imagehear.metrics import METRICS
from imagehear.models import MODELS, Backbone, code_packages, output_spec
from imagehear.models.spec import FRAMES


@pytest.fixture(scope="module")
def loaded(weights_dir):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield {name: spec.load(weights_dir) for name, spec in MODELS.items()}


def produced(backbone, spec, seconds: float = 2.0) -> dict:
    """Every output of ``backbone``, computed on the input kind the spec declares for it."""
    import torch
    from PIL import Image

    out = {}
    if spec.audio_outputs:
        rate = spec.sample_rate
        clips = torch.randn(2, int(seconds * rate), generator=torch.Generator().manual_seed(0)) * 0.1
        out.update({k: v.numpy() for k, v in backbone(clips).items()})
    for o in spec.outputs:
        if o.input == "image":
            out[o.name] = backbone.embed_images([Image.new("RGB", (64, 48), (200, 10, 10))] * 2).numpy()
        elif o.input == "text":
            out[o.name] = backbone.embed_text(["a dog barking", "rain"]).numpy()
    return out


@pytest.mark.parametrize("name", list(MODELS))
def test_each_spec_builds_a_backbone_with_exactly_its_declared_outputs(name, loaded):
    spec, backbone = MODELS[name], loaded[name]
    assert isinstance(backbone, Backbone) and backbone.name == name
    assert backbone.sample_rate == spec.sample_rate and backbone.weights.entry is spec
    json.dumps(backbone.config())  # keys the cache: must be JSON-able
    outputs = produced(backbone, spec)
    assert sorted(outputs) == sorted(spec.output_names)
    for o in spec.outputs:
        shape = outputs[o.name].shape
        assert shape[0] == 2 and shape[-1] == o.dim, (o.name, shape)
        # per-frame outputs have a frame axis (2 s of VGGish: 2 frames); per-clip outputs none
        assert len(shape) == len(o.shape) + 1 and (not o.per_frame or shape[1] >= 1), (o.name, shape)
        assert np.isfinite(outputs[o.name]).all()


def test_every_metric_needs_only_declared_outputs():
    for metric in METRICS.values():
        for need in metric.needs:
            output_spec(need)  # raises for an unknown model or output
    needed = {need for m in METRICS.values() for need in m.needs}
    declared = {f"{s.name}.{o}" for s in MODELS.values() for o in s.output_names}
    assert needed <= declared and declared - needed == set(), declared - needed  # no output nobody reads


def test_an_undeclared_need_is_named():
    with pytest.raises(KeyError, match="passt has no output 'image'"):
        output_spec("passt.image")


def test_spec_modules_exist_and_follow_the_module_surface():
    for spec in MODELS.values():
        module = importlib.import_module(spec.loader)
        assert callable(module.load) and getattr(module, "SPEC", None) is spec, spec.name
        assert callable(importlib.import_module(spec.random_weights).write_random_weights), spec.name
        assert spec.kind == "file" or (len(spec.revision) == 40 and spec.allow_patterns), spec.name
        assert spec.license and spec.paper and spec.code_version >= 1, spec.name
        assert all(o.shape[0] == FRAMES or isinstance(o.shape[0], int) for o in spec.outputs)


def test_known_hashes_agree_with_the_accepted_list():
    """The accepted list (what the leaderboard ranks) holds every SHA-256 a spec knows."""
    accepted = weights.accepted_sha256()
    assert set(accepted) == set(MODELS)
    for spec in MODELS.values():
        if spec.sha256:
            assert spec.sha256 in accepted[spec.name], spec.name
    assert MODELS["passt"].sha256 is not None  # once missing from the spec while on the list


def test_cache_key_and_environment_read_the_spec(monkeypatch, weights_dir):
    import dataclasses

    backbone = type("Stub", (), {"name": "passt"})()
    before = embed.backbone_versions(backbone)
    assert before["code_version"] == MODELS["passt"].code_version and "hear21passt" in before["packages"]
    monkeypatch.setitem(MODELS, "passt", dataclasses.replace(MODELS["passt"], code_version=99,
                                                             packages=("hear21passt", "scipy")))
    after = embed.backbone_versions(backbone)
    assert after["code_version"] == 99 and "scipy" in after["packages"]
    assert set(code_packages()) <= set(environment.package_versions())  # every model's code is recorded


def test_random_weights_come_from_the_spec(tmp_path):
    from imagehear.testing import make_weights_dir

    folder = make_weights_dir(tmp_path, backbones=("wav2clip",))
    assert (folder / MODELS["wav2clip"].file_name).is_file()
    resolved = weights.resolve("wav2clip", folder)
    assert resolved.random_init and resolved.record()["accepted"] is False
