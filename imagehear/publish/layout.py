"""Where each staged artifact lives, which Hub repo it goes to, and the stage folder's guard.

>>> repo_ids("me")["dataset"], repo_ids("me")["passt_accuracy"]
(('dataset', 'me/image_hear'), ('space', 'me/passt_accuracy'))
>>> human_size(191225), human_size(999)
('186.7 KiB', '999 B')
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imagehear.errors import ImageHearError, UsageError

NAMESPACE = "imagehear"          # the Hub organisation: load_dataset("imagehear/image_hear")
DATASET_REPO = "image_hear"
RESULTS_REPO = "results"         # the leaderboard's IMAGEHEAR_RESULTS_REPO
LEADERBOARD_SPACE = "leaderboard"
MARKER = ".image-hear-stage"     # a folder holding it was written by stage() and may be rewritten
PARTS = ("dataset", "spaces", "results", "dist")


class PublishError(ImageHearError):
    """A release that cannot be staged or pushed as asked (the message names the fix; exit 1)."""


class PublishUsageError(PublishError, UsageError):
    """A bad ``publish`` option: stage folder, missing token, not a checkout (exit 2)."""


def metric_modules() -> list[str]:
    """The evaluate modules of the metric registry (one Space each), sorted."""
    from imagehear.metrics import METRICS

    return sorted(spec.module for spec in METRICS.values() if spec.module)


def repo_ids(namespace: str = NAMESPACE) -> dict[str, tuple[str, str]]:
    """{artifact: (repo_type, repo_id)} for every Hub repo of a release."""
    ids = {"dataset": ("dataset", f"{namespace}/{DATASET_REPO}"),
           "results": ("dataset", f"{namespace}/{RESULTS_REPO}"),
           "leaderboard": ("space", f"{namespace}/{LEADERBOARD_SPACE}")}
    ids.update({m: ("space", f"{namespace}/{m}") for m in metric_modules()})
    return ids


def folder_of(stage_dir, artifact: str) -> Path:
    """The staged folder of an artifact (``dataset``, ``results``, a module, ``leaderboard``)."""
    stage_dir = Path(stage_dir)
    if artifact in ("dataset", "results", "dist"):
        return stage_dir / artifact
    return stage_dir / "spaces" / artifact


@dataclass(frozen=True)
class Upload:
    """One Hub repo of the release: its id, type, staged folder and files (relative path, bytes)."""

    repo_type: str
    repo_id: str
    folder: Path
    files: tuple[tuple[str, int], ...]

    @property
    def size(self) -> int:
        return sum(size for _, size in self.files)


def files_under(folder: Path) -> tuple[tuple[str, int], ...]:
    """(posix relative path, size) of every file under ``folder``, sorted."""
    return tuple((p.relative_to(folder).as_posix(), p.stat().st_size)
                 for p in sorted(folder.rglob("*")) if p.is_file())


def human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def prepare_stage_dir(stage_dir) -> Path:
    """Create ``stage_dir`` or clear the parts of an earlier stage; refuse any other non-empty folder."""
    import shutil

    stage_dir = Path(stage_dir).expanduser()
    if stage_dir.exists() and not stage_dir.is_dir():
        raise PublishUsageError(f"{stage_dir}: exists and is not a folder; pass --stage an empty or new folder")
    if stage_dir.is_dir() and any(stage_dir.iterdir()) and not (stage_dir / MARKER).is_file():
        raise PublishUsageError(f"{stage_dir}: not empty and not an earlier image-hear stage; pass --stage an "
                           f"empty or new folder")
    for part in PARTS:
        shutil.rmtree(stage_dir / part, ignore_errors=True)
    stage_dir.mkdir(parents=True, exist_ok=True)
    (stage_dir / MARKER).write_text("written by `image-hear publish --stage`; rewritten on the next stage\n")
    return stage_dir
