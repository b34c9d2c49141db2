"""CLAP (``laion/clap-htsat-unfused`` through transformers) → 512-d audio and text embeddings.

Embeddings are the projections *before* L2 normalisation (``get_audio_features`` and
``get_text_features`` normalise; laion-clap too): normalise downstream where a metric
needs it. Input length is made deterministic: the unfused feature extractor crops clips
longer than 10 s at a *random* start (``rand_trunc``), so we never hand it such a clip.
A clip of at most 10 s is fed as it is (the extractor repeat-pads it to 10 s, as
upstream); a longer clip is cut into 10 s windows starting at 0, 5 s, 10 s, ... while a
window still ends before the clip does, plus one window aligned to the clip's end (the
rule the PaSST backbone uses), and its embedding is the mean of its windows' embeddings.

>>> window_starts(13 * 48_000, WINDOW, HOP)   # 13 s: [0 s, 10 s] and [3 s, 13 s]
[0, 144000]
>>> window_starts(20 * 48_000, WINDOW, HOP)
[0, 240000, 480000]
>>> window_starts(4 * 48_000, WINDOW, HOP)
[0]
"""
from __future__ import annotations

from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch, in_passes, window_starts
from imagehear.models.weights import resolve

SPEC = MODELS["clap"]  # source, checksum, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
WINDOW = 10 * SAMPLE_RATE
HOP = 5 * SAMPLE_RATE


class CLAP:
    name = "clap"
    sample_rate = SAMPLE_RATE

    def __init__(self, model, processor, weights, device: str):
        self.model = model
        self.processor = processor
        self.weights = weights
        self.device = device

    def config(self) -> dict:
        fe = self.processor.feature_extractor
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "sample_rate": self.sample_rate,
                "frontend": {"class": type(fe).__name__, "n_mels": fe.feature_size, "hop_length": fe.hop_length,
                             "fft_window_size": fe.fft_window_size, "fmin": fe.frequency_min,
                             "fmax": fe.frequency_max, "padding": fe.padding, "max_length_s": fe.max_length_s},
                "input_length": {"short_clips": "<= 10 s fed as they are (extractor repeat-pads to 10 s)",
                                 "long_clips": "10 s windows at 0, 5 s, ... ending before the clip's end, plus "
                                               "one aligned to its end; embeddings averaged",
                                 "window_s": WINDOW / SAMPLE_RATE, "hop_s": HOP / SAMPLE_RATE},
                "output": "audio_projection / text_projection (512,), not normalised"}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "clap", SAMPLE_RATE).cpu()
        starts = window_starts(batch.shape[1], WINDOW, HOP)
        windows = [clip[s:s + WINDOW] for clip in batch.numpy() for s in starts]
        embedding = in_passes(windows, self._embed_windows)  # a long clip's windows stream through
        return {"embedding": embedding.reshape(batch.shape[0], len(starts), -1).mean(dim=1)}

    def _embed_windows(self, windows):
        """(≤ 10 s waveforms) → (N, 512) projected audio embeddings, float32 on CPU."""
        import torch

        features = self.processor.feature_extractor(list(windows), sampling_rate=SAMPLE_RATE, return_tensors="pt")
        with torch.inference_mode():
            out = self.model.audio_model(input_features=features["input_features"].float().to(self.device),
                                         is_longer=features["is_longer"].to(self.device))
            return self.model.audio_projection(out.pooler_output).float().cpu()

    def embed_text(self, texts):
        """List of strings → float32 tensor (N, 512) of projected, un-normalised text embeddings."""
        import torch

        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("clap.embed_text: expected a list of strings")
        if not texts:
            return torch.zeros(0, self.model.config.projection_dim)
        tokens = self.processor.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        with torch.inference_mode():
            out = self.model.text_model(input_ids=tokens["input_ids"].to(self.device),
                                        attention_mask=tokens["attention_mask"].to(self.device))
            return self.model.text_projection(out.pooler_output).float()



def load_folder(folder, device: str = "cpu"):
    """``ClapModel`` + ``ClapProcessor`` from a save_pretrained folder; checks it is the unfused model."""
    import torch
    from transformers import ClapModel, ClapProcessor

    hint = "save laion/clap-htsat-unfused there again"
    try:
        model, info = ClapModel.from_pretrained(folder, dtype=torch.float32, output_loading_info=True)
        processor = ClapProcessor.from_pretrained(folder)
    except Exception as exc:  # missing config/tokenizer files, unreadable safetensors
        detail = " ".join(str(exc).split())[:200]
        raise WeightsError(f"{folder}: not a CLAP save_pretrained folder ({type(exc).__name__}: {detail}); "
                           f"{hint}") from None
    fe = processor.feature_extractor
    if model.config.audio_config.enable_fusion or fe.truncation == "fusion":
        raise WeightsError(f"{folder}: a fused CLAP checkpoint; image-hear uses laion/clap-htsat-unfused ({hint})")
    if fe.sampling_rate != SAMPLE_RATE or fe.nb_max_samples != WINDOW:
        raise WeightsError(f"{folder}: feature extractor at {fe.sampling_rate} Hz / {fe.nb_max_samples} samples, "
                           f"expected {SAMPLE_RATE} Hz / 10 s ({hint})")
    bad = list(info.get("missing_keys", [])) + list(info.get("mismatched_keys", []))
    if bad:
        raise WeightsError(f"{folder}: checkpoint lacks or mismatches {len(bad)} weights (e.g. {bad[0]}); {hint}")
    return model.eval().to(device), processor


def load(weights_dir=None, device: str = "cpu") -> CLAP:
    """Load CLAP from ``weights_dir/clap-htsat-unfused/`` (or the Hugging Face cache)."""
    weights = resolve("clap", weights_dir)
    model, processor = load_folder(weights.path, device)
    return CLAP(model, processor, weights, device)
