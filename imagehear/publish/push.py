"""What a push uploads (repo ids, files, sizes), and the upload itself with huggingface_hub.

Order matters: PyPI first (the Spaces ``pip install image-hear==VERSION``; ``twine upload
DIR/dist/*``, with a PyPI token this command does not take), then the dataset, the results
repo, the metric Spaces and the leaderboard. Each Hub repo ends up holding exactly the
staged files: stale remote files are deleted, except in the results repo, whose
submissions must stay.

>>> print(format_upload(Upload("space", "me/kl", Path("s"), (("app.py", 300), ("kl.py", 2048)))))
space me/kl  (2 files, 2.3 KiB)
      300 B  app.py
    2.0 KiB  kl.py
"""
from __future__ import annotations

from pathlib import Path

from imagehear.publish.layout import NAMESPACE, PublishError, Upload, files_under, folder_of, human_size, repo_ids

RESULTS_VARIABLE = "IMAGEHEAR_RESULTS_REPO"
BENCHMARK_VARIABLE = "IMAGEHEAR_BENCHMARK_REPO"  # imagehear.leaderboard.hub_board.DATASET_ENV


def plan(stage_dir, namespace: str = NAMESPACE) -> list[Upload]:
    """The Hub uploads of a staged release, in push order."""
    stage_dir = Path(stage_dir)
    uploads = []
    for artifact, (repo_type, repo_id) in repo_ids(namespace).items():
        folder = folder_of(stage_dir, artifact)
        if not folder.is_dir():
            raise PublishError(f"{folder}: not staged; run `image-hear publish --stage {stage_dir}` first")
        uploads.append(Upload(repo_type, repo_id, folder, files_under(folder)))
    order = {"dataset": 0, "results": 1, "leaderboard": 3}
    names = {rid: artifact for artifact, (_, rid) in repo_ids(namespace).items()}
    return sorted(uploads, key=lambda u: (order.get(names[u.repo_id], 2), u.repo_id))


def format_upload(upload: Upload) -> str:
    lines = [f"{upload.repo_type} {upload.repo_id}  ({len(upload.files)} files, {human_size(upload.size)})"]
    lines += [f"  {human_size(size):>9}  {name}" for name, size in upload.files]
    return "\n".join(lines)


def format_plan(stage_dir, uploads: list[Upload], namespace: str = NAMESPACE) -> str:
    """The text ``--dry-run --push`` prints: PyPI files, then every Hub repo with its files."""
    dist = Path(stage_dir) / "dist"
    lines = ["1. PyPI (twine upload, not done by --push):"]
    lines += [f"  {human_size(size):>9}  dist/{name}" for name, size in files_under(dist)]
    lines.append("2. Hugging Face Hub (--push):")
    for upload in uploads:
        lines += ["  " + line for line in format_upload(upload).splitlines()]
    results = repo_ids(namespace)["results"][1]
    lines.append(f"3. Space variables {RESULTS_VARIABLE}={results} and {BENCHMARK_VARIABLE}="
                 f"{repo_ids(namespace)['dataset'][1]} on {repo_ids(namespace)['leaderboard'][1]} "
                 f"(--push sets them); its secret HF_TOKEN, a write token for {results}, is set by hand.")
    total = sum(u.size for u in uploads) + sum(size for _, size in files_under(dist))
    lines.append(f"{len(uploads)} Hub repos, {sum(len(u.files) for u in uploads)} files; "
                 f"{human_size(total)} in all with dist/")
    return "\n".join(lines)


def push(uploads: list[Upload], token: str, namespace: str = NAMESPACE, api=None) -> list[str]:
    """Upload every staged repo (``api``: an ``HfApi``, or a stand-in in tests); return the URLs."""
    if not token:
        raise PublishError("--push needs a Hub write token: pass --token or set HF_TOKEN")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    results = repo_ids(namespace)["results"][1]
    urls = []
    for upload in uploads:
        extra = {"space_sdk": "gradio"} if upload.repo_type == "space" else {}
        api.create_repo(upload.repo_id, repo_type=upload.repo_type, exist_ok=True, **extra)
        api.upload_folder(folder_path=str(upload.folder), repo_id=upload.repo_id, repo_type=upload.repo_type,
                          commit_message="image-hear release (image-hear publish)",
                          delete_patterns=None if upload.repo_id == results else ["*"])
        if upload.repo_id == repo_ids(namespace)["leaderboard"][1]:
            api.add_space_variable(upload.repo_id, RESULTS_VARIABLE, results)
            # the board also joins the Hub's leaderboard of the benchmark dataset (eval.yaml)
            api.add_space_variable(upload.repo_id, BENCHMARK_VARIABLE, repo_ids(namespace)["dataset"][1])
        prefix = {"dataset": "datasets/", "space": "spaces/"}[upload.repo_type]
        urls.append(f"https://huggingface.co/{prefix}{upload.repo_id}")
    return urls
