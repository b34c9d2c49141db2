"""Model against model: two results files of the same plan, compared clip by clip.

Both runs follow the same manifest, so their clips pair by manifest row (``file``). For
each metric the answer is B - A, its paired cluster-bootstrap interval (images resampled
within classes, the same draws for both runs: :mod:`imagehear.scores.paired`), a two-sided
bootstrap p-value and a verdict in the metric's own direction (the registry's
``higher_is_better``). Per-sample metrics use the per-clip values each results file
carries (:mod:`imagehear.metrics.samples`). Set-level metrics (FAD, FD, KAD) have no per-clip
contributions: they are compared only when both runs' embeddings are given
(``embeddings=``; ``image-hear compare --reference-dir`` gathers them from the embedding
cache), by joint resampling; otherwise they are listed under ``not_compared``.

>>> from imagehear.report.compare import verdict
>>> verdict((0.4, 1.2), higher_is_better=True), verdict((-0.3, 0.5), higher_is_better=False)
('B better', 'not distinguishable at 95 %')
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from imagehear import scores
from imagehear.errors import ImageHearError, UsageError
from imagehear.metrics import METRICS, compute, samples
from imagehear.report.formatting import aligned_table, escape, markdown_table, num

A_BETTER, B_BETTER, TIE = "A better", "B better", "not distinguishable at 95 %"
MAX_RESULTS_BYTES = 50_000_000
SET_METRICS = tuple(n for n, s in METRICS.items() if s.ci == "set")


class CompareError(ImageHearError):
    """Two results that cannot be compared (different protocol, profile, weights or rows)."""


def verdict(ci, higher_is_better: bool) -> str:
    """"A better", "B better" or "not distinguishable at 95 %" from the interval of B - A."""
    low, high = ci
    if low > 0 or high < 0:
        return B_BETTER if (low > 0) == higher_is_better else A_BETTER
    return TIE


def load_results(path) -> dict:
    """A results.json as a dict; CompareError (one line, naming the file) if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise CompareError(f"{path}: results file not found")
    if path.stat().st_size > MAX_RESULTS_BYTES:
        raise CompareError(f"{path}: larger than {MAX_RESULTS_BYTES // 1_000_000} MB, not a results file")
    try:
        data = json.loads(path.read_text())
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise CompareError(f"{path}: not valid JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise CompareError(f"{path}: not an image-hear results file (no metrics object)")
    return data


def _get(d: dict, *keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def _recorded(results: dict, what: str):
    """A results file's protocol, profile, precision or image set; a profile option or image set
    the file lacks was added after the version that wrote it, so it holds its default."""
    if what == "image set":
        return results.get("image_set", "im2wav")
    if what == "profile":
        from dataclasses import asdict

        from imagehear.protocol.profiles import Profile

        recorded = _get(results, "config", "profile")
        return {**asdict(Profile("")), **recorded} if isinstance(recorded, dict) else recorded
    return _get(results, "protocol") if what == "protocol" else _get(results, "config", "precision")


def refusal(a: dict, b: dict) -> str | None:
    """Why two results must not be compared (one line), or None: the protocol, the profile,
    the precision, the image set, a common metric's definition or a common backbone's weights differ."""
    for what in ("protocol", "profile", "precision", "image set"):
        if _recorded(a, what) != _recorded(b, what):
            return (f"{what} differs: A {json.dumps(_recorded(a, what))[:80]}, "
                    f"B {json.dumps(_recorded(b, what))[:80]}")
    for name in set(_get(a, "config", "metrics") or {}) & set(_get(b, "config", "metrics") or {}):
        if a["config"]["metrics"][name] != b["config"]["metrics"][name]:
            return f"the definition of {name} differs between A and B (different image-hear versions?)"
    wa, wb = _get(a, "environment", "weights") or {}, _get(b, "environment", "weights") or {}
    for name in sorted(set(wa) & set(wb)):
        if _get(wa, name, "sha256") != _get(wb, name, "sha256"):
            return (f"{name} weights differ: A sha256 {str(_get(wa, name, 'sha256'))[:12]}, "
                    f"B {str(_get(wb, name, 'sha256'))[:12]}")
    return None


def pair_rows(sa: samples.PerSample, sb: samples.PerSample) -> np.ndarray:
    """For each row of A, the row of B with the same file; CompareError naming unmatched rows."""
    index = {f: i for i, f in enumerate(sb.files)}
    only_a = [f for f in sa.files if f not in index]
    only_b = sorted(set(sb.files) - set(sa.files))
    if only_a or only_b:
        def show(rows):
            return f"{len(rows)} ({', '.join(rows[:3])}{', ...' if len(rows) > 3 else ''})"
        raise CompareError(f"the runs score different manifest rows: only in A {show(only_a)}, only in B "
                           f"{show(only_b)}; compare runs of the same plan")
    order = np.array([index[f] for f in sa.files], dtype=int)
    for i, j in enumerate(order):
        if (sa.labels[i], sa.units[i]) != (sb.labels[j], sb.units[j]):
            raise CompareError(f"{sa.files[i]}: class or conditioning differs between A ({sa.labels[i]}, "
                               f"{sa.units[i]}) and B ({sb.labels[j]}, {sb.units[j]})")
    return order


def _entry(name: str, va: float, vb: float, diff: scores.Difference) -> dict:
    return {"a": va, "b": vb, "difference": diff.difference, "ci95": list(diff.ci95), "p_value": diff.p_value,
            "verdict": verdict(diff.ci95, METRICS[name].higher_is_better), "n": diff.n, "method": diff.method}


def _per_sample(name, sa, sb, order, n_resamples, seed, confidence):
    va, vb = samples.metric_values(sa, name), samples.metric_values(sb, name)
    if va is None or vb is None:
        return None, "per-sample values missing in " + ("A" if va is None else "B")
    vb = vb[order]
    both = np.isfinite(va) & np.isfinite(vb)
    if not both.any():
        return None, "no clip has a value in both runs"
    labels, units = np.asarray(sa.labels)[both], np.asarray(sa.units)[both]
    diff = scores.paired_difference(va[both], vb[both], labels, units, n_resamples, seed, confidence)
    entry = _entry(name, float(va[both].mean()), float(vb[both].mean()), diff)
    entry["n_unmatched"] = int(sa.n - both.sum())  # rows without a value in A or B (KL: no reference pair)
    return entry, None


def _frames(clips) -> list[np.ndarray]:
    return [np.atleast_2d(np.asarray(c, dtype=np.float64)) for c in clips]


def _set_level(name, given: dict, sa, order, values, n_resamples, seed, confidence):
    """B - A of a set metric by joint resampling of both runs' embeddings (A's row order)."""
    gen_a, gen_b, ref = _frames(given["a"]), _frames(given["b"]), _frames(given["reference"])
    if len(gen_a) != sa.n or len(gen_b) != sa.n:
        raise CompareError(f"{name}: embeddings must hold one entry per manifest row ({sa.n})")
    gen_b = [gen_b[j] for j in order]
    if name == "kad":
        ref_rows = np.concatenate(ref)
        bandwidth = scores.median_pairwise_distance(ref_rows)  # the reference's, as kad_entry
        stats = [compute.kad_statistic(np.concatenate(g), ref_rows, bandwidth) for g in (gen_a, gen_b)]
    else:
        stats = [compute.frechet_statistic(g, ref) for g in (gen_a, gen_b)]
    full = [float(s(np.ones((1, sa.n)), np.ones((1, len(ref))))[0]) for s in stats]  # weights 1: the full sets
    for run, value, reported in zip("AB", full, values):
        if reported is not None and not np.isclose(value, reported, rtol=1e-3, atol=1e-6):
            raise CompareError(f"{name}: the embeddings given for {run} give {value:.6g}, its results file says "
                               f"{reported:.6g}: they are not that run's")
    design = scores.ClusterDesign(sa.labels, sa.units)
    ref_design = scores.ClusterDesign(n=len(ref))
    diff = scores.resampled_pair_difference(lambda w, r: np.stack([s(w, r) for s in stats], axis=1), tuple(full),
                                            design, ref_design, n_resamples, seed, confidence)
    return _entry(name, full[0], full[1], diff)


def compare(a, b, *, metrics=None, n_resamples: int = compute.N_RESAMPLES, n_resamples_set: int =
            compute.N_RESAMPLES_SET, seed: int = 0, confidence: float = 0.95, embeddings: dict | None = None) -> dict:
    """Compare run B with run A (results dicts or paths to results.json) metric by metric.

    Returns ``{"a": ..., "b": ..., "n_pairs": n, "metrics": {name: {"a", "b", "difference"
    (B - A), "ci95", "p_value", "verdict", "n", "method"; per-sample metrics also "n_unmatched": rows
    without a value in A or B}}, "not_compared": {name: reason}}``.
    ``embeddings``: for set-level metrics, ``{name: {"a": [per clip], "b": [per clip],
    "reference": [per clip]}}`` in each run's per-sample row order (an (frames, d) or (d,)
    array per clip). Raises :class:`CompareError` when the runs must not be compared.
    """
    a = load_results(a) if isinstance(a, (str, Path)) else a
    b = load_results(b) if isinstance(b, (str, Path)) else b
    reason = refusal(a, b)
    if reason:
        raise CompareError(f"not comparable: {reason}")
    try:
        sa, sb = samples.unpack(a.get("per_sample")), samples.unpack(b.get("per_sample"))
    except ValueError as exc:
        raise CompareError(str(exc)) from None
    order = pair_rows(sa, sb)
    common = [n for n in METRICS if n in a["metrics"] and n in b["metrics"]]
    names = common if metrics is None else [n for n in metrics if n in common]
    out, skipped = {}, {n: "not in both results files" for n in (metrics or []) if n not in common}
    embeddings = embeddings or {}
    ref_a, ref_b = a.get("reference_set"), b.get("reference_set")
    for name in names:
        ea, eb = a["metrics"][name], b["metrics"][name]
        if "error" in ea or "error" in eb:
            skipped[name] = "failed in " + ("A" if "error" in ea else "B")
        elif METRICS[name].needs_reference and ref_a != ref_b:
            skipped[name] = "the reference sets differ (reference_set fingerprints)"
        elif METRICS[name].ci == "mean":
            entry, why = _per_sample(name, sa, sb, order, n_resamples, seed, confidence)
            if entry is None:
                skipped[name] = why
            else:
                out[name] = entry
        elif name in SET_METRICS and name in embeddings:
            out[name] = _set_level(name, embeddings[name], sa, order, (ea.get("value"), eb.get("value")),
                                   n_resamples_set, seed, confidence)
        elif name in SET_METRICS:
            skipped[name] = ("set-level: needs both runs' embeddings (image-hear compare --reference-dir, "
                             "or embeddings=...)")
        elif METRICS[name].ci == "fit":
            skipped[name] = "an extrapolation without an interval (FD-inf), not comparable clip by clip"
        else:
            skipped[name] = "reported as std over splits, not comparable clip by clip"
    return {"a": {"model": _get(a, "model", "name")}, "b": {"model": _get(b, "model", "name")},
            "n_pairs": sa.n, "seed": seed, "confidence": confidence, "metrics": out, "not_compared": skipped}


def gather_embeddings(results: dict, generated_dir, reference_dir, names, options) -> dict:
    """Per-clip embeddings of one run's set-level metrics ``names``, for :func:`compare`'s
    ``embeddings``: the run's clips (its per-sample rows, under ``generated_dir``) and every
    reference clip, through the pipeline and its embedding cache (a warm cache runs no model).
    ``options``: :class:`imagehear.evaluation.pipeline.Options`; the run's profile is used."""
    from dataclasses import replace
    from types import SimpleNamespace

    from imagehear.embed.engine import as_items
    from imagehear.evaluation import pipeline
    from imagehear.evaluation.suite import pair_reference
    from imagehear.protocol.profiles import Profile

    rows = samples.unpack(results.get("per_sample"))
    folder = Path(generated_dir)
    missing = [f for f in rows.files if not (folder / f).is_file()]
    if missing:
        raise CompareError(f"{folder}: {len(missing)} clip(s) of the run are missing (e.g. {missing[0]}): "
                           "--generated A_DIR B_DIR must name the runs' generated folders")
    profile = _get(results, "config", "profile")
    try:
        options = replace(options, profile=Profile(**profile))
    except TypeError:
        raise CompareError(f"config.profile is not a profile this version knows: {json.dumps(profile)[:80]}") from None
    refs = pair_reference([SimpleNamespace(file=f) for f in rows.files], reference_dir)[3]
    clips = pipeline.Clips(as_items([folder / f for f in rows.files], names=rows.files), list(rows.labels),
                           reference=as_items(refs), image_ids=list(rows.units))
    inputs = pipeline.gather(names, pipeline.prepared(clips, options.profile), pipeline.Backbones(options), options)
    out = {}
    for name in names:
        output = METRICS[name].needs[0]
        out[name] = {"generated": inputs.generated[output], "reference": inputs.reference[output]}
    return out


def both_embeddings(a: dict, b: dict, generated_dirs, reference_dir, options, metrics=None,
                    dirs_given: bool = True) -> dict:
    """:func:`compare`'s ``embeddings`` for the set-level metrics both runs report, gathered
    from each run's generated folder and the shared reference folder. ``dirs_given``: False
    when ``generated_dirs`` are the results files' folders (a folder without the run's clips
    is then a usage error naming ``--generated``)."""
    names = [n for n in SET_METRICS if n in a["metrics"] and n in b["metrics"] and (metrics is None or n in metrics)
             and "error" not in a["metrics"][n] and "error" not in b["metrics"][n]]
    if not names:
        return {}
    for run, results, folder in zip("AB", (a, b), generated_dirs):
        files = samples.unpack(results.get("per_sample")).files
        missing = [f for f in files if not (Path(folder) / f).is_file()]
        if missing and not dirs_given:
            raise UsageError(f"{folder}: {len(missing)} clip(s) of run {run} are not in its results file's folder "
                             f"(e.g. {missing[0]}); --reference-dir reads the runs' clips: name their generated "
                             "folders with --generated A_DIR B_DIR")
    ga, gb = (gather_embeddings(r, d, reference_dir, names, options) for r, d in zip((a, b), generated_dirs))
    return {n: {"a": ga[n]["generated"], "b": gb[n]["generated"], "reference": ga[n]["reference"]} for n in names}


COLUMNS = ("metric", "A", "B", "B − A", "95 % CI", "p", "n", "verdict")
RIGHT = (False, True, True, True, False, True, True, False)


def comparison_parts(result: dict) -> tuple[tuple[str, str], list[tuple[str, ...]], list[str]]:
    """(model names of A and B, table rows, warnings) of a comparison, as plain text."""
    names = tuple(str(result[k]["model"] or k.upper()) for k in ("a", "b"))
    rows, notes = [], []
    for name, m in result["metrics"].items():
        d = METRICS[name].decimals
        n = f"{m['n']} of {result['n_pairs']}" if m.get("n_unmatched") else str(m["n"])
        rows.append((METRICS[name].label, num(m["a"], d), num(m["b"], d), num(m["difference"], d),
                     f"{num(m['ci95'][0], d)} – {num(m['ci95'][1], d)}", f"{m['p_value']:.3g}", n, m["verdict"]))
        if m.get("n_unmatched"):
            notes.append(f"warning: {METRICS[name].label} on {m['n']} of {result['n_pairs']} clips: "
                         f"{m['n_unmatched']} have no value in A or B (no reference clip paired with them)")
    for name, why in result["not_compared"].items():
        rows.append((METRICS[name].label if name in METRICS else name, *("—",) * 6, f"not compared: {why}"))
    return names, rows, notes


def text(result: dict) -> str:
    """The comparison as a plain aligned table (what ``image-hear compare`` prints without --json)."""
    (a, b), rows, notes = comparison_parts(result)
    lines = [f"A = {a} · B = {b} · {result['n_pairs']} paired clips · seed {result['seed']}", "",
             *aligned_table(COLUMNS, rows, RIGHT)]
    return "\n".join(lines + ([""] + notes if notes else []))


def markdown(result: dict) -> str:
    """The comparison as a Markdown table, every user string escaped (``compare --summary FILE.md``)."""
    (a, b), rows, notes = comparison_parts(result)
    lines = [f"**A** = {escape(a)} · **B** = {escape(b)} · {result['n_pairs']} paired clips · seed {result['seed']}",
             "", *markdown_table(COLUMNS, rows, RIGHT)]
    return "\n".join(lines + ([""] + [escape(n) for n in notes] if notes else []))
