"""``image-hear publish``: stage the release, then print its plan or push it.

    image-hear publish --stage /tmp/stage                      # stage, print a summary
    image-hear publish --stage /tmp/stage --dry-run --push     # stage, print every upload
    image-hear publish --stage /tmp/stage --push --token hf_…  # stage and upload (HF_TOKEN works too)

Returns the text to print; refusals are :class:`~imagehear.publish.PublishError`.
"""
from __future__ import annotations

import os

from imagehear.publish.layout import NAMESPACE, PublishUsageError, human_size


def publish(stage_dir, push: bool = False, token: str | None = None, dry_run: bool = False, source=None,
            cache_dir=None, namespace: str = NAMESPACE, repo=None, api=None) -> str:
    """Stage into ``stage_dir``; with ``push`` upload (or, with ``dry_run``, list the uploads)."""
    from imagehear.publish import push as pushing
    from imagehear.publish.stage import stage

    token = token or os.environ.get("HF_TOKEN")
    if push and not dry_run and not token:  # before the slow part
        raise PublishUsageError("--push needs a Hub write token: pass --token or set HF_TOKEN (or add --dry-run)")
    uploads = stage(stage_dir, repo=repo, source=source, cache_dir=cache_dir, namespace=namespace)
    if dry_run or push:
        text = pushing.format_plan(stage_dir, uploads, namespace)
        if dry_run:
            return f"staged {stage_dir}; --dry-run: nothing uploaded. A push would upload:\n{text}"
        urls = pushing.push(uploads, token, namespace, api=api)
        return f"{text}\nuploaded:\n" + "\n".join(urls)
    total = sum(u.size for u in uploads)
    return (f"staged {stage_dir}: {len(uploads)} Hub repos ({human_size(total)}) and dist/; "
            f"`image-hear publish --stage {stage_dir} --dry-run --push` lists every file")
