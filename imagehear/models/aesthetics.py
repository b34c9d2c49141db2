"""Meta Audiobox Aesthetics (PyPI ``audiobox-aesthetics``) → four per-clip scores: content
enjoyment (CE), content usefulness (CU), production complexity (PC), production quality (PQ).

One pass of the package's ``AesMultiOutput`` (a WavLM-base+ encoder, a learned layer mix and
one linear head per axis) gives all four. The steps are the package's inference entry point
(``audiobox_aesthetics.infer.AesPredictor.forward``) on a mono 16 kHz clip, with its own
functions: ``make_inference_batch`` cuts the clip into 10 s windows every 10 s (the last one
zero-padded, with a mask), the model predicts each window, each axis is de-normalised with
the checkpoint's ``target_transform`` (mean/std), and the clip's score is the mean of its
windows weighted by their unpadded length. The checkpoint is upstream's ``checkpoint.pt``
(``state_dict`` with ``model.`` prefixes, ``model_cfg``, ``target_transform``), built as
``AesPredictor.setup_model`` builds it, including the precision its ``model_cfg`` asks for.
Audio reaches 16 kHz through the engine's resampler (torchaudio's sinc resampling with the
defaults upstream uses, after the channel mean rather than before: both are linear).

>>> AXES
('CE', 'CU', 'PC', 'PQ')
"""
from __future__ import annotations

import re

from imagehear.errors import MissingDependencyError, WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import check_batch
from imagehear.models.weights import read_state_dict, resolve

SPEC = MODELS["aesthetics"]  # source, rate, outputs, code version: imagehear/models
SAMPLE_RATE = SPEC.sample_rate
AXES = ("CE", "CU", "PC", "PQ")  # the package's AXES_NAME order: the output's columns
WINDOW_S = 10  # AesPredictor.forward: make_inference_batch(wavs, 10, 10, ...)
MODEL_CFG = ("proj_num_layer", "proj_ln", "proj_act_fn", "proj_dropout", "nth_layer", "use_weighted_layer_sum",
             "precision", "normalize_embed", "output_dim")  # what setup_model reads from model_cfg
HINT = "download it again from https://dl.fbaipublicfiles.com/audiobox-aesthetics/checkpoint.pt"


def upstream():
    """The package's modules; a missing package is one line naming the extra."""
    try:
        from audiobox_aesthetics import infer
        from audiobox_aesthetics.model import aes
    except ImportError:
        raise MissingDependencyError("aesthetics_ce/cu/pc/pq need Meta's audiobox-aesthetics package: "
                                     "pip install 'image-hear[aesthetics]'") from None
    return infer, aes


class Aesthetics:
    name = "aesthetics"
    sample_rate = SAMPLE_RATE

    def __init__(self, model, model_cfg: dict, weights, device: str):
        infer, aes = upstream()
        self.model = model
        self.model_cfg = model_cfg
        self.weights = weights
        self.device = device
        self.make_inference_batch = infer.make_inference_batch
        self.denormalise = {a: aes.Normalize(**model.target_transform[a]).inverse for a in AXES}

    def config(self) -> dict:
        return {"backbone": self.name, "checkpoint": self.weights.entry.checkpoint,
                "weights_sha256": self.weights.sha256, "sample_rate": self.sample_rate,
                "model_cfg": {k: self.model_cfg[k] for k in MODEL_CFG},
                "target_transform": {a: dict(self.model.target_transform[a]) for a in AXES},
                "windows": f"{WINDOW_S} s every {WINDOW_S} s, last zero-padded and masked; "
                           "mean weighted by unpadded length (AesPredictor.forward)",
                "output": "axes (4,): CE, CU, PC, PQ, de-normalised (nominal 1-10 scale)"}

    def __call__(self, batch) -> dict:
        import torch

        batch = check_batch(batch, "aesthetics", SAMPLE_RATE, min_samples=400,
                            need=" (WavLM's convolutional front end needs 25 ms)")
        wavs, masks, weights, owners = self.make_inference_batch([clip[None] for clip in batch.cpu()], WINDOW_S,
                                                                 WINDOW_S, sample_rate=SAMPLE_RATE)
        weights, owners = torch.tensor(weights), torch.tensor(owners)
        with torch.inference_mode():
            preds = self.model({"wav": torch.stack(wavs).to(self.device), "mask": torch.stack(masks).to(self.device)})
        columns = []
        for axis in AXES:
            values = self.denormalise[axis](preds[axis]).float().cpu()
            columns.append(torch.stack([(values[owners == i] * weights[owners == i]).sum() / weights[owners == i].sum()
                                        for i in range(batch.shape[0])]))
        return {"axes": torch.stack(columns, dim=1)}


def load_checkpoint(path, device: str = "cpu"):
    """``AesMultiOutput`` from upstream's checkpoint file, as ``AesPredictor.setup_model`` builds it."""
    _, aes = upstream()
    ckpt = read_state_dict(path, "Audiobox Aesthetics")
    try:
        state = {re.sub("^model.", "", k): v for k, v in ckpt["state_dict"].items()}
        cfg = {k: ckpt["model_cfg"][k] for k in MODEL_CFG}
        model = aes.AesMultiOutput(**cfg, target_transform=ckpt["target_transform"])
        model.load_state_dict(state)
        if sorted(model.target_transform) != sorted(AXES):
            raise KeyError(f"target_transform axes {sorted(model.target_transform)}")
    except (KeyError, TypeError, RuntimeError, AttributeError) as exc:
        detail = " ".join(str(exc).split())[:160]
        raise WeightsError(f"{path}: not an Audiobox Aesthetics checkpoint ({type(exc).__name__}: {detail}); "
                           f"{HINT}") from None
    return model.eval().to(device), cfg


def load(weights_dir=None, device: str = "cpu") -> Aesthetics:
    """Load Audiobox Aesthetics from ``weights_dir/audiobox-aesthetics-checkpoint.pt`` (or the torch hub cache)."""
    upstream()  # the missing package first: it is the one line to fix
    weights = resolve("aesthetics", weights_dir)
    model, cfg = load_checkpoint(weights.path, device)
    return Aesthetics(model, cfg, weights, device)
