"""``image-hear table``: the headlines of one or more results files as a paper table.

:func:`latex_table` writes a booktabs table (one row per run, one column per metric any run
reports; each cell the headline and its 95 % CI, the clips it rests on when they are not the
run's clip count), its caption naming the protocol version, the profile, the image set and the CI
method; :func:`csv_table` writes the same numbers, unrounded, one column each.

>>> run = {"model": {"name": "my_model"}, "protocol": "v1", "complete": True, "n_samples": 3600,
...        "config": {"profile": {"name": "protocol-v1"}, "bootstrap": {"method": "cluster bootstrap",
...                   "n_resamples": 1000, "seed": 0}},
...        "metrics": {"clip_score": {"value": 9.531, "ci95": [9.1, 9.9], "n": 3600},
...                    "kl": {"value": 2.54, "ci95": [2.41, 2.7], "n": 12}}}
>>> print(latex_table([("a.json", run)]).splitlines()[9])
my\\_model & 3600 & 9.53 {\\scriptsize[9.10, 9.90]} & 2.540 {\\scriptsize[2.410, 2.700]} {\\scriptsize($n$=12)} \\\\
>>> print(csv_table([("a.json", run)]).splitlines()[1])
my_model,a.json,v1,protocol-v1,1,0,3600,9.531,9.1,9.9,3600,2.54,2.41,2.7,12
"""
from __future__ import annotations

import csv
import io

from imagehear.metrics import METRICS
from imagehear.report.formatting import num
from imagehear.report.plots import weights_state

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text) -> str:
    """A user string (a model name) as literal LaTeX text.

    >>> latex_escape("a_b & 100%")
    'a\\\\_b \\\\& 100\\\\%'
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _metrics(runs) -> list[str]:
    """The metrics any run reports, in registry order."""
    return [name for name in METRICS if any(name in results["metrics"] for _, results in runs)]


def _profile(results: dict) -> str:
    profile = (results.get("config") or {}).get("profile") or {}
    name = profile.get("name", "protocol-v1") if isinstance(profile, dict) else str(profile)
    length = profile.get("audio_length") if isinstance(profile, dict) else None
    return f"{name} ({length:g} s)" if isinstance(length, (int, float)) else name


def _clips(entry: dict):
    """The clips a headline rests on (a per-sample metric's n, a set metric's generated clips)."""
    for key in ("n", "n_generated_clips", "n_generated"):
        if isinstance(entry.get(key), int):
            return entry[key]
    return None


def _is_random(results: dict) -> bool:
    return any(note.startswith("RANDOM") for note in weights_state(results))


def mismatches(runs) -> list[str]:
    """Why the runs are not comparable in one table (protocol or profile differ), one line each."""
    out = []
    for what, read in (("protocol", lambda r: str(r.get("protocol", "?"))), ("profile", _profile)):
        values = sorted({read(results) for _, results in runs})
        if len(values) > 1:
            out.append(f"the runs differ in {what} ({', '.join(values)}): their numbers are not comparable")
    return out


def caption(runs) -> str:
    """What a reader needs to reproduce the numbers: protocol, profile, image set, CI method, marks."""
    first = runs[0][1]
    protocols = ", ".join(sorted({str(r.get("protocol", "?")) for _, r in runs}))
    profiles = ", ".join(sorted({_profile(r) for _, r in runs}))
    boot = (first.get("config") or {}).get("bootstrap") or {}
    images = ("the generated folders' own conditioning (video or frames rows)"
              if any((r.get("coverage") or {}).get("conditioning") for _, r in runs)
              else "IMAGE HEAR, 30 classes, 100 images of the published listing")
    parts = [f"Headline metrics (image-hear protocol {protocols}, profile {profiles}; image set: {images}).",
             f"Brackets: 95 % CIs, {boot.get('method', 'bootstrap')}, {boot.get('n_resamples', '?')} resamples, "
             f"seed {boot.get('seed', '?')}; n: clips scored (per metric where it differs).",
             "Arrows: higher or lower is better."]
    names = _metrics(runs)
    if any(METRICS[n].ci == "splits" for n in names):
        parts.append("IS: mean ± std over splits.")
    if any(not r.get("complete") for _, r in runs):
        parts.append("* incomplete run (not the full plan).")
    if any(_is_random(r) for _, r in runs):
        parts.append("† random weights: meaningless numbers.")
    return " ".join(parts)


def _cell(name: str, entry, n_samples) -> str:
    spec = METRICS[name]
    if not isinstance(entry, dict) or "error" in entry or entry.get("value") is None:
        return "--"
    text = num(entry["value"], spec.decimals)
    if entry.get("ci95"):
        low, high = entry["ci95"]
        text += rf" {{\scriptsize[{num(low, spec.decimals)}, {num(high, spec.decimals)}]}}"
    elif "std" in entry:
        text += rf" {{\scriptsize$\pm${num(entry['std'], spec.decimals)}}}"
    clips = _clips(entry)
    if clips is not None and clips != n_samples:
        text += rf" {{\scriptsize($n$={clips})}}"
    return text


def latex_table(runs, label: str = "tab:image_hear") -> str:
    """``runs``: (file name, results dict) pairs. A booktabs ``table`` (needs ``\\usepackage{booktabs}``)."""
    names = _metrics(runs)
    heads = [METRICS[n].column + (r" (\%)" if METRICS[n].unit.strip() == "%" else "") +
             (r" $\uparrow$" if METRICS[n].higher_is_better else r" $\downarrow$") for n in names]
    text = latex_escape(caption(runs)).replace("±", r"$\pm$").replace("†", r"$^\dagger$")
    lines = [r"\begin{table}[t]", r"\centering", r"\small", rf"\caption{{{text}}}",
             rf"\label{{{label}}}", r"\begin{tabular}{l r " + "c" * len(names) + "}", r"\toprule",
             " & ".join(["Model", "$n$", *heads]) + r" \\", r"\midrule"]
    for _, results in runs:
        model = latex_escape((results.get("model") or {}).get("name") or "unnamed model")
        model += "*" * (not results.get("complete")) + (r"$^\dagger$" if _is_random(results) else "")
        n = results.get("n_samples")
        cells = [_cell(name, results["metrics"].get(name), n) for name in names]
        lines.append(" & ".join([model, str(n if n is not None else "--"), *cells]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines)


def csv_table(runs) -> str:
    """The same numbers as :func:`latex_table`, unrounded: per metric its value, CI bounds, clips
    and (IS) std; an empty cell where a run lacks the metric or it failed."""
    names = _metrics(runs)
    fields = {n: ("", "_std", "_n") if METRICS[n].ci == "splits" else ("", "_ci_low", "_ci_high", "_n") for n in names}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["model", "results_file", "protocol", "profile", "complete", "random_weights", "n_samples",
                     *[f"{n}{suffix}" for n in names for suffix in fields[n]]])
    for path, results in runs:
        row = [(results.get("model") or {}).get("name") or "unnamed model", str(path), results.get("protocol", ""),
               _profile(results), int(bool(results.get("complete"))), int(_is_random(results)),
               results.get("n_samples", "")]
        for name in names:
            entry = results["metrics"].get(name)
            if not isinstance(entry, dict) or "error" in entry or entry.get("value") is None:
                row += [""] * len(fields[name])
                continue
            low, high = entry.get("ci95") or ("", "")
            spread = [entry.get("std", "")] if METRICS[name].ci == "splits" else [low, high]
            row += [entry["value"], *spread, _clips(entry) or ""]
        writer.writerow(row)
    return out.getvalue()
