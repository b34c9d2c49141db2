"""The README's Python example, run exactly as written, on the layout `make demo` leaves behind.

The test builds that layout (demo_out/ with the dataset's Hub form, tiny random weights and the
demo's toy clips) in a fresh folder, links the checkout's ``metrics/`` beside it, and runs the
README block in a new interpreter there with no image source given: the images must be found
as a local copy beside the checkout, as the README says.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- readme-example:start -->\s*```python\n(.*?)```\s*<!-- readme-example:end -->", text, re.S)
    assert block, "README.md lost its tested example block"
    return block.group(1)


def test_readme_python_example_runs_as_written(tmp_path, shared_dir):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import demo
    finally:
        sys.path.remove(str(REPO / "scripts"))
    from imagehear.io.dataset import export_hub_folder
    from imagehear.testing import make_weights_dir

    out = tmp_path / "demo_out"
    cache = tmp_path / "cache"
    export_hub_folder(out / "image_hear", source=shared_dir / "image_hear" / "images", cache_dir=cache / "images")
    make_weights_dir(out / "random_weights", size="tiny")
    demo.fill_subset(out / "generated", out / "reference")
    (tmp_path / "metrics").symlink_to(REPO / "metrics")
    env = {k: v for k, v in os.environ.items() if k not in ("IMAGEHEAR_SOURCE", "IMAGEHEAR_WEIGHTS")}
    env.update(IMAGEHEAR_CACHE=str(cache), HF_DATASETS_CACHE=str(tmp_path / "hf"), HF_HUB_OFFLINE="1",
               IMAGEHEAR_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    run = subprocess.run([sys.executable, "-c", readme_example()], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "['Accordion', 'Bass', 'Bells'] accordion1.jpg"
    accuracy, clip_score = float(lines[1]), float(lines[2])
    assert 0.0 <= accuracy <= 100.0 and -100.0 <= clip_score <= 100.0
