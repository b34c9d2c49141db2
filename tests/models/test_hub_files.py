"""The files the weights registry downloads from the pinned hub commits are enough to load
each backbone: a folder holding only them (weights as ``pytorch_model.bin``, as at those
commits) goes through the real loaders."""
import json
import shutil

import pytest

from imagehear.models import weights


def pinned_layout(saved, target, patterns):
    """Copy of a save_pretrained folder reduced to ``patterns``, safetensors turned into pytorch_model.bin."""
    import torch
    from safetensors.torch import load_file

    target.mkdir(parents=True)
    for name in patterns:
        if name == "pytorch_model.bin":
            torch.save(load_file(str(saved / "model.safetensors")), target / name)
        elif (saved / name).is_file():
            shutil.copy(saved / name, target / name)
        elif name == "preprocessor_config.json" and (saved / "processor_config.json").is_file():
            # transformers 5 writes one processor_config.json; the pinned commit has the older
            # preprocessor_config.json (the feature extractor's settings alone), which it still reads
            extractor = json.loads((saved / "processor_config.json").read_text())["feature_extractor"]
            (target / name).write_text(json.dumps({**extractor, "processor_class": "ClapProcessor"}))
    return sorted(p.name for p in target.iterdir())


@pytest.mark.parametrize("name", ["clip", "clap"])
def test_allow_patterns_hold_everything_the_loader_reads(tmp_path, name):
    import importlib

    from imagehear.models.clap import load_folder
    from imagehear.models.clip import load_vision_model

    saved = importlib.import_module(f"imagehear.testing.{name}").write_random_weights(tmp_path / "saved")
    entry = weights.REGISTRY[name]
    kept = pinned_layout(saved, tmp_path / "pinned" / entry.file_name, entry.allow_patterns)
    assert "model.safetensors" not in kept and set(kept) <= set(entry.allow_patterns)
    folder = tmp_path / "pinned" / entry.file_name
    if name == "clip":
        assert load_vision_model(folder).config.projection_dim > 0
    else:
        _, processor = load_folder(folder)
        assert processor.tokenizer("a dog")["input_ids"]
