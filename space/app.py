"""Hugging Face Space entry point: a thin shell over ``imagehear.leaderboard``.

Settings (Space variables/secrets):
  IMAGEHEAR_RESULTS_REPO  dataset repo holding results.json files (downloaded at start)
  HF_TOKEN                write token: accepted submissions are uploaded to that repo
  IMAGEHEAR_RESULTS_DIR   local folder for the results (default: ./results)
  IMAGEHEAR_BENCHMARK_REPO  the benchmark dataset repo: its Hub leaderboard is joined with the results

In the Space, ``imagehear/`` lies beside this file: `image-hear publish` unpacks it from the
release wheel (``pip install image-hear`` would pull torch), and ``python app.py`` puts this
folder first on ``sys.path``. From a checkout with the package installed (``make install``),
``python space/app.py`` uses the installed package.
"""
import os

from imagehear.leaderboard.app import launch
from imagehear.leaderboard.hub import hub_uploader, sync_results_dir

if __name__ == "__main__":
    results_dir = sync_results_dir(os.environ.get("IMAGEHEAR_RESULTS_DIR", "results"))
    # 0.0.0.0 inside the Space container; the Space proxy is the only way in.
    launch(results_dir, port=int(os.environ.get("PORT", 7860)), host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
           on_accept=hub_uploader())
