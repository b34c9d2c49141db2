"""Publish IMAGE HEAR to the Hugging Face Hub: export Parquet + card, then upload the folder.

Needs a Hub token with write access (``huggingface-cli login`` or ``HF_TOKEN``). The
export fetches the images from the pinned Im2Wav commit (or ``--source``) and checks
every SHA-256 before anything is uploaded.

    python scripts/push_to_hub.py                       # -> imagehear/image_hear
    python scripts/push_to_hub.py --repo-id me/image_hear --source ../shared/image_hear/images
"""
from __future__ import annotations

import argparse
import sys
import tempfile


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Export IMAGE HEAR (Parquet + README.md card) and "
                                     "upload it as a Hugging Face dataset repository.")
    parser.add_argument("--repo-id", default="imagehear/image_hear", help="dataset repo (default %(default)s)")
    parser.add_argument("--source", help="base URL or local folder with the images (default: pinned commit)")
    parser.add_argument("--cache-dir", help="where downloaded images are kept")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    # heavy imports after parsing: `--help` stays instant and offline
    from huggingface_hub import HfApi

    from imagehear.io.dataset import export_hub_folder
    from imagehear.errors import ImageHearError

    with tempfile.TemporaryDirectory(prefix="image_hear_hub_") as tmp:
        try:
            folder = export_hub_folder(tmp, source=args.source, cache_dir=args.cache_dir)
        except ImageHearError as exc:
            print(f"push_to_hub: error: {exc}", file=sys.stderr)
            return 2
        api = HfApi()
        api.create_repo(args.repo_id, repo_type="dataset", private=args.private, exist_ok=True)
        info = api.upload_folder(folder_path=str(folder), repo_id=args.repo_id, repo_type="dataset",
                                 commit_message="IMAGE HEAR: Parquet + dataset card (image-hear export)")
    print(f"uploaded to https://huggingface.co/datasets/{args.repo_id} ({info})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
