"""Golden outputs guard the embedding cache: an output may change only with a version bump.

Every backbone's outputs on fixed inputs (seeded random weights, tests/regen_golden.py) are
compared with tests/golden/backbone_outputs.json, recorded under the model spec's code_version
and the engine's CACHE_VERSION. An output that moves while both stay put fails here: cached
embeddings from before the change would be served as if they were current.
"""
import dataclasses
import json

import numpy as np
import pytest

from imagehear.models import MODELS
from imagehear.embed.engine import EmbeddingCache, cache_key, extract_keyed
from imagehear.models.weights import resolve
from tests.regen_golden import BACKBONES, GOLDEN, compute_outputs, summarise, verdict, versions


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.fixture(scope="module")
def outputs(weights_dir) -> dict:
    return compute_outputs(weights_dir)


def summaries(outputs_of_one: dict) -> dict:
    return {key: summarise(value) for key, value in outputs_of_one.items()}


@pytest.mark.parametrize("name", BACKBONES)
def test_outputs_match_golden_or_version_was_bumped(name, golden, outputs, weights_dir):
    if name not in golden["backbones"]:
        pytest.fail(f"{name} has no golden outputs in {GOLDEN.name}: record them with `python -m tests.regen_golden`")
    recorded = golden["backbones"][name]
    problem = verdict(name, recorded, versions(name), summaries(outputs[name]), resolve(name, weights_dir).sha256)
    assert problem is None, problem


def test_golden_covers_images_and_text(golden):
    assert set(golden["backbones"]) == set(BACKBONES)
    with_images = [name for name in BACKBONES if any(o.input == "image" for o in MODELS[name].outputs)]
    assert {"clip", "imagebind", "pe_av"} <= set(with_images)
    for name in with_images:  # every image output is guarded, not only CLIP's
        assert {"image rgb", "image grey", "image palette"} <= set(golden["backbones"][name]["outputs"])
    assert any(key.startswith("text ") for key in golden["backbones"]["clap"]["outputs"])
    assert golden["backbones"]["clip"]["code_version"] >= 2  # bumped for the RGB-order change


def test_clip_rgb_order_change_is_caught(golden, weights_dir, monkeypatch):
    """The change that once went in without a bump: converting to RGB *before* the resize and crop."""
    import imagehear.models.clip as clip

    real = clip.preprocess
    monkeypatch.setattr(clip, "preprocess", lambda image, index=None: real(image.convert("RGB"), index))
    old_order = summaries(compute_outputs(weights_dir, names=("clip",))["clip"])
    problem = verdict("clip", golden["backbones"]["clip"], versions("clip"), old_order,
                      resolve("clip", weights_dir).sha256)
    assert problem is not None and "Bump the code_version of MODELS['clip']" in problem and "imagehear/models/clip.py" in problem
    assert "image palette" in problem and "regenerate" in problem


def test_bumped_version_asks_for_regeneration(golden, outputs, weights_dir):
    current = versions("passt")
    problem = verdict("passt", golden["backbones"]["passt"], {**current, "code_version": current["code_version"] + 1},
                      summaries(outputs["passt"]), resolve("passt", weights_dir).sha256)
    assert problem is not None and "python -m tests.regen_golden" in problem


def test_package_change_is_told_apart(golden, outputs, weights_dir):
    current = versions("wav2clip")
    moved = {k: {**v, "norm": v["norm"] * 1.01} for k, v in summaries(outputs["wav2clip"]).items()}
    problem = verdict("wav2clip", golden["backbones"]["wav2clip"],
                      {**current, "packages": {**current["packages"], "torch": "0.0.1"}}, moved,
                      resolve("wav2clip", weights_dir).sha256)
    assert problem is not None and "torch" in problem and "no bump is needed" in problem


def test_float_noise_is_tolerated(golden, outputs, weights_dir):
    rng = np.random.default_rng(0)
    noisy = {k: summarise(v * (1 + 1e-6 * rng.standard_normal(v.shape))) for k, v in outputs["vggish"].items()}
    assert verdict("vggish", golden["backbones"]["vggish"], versions("vggish"), noisy,
                   resolve("vggish", weights_dir).sha256) is None


def test_cache_key_holds_code_and_package_versions(weights_dir, tmp_path, monkeypatch):
    from importlib import metadata

    import torch

    from imagehear.models.backbone import load_backbone
    from imagehear.embed.lazy import lazy_backbone

    model = load_backbone("clip", weights_dir, "cpu")
    key = cache_key(model, "fp32")
    assert key["code_version"] == MODELS["clip"].code_version
    assert key["packages"] == {p: metadata.version(p) for p in ("torch", "torchaudio", "transformers", "Pillow")}
    # the lazy wrapper (what the pipeline passes) keys exactly like the built backbone
    assert cache_key(lazy_backbone("clip", weights_dir, "cpu", tmp_path / "c"), "fp32") == key
    # image / text embeddings (extract_keyed) are cached under that key, code version included
    extract_keyed(model, {"ab" * 32: "x"}, lambda items: torch.zeros(len(items), 2), cache_dir=tmp_path)
    folder = EmbeddingCache(tmp_path, key).folder
    assert (folder / "ab" / f"{'ab' * 32}.npz").is_file()
    assert json.loads((folder / "key.json").read_text())["code_version"] == MODELS["clip"].code_version
    # a bump moves every entry to a fresh folder
    monkeypatch.setitem(MODELS, "clip", dataclasses.replace(MODELS["clip"], code_version=MODELS["clip"].code_version + 1))
    assert EmbeddingCache(tmp_path, cache_key(model, "fp32")).folder != folder
