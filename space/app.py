"""Hugging Face Space entry point: a thin shell over ``imagehear.leaderboard``.

Settings (Space variables/secrets):
  IMAGEHEAR_RESULTS_REPO  dataset repo holding results.json files (downloaded at start)
  HF_TOKEN                write token: accepted submissions are uploaded to that repo
  IMAGEHEAR_RESULTS_DIR   local folder for the results (default: ./results)
"""
import os
import sys
from pathlib import Path

# A copy of imagehear/ beside app.py (the Space) or an installed package wins; from a
# checkout (python space/app.py) the package in the parent folder is used.
sys.path.append(str(Path(__file__).resolve().parent.parent))

from imagehear.leaderboard.app import launch  # noqa: E402
from imagehear.leaderboard.hub import hub_uploader, sync_results_dir  # noqa: E402

if __name__ == "__main__":
    results_dir = sync_results_dir(os.environ.get("IMAGEHEAR_RESULTS_DIR", "results"))
    # 0.0.0.0 inside the Space container; the Space proxy is the only way in.
    launch(results_dir, port=int(os.environ.get("PORT", 7860)), host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
           on_accept=hub_uploader())
