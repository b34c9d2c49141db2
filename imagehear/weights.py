"""Weights registry: one typed entry per checkpoint, and the rules for finding its files.

Resolution order for an entry:
1. ``weights_dir`` argument or ``IMAGEHEAR_WEIGHTS``: the upstream file name
   (``passt-s-f128-p16-s10-ap.476-swa.pt``) or, for Hugging Face models, a
   ``save_pretrained`` folder named after the repo (``clip-vit-base-patch32/``).
2. The standard caches: torch hub's ``checkpoints/`` folder, the Hugging Face hub cache.
3. A download (files: temp file, checksum, rename), unless offline
   (``IMAGEHEAR_OFFLINE=1`` or ``HF_HUB_OFFLINE=1``). Hugging Face entries are pinned to
   a commit (``revision``) and fetch only the files the backbone loads (``allow_patterns``).

Every result records each checkpoint's SHA-256 and whether it is on the accepted list
(``imagehear/data/accepted_weights.json``, docs/leaderboard.md): the leaderboard ranks only
results whose weights are all on it. A weights folder written by :mod:`imagehear.testing`
holds a ``RANDOM_WEIGHTS`` marker; results from it record ``random_init: true``.

Listing the registry touches neither disk nor network:

>>> from imagehear.weights import REGISTRY
>>> sorted(REGISTRY)
['clap', 'clip', 'panns', 'passt', 'vggish', 'wav2clip']
>>> REGISTRY["passt"].file_name
'passt-s-f128-p16-s10-ap.476-swa.pt'
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from imagehear.download import fetch, remembered_sha256
from imagehear.errors import UsageError, WeightsError


class RandomWeightsWarning(UserWarning):
    """A result was scored with randomly initialised weights (imagehear.testing): meaningless numbers."""


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
    revision: str | None = None          # "hf" entries: the hub commit they are pinned to
    allow_patterns: tuple[str, ...] = ()  # "hf" entries: the files of that commit the backbone loads


# Files of the pinned commits (file lists and SHA-256s: imagehear/data/accepted_weights.json).
# CLIP: only the vision tower is used, with our own preprocessing: the config and the weights.
CLIP_FILES = ("config.json", "pytorch_model.bin")
# CLAP: ClapModel + ClapProcessor (feature extractor settings and the RoBERTa tokenizer).
CLAP_FILES = ("config.json", "merges.txt", "preprocessor_config.json", "pytorch_model.bin",
              "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json")
RANDOM_MARKER = "RANDOM_WEIGHTS"  # written by imagehear.testing.make_weights_dir
ACCEPTED_FILE = Path(__file__).resolve().parent / "data" / "accepted_weights.json"
ACCEPTED_ENV = "IMAGEHEAR_ACCEPTED_WEIGHTS"  # another accepted list (tests, a private leaderboard)


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
                 "Radford et al., Learning Transferable Visual Models From Natural Language Supervision, ICML 2021",
                 revision="3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268", allow_patterns=CLIP_FILES),
    WeightsEntry("clap", "laion/clap-htsat-unfused", "hf", "clap-htsat-unfused",
                 "laion/clap-htsat-unfused", None, None, "Apache-2.0",
                 "Wu et al., Large-scale Contrastive Language-Audio Pretraining, ICASSP 2023",
                 revision="8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a", allow_patterns=CLAP_FILES),
)}


@dataclass(frozen=True)
class ResolvedWeights:
    entry: WeightsEntry
    path: Path       # the file, or the model folder
    sha256: str      # of the file; for folders, of the sorted (name, sha256) list of its files
    origin: str      # "weights_dir", "cache" or "download"
    random_init: bool = False  # from a folder marked RANDOM_WEIGHTS (imagehear.testing): meaningless scores

    def record(self) -> dict:
        """What a result file stores about these weights."""
        e = self.entry
        return {"checkpoint": e.checkpoint, "file": e.file_name, "sha256": self.sha256, "origin": self.origin,
                **({"revision": e.revision} if e.revision else {}),
                "matches_published_sha256": self.matches_published(),
                "accepted": self.is_accepted(), "random_init": self.random_init}

    def is_accepted(self) -> bool | None:
        """On the accepted list (None: the list is unreadable); random weights never are."""
        try:
            return not self.random_init and self.sha256 in accepted_sha256().get(self.entry.name, ())
        except WeightsError:
            return None

    def matches_published(self) -> bool | None:
        e = self.entry
        if e.sha256:
            return self.sha256 == e.sha256
        if e.sha256_prefix:
            return self.sha256.startswith(e.sha256_prefix)
        return None


def is_offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("IMAGEHEAR_OFFLINE", "HF_HUB_OFFLINE"))


def folder_sha256(folder: Path, patterns: tuple[str, ...] = ()) -> str:
    """SHA-256 over the sorted ``relative/path\\0<sha256 of the file>\\n`` lines of a model folder.

    Hidden paths (``.cache/`` of ``hf download --local-dir``) are skipped; with ``patterns``,
    only the files matching them count (a hub snapshot may hold files other tools fetched).
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or (
                patterns and not any(fnmatch.fnmatchcase(rel, pat) for pat in patterns)):
            continue
        digest.update(f"{rel}\0{remembered_sha256(path)}\n".encode())
    return digest.hexdigest()


def accepted_sha256(path=None) -> dict[str, frozenset[str]]:
    """Registry name -> the SHA-256s the leaderboard accepts (``ACCEPTED_FILE``, or ``$IMAGEHEAR_ACCEPTED_WEIGHTS``)."""
    path = Path(path or os.environ.get(ACCEPTED_ENV) or ACCEPTED_FILE)
    try:
        weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
        return {name: frozenset(e["sha256"] for e in entries) for name, entries in weights.items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WeightsError(f"{path}: not a readable accepted-weights list ({exc})") from None


def torch_hub_checkpoints() -> Path:
    hub = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return Path(hub) / "hub" / "checkpoints"


def _offline_error(entry: WeightsEntry, weights_dir: Path | None) -> WeightsError:
    where = f"{weights_dir}/{entry.file_name}" if weights_dir else (
        f"DIR/{entry.file_name} and pass the folder (CLI --weights-dir DIR, Python weights_dir=DIR, or "
        "IMAGEHEAR_WEIGHTS=DIR)")
    src = entry.source if entry.kind == "file" else (
        f"https://huggingface.co/{entry.source} at commit {entry.revision}: {', '.join(entry.allow_patterns)}")
    return WeightsError(f"{entry.file_name} not found and offline: put it at {where}, from {src}; "
                        f"or unset IMAGEHEAR_OFFLINE/HF_HUB_OFFLINE to download it")


def resolve(name: str, weights_dir=None) -> ResolvedWeights:
    """Find (or download) the weights of registry entry ``name``."""
    if name not in REGISTRY:
        raise WeightsError(f"unknown weights {name!r}; known: {', '.join(sorted(REGISTRY))}")
    entry = REGISTRY[name]
    given = "weights_dir (--weights-dir)" if weights_dir else "IMAGEHEAR_WEIGHTS"
    weights_dir = weights_dir or os.environ.get("IMAGEHEAR_WEIGHTS")
    weights_dir = Path(weights_dir).expanduser() if weights_dir else None
    if weights_dir is not None and not weights_dir.is_dir():
        raise UsageError(f"{given} {str(weights_dir)!r}: no such folder; create it with the upstream weight "
                         "files, or leave it unset to use the caches")
    if weights_dir is not None:
        local = weights_dir / entry.file_name
        random_init = (weights_dir / RANDOM_MARKER).is_file()
        if entry.kind == "file" and local.is_file():
            return ResolvedWeights(entry, local, remembered_sha256(local), "weights_dir", random_init)
        if entry.kind == "hf" and (local / "config.json").is_file():
            return ResolvedWeights(entry, local, folder_sha256(local), "weights_dir", random_init)
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
    try:
        fetch(entry.source, cached, entry.sha256, error=WeightsError, desc=entry.file_name)
    except WeightsError as exc:
        raise WeightsError(f"{exc}; without a network, put the file in a weights folder (CLI --weights-dir DIR, "
                           "Python weights_dir=DIR, or IMAGEHEAR_WEIGHTS) and set IMAGEHEAR_OFFLINE=1") from None
    digest = remembered_sha256(cached)
    if entry.sha256_prefix and not digest.startswith(entry.sha256_prefix):
        cached.unlink()
        raise WeightsError(f"{entry.file_name}: checksum mismatch for {entry.source} (sha256 {digest} does not "
                           f"start with {entry.sha256_prefix}); the download is corrupt")
    return ResolvedWeights(entry, cached, digest, "download")


def _resolve_hub(entry: WeightsEntry, weights_dir: Path | None) -> ResolvedWeights:
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(entry.source, revision=entry.revision,
                                        allow_patterns=list(entry.allow_patterns) or None,
                                        local_files_only=is_offline()))
    except Exception as exc:  # hub raises many types: offline, not cached, network, auth
        if is_offline():
            raise _offline_error(entry, weights_dir) from None
        raise WeightsError(f"{entry.source}@{entry.revision}: could not get it from the Hugging Face hub ({exc}); "
                           f"save it with save_pretrained into --weights-dir DIR/{entry.file_name}") from None
    return ResolvedWeights(entry, folder, folder_sha256(folder, entry.allow_patterns), "cache")


def read_state_dict(path, what: str) -> dict:
    """``torch.load`` a flat state-dict checkpoint; a corrupt or foreign file is a WeightsError."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or foreign files
        detail = " ".join(str(exc).split())  # one line, as the CLI prints it
        detail = detail if len(detail) <= 160 else detail[:160].rsplit(" ", 1)[0] + " …"
        raise WeightsError(f"{path}: not a readable {what} checkpoint: delete it and download it again "
                           f"(torch.load: {type(exc).__name__}: {detail})") from None
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: expected a state dict, got {type(state).__name__}; delete it and download it again")
    return state
