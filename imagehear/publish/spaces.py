"""The Spaces of a release: one per evaluate module, and the leaderboard with its results repo.

A metric Space is its folder under ``metrics/`` as committed (``<module>.py``, ``app.py``,
``README.md`` with the Space YAML, ``requirements.txt``). Its requirements install the
package by the spec that resolves once the release is on PyPI (``image-hear==VERSION``),
and every ``imagehear`` import line of its module carries ``# From: image-hear==VERSION``:
evaluate 0.4.6 (``loading.get_imports``) takes the text after ``# From:`` as what to
``pip install`` when the import fails, instead of the import name ``imagehear`` (a
different distribution, and one anyone could register).

The leaderboard Space is ``space/`` plus the package's files unpacked from the release
wheel beside ``app.py`` (``python app.py`` puts its own folder first on ``sys.path``): a
Space build runs ``pip install -r requirements.txt``, which cannot install a package
without its dependencies, and ``image-hear`` depends on torch. Its requirements are only
what the leaderboard imports.

>>> FROM_COMMENT.startswith("# From: image-hear==")
True
>>> metric_requirements("9.9.9").splitlines()[2]
'image-hear==9.9.9'
>>> metric_requirements("9.9.9", module_extras("ib_score")).splitlines()[2]
'image-hear[imagebind]==9.9.9'
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from imagehear import __version__
from imagehear.publish.layout import PublishError, folder_of

PIP_NAME = "image-hear"
FROM_COMMENT = f"# From: {PIP_NAME}=={__version__}"
# The torch pair the release is tested with (the repository's requirements.txt pins the same).
TORCH_PINS = ("torch==2.14.1", "torchaudio==2.11.1")
SPACE_FILES = ("README.md", "app.py", "requirements.txt")
RESULTS_CARD = "space/results_repo/README.md"
_IMPORT = re.compile(r"^(from|import)\s+imagehear[\s.]")


def module_extras(module: str) -> tuple[str, ...]:
    """The pip extras of image-hear that the evaluate module ``module`` needs (its backbones' ``extra``)."""
    from imagehear.metrics import by_module
    from imagehear.models import MODELS

    return tuple(sorted({MODELS[b].extra for b in by_module(module).backbones if MODELS[b].extra}))


def metric_requirements(version: str = __version__, extras: tuple[str, ...] = ()) -> str:
    """The ``requirements.txt`` of a metric Space of release ``version`` (``extras``: its optional backbones')."""
    spec = PIP_NAME + (f"[{','.join(extras)}]" if extras else "")
    return ("# The evaluate module is a thin shell over the image-hear library, installed from PyPI at the\n"
            "# release these files belong to; torch and torchaudio are the pair that release was tested with.\n"
            f"{spec}=={version}\nevaluate==0.4.6\ngradio==6.31.0\n" + "".join(p + "\n" for p in TORCH_PINS))


def module_problems(folder: Path, version: str = __version__) -> list[str]:
    """What keeps ``metrics/<module>/`` from being pushed as release ``version`` (empty: nothing)."""
    name = folder.name
    missing = [f for f in (*SPACE_FILES, f"{name}.py") if not (folder / f).is_file()]
    if missing:
        return [f"{folder}: missing {', '.join(missing)}"]
    problems = []
    if (folder / "requirements.txt").read_text() != metric_requirements(version, module_extras(name)):
        problems.append(f"{folder / 'requirements.txt'}: not the release's requirements (image-hear=={version}); "
                        f"run scripts/make_metric_modules.py")
    comment = f"# From: {PIP_NAME}=={version}"
    for i, line in enumerate((folder / f"{name}.py").read_text().splitlines(), 1):
        if _IMPORT.match(line) and not line.rstrip().endswith(comment):
            problems.append(f"{folder / (name + '.py')}:{i}: an imagehear import without {comment!r} "
                            f"(evaluate would tell users `pip install imagehear`)")
    return problems


def stage_metric_spaces(repo: Path, stage_dir: Path, modules) -> list[Path]:
    """Copy each module folder, byte for byte, to ``stage_dir/spaces/<module>/``."""
    problems = [p for m in modules for p in module_problems(repo / "metrics" / m)]
    if problems:
        raise PublishError(f"{problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    out = []
    for module in modules:
        target = folder_of(stage_dir, module)
        target.mkdir(parents=True)
        for name in (*SPACE_FILES, f"{module}.py"):
            shutil.copyfile(repo / "metrics" / module / name, target / name)
        out.append(target)
    return out


def unpack_package(wheel: Path, target: Path) -> list[str]:
    """Write the wheel's ``imagehear/`` files (not its metadata) under ``target``; return their names."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.startswith("imagehear/") and not n.endswith("/")]
        for name in names:
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(zf.read(name))
    return names


def stage_leaderboard(repo: Path, stage_dir: Path, wheel: Path) -> Path:
    """``space/`` files plus the wheel's package into ``stage_dir/spaces/leaderboard/``."""
    target = folder_of(stage_dir, "leaderboard")
    target.mkdir(parents=True)
    for name in SPACE_FILES:
        shutil.copyfile(repo / "space" / name, target / name)
    if not unpack_package(wheel, target):
        raise PublishError(f"{wheel}: holds no imagehear/ package; rebuild it with `python -m build`")
    return target


def stage_results_repo(repo: Path, stage_dir: Path) -> Path:
    """The results dataset repo as it starts: its card (submissions arrive as ``*.json``)."""
    target = folder_of(stage_dir, "results")
    target.mkdir(parents=True)
    shutil.copyfile(repo / RESULTS_CARD, target / "README.md")
    return target
