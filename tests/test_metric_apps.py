"""Each evaluate module folder is complete: its Space app builds offline and its card has evaluate's sections."""
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["clip_score_audio", "passt_accuracy", "kl", "fad"])
def test_space_app_builds(module, monkeypatch):
    import gradio as gr

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    namespace = runpy.run_path(str(REPO / "metrics" / module / "app.py"), run_name="space_app")
    assert isinstance(namespace["app"], gr.Blocks)
    for name in ("README.md", "requirements.txt", f"{module}.py"):
        assert (REPO / "metrics" / module / name).is_file()
    card = (REPO / "metrics" / module / "README.md").read_text()
    for section in ("## Metric description", "## How to use", "## Output values", "## Limitations", "## Citation"):
        assert section in card
