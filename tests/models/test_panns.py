"""PANNs CNN14 (16 kHz) backbone: parity with panns-inference's ``Cnn14`` on identical random weights.

Reference: ``panns_inference/models.py``'s ``Cnn14(sample_rate=16000, window_size=512,
hop_size=160, mel_bins=64, fmin=50, fmax=8000, classes_num=527)`` (torchlibrosa front
end; in eval mode the same graph as av-benchmark's own copy), holding our random
checkpoint's ``model`` dict, eval mode. Its ``clipwise_output`` is a sigmoid, so its
logits are the ``fc_audioset`` output captured by a forward hook. The module file is
executed on its own: importing the package would run its ``config.py``, which calls
``wget`` for a labels CSV. Tolerance: float32 on CPU, the same operations in the same
order (seen: bit-identical), so logits and embeddings must agree to max abs diff <= 1e-4
and <= 1e-5 relative to their max abs value.
"""
from __future__ import annotations

import json
import sys
import zipfile

import pytest
import torch

from imagehear.io.audio import load_audio
from imagehear.models import panns
from imagehear.models.backbone import load_backbone
from imagehear.errors import AudioError, WeightsError
from imagehear.models.weights import REGISTRY

from ..conftest import SHARED_AUDIO
from .conftest import synthetic_clip

SR = panns.SAMPLE_RATE
ATOL, RTOL = 1e-4, 1e-5
FILE = REGISTRY["panns"].file_name


@pytest.fixture(scope="session")
def panns_backbone(weights_dir):
    return panns.load(weights_dir)


@pytest.fixture(scope="session")
def panns_clips():
    """The two real clips: mono mean, already at 16 kHz."""
    assert len(SHARED_AUDIO) == 2, "tests need the two clips in ../shared/audio"
    return [load_audio(path, SR) for path in SHARED_AUDIO]


def assert_close(ours, ref, atol=ATOL, rtol=RTOL):
    assert ours.shape == ref.shape
    diff = (ours - ref).abs().max().item()
    assert diff <= atol, f"max abs diff {diff:.3g} > {atol}"
    assert diff <= rtol * ref.abs().max().item(), f"relative diff {diff / ref.abs().max().item():.3g}"


@pytest.mark.parametrize("which", ["real0", "real1", "synthetic"])
def test_parity(panns_backbone, panns_reference, panns_clips, which):
    wave = synthetic_clip(3.7, SR) if which == "synthetic" else panns_clips[int(which[-1])]
    ours = panns_backbone(wave[None])
    logits, embedding = panns_reference(wave[None])
    assert ours["logits"].shape == (1, 527) and ours["embedding"].shape == (1, 2048)
    assert (ours["logits"] < 0).any(), "logits are taken before the sigmoid"
    assert_close(ours["logits"], logits)
    assert_close(ours["embedding"], embedding)


def test_upstream_loaded_without_side_effects(upstream_models):
    _, record = upstream_models
    assert record["system_calls"] == [], "nothing may call wget"
    assert not (record["home"] / "panns_data").exists(), "no labels file may be written"
    assert "panns_inference" not in sys.modules and "panns_inference.config" not in sys.modules


def test_frontend_matches_torchlibrosa(upstream_models):
    """Our initial DFT kernels and mel matrix (torch + torchaudio) against torchlibrosa's (numpy + librosa)."""
    from torchlibrosa.stft import LogmelFilterBank, Spectrogram

    spec = Spectrogram(n_fft=512, hop_length=160, win_length=512, window="hann", center=True, pad_mode="reflect")
    mel = LogmelFilterBank(sr=16000, n_fft=512, n_mels=64, fmin=50, fmax=8000, ref=1.0, amin=1e-10, top_db=None)
    real, imag = panns.dft_kernels()
    assert_close(real, spec.stft.conv_real.weight, atol=1e-6)
    assert_close(imag, spec.stft.conv_imag.weight, atol=1e-6)
    assert_close(panns.mel_matrix(), mel.melW, atol=1e-7)  # seen: 4.7e-8 (values up to 0.022)


def test_min_samples_is_the_architectures_bound(panns_backbone, upstream_models):
    """Upstream fails one sample below MIN_SAMPLES (its fifth 2x2 pool gets one time step); we say why."""
    module, _ = upstream_models
    model = module.Cnn14(sample_rate=16000, window_size=512, hop_size=160, mel_bins=64, fmin=50, fmax=8000,
                         classes_num=527).eval()
    with torch.no_grad():
        model(torch.zeros(1, panns.MIN_SAMPLES))
        with pytest.raises(RuntimeError, match="too small"):
            model(torch.zeros(1, panns.MIN_SAMPLES - 1))
    assert panns_backbone(synthetic_clip(1.0, SR)[None, :panns.MIN_SAMPLES])["logits"].shape == (1, 527)
    with pytest.raises(AudioError, match=f"too short.*at least {panns.MIN_SAMPLES} samples") as info:
        panns_backbone(torch.zeros(1, panns.MIN_SAMPLES - 1))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad, problem", [(torch.zeros(2, 3, SR), "shape"), (torch.full((1, SR), float("nan")), "NaN")])
def test_bad_input(panns_backbone, bad, problem):
    with pytest.raises(AudioError, match=problem):
        panns_backbone(bad)


def test_batch_of_two_equals_singles(panns_backbone, panns_clips):
    batch = torch.stack([panns_clips[0][:3 * SR], synthetic_clip(3.0, SR, seed=1)])
    together = panns_backbone(batch)
    for i in range(2):
        alone = panns_backbone(batch[i:i + 1])
        for key in ("logits", "embedding"):
            assert_close(together[key][i], alone[key][0])


def test_load_backbone_surface(weights_dir):
    backbone = load_backbone("panns", weights_dir)
    assert backbone.name == "panns" and backbone.sample_rate == 16000 and backbone.device == "cpu"
    assert not backbone.net.training and backbone.weights.entry.file_name == FILE
    assert backbone.weights.origin == "weights_dir"
    config = backbone.config()
    assert json.loads(json.dumps(config)) == config
    assert config["weights_sha256"] == backbone.weights.sha256 and config["frontend"]["fmax"] == 8000.0
    assert panns.SPEC.code_version == 1


def test_release_layout_needs_numpy_allowlist_and_flat_dict_loads(weights_dir, tmp_path, panns_backbone):
    """The file holds numpy arrays beside ``model`` (as the release does): plain weights_only refuses it."""
    with pytest.raises(Exception, match="Weights only load failed"):
        torch.load(weights_dir / FILE, weights_only=True)
    checkpoint = torch.load(weights_dir / FILE, weights_only=False)
    torch.save(checkpoint["model"], tmp_path / FILE)  # a flat state dict works too
    wave = synthetic_clip(1.0, SR)[None]
    assert torch.equal(panns.load(tmp_path)(wave)["logits"], panns_backbone(wave)["logits"])


def test_numpy_1_pickles_load(weights_dir, tmp_path, panns_backbone):
    """A file pickled under numpy 1 names its array constructor numpy.core.multiarray._reconstruct."""
    with zipfile.ZipFile(weights_dir / FILE) as source, zipfile.ZipFile(tmp_path / FILE, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("data.pkl"):  # protocol 2: GLOBAL opcodes are "module\nname\n" text
                assert b"numpy._core.multiarray\n" in data
                data = data.replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
            target.writestr(item, data)
    wave = synthetic_clip(1.0, SR)[None]
    assert torch.equal(panns.load(tmp_path)(wave)["embedding"], panns_backbone(wave)["embedding"])


def test_missing_weights_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    monkeypatch.delenv("IMAGEHEAR_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError) as info:
        load_backbone("panns", tmp_path / "empty")
    message = str(info.value)
    assert FILE in message and REGISTRY["panns"].source in message and "\n" not in message


def test_wrong_or_corrupt_weights(tmp_path):
    path = tmp_path / FILE
    torch.save({"iteration": 0, "model": {"fc1.weight": torch.zeros(3)}}, path)
    with pytest.raises(WeightsError, match="does not match PANNs Cnn14 at 16 kHz") as info:
        panns.load(tmp_path)
    assert "\n" not in str(info.value) and FILE in str(info.value)
    torch.save({"model": [1, 2]}, path)
    with pytest.raises(WeightsError, match="not a state dict"):
        panns.load(tmp_path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="not a readable PANNs CNN14 checkpoint"):
        panns.load(tmp_path)


def test_missing_frontend_tensor_is_named_as_in_the_file(weights_dir, tmp_path):
    state = torch.load(weights_dir / FILE, weights_only=False)["model"]
    del state["logmel_extractor.melW"]
    torch.save({"model": state}, tmp_path / FILE)
    with pytest.raises(WeightsError, match="logmel_extractor.melW"):
        panns.load(tmp_path)


def test_module_imports_without_torch():
    """Heavy imports stay inside functions (a fresh interpreter imports the module without torch)."""
    import subprocess

    code = "import sys, imagehear.models.panns, imagehear.testing.panns; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

