"""Perception Encoder Audio-Visual (``facebook/pe-av-large`` through transformers) → 1024-d audio
and image embeddings in one joint space.

Both are the model's contrastive heads, *before* L2 normalisation (transformers'
``PeAudioVideoModel`` heads do not normalise; its ``logits_audio_video`` is a raw dot
product): the metric (``pe_av_score``) normalises. They are the same tensors as
``PeAudioVideoModel.forward(input_values=..., pixel_values_videos=...)``'s ``audio_embeds``
and ``video_embeds`` (tests/models/test_pe_av.py): the forward runs the audio and video
encoders on their own (tied to ``audio_model``/``video_model``) before fusing them, so each
can be embedded, and cached, without the other.

Audio: the clip at 48 kHz, whole (no windows: the audio encoder takes any length), through
the checkpoint's ``PeAudioFeatureExtractor`` (reflect-pads to a multiple of its 1,920-sample
hop), ``audio_model.audio_encoder`` pooled output, ``audio_model.audio_head``.

Image: a **one-frame video**. The video encoder embeds each frame with a PE-Core ViT,
attends over the frame axis and pools a class token; its input is ``(batch, frames, 3,
H, W)``, and transformers' video processor turns a video given as a list of frames into
exactly that, so an image is the list ``[image]`` (frames = 1). Frame sampling is off
(``do_sample_frames=False``): with it, a checkpoint set to ``num_frames: 16`` would repeat
the one frame 16 times. Each frame is converted to RGB, resized to 336 x 336 (bilinear,
aspect ratio not kept, as the processor does), scaled to [0, 1] and normalised with mean
0.5 / std 0.5 per channel; then ``video_model.video_encoder`` pooled output,
``video_model.video_head``. (transformers 5.24's ``PeAudioVideoModel.get_video_embeds``
calls a method ``PeVideoModel`` lacks, so we call the encoder and head it would call.)
Video rows are scored frame by frame, as ``clip_score`` does (:mod:`imagehear.embed.frames`).
"""
from __future__ import annotations

from imagehear.errors import DataError, WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch, embed_image_batches
from imagehear.models.weights import resolve

SPEC = MODELS["pe_av"]  # source, revision, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
DIM = SPEC.output("embedding").dim
HINT = "save facebook/pe-av-large there again (save_pretrained of the model and its processor)"


class PEAV:
    name = "pe_av"
    sample_rate = SAMPLE_RATE

    def __init__(self, model, feature_extractor, video_processor, weights, device: str, batch_size: int = 8):
        self.model = model
        self.feature_extractor = feature_extractor
        self.video_processor = video_processor
        self.weights = weights
        self.device = device
        self.batch_size = batch_size

    def config(self) -> dict:
        fe, vp = self.feature_extractor, self.video_processor
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "sample_rate": self.sample_rate,
                "audio": {"class": type(fe).__name__, "hop_length": fe.hop_length, "input": "whole clip, mono",
                          "output": "audio_model.audio_head(pooler_output), not normalised"},
                "image": {"class": type(vp).__name__, "as": "one-frame video, do_sample_frames=False",
                          "size": dict(vp.size), "resample": int(vp.resample), "mean": list(vp.image_mean),
                          "std": list(vp.image_std),
                          "output": "video_model.video_head(pooler_output), not normalised"}}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "pe_av", SAMPLE_RATE, min_samples=self.feature_extractor.hop_length,
                            need=" (one hop of the audio encoder, 40 ms)")
        features = self.feature_extractor([clip for clip in batch.cpu().numpy()], sampling_rate=SAMPLE_RATE,
                                          return_tensors="pt")
        with torch.inference_mode():
            out = self.model.audio_model.audio_encoder(
                input_values=features["input_values"].float().to(self.device),
                padding_mask=features["padding_mask"].to(self.device))
            return {"embedding": self.model.audio_model.audio_head(out.pooler_output).float()}

    def embed_images(self, images):
        """List of PIL images → float32 tensor (N, 1024): each image as a one-frame video."""
        video = self.model.video_model

        def forward(pixels):
            return video.video_head(video.video_encoder(pixel_values_videos=pixels).pooler_output)

        return embed_image_batches(images, lambda im, i: self.pixels(im, i)[0], forward,
                                   batch_size=self.batch_size, device=self.device, dim=DIM)

    def pixels(self, image, index: int):
        """One image → (1, 1, 3, H, W): the processor's input for a one-frame video."""
        try:
            if image.mode != "RGB":  # the processor reads a greyscale or palette frame as something else
                image = image.convert("RGB")
            return self.video_processor(videos=[[image]], do_sample_frames=False,
                                        return_tensors="pt")["pixel_values_videos"]
        except Exception as exc:  # lazy PIL decoding surfaces corrupt files here
            name = getattr(image, "filename", "") or f"image #{index}"
            raise DataError(f"{name}: unreadable image ({type(exc).__name__}: {exc}); replace the file") from None


def quiet_construction():
    """transformers 5.24 builds ``PeVideoModel``'s two helper methods inside ``__init__`` and its
    docstring check prints an "[ERROR] ... not documented" line to stdout on every construction;
    the line says nothing about the weights, so it is kept out of our output."""
    import contextlib
    import io

    return contextlib.redirect_stdout(io.StringIO())


def load_folder(folder, device: str = "cpu"):
    """``PeAudioVideoModel`` + its feature extractor and video processor from a save_pretrained folder."""
    import torch
    from transformers import PeAudioFeatureExtractor, PeAudioVideoModel, PeVideoVideoProcessor

    try:
        with quiet_construction():
            model, info = PeAudioVideoModel.from_pretrained(folder, dtype=torch.float32, output_loading_info=True)
        extractor = PeAudioFeatureExtractor.from_pretrained(folder)
        processor = PeVideoVideoProcessor.from_pretrained(folder)
    except Exception as exc:  # missing config/processor files, unreadable safetensors, size mismatches
        detail = " ".join(str(exc).split())[:200]
        raise WeightsError(f"{folder}: not a PE-AV save_pretrained folder ({type(exc).__name__}: {detail}); "
                           f"{HINT}") from None
    bad = list(info.get("missing_keys", [])) + list(info.get("mismatched_keys", []))
    if bad:
        raise WeightsError(f"{folder}: checkpoint lacks or mismatches {len(bad)} weights (e.g. {bad[0]}); {HINT}")
    if extractor.sampling_rate != SAMPLE_RATE:
        raise WeightsError(f"{folder}: feature extractor at {extractor.sampling_rate} Hz, expected {SAMPLE_RATE} Hz "
                           f"({HINT})")
    if model.config.text_config.hidden_size != DIM:
        raise WeightsError(f"{folder}: embeddings of {model.config.text_config.hidden_size} dimensions, expected "
                           f"{DIM} (facebook/pe-av-large); {HINT}")
    return model.eval().to(device), extractor, processor


def load(weights_dir=None, device: str = "cpu", batch_size: int = 8) -> PEAV:
    """Load PE-AV from ``weights_dir/pe-av-large/`` (or the Hugging Face cache)."""
    weights = resolve("pe_av", weights_dir)
    model, extractor, processor = load_folder(weights.path, device)
    return PEAV(model, extractor, processor, weights, device, batch_size)
