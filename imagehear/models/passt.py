"""PaSST (``passt_s_swa_p16_128_ap476``): AudioSet logits (527) and embeddings (768) at 32 kHz.

The network is hear21passt's own ``PaSST`` module holding the release checkpoint. The
front end is hear21passt's ``AugmentMelSTFT`` in eval mode, re-written so that it runs on
current torch (complex ``torch.stft``) and builds its kaldi mel bank once instead of on
every call. Attention runs through ``torch.nn.functional.scaled_dot_product_attention``
by default (same math, about 1.7x faster); ``attention="hear21passt"`` keeps the original.

Input length (protocol v1): a clip of at most 10 s (320,000 samples) goes in as it is,
unpadded. A longer clip is cut into 10 s windows starting at 0, 5 s, 10 s, ... while a
window still ends before the clip does, plus one last window aligned to the clip's end,
so no audio is dropped; logits and embeddings are the means over its windows.
``pad_to_10s=True`` zero-pads shorter clips at the end to 10 s; with ``crop_to_10s=True`` too,
longer clips keep their first 10 s (av-benchmark feeds PaSST exactly 320,000 samples).

>>> window_starts(13 * 32000, WINDOW, HOP)   # 13 s: [0 s, 10 s] and [3 s, 13 s]
[0, 96000]
>>> window_starts(20 * 32000, WINDOW, HOP)
[0, 160000, 320000]
>>> window_starts(4 * 32000, WINDOW, HOP)    # <= 10 s: one window, the clip itself
[0]
"""
from __future__ import annotations

import warnings

from imagehear.errors import ImageHearError, WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch, in_passes, window_starts

ARCH = "passt_s_swa_p16_128_ap476"
SPEC = MODELS["passt"]  # source, checksum, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
WINDOW = 10 * SAMPLE_RATE
HOP = 5 * SAMPLE_RATE
# hear21passt's get_basic_model: AugmentMelSTFT(n_mels=128, sr=32000, win_length=800, hopsize=320,
# n_fft=1024, fmin=0, fmax=None -> sr // 2 - fmax_aug_range // 2 = 15000), eval mode (no masking).
MEL = {"preemphasis": 0.97, "n_fft": 1024, "win_length": 800, "hop_length": 320,
       "window": "hann, symmetric (periodic=False)", "center": True, "pad_mode": "reflect",
       "power": 2.0, "n_mels": 128, "mel_banks": "torchaudio.compliance.kaldi.get_mel_banks, padded to 513 bins",
       "fmin": 0.0, "fmax": 15000.0, "log_offset": 1e-5, "normalisation": "(log_mel + 4.5) / 5"}
# The patch embedding needs >= 16 frames (one 16x16 patch). Preemphasis drops one sample, the centred
# STFT then gives 1 + (T - 1) // 320 frames >= 16 -> T >= 4801 samples (0.15 s).
MIN_SAMPLES = 4801
ATTENTION = ("sdpa", "hear21passt")


def mel_filter_bank():
    """hear21passt's eval-mode mel matrix (128, 513), built once (upstream rebuilds it every call)."""
    import torch
    from torchaudio.compliance.kaldi import get_mel_banks

    banks, _ = get_mel_banks(MEL["n_mels"], MEL["n_fft"], SAMPLE_RATE, MEL["fmin"], MEL["fmax"],
                             vtln_low=100.0, vtln_high=-500.0, vtln_warp_factor=1.0)
    return torch.nn.functional.pad(banks, (0, 1), value=0.0)  # kaldi drops the Nyquist bin


def log_mel(wave, banks, window):
    """(B, T) waveform at 32 kHz → (B, 128, frames) normalised log mel, AugmentMelSTFT.eval() math."""
    import torch

    x = wave[:, 1:] - MEL["preemphasis"] * wave[:, :-1]  # upstream: conv1d with kernel [-0.97, 1]
    spec = torch.stft(x, MEL["n_fft"], hop_length=MEL["hop_length"], win_length=MEL["win_length"],
                      window=window, center=True, pad_mode="reflect", normalized=False, return_complex=True)
    power = spec.real ** 2 + spec.imag ** 2  # as upstream's (view_as_real ** 2).sum(-1)
    mel = torch.matmul(banks, power)
    return (torch.log(mel + MEL["log_offset"]) + 4.5) / 5.0


def use_sdpa(net) -> None:
    """Run every attention module of ``net`` through scaled_dot_product_attention.

    Only this instance changes (its modules' class becomes a subclass of hear21passt's
    ``Attention`` with a new ``forward``); parameters and state-dict keys stay as they are.
    """
    from hear21passt.models.passt import Attention

    for module in net.modules():
        if type(module) is Attention:
            module.__class__ = _sdpa_attention_class()


def _sdpa_attention_class():
    import torch.nn.functional as F
    from hear21passt.models.passt import Attention

    class SdpaAttention(Attention):
        def forward(self, x):
            B, N, C = x.shape
            qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4)
            x = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], scale=self.scale)  # eval: no dropout
            return self.proj_drop(self.proj(x.transpose(1, 2).reshape(B, N, C)))

    return SdpaAttention


def build_net():
    """hear21passt's PaSST for ``passt_s_swa_p16_128_ap476`` with random weights, its prints silenced."""
    import contextlib
    import io

    import hear21passt.models.passt as upstream

    with contextlib.redirect_stdout(io.StringIO()):  # get_model prints the whole model
        net = upstream.get_model(arch=ARCH, pretrained=False, n_classes=527, in_channels=1,
                                 fstride=10, tstride=10, input_fdim=128, input_tdim=998)
    # hear21passt prints tensor shapes until its first forward pass sets this flag to False
    # (it never sets it back); we set it as that first pass would.
    upstream.first_RUN = False
    return net



def load_into(net, state: dict, path) -> None:
    """Apply hear21passt's checkpoint filters, then load strictly (any missing or extra key is an error)."""
    from hear21passt.models.passt import adapt_input_conv, checkpoint_filter_fn

    hint = "use the release file passt-s-f128-p16-s10-ap.476-swa.pt"
    try:
        state = checkpoint_filter_fn(state, net)
        # upstream converts RGB patch convs to 1 channel; a no-op for the release file
        state["patch_embed.proj.weight"] = adapt_input_conv(1, state["patch_embed.proj.weight"])
        net.load_state_dict(state, strict=True)
    except (KeyError, RuntimeError, ValueError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = lines[1] if len(lines) > 1 else (lines[0] if lines else type(exc).__name__)
        raise WeightsError(f"{path}: does not match {ARCH} ({detail[:200]}); {hint}") from None


class PaSSTBackbone:
    """Callable PaSST: (B, T) float32 mono at 32 kHz → ``logits`` (B, 527), ``embedding`` (B, 768), on CPU."""

    name = "passt"
    sample_rate = SAMPLE_RATE

    def __init__(self, net, weights, device: str, pad_to_10s: bool, attention: str, crop_to_10s: bool = False):
        import torch

        self.net, self.weights, self.device = net, weights, device
        self.pad_to_10s, self.attention, self.crop_to_10s = pad_to_10s, attention, crop_to_10s
        self.banks = mel_filter_bank().to(device)
        self.window = torch.hann_window(MEL["win_length"], periodic=False, device=device)

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": ARCH, "weights_sha256": self.weights.sha256,
                "sample_rate": SAMPLE_RATE, "frontend": dict(MEL, implementation=(
                    "hear21passt AugmentMelSTFT eval-mode math; complex torch.stft; mel bank built once")),
                "input_length": {"pad_to_10s": self.pad_to_10s, "window_s": WINDOW / SAMPLE_RATE,
                                 "hop_s": HOP / SAMPLE_RATE, "min_samples": MIN_SAMPLES,
                                 "short_clips": "zero-padded to 10 s" if self.pad_to_10s else "as they are, unpadded",
                                 **({"crop_to_10s": True, "long_clips": "first 10 s only"} if self.crop_to_10s else {}),
                                 "long_clips": "10 s windows at 0, 5 s, ... ending before the clip's end, plus one "
                                               "window aligned to the end; logits and embeddings averaged"},
                "attention": ("torch.nn.functional.scaled_dot_product_attention" if self.attention == "sdpa"
                              else "hear21passt Attention (explicit softmax)"),
                "outputs": {"logits": "head(features), 527 AudioSet classes, before sigmoid",
                            "embedding": "mean of the cls and distillation tokens after the final norm (768)"}}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "passt", SAMPLE_RATE, MIN_SAMPLES, " (0.15 s; or load(pad_to_10s=True))")
        n = batch.shape[1]
        if self.crop_to_10s and n > WINDOW:
            batch, n = batch[:, :WINDOW], WINDOW
        if self.pad_to_10s and n < WINDOW:
            batch, n = torch.nn.functional.pad(batch, (0, WINDOW - n)), WINDOW
        starts = window_starts(n, WINDOW, HOP)
        # the windows of all clips, (B * W, window), in passes of at most MAX_WINDOWS_PER_PASS: a long
        # clip's windows stream through, so peak memory does not grow with its length
        windows = torch.stack([batch[:, s:s + min(n, WINDOW)] for s in starts], dim=1)
        logits, embedding = in_passes(windows.reshape(-1, windows.shape[-1]), self.forward)
        shape = (batch.shape[0], len(starts))
        return {"logits": logits.reshape(*shape, -1).mean(dim=1),
                "embedding": embedding.reshape(*shape, -1).mean(dim=1)}

    def forward(self, wave):
        """One forward pass on (N, T ≤ 10 s) clips → (logits, embedding), float32 on CPU."""
        import torch

        with torch.inference_mode(), warnings.catch_warnings():
            # PatchEmbed warns on every input shorter than 998 frames: unpadded short clips are our protocol
            warnings.filterwarnings("ignore", message="Input image size", category=UserWarning)
            specs = log_mel(wave.to(self.device), self.banks, self.window)
            logits, features = self.net(specs.unsqueeze(1))
        return logits.float().cpu(), features.float().cpu()



def load(weights_dir=None, device: str = "cpu", pad_to_10s: bool = False, attention: str = "sdpa",
         crop_to_10s: bool = False) -> PaSSTBackbone:
    """Load PaSST through the weights registry (``passt-s-f128-p16-s10-ap.476-swa.pt``), eval mode."""
    from imagehear.models.backbone import resolve_device
    from imagehear.models.weights import read_state_dict, resolve

    if attention not in ATTENTION:
        raise ImageHearError(f"passt: attention must be one of {ATTENTION}, got {attention!r}")
    device = resolve_device(device)  # "auto" → cuda, mps or cpu
    weights = resolve("passt", weights_dir)
    state = read_state_dict(weights.path, "PaSST")  # before the 3 s model build, so a bad file fails fast
    net = build_net()
    load_into(net, state, weights.path)
    if attention == "sdpa":
        use_sdpa(net)
    return PaSSTBackbone(net.eval().to(device), weights, device, pad_to_10s, attention, crop_to_10s)
