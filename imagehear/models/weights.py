"""Finding a model's weights: the rules, read from its spec (:data:`imagehear.models.MODELS`).

Resolution order for a model:
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

Known SHA-256s (the spec's ``sha256``, or a torch-hub prefix) are checked on download and on
cached copies: a mismatch is refused, never used. Listing touches neither disk nor network:

>>> from imagehear.models import MODELS
>>> sorted(MODELS)
['aesthetics', 'clap', 'clip', 'imagebind', 'panns', 'passt', 'pe_av', 'vggish', 'wav2clip']
>>> MODELS["passt"].file_name
'passt-s-f128-p16-s10-ap.476-swa.pt'
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from imagehear.errors import UsageError, WeightsError
from imagehear.io.download import fetch, is_offline, remembered_sha256
from imagehear.models import MODELS, ModelSpec


class RandomWeightsWarning(UserWarning):
    """A result was scored with randomly initialised weights (imagehear.testing): meaningless numbers."""


RANDOM_MARKER = "RANDOM_WEIGHTS"  # written by imagehear.testing.make_weights_dir
ACCEPTED_FILE = Path(__file__).resolve().parent.parent / "data" / "accepted_weights.json"
ACCEPTED_ENV = "IMAGEHEAR_ACCEPTED_WEIGHTS"  # another accepted list (tests, a private leaderboard)
REGISTRY = MODELS  # the model registry, under its older name


@dataclass(frozen=True)
class ResolvedWeights:
    entry: ModelSpec
    path: Path       # the file, or the model folder
    sha256: str      # of the file; for folders, of the sorted (name, sha256) list of its files
    origin: str      # "weights_dir", "cache" or "download"
    random_init: bool = False  # from a folder marked RANDOM_WEIGHTS (imagehear.testing): meaningless scores

    def record(self) -> dict:
        """What a result file stores about these weights."""
        e = self.entry
        return {**e.record(), "file": e.file_name, "sha256": self.sha256, "origin": self.origin,
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


def _offline_error(entry: ModelSpec, weights_dir: Path | None) -> WeightsError:
    where = f"{weights_dir}/{entry.file_name}" if weights_dir else (
        f"DIR/{entry.file_name} and pass the folder (CLI --weights-dir DIR, Python weights_dir=DIR, or "
        "IMAGEHEAR_WEIGHTS=DIR)")
    src = entry.source if entry.kind == "file" else (
        f"https://huggingface.co/{entry.source} at commit {entry.revision}: {', '.join(entry.allow_patterns)}")
    return WeightsError(f"{entry.file_name} not found and offline: put it at {where}, from {src}; "
                        f"or unset IMAGEHEAR_OFFLINE/HF_HUB_OFFLINE to download it")


def resolve(name: str, weights_dir=None) -> ResolvedWeights:
    """Find (or download) the weights of model ``name`` (a key of :data:`imagehear.models.MODELS`)."""
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
        # a folder the user names is used as it is: its checksum is recorded (and ranked only if accepted)
        local = weights_dir / entry.file_name
        random_init = (weights_dir / RANDOM_MARKER).is_file()
        if entry.kind == "file" and local.is_file():
            return ResolvedWeights(entry, local, remembered_sha256(local), "weights_dir", random_init)
        if entry.kind == "hf" and (local / "config.json").is_file():
            return ResolvedWeights(entry, local, folder_sha256(local), "weights_dir", random_init)
    if entry.kind == "hf":
        return _resolve_hub(entry, weights_dir)
    return _resolve_file(entry, weights_dir)


def matches_known_sha256(entry: ModelSpec, digest: str) -> bool:
    """False only when the spec knows the SHA-256 (or its torch-hub prefix) and ``digest`` differs."""
    return (entry.sha256 is None or digest == entry.sha256) and (
        entry.sha256_prefix is None or digest.startswith(entry.sha256_prefix))


def _mismatch(entry: ModelSpec, where, digest: str) -> WeightsError:
    known = f"expected {entry.sha256}" if entry.sha256 else f"does not start with {entry.sha256_prefix}"
    return WeightsError(f"{where}: checksum mismatch for {entry.checkpoint} (sha256 {digest} {known}); "
                        "the copy is corrupt or another file: delete it and download it again")


def _resolve_file(entry: ModelSpec, weights_dir: Path | None) -> ResolvedWeights:
    cached = torch_hub_checkpoints() / entry.file_name
    if cached.is_file():
        digest = remembered_sha256(cached)
        if matches_known_sha256(entry, digest):
            return ResolvedWeights(entry, cached, digest, "cache")
        if is_offline():  # a corrupt cache is never used; we cannot replace it offline
            raise _mismatch(entry, cached, digest)
    if is_offline():
        raise _offline_error(entry, weights_dir)
    try:
        fetch(entry.source, cached, entry.sha256, error=WeightsError, desc=entry.file_name)
    except WeightsError as exc:
        raise WeightsError(f"{exc}; without a network, put the file in a weights folder (CLI --weights-dir DIR, "
                           "Python weights_dir=DIR, or IMAGEHEAR_WEIGHTS) and set IMAGEHEAR_OFFLINE=1") from None
    digest = remembered_sha256(cached)
    if not matches_known_sha256(entry, digest):
        cached.unlink()
        raise _mismatch(entry, entry.source, digest)
    return ResolvedWeights(entry, cached, digest, "download")


def _resolve_hub(entry: ModelSpec, weights_dir: Path | None) -> ResolvedWeights:
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
    digest = folder_sha256(folder, entry.allow_patterns)
    if not matches_known_sha256(entry, digest):  # the pinned commit's files are known: anything else is refused
        raise _mismatch(entry, folder, digest)
    return ResolvedWeights(entry, folder, digest, "cache")


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
