"""Each evaluate module folder is complete: its Space app builds offline and its card has evaluate's sections."""
import runpy
import sys
from pathlib import Path

import pytest

from imagehear.metrics import METRICS

REPO = Path(__file__).resolve().parent.parent
MODULES = [spec.module for spec in METRICS.values() if spec.module]


def test_every_module_folder_is_in_the_registry_and_generated_ones_are_current(tmp_path):
    assert sorted(p.name for p in (REPO / "metrics").iterdir() if p.is_dir()) == sorted(MODULES)
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import make_metric_modules
    finally:
        sys.path.remove(str(REPO / "scripts"))
    for path in make_metric_modules.write(tmp_path):
        committed = REPO / "metrics" / path.relative_to(tmp_path)
        assert committed.read_text() == path.read_text(), f"{committed} is stale: run scripts/make_metric_modules.py"


@pytest.mark.parametrize("module", MODULES)
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
