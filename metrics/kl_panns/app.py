"""Space app for the `kl_panns` evaluate module (run: python app.py)."""
from pathlib import Path

from imagehear.metric_app import build_app

app = build_app(str(Path(__file__).resolve().parent), "kl_panns")

if __name__ == "__main__":
    app.launch()
