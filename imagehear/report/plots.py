"""Figures of one run: per-class bars with their 95 % intervals and n, and the confusion heat-map.

Everything is read from the results dict (its ``per_sample`` block and metric entries), so a
figure can be redrawn from a results file alone. Per-class intervals use the same design as
the headline's, restricted to one class: its images resampled (Rao-Wu rescaled), t(df)
widened (docs/statistics.md). Titles state the run (complete or not, weights) so that a
figure cut out of its context still says what it shows.

>>> title_state({"complete": False, "n_samples": 6, "environment": {"weights": {
...     "clip": {"random_init": True}, "passt": {"accepted": False}}}})
'INCOMPLETE (6 clips) · RANDOM WEIGHTS (clip) · unverified weights (passt)'
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from imagehear import scores
from imagehear.metrics import METRICS, samples

MAX_PLOT_CLASSES = 400  # a video set's own labels (VGGSound: 309) still plot; one label per clip would not
PLOT_RESAMPLES = 1000


def weights_state(results: dict) -> list[str]:
    """Loud notes on the weights of a run: random (meaningless numbers) or not on the accepted list."""
    weights = (results.get("environment") or {}).get("weights") or {}
    random = sorted(n for n, w in weights.items() if isinstance(w, dict) and w.get("random_init"))
    unverified = sorted(n for n, w in weights.items() if isinstance(w, dict) and not w.get("random_init")
                        and w.get("accepted") is not True)
    notes = [f"RANDOM WEIGHTS ({', '.join(random)})"] if random else []
    return notes + ([f"unverified weights ({', '.join(unverified)})"] if unverified else [])


def title_state(results: dict) -> str:
    """``complete (3600 clips)`` or ``INCOMPLETE (n clips)``, then the weights notes."""
    n = results.get("n_samples")
    state = ("complete" if results.get("complete") else "INCOMPLETE") + (f" ({n} clips)" if n is not None else "")
    return " · ".join([state, *weights_state(results)])


def _new_figure(width: float, height: float):
    # An explicit Agg canvas instead of pyplot: no global backend switch, no GUI, no state
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def class_intervals(values, labels, units, seed: int = 0) -> dict[str, tuple[float, float, float, int, int]]:
    """Per class: (mean, ci low, ci high, clips, images) of the clips that have a value."""
    values, labels, units = np.asarray(values, float), np.asarray(labels), np.asarray(units)
    out = {}
    for name in sorted(set(labels[np.isfinite(values)].tolist())):
        keep = (labels == name) & np.isfinite(values)
        v, u = values[keep], units[keep]
        low, high = (scores.cluster_bootstrap_ci(v, clusters=u, n_resamples=PLOT_RESAMPLES, seed=seed)
                     if len(v) > 1 else (np.nan, np.nan))
        out[name] = (float(v.mean()), float(low), float(high), int(keep.sum()), len(set(u.tolist())))
    return out


def _ylimits(spec, low: float, high: float) -> tuple[float, float]:
    lo, hi = spec.valid_range
    if spec.unit.strip() == "%":
        return 0.0, 100.0  # a 0 % bar on a 0–100 axis, not on ±0.04
    span = max(high - low, 1e-9)
    bottom, top = low - 0.08 * span, high + 0.08 * span
    if high - low < 1e-6:  # every class equal: a readable unit window around it
        bottom, top = low - 1.0, high + 1.0
    return max(bottom, lo) if np.isfinite(lo) else bottom, min(top, hi) if np.isfinite(hi) else top


def bar_plot(key: str, results: dict, rows: samples.PerSample, path: Path, seed: int = 0) -> Path | None:
    """Per-class bars of a per-sample metric with their 95 % intervals, n under each class;
    ``rows``: the run's unpacked per-sample values."""
    spec = METRICS[key]
    values = samples.metric_values(rows, key)
    if values is None:
        return None
    per_class = class_intervals(values, rows.labels, rows.units, seed)
    if not per_class or len(per_class) > MAX_PLOT_CLASSES:
        return None
    names = list(per_class)
    means = np.array([per_class[n][0] for n in names])
    lows = np.array([per_class[n][1] for n in names])
    highs = np.array([per_class[n][2] for n in names])
    fig = _new_figure(max(6.0, 0.32 * len(names) + 2), 4.6)
    ax = fig.add_subplot()
    err = np.vstack([np.nan_to_num(means - lows), np.nan_to_num(highs - means)])
    ax.bar(range(len(names)), means, color="tab:blue", yerr=err, capsize=2, error_kw={"linewidth": 0.8})
    ticks = [f"{n} (n={per_class[n][3]}, {per_class[n][4]} img)" for n in names]
    ax.set_xticks(range(len(names)), ticks, rotation=70, ha="right", fontsize=7)
    chance = (results["metrics"].get(key) or {}).get("chance") or {}
    if isinstance(chance.get("value"), (int, float)):
        ax.axhline(chance["value"], color="tab:red", linestyle="--", linewidth=0.8, label="chance level")
        ax.legend(loc="upper right", fontsize=7)
    headline = (results["metrics"].get(key) or {}).get("value")
    if isinstance(headline, (int, float)):
        ax.axhline(headline, color="black", linestyle=":", linewidth=0.8)
    finite = np.concatenate([means, lows[np.isfinite(lows)], highs[np.isfinite(highs)]])
    ax.set_ylim(*_ylimits(spec, float(finite.min()), float(finite.max())))
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_ylabel(f"{spec.label}{' (%)' if spec.unit.strip() == '%' else ''}")
    model = _plain(results.get("model", {}).get("name", ""))
    ax.set_title(f"{spec.label} per class, 95 % CI (images resampled) — {model}\n{title_state(results)}",
                 fontsize=9)
    fig.savefig(path)
    return path


def confusion_plot(results: dict, path: Path) -> Path | None:
    confusion = (results.get("metrics", {}).get("accuracy") or {}).get("confusion")
    if not confusion:
        return None
    intended = sorted(confusion)
    predicted = sorted(set({p for row in confusion.values() for p in row} - {"other"}) | set(intended)) + ["other"]
    counts = np.array([[confusion[i].get(p, 0) for p in predicted] for i in intended], dtype=float)
    share = 100.0 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)  # row %: classes differ in size
    fig = _new_figure(max(6.0, 0.28 * len(predicted) + 3), max(5.0, 0.28 * len(intended) + 2))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="viridis", vmin=0.0, vmax=100.0, aspect="auto")
    ax.set_xticks(range(len(predicted)), predicted, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(intended)), [f"{c} (n={int(counts[k].sum())})" for k, c in enumerate(intended)],
                  fontsize=7)
    ax.set_xlabel("predicted class (via PaSST top-1)")
    ax.set_ylabel("intended class")
    model = _plain(results.get("model", {}).get("name", ""))
    ax.set_title(f"Predicted vs intended class — {model}\n{title_state(results)}", fontsize=9)
    fig.colorbar(image, ax=ax, label="% of the intended class's clips")
    fig.savefig(path)
    return path


def _plain(text) -> str:
    return str(text).replace("$", r"\$")  # "$" would start matplotlib mathtext in a user string


def write_plots(results: dict, out_dir, prefix: str = "") -> list[Path]:
    """Write ``{prefix}{metric}_per_class.png`` for each per-sample metric and
    ``{prefix}confusion.png``; return the paths written (absent metrics are skipped)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = int(((results.get("config") or {}).get("bootstrap") or {}).get("seed", 0))
    rows = samples.unpack(results["per_sample"]) if results.get("per_sample") else None  # once for every plot
    written = [bar_plot(key, results, rows, out_dir / f"{prefix}{key}_per_class.png", seed)
               for key in METRICS if rows is not None and key in results.get("metrics", {})
               and "error" not in results["metrics"][key]]
    written.append(confusion_plot(results, out_dir / f"{prefix}confusion.png"))
    return [p for p in written if p is not None]

