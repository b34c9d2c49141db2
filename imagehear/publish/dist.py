"""The package's wheel and sdist, built from the checkout with ``python -m build``.

``build`` makes the sdist first and the wheel from it, in an isolated build environment,
as a release to PyPI would. The version is ``imagehear.__version__`` (pyproject.toml reads
it from there) and CHANGELOG.md must have an entry for it.

>>> changelog_has("## 0.1.0 (2026-12-01)\\n- first release\\n", "0.1.0")
True
>>> changelog_has("## 0.1.0\\n", "0.2.0")
False
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from imagehear import __version__
from imagehear.publish.layout import PublishError

WHEEL_DATA = ("imagehear/data/dataset_card.md", "imagehear/data/image_hear.json",
              "imagehear/data/accepted_weights.json")


def changelog_has(text: str, version: str) -> bool:
    """Whether a CHANGELOG text has a ``## VERSION`` heading."""
    return re.search(rf"^##\s+\[?{re.escape(version)}\]?(\s|$)", text, flags=re.MULTILINE) is not None


def check_changelog(repo: Path, version: str = __version__) -> None:
    path = repo / "CHANGELOG.md"
    if not path.is_file() or not changelog_has(path.read_text(encoding="utf-8"), version):
        raise PublishError(f"{path}: no '## {version}' entry; describe the release there before staging it")


def build_dist(repo: Path, out: Path, version: str = __version__) -> tuple[Path, Path]:
    """Build ``out/image_hear-VERSION-py3-none-any.whl`` and ``out/image_hear-VERSION.tar.gz``."""
    import importlib.util

    if importlib.util.find_spec("build") is None:
        raise PublishError("the `build` package is missing: pip install build (requirements.txt lists it)")
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(repo)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise PublishError(f"python -m build {repo} failed: {last}")
    wheel, sdist = out / f"image_hear-{version}-py3-none-any.whl", out / f"image_hear-{version}.tar.gz"
    for path in (wheel, sdist):
        if not path.is_file():
            raise PublishError(f"{path}: not built (is pyproject.toml's version imagehear.__version__?)")
    check_wheel(wheel)
    return wheel, sdist


def check_wheel(wheel: Path) -> None:
    """Refuse a wheel that lacks the dataset card or the metadata files."""
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        missing = [name for name in WHEEL_DATA if name not in zf.namelist()]
    if missing:
        raise PublishError(f"{wheel}: lacks {', '.join(missing)}; list them in pyproject.toml's package-data")
