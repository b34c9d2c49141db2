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
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
    """Write JSON to a temp file beside ``path``, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


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
