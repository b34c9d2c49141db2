"""Space app for the `ib_score` evaluate module (run: python app.py)."""
from pathlib import Path

from imagehear.metric_app import build_app

app = build_app(str(Path(__file__).resolve().parent), "ib_score")

if __name__ == "__main__":
    app.launch()
