"""Weights registry: one typed entry per checkpoint, and the rules for finding its files.

Resolution order for an entry:
1. ``weights_dir`` argument or ``IMAGEHEAR_WEIGHTS``: the upstream file name
   (``passt-s-f128-p16-s10-ap.476-swa.pt``) or, for Hugging Face models, a
   ``save_pretrained`` folder named after the repo (``clip-vit-base-patch32/``).
2. The standard caches: torch hub's ``checkpoints/`` folder, the Hugging Face hub cache.
3. A download (files: temp file, checksum, rename), unless offline
   (``IMAGEHEAR_OFFLINE=1`` or ``HF_HUB_OFFLINE=1``).

Listing the registry touches neither disk nor network:

>>> from imagehear.weights import REGISTRY
>>> sorted(REGISTRY)
['clap', 'clip', 'panns', 'passt', 'vggish', 'wav2clip']
>>> REGISTRY["passt"].file_name
'passt-s-f128-p16-s10-ap.476-swa.pt'
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from imagehear.download import fetch, remembered_sha256
from imagehear.errors import WeightsError


@dataclass(frozen=True)
class WeightsEntry:
    name: str                 # registry key, also the backbone name
    checkpoint: str           # upstream checkpoint name
    kind: str                 # "file" (one upstream file) or "hf" (Hugging Face model repo)
    file_name: str            # upstream file name, or the save_pretrained folder name
    source: str               # download URL, or hub repo id
    sha256: str | None        # full SHA-256 when published; None: recorded, not checked
    sha256_prefix: str | None  # torch-hub style prefix carried in the file name
    license: str
    paper: str


REGISTRY: dict[str, WeightsEntry] = {e.name: e for e in (
    WeightsEntry("passt", "passt_s_swa_p16_128_ap476", "file", "passt-s-f128-p16-s10-ap.476-swa.pt",
                 "https://github.com/kkoutini/PaSST/releases/download/v0.0.1-audioset/"
                 "passt-s-f128-p16-s10-ap.476-swa.pt", None, None, "Apache-2.0",
                 "Koutini et al., Efficient Training of Audio Transformers with Patchout, Interspeech 2022"),
    WeightsEntry("wav2clip", "Wav2CLIP", "file", "Wav2CLIP.pt",
                 "https://github.com/descriptinc/lyrebird-wav2clip/releases/download/v0.1.0-alpha/Wav2CLIP.pt",
                 None, None, "MIT", "Wu et al., Wav2CLIP: Learning Robust Audio Representations from CLIP, ICASSP 2022"),
    WeightsEntry("vggish", "vggish", "file", "vggish-10086976.pth",
                 "https://github.com/harritaylor/torchvggish/releases/download/v0.1/vggish-10086976.pth",
                 None, "10086976", "Apache-2.0",
                 "Hershey et al., CNN Architectures for Large-Scale Audio Classification, ICASSP 2017"),
    # PANNs publishes the file on Zenodo (with its md5, 362fc5ff18f1d6ad2f6d464b45893f2c), no SHA-256;
    # this one is the SHA-256 of that file (358,668,570 bytes) as several independent users record it.
    # License: MIT, the license of the code and models repository (qiuqiangkong/audioset_tagging_cnn).
    WeightsEntry("panns", "Cnn14_16k_mAP=0.438", "file", "Cnn14_16k_mAP=0.438.pth",
                 "https://zenodo.org/record/3987831/files/Cnn14_16k_mAP%3D0.438.pth?download=1",
                 "e2ee543a27919542c2ea03eabaa70b24dcd4e6c8e05621de6b67a94e4c5058e6", None, "MIT",
                 "Kong et al., PANNs: Large-Scale Pretrained Audio Neural Networks for Audio Pattern "
                 "Recognition, IEEE/ACM TASLP 2020"),
    WeightsEntry("clip", "openai/clip-vit-base-patch32", "hf", "clip-vit-base-patch32",
                 "openai/clip-vit-base-patch32", None, None, "MIT",
                 "Radford et al., Learning Transferable Visual Models From Natural Language Supervision, ICML 2021"),
    WeightsEntry("clap", "laion/clap-htsat-unfused", "hf", "clap-htsat-unfused",
                 "laion/clap-htsat-unfused", None, None, "Apache-2.0",
                 "Wu et al., Large-scale Contrastive Language-Audio Pretraining, ICASSP 2023"),
)}


@dataclass(frozen=True)
class ResolvedWeights:
    entry: WeightsEntry
    path: Path       # the file, or the model folder
    sha256: str      # of the file; for folders, of the sorted (name, sha256) list of its files
    origin: str      # "weights_dir", "cache" or "download"

    def record(self) -> dict:
        """What a result file stores about these weights."""
        return {"checkpoint": self.entry.checkpoint, "file": self.entry.file_name, "sha256": self.sha256,
                "origin": self.origin, "matches_published_sha256": self.matches_published()}

    def matches_published(self) -> bool | None:
        e = self.entry
        if e.sha256:
            return self.sha256 == e.sha256
        if e.sha256_prefix:
            return self.sha256.startswith(e.sha256_prefix)
        return None


def is_offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("IMAGEHEAR_OFFLINE", "HF_HUB_OFFLINE"))


def folder_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}\0{remembered_sha256(path)}\n".encode())
    return digest.hexdigest()


def torch_hub_checkpoints() -> Path:
    hub = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return Path(hub) / "hub" / "checkpoints"


def _offline_error(entry: WeightsEntry, weights_dir: Path | None) -> WeightsError:
    where = f"{weights_dir}/{entry.file_name}" if weights_dir else f"--weights-dir DIR/{entry.file_name}"
    src = entry.source if entry.kind == "file" else f"https://huggingface.co/{entry.source}"
    return WeightsError(f"{entry.file_name} not found and offline: put it at {where} (from {src}), "
                        f"or unset IMAGEHEAR_OFFLINE/HF_HUB_OFFLINE to download it")


def resolve(name: str, weights_dir=None) -> ResolvedWeights:
    """Find (or download) the weights of registry entry ``name``."""
    if name not in REGISTRY:
        raise WeightsError(f"unknown weights {name!r}; known: {', '.join(sorted(REGISTRY))}")
    entry = REGISTRY[name]
    weights_dir = weights_dir or os.environ.get("IMAGEHEAR_WEIGHTS")
    weights_dir = Path(weights_dir) if weights_dir else None
    if weights_dir is not None:
        local = weights_dir / entry.file_name
        if entry.kind == "file" and local.is_file():
            return ResolvedWeights(entry, local, remembered_sha256(local), "weights_dir")
        if entry.kind == "hf" and (local / "config.json").is_file():
            return ResolvedWeights(entry, local, folder_sha256(local), "weights_dir")
    if entry.kind == "hf":
        return _resolve_hub(entry, weights_dir)
    cached = torch_hub_checkpoints() / entry.file_name
    if cached.is_file():
        digest = remembered_sha256(cached)
        if (entry.sha256 is None or digest == entry.sha256) and (
                entry.sha256_prefix is None or digest.startswith(entry.sha256_prefix)):
            return ResolvedWeights(entry, cached, digest, "cache")
        if is_offline():  # a corrupt cache is never used; we cannot replace it offline
            raise WeightsError(f"{cached}: checksum mismatch (sha256 {digest}); delete it and download again")
    if is_offline():
        raise _offline_error(entry, weights_dir)
    fetch(entry.source, cached, entry.sha256, error=WeightsError, desc=entry.file_name)
    digest = remembered_sha256(cached)
    if entry.sha256_prefix and not digest.startswith(entry.sha256_prefix):
        cached.unlink()
        raise WeightsError(f"{entry.file_name}: checksum mismatch for {entry.source} (sha256 {digest} does not "
                           f"start with {entry.sha256_prefix}); the download is corrupt")
    return ResolvedWeights(entry, cached, digest, "download")


def _resolve_hub(entry: WeightsEntry, weights_dir: Path | None) -> ResolvedWeights:
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(entry.source, local_files_only=is_offline()))
    except Exception as exc:  # hub raises many types: offline, not cached, network, auth
        if is_offline():
            raise _offline_error(entry, weights_dir) from None
        raise WeightsError(f"{entry.source}: could not get it from the Hugging Face hub ({exc}); "
                           f"save it with save_pretrained into --weights-dir DIR/{entry.file_name}") from None
    return ResolvedWeights(entry, folder, folder_sha256(folder), "cache")


def read_state_dict(path, what: str) -> dict:
    """``torch.load`` a flat state-dict checkpoint; a corrupt or foreign file is a WeightsError."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or foreign files
        detail = " ".join(str(exc).split())[:200]  # one line, as the CLI prints it
        raise WeightsError(f"{path}: not a readable {what} checkpoint ({detail}); "
                           "delete it and download it again") from None
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: expected a state dict, got {type(state).__name__}; delete it and download it again")
    return state
