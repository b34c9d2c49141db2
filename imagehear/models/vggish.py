"""VGGish (torchvggish port of Google's weights): one 128-d embedding per 0.96 s of 16 kHz audio.

The network is torchvggish's ``VGG`` (``features`` + ``embeddings``) holding
``vggish-10086976.pth``, with PCA post-processing off and the final ReLU of
``embeddings`` removed (the av-benchmark / audioldm_eval convention for FAD).

The front end is ``torchvggish.vggish_input.waveform_to_examples`` re-written in batched
torch, in float64 like upstream's numpy: 25 ms periodic-Hann frames every 10 ms (no
centring, no padding), |rfft| with 512 points, 64 HTK mel bands 125–7500 Hz,
log(mel + 0.01), then non-overlapping examples of 96 frames (0.96 s); an incomplete
last example is dropped, as upstream does. (float64 matters: on the real test clips a
float32 front end moves log mel values by up to 3e-4; float64 agrees with upstream to 1e-12.)
The number of examples is therefore

>>> [n_examples(n) for n in (15599, 15600, 30959, 30960, 160000)]
[0, 1, 1, 2, 10]

A clip needs at least 15,600 samples (0.975 s: 96 frames of 400 samples, 160 apart);
shorter clips raise :class:`imagehear.errors.AudioError` rather than give zero frames.
"""
from __future__ import annotations

from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import MAX_WINDOWS_PER_PASS, check_batch, in_passes

SPEC = MODELS["vggish"]  # source, checksum, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
WIN, HOP, N_FFT = 400, 160, 512           # 25 ms, 10 ms, next power of two (vggish_params, mel_features)
N_MELS, FMIN, FMAX, LOG_OFFSET = 64, 125.0, 7500.0, 0.01
EXAMPLE_FRAMES = 96                       # 0.96 s examples, hop 0.96 s
EXAMPLES_PER_PASS = 10 * MAX_WINDOWS_PER_PASS  # 0.96 s examples a forward pass holds: the audio of 16 windows of 10 s
MIN_SAMPLES = WIN + (EXAMPLE_FRAMES - 1) * HOP  # 15,600
FRONTEND = {"implementation": "torchvggish waveform_to_examples math in batched torch, float64",
            "window": "periodic hann, 400 samples (25 ms)", "hop_length": HOP, "n_fft": N_FFT,
            "center": False, "magnitude": "abs (not power)", "n_mels": N_MELS, "fmin": FMIN, "fmax": FMAX,
            "mel_scale": "HTK (torchvggish mel_features.spectrogram_to_mel_matrix)", "log_offset": LOG_OFFSET,
            "example_frames": EXAMPLE_FRAMES, "example_hop_frames": EXAMPLE_FRAMES,
            "incomplete_last_example": "dropped", "min_samples": MIN_SAMPLES}


def n_examples(n_samples: int) -> int:
    """How many 0.96 s examples upstream's framing yields for ``n_samples`` at 16 kHz (0 if too short)."""
    if n_samples < WIN:
        return 0
    frames = 1 + (n_samples - WIN) // HOP
    return max(0, 1 + (frames - EXAMPLE_FRAMES) // EXAMPLE_FRAMES)


def mel_matrix():
    """torchvggish's (257, 64) mel weights, float64 (built once)."""
    import torch
    from torchvggish.mel_features import spectrogram_to_mel_matrix

    return torch.from_numpy(spectrogram_to_mel_matrix(
        num_mel_bins=N_MELS, num_spectrogram_bins=N_FFT // 2 + 1, audio_sample_rate=SAMPLE_RATE,
        lower_edge_hertz=FMIN, upper_edge_hertz=FMAX))


def examples(wave, mel, dtype=None):
    """(B, T) 16 kHz → (B, n_examples, 96, 64) log mel examples, computed in ``mel``'s dtype."""
    import torch

    dtype = dtype or mel.dtype
    frames = wave.to(dtype).unfold(-1, WIN, HOP)          # (B, F, 400), as mel_features.frame
    window = 0.5 - 0.5 * torch.cos(2 * torch.pi / WIN * torch.arange(WIN, dtype=dtype, device=wave.device))
    magnitude = torch.fft.rfft(frames * window, n=N_FFT).abs()
    log_mel = torch.log(magnitude @ mel.to(dtype) + LOG_OFFSET)  # (B, F, 64)
    n = n_examples(wave.shape[-1])
    return log_mel[:, :n * EXAMPLE_FRAMES].reshape(wave.shape[0], n, EXAMPLE_FRAMES, N_MELS)


class VGGishBackbone:
    """Callable VGGish: (B, T) float32 mono at 16 kHz → ``embedding`` (B, frames, 128), float32 on CPU."""

    name = "vggish"
    sample_rate = SAMPLE_RATE

    def __init__(self, net, weights, device: str):
        self.net, self.weights, self.device = net, weights, device
        # float64 front end as upstream's numpy; MPS has no float64, so it runs on CPU there
        self.frontend_device = "cpu" if str(device).startswith("mps") else device
        self.mel = mel_matrix().to(self.frontend_device)

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": "vggish-10086976", "weights_sha256": self.weights.sha256,
                "sample_rate": SAMPLE_RATE, "frontend": FRONTEND, "postprocess_pca": False,
                "final_relu": False, "embedding": "128-d per 0.96 s example (pre-ReLU output of embeddings.4)"}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "vggish", SAMPLE_RATE, MIN_SAMPLES, " (0.975 s) for one 0.96 s VGGish example")
        x = examples(batch.to(self.frontend_device), self.mel)  # (B, n, 96, 64) float64
        b, n = x.shape[:2]

        def embed(rows):
            with torch.inference_mode():
                return self.net(rows.to(self.device, torch.float32)).float().cpu()

        # a long clip's examples stream through, about 16 windows of 10 s per pass (flat memory)
        out = in_passes(x.reshape(b * n, 1, EXAMPLE_FRAMES, N_MELS), embed, max_rows=EXAMPLES_PER_PASS)
        return {"embedding": out.reshape(b, n, -1)}



def build_net():
    """torchvggish's VGG without post-processing (random weights until loaded)."""
    from torchvggish.torchvggish import VGG, make_layers

    return VGG(make_layers(), postprocess=False)



def load(weights_dir=None, device: str = "cpu") -> VGGishBackbone:
    """Load VGGish through the weights registry (``vggish-10086976.pth``), eval mode, final ReLU removed."""
    import torch

    from imagehear.models.backbone import resolve_device
    from imagehear.models.weights import read_state_dict, resolve

    device = resolve_device(device)  # "auto" → cuda, mps or cpu
    weights = resolve("vggish", weights_dir)
    state = read_state_dict(weights.path, "VGGish")
    net = build_net()
    try:
        net.load_state_dict(state, strict=True)  # torchvggish.vggish() loads the file the same way
    except RuntimeError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise WeightsError(f"{weights.path}: does not match torchvggish's VGG ({lines[-1][:200]}); "
                           f"use the release file vggish-10086976.pth") from None
    # Drop the last ReLU (embeddings.5) after loading; the file keeps its keys, only this instance changes.
    net.embeddings = torch.nn.Sequential(*list(net.embeddings)[:-1])
    return VGGishBackbone(net.eval().to(device), weights, device)
