"""``--compat av-benchmark`` against av-benchmark's conventions, recomputed here independently.

Reference (written in this test from docs/av_benchmark.md, av-benchmark @050a5cd): soundfile
read → channel mean → mean subtracted at the file's rate → ``torchaudio.transforms.Resample``
defaults → first ``int(rate * audio_length)`` samples; PaSST = hear21passt's own
``get_basic_model(mode="all")`` on input zero-padded to 320,000 samples (logits = first 527
outputs, embedding = the rest); VGGish = torchvggish's own front end and model
(``postprocess=False``, final ReLU removed); PANNs = panns-inference's own ``Cnn14`` on the
unpadded 16 kHz stream (logits before the sigmoid, the 2048-d embedding); KL = torch ``kl_div`` of log-softmaxes (sum / N,
no epsilon); FD = ``np.cov`` and ``scipy.linalg.sqrtm``. Same random weights for both sides.
Tolerance: float32 networks in different batch shapes and attention kernels: KL and FD
relative 1e-3 (FD on 3 clips per set is a difference of large numbers).
"""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
import scipy.linalg
import soundfile as sf
import torch
import torchaudio

from imagehear import api

RATE = 44100     # a rate neither backbone uses, so resampling is exercised
AUDIO_LENGTH = 2.0
N = 3


def _clip(seed: int, seconds: float = 3.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    left = 0.3 * np.sin(2 * np.pi * (300 + 120 * seed) * t) + 0.05 * rng.standard_normal(t.size)
    right = 0.2 * np.sin(2 * np.pi * (500 + 80 * seed) * t) + 0.05 * rng.standard_normal(t.size)
    return (np.stack([left, right], axis=1) + 0.1).astype("float32")  # a DC offset the mean subtraction removes


@pytest.fixture(scope="module")
def clip_paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat")
    gen, ref = [], []
    for i in range(N):
        gen.append(root / f"gen_{i}.wav")
        ref.append(root / f"ref_{i}.wav")
        sf.write(gen[-1], _clip(i), RATE)
        sf.write(ref[-1], _clip(i + 10), RATE)
    return [str(p) for p in gen], [str(p) for p in ref]


def av_benchmark_wave(path, rate: int) -> torch.Tensor:
    data, orig = sf.read(path, dtype="float32", always_2d=True)
    mono = torch.from_numpy(data.mean(axis=1))
    mono = mono - mono.mean()
    wave = torchaudio.transforms.Resample(orig, rate)(mono)
    return wave[: int(rate * AUDIO_LENGTH)]


@pytest.fixture(scope="module")
def upstream(upstream_torch_home, panns_reference):
    from hear21passt.base import get_basic_model
    import torchvggish
    from torchvggish.vggish_input import waveform_to_examples

    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(io.StringIO()):
        mp.setenv("TORCH_HOME", str(upstream_torch_home))
        passt = get_basic_model(mode="all").eval()
        vggish = torchvggish.vggish(postprocess=False).eval()
    vggish.embeddings = vggish.embeddings[:-1]  # av-benchmark removes the final ReLU

    def run(path):
        wave32 = torch.nn.functional.pad(av_benchmark_wave(path, 32000), (0, 320000 - int(32000 * AUDIO_LENGTH)))
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()):
            out = passt(wave32[None])[0]
            examples = waveform_to_examples(av_benchmark_wave(path, 16000).numpy().astype(np.float64), 16000)
            frames = vggish(examples.float() if torch.is_tensor(examples) else torch.from_numpy(examples).float())
        panns_logits, panns_embedding = panns_reference(av_benchmark_wave(path, 16000)[None])  # no padding
        return (out[:527].numpy(), out[527:].numpy(), frames.numpy(), panns_logits[0].numpy(),
                panns_embedding[0].numpy())

    return run


def fd_sqrtm(a: np.ndarray, b: np.ndarray) -> float:
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One embedding cache for the module: the second test reuses the profile's PaSST pass (~30 s)."""
    return str(tmp_path_factory.mktemp("compat_cache"))


def test_compat_profile_equals_av_benchmark_conventions(clip_paths, upstream, weights_dir, cache_dir):
    gen, ref = clip_paths
    out, _ = api.evaluate_clips(["kl", "fd_passt", "fad", "kl_panns", "fd_panns"], gen, references=ref,
                                weights_dir=str(weights_dir), device="cpu", cache_dir=cache_dir, compat="av-benchmark",
                                audio_length=AUDIO_LENGTH)
    g, r = [upstream(p) for p in gen], [upstream(p) for p in ref]
    for metric, column in (("kl", 0), ("kl_panns", 3)):
        log_gen = torch.log_softmax(torch.from_numpy(np.stack([x[column] for x in g])), dim=1)
        log_ref = torch.log_softmax(torch.from_numpy(np.stack([x[column] for x in r])), dim=1)
        kl = float(torch.nn.functional.kl_div(log_gen, log_ref, reduction="sum", log_target=True)) / N
        assert out[metric]["value"] == pytest.approx(kl, rel=1e-3), metric
        assert out[metric]["eps"] is None and out[metric]["direction"] == "KL(ref||gen)"
    for metric, column in (("fd_passt", 1), ("fd_panns", 4)):
        fd = fd_sqrtm(np.stack([x[column] for x in g]).astype(np.float64),
                      np.stack([x[column] for x in r]).astype(np.float64))
        assert out[metric]["value"] == pytest.approx(fd, rel=1e-3), metric
    fad = fd_sqrtm(np.concatenate([x[2] for x in g]).astype(np.float64),
                   np.concatenate([x[2] for x in r]).astype(np.float64))
    assert out["fad"]["value"] == pytest.approx(fad, rel=1e-3)
    assert out["fad"]["n_generated"] == N * 2  # 2 s at 16 kHz: two 0.96 s frames per clip


def test_protocol_v1_differs_from_the_compat_profile(clip_paths, weights_dir, cache_dir):
    """The profile is not a no-op: the same clips score differently under protocol v1 (the cache keys
    the two apart: the profile's options are part of the key)."""
    gen, ref = clip_paths
    kw = dict(references=ref, weights_dir=str(weights_dir), device="cpu", cache_dir=cache_dir)
    v1, _ = api.evaluate_clips(["kl"], gen, **kw)
    compat, _ = api.evaluate_clips(["kl"], gen, compat="av-benchmark", audio_length=AUDIO_LENGTH, **kw)
    assert v1["kl"]["eps"] == 1e-6 and abs(v1["kl"]["value"] - compat["kl"]["value"]) > 1e-6
