"""The staged leaderboard Space in a fresh venv built as the Space build does (gradio at the
README's sdk_version, then its requirements.txt): no torch, it serves, and the browser test
(tests/leaderboard/test_browser.py, Debian chromium) passes against it."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.release, pytest.mark.timeout(1200)]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def board_python(staged, tmp_path_factory, venv_tools):
    make_venv, _ = venv_tools
    space = staged[0] / "spaces" / "leaderboard"
    sdk = re.search(r"^sdk_version:\s*(\S+)$", (space / "README.md").read_text(), flags=re.MULTILINE).group(1)
    venv = tmp_path_factory.mktemp("venvs") / "leaderboard"
    yield make_venv(venv, f"gradio=={sdk}", "-r", str(space / "requirements.txt"))
    shutil.rmtree(venv, ignore_errors=True)


def test_the_space_venv_has_no_torch_and_the_package_is_the_staged_one(board_python, staged, venv_tools):
    run = venv_tools[1]
    space = staged[0] / "spaces" / "leaderboard"
    code = ("import importlib.util as u, sys, imagehear.leaderboard.app, imagehear.leaderboard.views; "
            "print([m for m in ('torch', 'torchaudio', 'transformers', 'datasets') if u.find_spec(m)]); "
            "print(imagehear.__file__)")
    found, where = run(board_python, "-c", code, cwd=space).strip().splitlines()
    assert found == "[]" and Path(where) == space / "imagehear" / "__init__.py"


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian chromium (`make browser`)")
def test_browser_test_passes_against_the_staged_space(board_python, staged, tmp_path):
    env = {**os.environ, "IMAGEHEAR_SPACE_DIR": str(staged[0] / "spaces" / "leaderboard"),
           "IMAGEHEAR_SPACE_PYTHON": str(board_python)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp",
                           str(tmp_path / "pt"), str(REPO / "tests" / "leaderboard" / "test_browser.py")],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"\b7 passed\b", proc.stdout), proc.stdout[-2000:]
