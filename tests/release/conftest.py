"""The staged release and fresh venvs built from its own files (tests/release, marker ``release``).

One stage per session (``image-hear publish --stage DIR --dry-run --push``, images served
from ../shared over 127.0.0.1); one venv for all metric Spaces (their requirements
differ only by image-hear's extras; the staged wheel stands in for PyPI) and one for the leaderboard
Space, without torch. Venvs are plain ``python -m venv`` (no system site-packages), so
they hold only what their requirements install; pip's cache is reused.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from imagehear.cli import main


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def make_venv(path: Path, *pip_args: str) -> Path:
    """A fresh venv at ``path`` with ``pip install *pip_args``; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    for args in (("--upgrade", "pip"), pip_args):
        proc = subprocess.run([str(python), "-m", "pip", "install", "-q", *args], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.fail(f"pip install {' '.join(args)} failed in {path}:\n{proc.stderr[-3000:]}")
    return python


def run(python, *args, env=None, timeout=600, cwd=None) -> str:
    proc = subprocess.run([str(python), *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=cwd)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="session")
def staged(tmp_path_factory, shared_dir):
    """(stage folder, the text `publish --dry-run --push` printed), staged once per session."""
    images = shared_dir / "image_hear" / "images"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(images)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("release")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            rc = main(["publish", "--stage", str(root / "stage"), "--dry-run", "--push", "--source",
                       f"http://127.0.0.1:{server.server_address[1]}/", "--cache-dir", str(root / "images")])
    finally:
        server.shutdown()
    assert rc == 0
    return root / "stage", out.getvalue()


@pytest.fixture(scope="session")
def venv_tools():
    """(make_venv, run) for the tests (importlib import mode: test files cannot import this file)."""
    return make_venv, run

