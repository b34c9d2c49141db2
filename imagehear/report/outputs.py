"""The files of one evaluate run, all named after its results file.

``--out DIR/a.json`` writes ``DIR/a.json``, ``DIR/a.per_sample.csv`` and
``DIR/a.<metric>_per_class.{pdf,svg,png}`` / ``DIR/a.confusion.{pdf,svg,png}``; a second run with
``--out DIR/b.json`` touches none of them. Re-running ``a`` removes the plots of ``a`` that
this run did not draw (a metric left out), so nothing stale stays beside it.

>>> files = run_files("runs/model/results.json")
>>> files.per_sample_csv.name, files.plot_prefix
('results.per_sample.csv', 'results.')
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from imagehear.io.atomic import atomic_write
from imagehear.metrics import METRICS


@dataclass(frozen=True)
class RunFiles:
    results: Path
    per_sample_csv: Path
    folder: Path
    plot_prefix: str

    def plot_names(self) -> list[str]:
        """Every plot name this run may own (so stale ones can be removed, and only those)."""
        from imagehear.report.plots import FORMATS

        stems = [f"{self.plot_prefix}{key}_per_class" for key in METRICS] + [f"{self.plot_prefix}confusion"]
        return [f"{stem}.{suffix}" for stem in stems for suffix in FORMATS]


def run_files(results_path) -> RunFiles:
    path = Path(results_path)
    return RunFiles(path, path.with_name(f"{path.stem}.per_sample.csv"), path.parent, f"{path.stem}.")


def write_json_atomic(data, path: Path) -> Path:
    """Write JSON to a temp file beside ``path``, then rename: a crash never leaves half a file
    (with the umask's permissions, so colleagues sharing the folder can read it)."""
    with atomic_write(path) as fh:
        fh.write(json.dumps(data, indent=1) + "\n")
    return path


def check_overwrite(results_path, metrics, force: bool = False) -> None:
    """Refuse, before any work, a run that would replace a results file holding a metric it does
    not compute (``metrics``: the names this run scores): re-running the same metrics, or more,
    rewrites the file (every value is recomputed, from the cache); dropping one needs ``--force``.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.json"
    >>> _ = path.write_text('{"metrics": {"kl": {}, "clip_score": {}}}')
    >>> check_overwrite(path, ["kl", "clip_score", "fad"])
    >>> check_overwrite(path, ["clip_score"])
    Traceback (most recent call last):
    imagehear.errors.UsageError: ... holds kl, which this run (clip_score) does not compute; pass --force to replace it, or choose another --out
    """
    from imagehear.errors import UsageError

    path = Path(results_path)
    if force or not path.exists():
        return
    try:
        held = list(json.loads(path.read_text(encoding="utf-8")).get("metrics") or {})
    except (OSError, ValueError, AttributeError):
        raise UsageError(f"{path}: exists and is not a readable results file; pass --force to replace it, "
                         "or choose another --out") from None
    lost = [name for name in held if name not in set(metrics)]
    if lost:
        raise UsageError(f"{path}: holds {', '.join(lost)}, which this run ({', '.join(metrics)}) does not compute; "
                         "pass --force to replace it, or choose another --out")


def write_run(results: dict, per_sample: list[dict], results_path) -> list[Path]:
    """Write the results file, its per-sample CSV and its plots; return every path written."""
    from imagehear.report.plots import write_plots
    from imagehear.report.summary import write_per_sample_csv

    files = run_files(results_path)
    write_json_atomic(results, files.results)
    write_per_sample_csv(per_sample, files.per_sample_csv)
    for name in files.plot_names():  # this run's old plots: redrawn below or stale
        (files.folder / name).unlink(missing_ok=True)
    plots = write_plots(results, files.folder, prefix=files.plot_prefix)
    return [files.results, files.per_sample_csv, *plots]
