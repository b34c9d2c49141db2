"""ImageBind backbone and ``ib_score``: a tiny random ``ImageBindModel`` saved as imagebind_huge.pth
is (a bare state dict), parity with imagebind-unofficial's own model and data transforms.

Reference: upstream's ``ImageBindModel`` built with the same tiny arguments and loaded as
``imagebind_huge(pretrained=True)`` loads its file (``torch.load(weights_only=True)`` +
``load_state_dict``); inputs from upstream's ``data.load_and_transform_audio_data`` (16 kHz wav
files, so no resampling) and ``load_and_transform_vision_data`` (PNG files). Upstream reads audio
with ``torchaudio.load``, which needs torchcodec (absent here): the reference reads the same
float32 wav with soundfile instead. The score is checked against av-benchmark's formula
(``torch.cosine_similarity(video, audio, dim=-1).mean()``). Tolerance: atol 1e-5 on embeddings
(audio outputs have norm 20) and on the raw cosine (float32; measured 0: the same code on the
same tensors).
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from imagehear import api
from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import load_backbone
from imagehear.models.imagebind import SAMPLE_RATE
from imagehear.testing.imagebind import TINY

from tests.models.conftest import synthetic_clip

ATOL = 1e-5


@pytest.fixture(scope="module")
def imagebind(offline_weights_dir):
    return load_backbone("imagebind", weights_dir=offline_weights_dir)


def upstream_modules():
    """imagebind-unofficial's model and data modules: the package imports two names newer setuptools
    and torchvision dropped; the reference provides them as the product does, for the import only."""
    import types
    from importlib.resources import files

    from torchvision.transforms import _functional_tensor

    shim = types.ModuleType("pkg_resources")
    shim.resource_filename = lambda package, name: str(files(package).joinpath(name))
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "pkg_resources", sys.modules.get("pkg_resources", shim))
        mp.setitem(sys.modules, "torchvision.transforms.functional_tensor", _functional_tensor)
        from imagebind import data
        from imagebind.models import imagebind_model
    return imagebind_model, data


def reference(weights_file, wavs, pngs):
    imagebind_model, data = upstream_modules()
    model = imagebind_model.ImageBindModel(**TINY)
    model.load_state_dict(torch.load(weights_file, weights_only=True))

    def read(path):  # torchaudio.load's (channels, samples) float32, through soundfile
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return torch.from_numpy(audio.T.copy()), rate

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data.torchaudio, "load", read)
        audio = [data.load_and_transform_audio_data([w], "cpu") for w in wavs]  # one file each: lengths differ
    vision = data.load_and_transform_vision_data([str(p) for p in pngs], "cpu")
    with torch.inference_mode():
        out_audio = torch.cat([model.eval()({"audio": a})["audio"] for a in audio])
        out_vision = model({"vision": vision})["vision"]
    return out_audio, out_vision


def test_embeddings_and_score_match_upstream(imagebind, offline_weights_dir, tmp_path):
    # 3 s: the three 2 s clips overlap (upstream's in-place mean removal then compounds); 6.5 s: they do not
    clips = [synthetic_clip(3.0, SAMPLE_RATE, 0), 0.5 + synthetic_clip(6.5, SAMPLE_RATE, 1)]
    rng = np.random.default_rng(0)  # non-square, non-symmetric content: a wrong crop or resize would show
    pictures = [Image.fromarray((rng.random(shape) * 255).astype(np.uint8)) for shape in ((120, 200, 3), (260, 90, 3))]
    wavs, pngs = [tmp_path / f"{i}.wav" for i in range(2)], [tmp_path / f"{i}.png" for i in range(2)]
    for clip, wav, picture, png in zip(clips, wavs, pictures, pngs):
        sf.write(wav, clip.numpy(), SAMPLE_RATE, subtype="FLOAT")
        picture.save(png)
    ref_audio, ref_vision = reference(offline_weights_dir / MODELS["imagebind"].file_name, wavs, pngs)

    ours_audio = torch.cat([imagebind(c[None])["embedding"] for c in clips])
    ours_vision = imagebind.embed_images([Image.open(p) for p in pngs])
    assert ours_audio.shape == ours_vision.shape == (2, 1024)
    torch.testing.assert_close(ours_audio, ref_audio, atol=ATOL, rtol=0)
    torch.testing.assert_close(ours_vision, ref_vision, atol=ATOL, rtol=0)

    result = api.score("ib_score", [c.numpy() for c in clips], images=[str(p) for p in pngs], labels=["Dog", "Piano"],
                       sampling_rate=SAMPLE_RATE, weights_dir=str(offline_weights_dir), cache_dir=False,
                       progress=False)
    expected = torch.cosine_similarity(ref_vision, ref_audio, dim=-1)  # av-benchmark's IB-Score, per pair
    np.testing.assert_allclose(result["per_sample"]["ib_score"], expected.numpy(), atol=ATOL, rtol=0)
    assert result["ib_score"] == pytest.approx(float(expected.mean()), abs=ATOL)
    assert abs(float(expected.mean())) < 1  # the raw cosine, not x 100
    assert "IB-score" in result["chance"]["definition"]


def test_config_and_a_foreign_file(imagebind, tmp_path):
    cfg = imagebind.config()
    assert cfg["architecture"] == {**TINY} and cfg["audio"]["clips_per_video"] == 3
    torch.save({"modality_heads.vision.2.weight": torch.zeros(1024, 160)}, tmp_path / MODELS["imagebind"].file_name)
    with pytest.raises(WeightsError, match="not an ImageBind checkpoint.*imagebind_huge.pth"):
        load_backbone("imagebind", weights_dir=tmp_path)


def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch):
    from imagehear.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "imagebind", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'image-hear\[imagebind\]'"):
        load_backbone("imagebind")


def test_video_rows_are_refused_in_one_line():
    from imagehear.errors import UsageError
    from imagehear.metrics import METRICS
    from imagehear.metrics.entries import MetricInputs

    rng = np.random.default_rng(0)  # one image row, one video row of 3 frames: av-benchmark's pairs x crops are not built
    inputs = MetricInputs(generated={"imagebind.embedding": list(rng.standard_normal((2, 1024))),
                                     "imagebind.image": [rng.standard_normal(1024), rng.standard_normal((3, 1024))]},
                          labels=["Dog", "Dog"])
    with pytest.raises(UsageError, match="ib_score: video and frames-folder rows are not supported yet.*image"):
        METRICS["ib_score"].compute(inputs)
