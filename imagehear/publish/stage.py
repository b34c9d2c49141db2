"""Stage a whole release into one folder (see :mod:`imagehear.publish` for the layout).

    from imagehear.publish.stage import stage
    uploads = stage("/tmp/stage", source="../shared/image_hear/images")
    # -> DIR/dataset (+ eval.yaml), DIR/spaces/<module>, DIR/spaces/leaderboard, DIR/results, DIR/dist

The files come from a checkout of the repository (``metrics/``, ``space/``, CHANGELOG.md,
pyproject.toml), found beside the imported package unless ``repo`` names one.
"""
from __future__ import annotations

from pathlib import Path

from imagehear.publish.layout import NAMESPACE, PublishError, PublishUsageError, metric_modules, prepare_stage_dir


def find_repo(repo=None) -> Path:
    """The checkout to release: ``repo``, or the folder above the imported package."""
    import imagehear

    root = Path(repo).expanduser() if repo else Path(imagehear.__file__).resolve().parent.parent
    needed = ("pyproject.toml", "CHANGELOG.md", "metrics", "space/app.py")
    missing = [n for n in needed if not (root / n).exists()]
    if missing:
        raise PublishUsageError(f"{root}: not a checkout of the image-hear repository (no {missing[0]}); "
                           f"run publish from one or pass --repo")
    return root


def stage(stage_dir, repo=None, source=None, cache_dir=None, namespace: str = NAMESPACE):
    """Write every artifact of the release into ``stage_dir``; return the planned uploads.

    ``source``/``cache_dir`` are the dataset export's (default: the pinned Im2Wav commit).
    """
    from imagehear.io.dataset import export_hub_folder
    from imagehear.publish.benchmark import write_eval_yaml
    from imagehear.publish.dist import build_dist, check_changelog
    from imagehear.publish.push import plan
    from imagehear.publish.spaces import module_problems, stage_leaderboard, stage_metric_spaces, stage_results_repo

    root = find_repo(repo)
    modules = metric_modules()
    check_changelog(root)
    problems = [p for m in modules for p in module_problems(root / "metrics" / m)]
    if problems:  # before anything slow
        raise PublishError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    out = prepare_stage_dir(stage_dir)
    wheel, _ = build_dist(root, out / "dist")
    export_hub_folder(out / "dataset", source=source, cache_dir=cache_dir)
    write_eval_yaml(out / "dataset")  # the dataset repo is the Hub Benchmark the .eval_results point at
    stage_metric_spaces(root, out, modules)
    stage_leaderboard(root, out, wheel)
    stage_results_repo(root, out)
    return plan(out, namespace)
