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
COLUMN_WIDTH = 3.5  # inches: one column of a two-column paper (IEEE, ACL, AAAI: 3.3-3.5 in), drawn at size
FONT = 7            # points at that size, so the text stays readable where the figure is printed
FORMATS = ("pdf", "svg", "png")  # vector for the paper, PNG for slides and the web
PNG_DPI = 300


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

    fig = Figure(figsize=(width, height), dpi=PNG_DPI, layout="constrained")
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


def _limits(spec, low: float, high: float) -> tuple[float, float]:
    lo, hi = spec.valid_range
    if spec.unit.strip() == "%":
        return -3.0, 103.0  # a 0 % class sits clear of the axis, where its marker shows
    span = max(high - low, 1e-9)
    bottom, top = low - 0.08 * span, high + 0.08 * span
    if high - low < 1e-6:  # every class equal: a readable unit window around it
        bottom, top = low - 1.0, high + 1.0
    return max(bottom, lo) if np.isfinite(lo) else bottom, min(top, hi) if np.isfinite(hi) else top


def _title(fig, what: str, results: dict) -> None:
    """What the figure shows, the model and the run's state, wrapped to the figure's width."""
    import textwrap

    model = _plain(results.get("model", {}).get("name", ""))
    chars = int(fig.get_figwidth() * 72 / (0.55 * FONT))  # characters of FONT points per line
    fig.suptitle(textwrap.fill(f"{what} — {model}", chars) + "\n" + textwrap.fill(title_state(results), chars),
                 fontsize=FONT, x=0.02, ha="left")


def bar_figure(key: str, results: dict, rows: samples.PerSample, seed: int = 0):
    """Per-class horizontal bars of a per-sample metric with their 95 % intervals, n beside each
    class, at one column's width; a marker on every class mean (so a 0 % class shows), and the
    headline and chance lines named in the legend. None when there is nothing to draw."""
    spec = METRICS[key]
    values = samples.metric_values(rows, key)
    if values is None:
        return None
    per_class = class_intervals(values, rows.labels, rows.units, seed)
    if not per_class or len(per_class) > MAX_PLOT_CLASSES:
        return None
    names = list(per_class)
    means, lows, highs = (np.array([per_class[n][k] for n in names]) for k in (0, 1, 2))
    fig = _new_figure(COLUMN_WIDTH, 1.3 + 0.14 * len(names))
    ax = fig.add_subplot()
    y = np.arange(len(names))[::-1]  # first class on top, as a table reads
    entry = results["metrics"].get(key) or {}
    headline = entry.get("value") if isinstance(entry.get("value"), (int, float)) else None
    chance = (entry.get("chance") or {}).get("value")
    chance = chance if isinstance(chance, (int, float)) else None
    shown = [v for v in (headline, chance) if v is not None]
    finite = np.concatenate([means, lows[np.isfinite(lows)], highs[np.isfinite(highs)], shown])
    left, right = _limits(spec, float(finite.min()), float(finite.max()))
    err = np.vstack([np.nan_to_num(means - lows), np.nan_to_num(highs - means)])
    what = "class mean, 95 % CI (images resampled)"
    error_style = {"linewidth": 0.7, "ecolor": "#333333", "capsize": 1.5}
    if left <= 0 <= right:  # bars from 0; on an axis without 0 a bar's length would mean nothing: dots
        ax.barh(y, means, height=0.7, color="#9ecae1", xerr=err, error_kw=error_style, label=what)
        ax.axvline(0.0, color="#888888", linewidth=0.5, zorder=0)  # the zero of the scale, not a result
    else:
        ax.errorbar(means, y, xerr=err, fmt="none", elinewidth=0.7, **{k: v for k, v in error_style.items()
                                                                     if k != "linewidth"})
    # a marker on every mean: a class at 0 % has no bar to see, but has its marker
    ax.plot(means, y, linestyle="none", marker="|", markersize=5, markeredgewidth=1.4, color="#08519c",
            label=None if left <= 0 <= right else what)
    ax.set_yticks(y, [f"{n} (n={per_class[n][3]}, {per_class[n][4]} img)" for n in names], fontsize=FONT - 1)
    ax.tick_params(axis="x", labelsize=FONT - 1)
    if headline is not None:
        ax.axvline(headline, color="black", linestyle="-", linewidth=0.9,
                   label=f"mean over all clips ({headline:.{spec.decimals}f}{spec.unit})")
    if chance is not None:
        ax.axvline(chance, color="tab:red", linestyle="--", linewidth=0.9,
                   label=f"chance level: {spec.chance or 'chance'} ({chance:.{spec.decimals}f}{spec.unit})")
    ax.set_xlim(left, right)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_xlabel(f"{spec.label}{' (%)' if spec.unit.strip() == '%' else ''}", fontsize=FONT)
    _title(fig, f"{spec.label} per class", results)
    fig.legend(loc="outside lower center", fontsize=FONT - 1, frameon=False, ncols=1)
    return fig


def confusion_figure(results: dict):
    """Predicted against intended class, each row in % of its clips, every non-empty cell annotated;
    one column wide up to 12 classes, two columns (a ``figure*``) beyond."""
    confusion = (results.get("metrics", {}).get("accuracy") or {}).get("confusion")
    if not confusion:
        return None
    intended = sorted(confusion)
    predicted = sorted(set({p for row in confusion.values() for p in row} - {"other"}) | set(intended)) + ["other"]
    counts = np.array([[confusion[i].get(p, 0) for p in predicted] for i in intended], dtype=float)
    share = 100.0 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)  # row %: classes differ in size
    width = COLUMN_WIDTH if len(predicted) <= 13 else 2 * COLUMN_WIDTH
    cell = min(0.3, (width - 1.6) / len(predicted))
    fig = _new_figure(width, 1.6 + cell * len(intended))
    ax = fig.add_subplot()
    # pcolormesh, not imshow: cells as vector rectangles, so the PDF and SVG hold no raster image
    image = ax.pcolormesh(np.arange(len(predicted) + 1) - 0.5, np.arange(len(intended) + 1) - 0.5, share,
                          cmap="viridis", vmin=0.0, vmax=100.0)
    ax.invert_yaxis()  # first class on top, as a table reads
    size = max(3.5, min(FONT - 1, 0.6 * cell * 72))  # a cell's text fits its cell (72 pt per inch)
    for (r, c), value in np.ndenumerate(share):
        if counts[r, c]:
            ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=size,
                    color="white" if value < 60 else "black")
    ax.set_xticks(range(len(predicted)), predicted, rotation=90, fontsize=FONT - 1)
    ax.set_yticks(range(len(intended)), [f"{c} (n={int(counts[k].sum())})" for k, c in enumerate(intended)],
                  fontsize=FONT - 1)
    ax.set_xlabel("predicted class (PaSST top-1)", fontsize=FONT)
    ax.set_ylabel("intended class", fontsize=FONT)
    _title(fig, "Predicted vs intended class, % of row", results)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.solids.set_rasterized(False)  # matplotlib rasterises a long colour ramp; keep the file vector
    bar.set_label("% of the intended class's clips", fontsize=FONT - 1)
    bar.ax.tick_params(labelsize=FONT - 1)
    return fig


def save_figure(fig, stem: Path) -> list[Path]:
    """``stem``.pdf and .svg (vector; PDF fonts embedded as TrueType, which publishers accept, and
    no creation date, so a redraw is byte-identical) and a 300-dpi ``stem``.png."""
    import matplotlib

    out = []
    # SVG text stays text (smaller, editable, and far quicker to write than glyph outlines)
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "image-hear"}):
        for suffix in FORMATS:
            path = stem.with_name(f"{stem.name}.{suffix}")
            metadata = {"CreationDate": None} if suffix == "pdf" else {"Date": None} if suffix == "svg" else None
            fig.savefig(path, dpi=PNG_DPI, metadata=metadata)
            fig.set_layout_engine("none")  # laid out once, by the first format: the others reuse it
            out.append(path)
    return out


def _plain(text) -> str:
    return str(text).replace("$", r"\$")  # "$" would start matplotlib mathtext in a user string


def write_plots(results: dict, out_dir, prefix: str = "") -> list[Path]:
    """Write ``{prefix}{metric}_per_class.{pdf,svg,png}`` for each per-sample metric and
    ``{prefix}confusion.{pdf,svg,png}``; return the paths written (absent metrics are skipped)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = int(((results.get("config") or {}).get("bootstrap") or {}).get("seed", 0))
    rows = samples.unpack(results["per_sample"]) if results.get("per_sample") else None  # once for every plot
    figures = [(bar_figure(key, results, rows, seed), f"{prefix}{key}_per_class")
               for key in METRICS if rows is not None and key in results.get("metrics", {})
               and "error" not in results["metrics"][key]]
    figures.append((confusion_figure(results), f"{prefix}confusion"))
    return [path for fig, name in figures if fig is not None for path in save_figure(fig, out_dir / name)]
