"""Results on the Hugging Face Hub: a dataset repo of results.json files (used by the Space).

``IMAGEHEAR_RESULTS_REPO`` names the dataset repo (e.g. ``image-hear/results``). The
Space downloads it into a local folder at start and, when ``HF_TOKEN`` is set, uploads
each accepted submission into it. Nothing here runs unless that variable is set, and the
tests only use the local-folder path.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ENV = "IMAGEHEAR_RESULTS_REPO"
TOKEN_ENV = "HF_TOKEN"


def results_repo() -> str | None:
    """The configured results dataset repo id, or None."""
    return os.environ.get(REPO_ENV) or None


def sync_results_dir(local_dir, repo_id: str | None = None) -> Path:
    """Download the results repo's ``*.json`` files into ``local_dir``; return the folder.

    Without a configured repo, ``local_dir`` is used as it is.
    """
    local_dir = Path(local_dir)
    repo_id = repo_id or results_repo()
    if repo_id:
        from huggingface_hub import snapshot_download

        snapshot_download(repo_id=repo_id, repo_type="dataset", local_dir=local_dir,
                          allow_patterns=["*.json"], token=os.environ.get(TOKEN_ENV))
    return local_dir


def hub_uploader(repo_id: str | None = None):
    """A callback ``upload(path, results_dir)`` that pushes one accepted file, or None.

    None when no repo is configured or no token is set: accepted files then stay local.
    """
    repo_id = repo_id or results_repo()
    token = os.environ.get(TOKEN_ENV)
    if not (repo_id and token):
        return None

    def upload(path: Path, results_dir: Path) -> None:
        from huggingface_hub import HfApi

        HfApi(token=token).upload_file(
            path_or_fileobj=str(path), path_in_repo=Path(path).relative_to(results_dir).as_posix(),
            repo_id=repo_id, repo_type="dataset",
            commit_message=f"Add results {Path(path).name} (leaderboard submission)")

    return upload
