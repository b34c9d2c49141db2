"""PANNs CNN14 at 16 kHz (``Cnn14_16k_mAP=0.438``): AudioSet logits (527) and embeddings (2048).

The network is written here in plain torch, with the layer names of PANNs' ``Cnn14`` so
that the release file loads strictly. Outputs, as av-benchmark reads them:

- ``logits``: the ``fc_audioset`` output *before* the sigmoid (KL with softmax, IS);
- ``embedding``: ReLU of ``fc1`` (av-benchmark's ``"2048"`` feature, PANNs' ``embedding``; FD).

Front end (torchlibrosa's ``Spectrogram`` + ``LogmelFilterBank`` as CNN14 builds them):
reflect-pad 256 samples each side, a 512-point periodic-Hann DFT every 160 samples written
as two ``conv1d`` kernels, power ``re² + im²``, a (257, 64) Slaney mel matrix (50–8000 Hz),
``10 * log10(max(mel, 1e-10))`` (ref 1.0, no top_db). torchlibrosa keeps the DFT kernels
and the mel matrix as parameters, so they are *in the checkpoint* and upstream computes
with the file's copies; so do we (``build_net`` only initialises them, from
``torch.hann_window`` and ``torchaudio.functional.melscale_fbanks``).

A clip goes in whole (no padding, cropping or windowing; av-benchmark does the same).
It gives ``1 + T // 160`` frames, and the five 2x2 average pools of conv blocks 1–5
(block 6 pools 1x1) need 32 frames, so a clip needs at least 4,960 samples (0.31 s):

>>> [n_frames(n) for n in (MIN_SAMPLES - 1, MIN_SAMPLES, 160000)]
[31, 32, 1001]
"""
from __future__ import annotations

import functools

from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch

CHECKPOINT = "Cnn14_16k_mAP=0.438"
SPEC = MODELS["panns"]  # source, checksum, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
N_FFT, HOP, N_MELS, FMIN, FMAX, AMIN = 512, 160, 64, 50.0, 8000.0, 1e-10
N_CLASSES, WIDTH = 527, 2048
CHANNELS = (1, 64, 128, 256, 512, 1024, 2048)  # conv blocks 1-6
POOLED_BLOCKS = 5                              # blocks 1-5 end in a 2x2 average pool, block 6 in 1x1
MIN_FRAMES = 2 ** POOLED_BLOCKS                # one time step left after the fifth pool
MIN_SAMPLES = (MIN_FRAMES - 1) * HOP           # 4,960 samples, 0.31 s
FRONTEND = {"implementation": "torchlibrosa Spectrogram + LogmelFilterBank math, with the checkpoint's "
                              "DFT kernels and mel matrix (as upstream, which loads them from the file)",
            "n_fft": N_FFT, "win_length": N_FFT, "hop_length": HOP, "window": "hann, periodic",
            "center": True, "pad_mode": "reflect", "power": 2.0, "n_mels": N_MELS, "fmin": FMIN,
            "fmax": FMAX, "mel_scale": "slaney, slaney-normalised (librosa.filters.mel)",
            "log": "10*log10(clamp(mel, min=1e-10)), ref 1.0, top_db None", "bn0": "per mel bin"}
# our buffer names -> PANNs' state-dict keys (torchlibrosa's modules)
UPSTREAM_KEYS = {"stft_real": "spectrogram_extractor.stft.conv_real.weight",
                 "stft_imag": "spectrogram_extractor.stft.conv_imag.weight",
                 "mel_weights": "logmel_extractor.melW"}


def n_frames(n_samples: int) -> int:
    """STFT frames of a clip of ``n_samples`` (centred: padded by n_fft // 2 both sides)."""
    return 1 + n_samples // HOP


def dft_kernels():
    """torchlibrosa's STFT kernels: real and imaginary DFT rows times a periodic Hann window.

    >>> [tuple(kernel.shape) for kernel in dft_kernels()]
    [(257, 1, 512), (257, 1, 512)]
    """
    import torch

    n = torch.arange(N_FFT, dtype=torch.float64)
    k = torch.arange(N_FFT // 2 + 1, dtype=torch.float64)[:, None]
    angle = 2 * torch.pi * ((k * n) % N_FFT) / N_FFT   # reduced mod N: exact phases for large k*n
    window = torch.hann_window(N_FFT, periodic=True, dtype=torch.float64)
    real, imag = torch.cos(angle) * window, -torch.sin(angle) * window
    return real.float()[:, None, :], imag.float()[:, None, :]


def mel_matrix():
    """(257, 64) Slaney mel matrix, as librosa.filters.mel(sr=16000, n_fft=512, n_mels=64, fmin=50, fmax=8000).T."""
    from torchaudio.functional import melscale_fbanks

    return melscale_fbanks(N_FFT // 2 + 1, FMIN, FMAX, N_MELS, SAMPLE_RATE, norm="slaney", mel_scale="slaney")


@functools.cache
def _classes():
    """The torch modules, built on first use so that importing this module needs no torch."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class ConvBlock(nn.Module):
        """Two 3x3 conv + BN + ReLU layers (no conv bias), then an optional 2x2 average pool."""

        def __init__(self, cin: int, cout: int, pool: bool):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.pool = pool

        def forward(self, x):
            x = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
            return F.avg_pool2d(x, 2) if self.pool else x

    class Cnn14(nn.Module):
        """CNN14 inference graph: (B, T) waveform at 16 kHz → (logits (B, 527), embedding (B, 2048))."""

        def __init__(self):
            super().__init__()
            real, imag = dft_kernels()
            self.register_buffer("stft_real", real)
            self.register_buffer("stft_imag", imag)
            self.register_buffer("mel_weights", mel_matrix())
            self.bn0 = nn.BatchNorm2d(N_MELS)
            for i in range(1, 7):
                setattr(self, f"conv_block{i}", ConvBlock(CHANNELS[i - 1], CHANNELS[i], pool=i <= POOLED_BLOCKS))
            self.fc1 = nn.Linear(WIDTH, WIDTH)
            self.fc_audioset = nn.Linear(WIDTH, N_CLASSES)

        def log_mel(self, wave):
            """(B, T) → (B, frames, 64) log mel in dB."""
            x = F.pad(wave[:, None, :], (N_FFT // 2, N_FFT // 2), mode="reflect")
            power = F.conv1d(x, self.stft_real, stride=HOP) ** 2 + F.conv1d(x, self.stft_imag, stride=HOP) ** 2
            mel = torch.matmul(power.transpose(1, 2), self.mel_weights)
            return 10.0 * torch.log10(torch.clamp(mel, min=AMIN))  # - 10*log10(max(amin, ref=1)) = 0

        def forward(self, wave):
            # bn0 normalises each mel bin: run it with mel bins as channels, (B, 64, frames, 1)
            x = self.bn0(self.log_mel(wave).transpose(1, 2)[..., None])
            x = x[..., 0].transpose(1, 2)[:, None]  # (B, 1, frames, mels), the conv blocks' layout
            for i in range(1, 7):
                x = getattr(self, f"conv_block{i}")(x)
            x = x.mean(dim=3)                       # over mel bins → (B, 2048, time)
            x = x.amax(dim=2) + x.mean(dim=2)       # max + mean over time
            embedding = F.relu(self.fc1(x))
            return self.fc_audioset(embedding), embedding

    return Cnn14


def build_net():
    """CNN14 (16 kHz) with random weights; frontend buffers initialised to the torchlibrosa values."""
    return _classes()()


def to_upstream(state: dict) -> dict:
    """Our state dict → PANNs' key names (what the release file holds)."""
    return {UPSTREAM_KEYS.get(key, key): value for key, value in state.items()}


def numpy_globals() -> list:
    """The numpy constructors a release checkpoint pickles (beside its ``model`` state dict),
    under numpy 1 and numpy 2 names, for ``torch.load(weights_only=True)``: data types only."""
    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1
        from numpy.core import multiarray
    names = ("Bool", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
             "Float16", "Float32", "Float64")
    dtypes = [getattr(np.dtypes, f"{name}DType") for name in names if hasattr(np, "dtypes")]
    legacy = [(getattr(multiarray, f), f"numpy.core.multiarray.{f}") for f in ("_reconstruct", "scalar")]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype, *dtypes, *legacy]


def read_checkpoint(path) -> dict:
    """The CNN14 state dict of ``path``: the release layout (a dict whose ``model`` key holds it)
    or a flat state dict; read with ``weights_only=True``."""
    import torch

    from imagehear.models.weights import read_state_dict

    with torch.serialization.safe_globals(numpy_globals()):
        checkpoint = read_state_dict(path, "PANNs CNN14")
    state = checkpoint.get("model", checkpoint)
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: its 'model' entry is a {type(state).__name__}, not a state dict; "
                           f"use the release file {CHECKPOINT}.pth")
    return state


def load_into(net, state: dict, path) -> None:
    """Load PANNs' key names into our net strictly: any missing, extra or misshapen tensor is an error."""
    ours = {value: key for key, value in UPSTREAM_KEYS.items()}
    try:
        net.load_state_dict({ours.get(key, key): value for key, value in state.items()}, strict=True)
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = lines[1] if len(lines) > 1 else lines[0]
        for key, value in UPSTREAM_KEYS.items():  # name tensors as the file does
            detail = detail.replace(f'"{key}"', f'"{value}"')
        raise WeightsError(f"{path}: does not match PANNs Cnn14 at 16 kHz ({detail[:200]}); "
                           f"use the release file {CHECKPOINT}.pth") from None


class PANNsBackbone:
    """Callable CNN14: (B, T) float32 mono at 16 kHz → ``logits`` (B, 527), ``embedding`` (B, 2048), on CPU."""

    name = "panns"
    sample_rate = SAMPLE_RATE

    def __init__(self, net, weights, device: str):
        self.net, self.weights, self.device = net, weights, device

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": CHECKPOINT, "weights_sha256": self.weights.sha256,
                "sample_rate": SAMPLE_RATE, "frontend": FRONTEND,
                "input_length": {"min_samples": MIN_SAMPLES, "clips": "whole, as they are (no padding, "
                                 "cropping or windowing)"},
                "pooling": "mean over mel bins, then max + mean over time",
                "outputs": {"logits": "fc_audioset output before the sigmoid (527 AudioSet classes)",
                            "embedding": "ReLU(fc1) (2048; av-benchmark's '2048', PANNs' 'embedding')"}}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "panns", SAMPLE_RATE, MIN_SAMPLES,
                            f" (0.31 s: {MIN_FRAMES} frames for CNN14's five 2x2 pools)")
        with torch.inference_mode():
            logits, embedding = self.net(batch.to(self.device))
        return {"logits": logits.float().cpu(), "embedding": embedding.float().cpu()}


def load(weights_dir=None, device: str = "cpu") -> PANNsBackbone:
    """Load CNN14 (16 kHz) through the weights registry (``Cnn14_16k_mAP=0.438.pth``), eval mode."""
    from imagehear.models.backbone import resolve_device
    from imagehear.models.weights import resolve

    device = resolve_device(device)  # "auto" → cuda, mps or cpu
    weights = resolve("panns", weights_dir)
    state = read_checkpoint(weights.path)
    net = build_net()
    load_into(net, state, weights.path)
    return PANNsBackbone(net.eval().to(device), weights, device)
