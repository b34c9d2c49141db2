"""ImageBind (``imagebind_huge``, PyPI ``imagebind-unofficial``) → audio and vision embeddings in one
joint space, as av-benchmark extracts them for its IB-score.

Both outputs are ``ImageBindModel.forward``'s own, with upstream's preprocessing:

Audio (16 kHz, whole clip): ``imagebind.data.load_and_transform_audio_data`` after the file read,
with its own functions: three 2 s clips placed by pytorchvideo's ``ConstantClipsPerVideoSampler``,
each a 128-bin Kaldi fbank of 204 frames (``waveform2melspec``: mean removed in place, as upstream
does on views of one waveform), normalised with mean -4.268 / std 9.138; the model's audio output
is the mean over the three clips of the L2-normalised embedding x its fixed logit scale (20).
A clip under 2 s is taken whole three times and its fbank zero-padded to 204 frames, as upstream
does (which then logs a "Large gap" warning).
av-benchmark's ``ImageBindAudioDataset`` is the same code.

Image (the conditioning image): ``load_and_transform_vision_data``'s transform (RGB; resize the
short side to 224, bicubic; centre crop 224; CLIP mean/std); the model repeats the image into a
2-frame clip and returns the L2-normalised vision embedding.

Video (av-benchmark's ``VideoDataset`` + ``encode_video_with_imagebind``): T frames (RGB uint8, chosen
at 0.5 fps by :mod:`imagehear.embed.fps_video`) through torchvision v2 ``Resize(224, bicubic)`` of the
short side, ``ToDtype(float32, scale=True)``, CLIP mean/std; three 224 crops of every frame (left,
centre, right; top, centre, bottom when taller than wide; offsets ceil((side - 224) / 2), 0 and
side - 224); every pair of consecutive frames of every crop is a 2-frame clip (3 x (T - 1) clips, in
pair-major order); the model's vision output is the mean over those clips of the L2-normed embedding.

``ib_score`` is their raw cosine (av-benchmark: ``torch.cosine_similarity(video, audio).mean()``).

The package imports two names that newer releases dropped (``pkg_resources``, gone from
setuptools 81+; ``torchvision.transforms.functional_tensor``, renamed in torchvision 0.17): while
it is imported, and only when they are missing, :func:`upstream` provides them (the resource
lookup through :mod:`importlib.resources`; the module under its new name), then removes them
again, so nothing else sees them.
"""
from __future__ import annotations

import contextlib

from imagehear.errors import MissingDependencyError, WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch, embed_image_batches
from imagehear.models.weights import read_state_dict, resolve

SPEC = MODELS["imagebind"]  # source, rate, outputs, code version, licence: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
DIM = SPEC.output("embedding").dim  # the real and the tiny test checkpoints keep it
MODALITIES = ("vision", "text", "audio", "depth", "thermal", "imu")
# imagebind_huge's head width per modality: the file stores no head counts, so a checkpoint's
# heads are its width / these (1280/16, 1024/16, 768/12, 384/8, 768/12, 512/8)
HEAD_DIM = {"vision": 80, "text": 64, "audio": 64, "depth": 48, "thermal": 64, "imu": 64}
HUGE = {"vision_embed_dim": 1280, "vision_num_blocks": 32, "vision_num_heads": 16, "text_embed_dim": 1024,
        "text_num_blocks": 24, "text_num_heads": 16, "out_embed_dim": 1024}  # imagebind_huge's own arguments
AUDIO = {"num_mel_bins": 128, "target_length": 204, "clip_duration": 2, "clips_per_video": 3,
         "mean": -4.268, "std": 9.138}  # load_and_transform_audio_data's defaults
MEAN, STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)
VIDEO = {"resize": 224, "interpolation": "bicubic", "crops": 3, "frames_per_clip": 2}  # av-benchmark's
HINT = "download it again from https://dl.fbaipublicfiles.com/imagebind/imagebind_huge.pth"


def upstream():
    """``(imagebind_model, data)`` from imagebind-unofficial; a missing package is one line naming the extra."""
    try:
        with _dropped_names():
            from imagebind import data
            from imagebind.models import imagebind_model
    except ImportError as exc:
        raise MissingDependencyError(f"ib_score needs Meta's ImageBind (imagebind-unofficial; {exc}): "
                                     "pip install 'image-hear[imagebind]'") from None
    return imagebind_model, data


@contextlib.contextmanager
def _dropped_names():
    """Provide ``pkg_resources`` and ``torchvision.transforms.functional_tensor`` while imagebind and
    pytorchvideo import them, only if missing; removed afterwards (see the module docstring)."""
    import importlib.util
    import sys
    import types

    added = []
    if importlib.util.find_spec("pkg_resources") is None:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = _resource_filename  # imagebind.data's only use: the text BPE file
        sys.modules["pkg_resources"] = shim
        added.append("pkg_resources")
    if importlib.util.find_spec("torchvision.transforms.functional_tensor") is None:
        from torchvision.transforms import _functional_tensor

        sys.modules["torchvision.transforms.functional_tensor"] = _functional_tensor
        added.append("torchvision.transforms.functional_tensor")
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _resource_filename(package: str, name: str) -> str:
    from importlib.resources import files

    return str(files(package).joinpath(name))


class ImageBind:
    name = "imagebind"
    sample_rate = SAMPLE_RATE

    def __init__(self, model, arch: dict, weights, device: str, batch_size: int = 8):
        _, self.data = upstream()
        self.model = model
        self.arch = arch
        self.weights = weights
        self.device = device
        self.batch_size = batch_size

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "sample_rate": self.sample_rate, "architecture": self.arch,
                "audio": {**AUDIO, "input": "whole clip, mono, 16 kHz",
                          "output": "mean over the clips of 20 x the L2-normed embedding (ImageBindModel.forward)"},
                "image": {"resize": 224, "interpolation": "bicubic", "crop": "centre 224", "mean": list(MEAN),
                          "std": list(STD), "output": "L2-normed vision embedding (image as a 2-frame clip)"},
                "video": {**VIDEO, "mean": list(MEAN), "std": list(STD), "crop_positions": "left/top, centre, right/bottom",
                          "clips": "consecutive frame pairs x 3 crops",
                          "output": "mean over the clips of the L2-normed vision embedding (ImageBindModel.forward)"}}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "imagebind", SAMPLE_RATE, min_samples=400,
                            need=" (one 25 ms fbank window)")
        inputs = torch.stack([self.melspecs(clip) for clip in batch.cpu()]).to(self.device)
        with torch.inference_mode():
            return {"embedding": self.model({"audio": inputs})["audio"].float().cpu()}

    def melspecs(self, clip):
        """One clip → (3, 1, 128, 204): load_and_transform_audio_data's steps after its file read."""
        import torch
        from pytorchvideo.data.clip_sampling import ConstantClipsPerVideoSampler
        from torchvision import transforms

        waveform = clip[None].clone()  # waveform2melspec subtracts means in place, on views of this tensor
        sampler = ConstantClipsPerVideoSampler(clip_duration=AUDIO["clip_duration"],
                                               clips_per_video=AUDIO["clips_per_video"])
        normalise = transforms.Normalize(mean=AUDIO["mean"], std=AUDIO["std"])
        out = []
        for start, end in self.data.get_clip_timepoints(sampler, waveform.size(1) / SAMPLE_RATE):
            piece = waveform[:, int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
            out.append(normalise(self.data.waveform2melspec(piece, SAMPLE_RATE, AUDIO["num_mel_bins"],
                                                            AUDIO["target_length"])))
        return torch.stack(out)

    def embed_images(self, images):
        """List of PIL images → float32 tensor (N, D): L2-normed ImageBind vision embeddings."""
        return embed_image_batches(images, self.pixels, lambda pixels: self.model({"vision": pixels})["vision"],
                                   batch_size=self.batch_size, device=self.device, dim=DIM)

    def embed_videos(self, videos):
        """List of uint8 (T, 3, H, W) frame tensors (T >= 2) → float32 (N, D): each video's vision output."""
        import torch

        out = []
        for frames in videos:  # one video per forward, as av-benchmark's default batch of 1
            clips = video_clips(frames)[None].to(self.device)
            with torch.inference_mode():
                out.append(self.model({"vision": clips})["vision"].float().cpu())
        return torch.cat(out) if out else torch.zeros(0, DIM)

    def pixels(self, image, index: int):
        """One image → (3, 224, 224): load_and_transform_vision_data's transform after its file read."""
        from torchvision import transforms

        from imagehear.errors import DataError

        transform = transforms.Compose([
            transforms.Resize(224, interpolation=transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(224),
            transforms.ToTensor(), transforms.Normalize(mean=MEAN, std=STD)])
        try:
            return transform(image.convert("RGB"))
        except Exception as exc:  # lazy PIL decoding surfaces corrupt files here
            name = getattr(image, "filename", "") or f"image #{index}"
            raise DataError(f"{name}: unreadable image ({type(exc).__name__}: {exc}); replace the file") from None


def video_clips(frames):
    """uint8 (T, 3, H, W) frames → (3 (T - 1), 3, 2, 224, 224): av-benchmark's transform, three crops and
    frame pairs (module docstring).

    >>> import torch
    >>> video_clips(torch.zeros(4, 3, 60, 80, dtype=torch.uint8)).shape
    torch.Size([9, 3, 2, 224, 224])
    """
    import torch
    from torchvision.transforms import v2

    transform = v2.Compose([v2.Resize(VIDEO["resize"], interpolation=v2.InterpolationMode.BICUBIC), v2.ToImage(),
                            v2.ToDtype(torch.float32, scale=True), v2.Normalize(mean=MEAN, std=STD)])
    crops = torch.stack(three_crops(transform(frames).as_subclass(torch.Tensor), VIDEO["resize"]))  # (3, T, C, S, S)
    pairs = torch.cat([crops[:, i:i + 2] for i in range(crops.shape[1] - 1)])  # pair-major: pair 0's 3 crops first
    return pairs.permute(0, 2, 1, 3, 4)  # (clips, C, 2, S, S): the model's (C, T, H, W) video layout


def three_crops(frames, size: int) -> list:
    """Three ``size`` squares of (T, C, H, W) frames along the longer side: start, centre, end (a square
    frame: the centre crop three times). The centre offset rounds up.

    >>> import torch
    >>> [tuple(c[0, 0, :, 0].tolist()) for c in three_crops(torch.arange(5.)[None, None, :, None], 2)]
    [(0.0, 1.0), (2.0, 3.0), (3.0, 4.0)]
    """
    import math

    height, width = frames.shape[-2:]
    along_height = height > width
    side = height if along_height else width
    out = []
    for offset in (0, math.ceil((side - size) / 2), side - size):
        y, x = (offset, math.ceil((width - size) / 2)) if along_height else (math.ceil((height - size) / 2), offset)
        out.append(frames[..., y:y + size, x:x + size])
    return out


def architecture(state: dict) -> dict:
    """``ImageBindModel`` arguments of a state dict: widths and depths from its tensors, heads from
    imagebind_huge's head widths (:data:`HEAD_DIM`); imagebind_huge's file gives :data:`HUGE`.

    >>> import torch
    >>> state = {f"modality_preprocessors.{m}.{'pos_embed' if m == 'text' else 'cls_token'}":
    ...          torch.zeros(1, 1, 4 * HEAD_DIM[m]) for m in MODALITIES}
    >>> state["modality_trunks.audio.blocks.1.norm_1.weight"] = torch.zeros(1)
    >>> state["modality_heads.vision.2.weight"] = torch.zeros(1024, 320)
    >>> a = architecture(state); a["audio_embed_dim"], a["audio_num_blocks"], a["audio_num_heads"], a["out_embed_dim"]
    (256, 1, 4, 1024)
    """
    arch = {}
    for m in MODALITIES:
        token = "pos_embed" if m == "text" else "cls_token"
        dim = int(state[f"modality_preprocessors.{m}.{token}"].shape[-1])
        if dim % HEAD_DIM[m]:
            raise KeyError(f"{m} width {dim} is not a multiple of imagebind_huge's head width {HEAD_DIM[m]}")
        blocks = {int(k.split(".")[3]) for k in state if k.startswith(f"modality_trunks.{m}.blocks.")}
        arch.update({f"{m}_embed_dim": dim, f"{m}_num_blocks": len(blocks), f"{m}_num_heads": dim // HEAD_DIM[m]})
    arch["out_embed_dim"] = int(state["modality_heads.vision.2.weight"].shape[0])
    return arch


def load_checkpoint(path, device: str = "cpu"):
    """``ImageBindModel`` from a state dict saved as imagebind_huge.pth is, loaded strictly
    (``imagebind_huge(pretrained=True)``: ``torch.load(weights_only=True)`` + ``load_state_dict``)."""
    imagebind_model, _ = upstream()
    state = read_state_dict(path, "ImageBind")
    try:
        arch = architecture(state)
        if arch["out_embed_dim"] != DIM:
            raise ValueError(f"embeddings of {arch['out_embed_dim']} dimensions, expected {DIM}")
        model = imagebind_model.ImageBindModel(**arch)
        model.load_state_dict(state)
    except (KeyError, TypeError, RuntimeError, AttributeError, ValueError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise WeightsError(f"{path}: not an ImageBind checkpoint ({type(exc).__name__}: {detail}); {HINT}") from None
    return model.eval().to(device), arch


def load(weights_dir=None, device: str = "cpu", batch_size: int = 8) -> ImageBind:
    """Load ImageBind from ``weights_dir/imagebind_huge.pth`` (or the torch hub cache)."""
    upstream()  # the missing package first: it is the one line to fix
    weights = resolve("imagebind", weights_dir)
    model, arch = load_checkpoint(weights.path, device)
    return ImageBind(model, arch, weights, device, batch_size)
