"""Write the evaluate module folders of the registry's metrics, all from their specs.

Every folder gets ``<name>.py`` (a shell over :func:`imagehear.evaluate_module.module_class`:
its inputs, outputs, examples and description come from the metric's spec), ``app.py`` (the
Space: :func:`imagehear.metric_app.build_app`) and ``requirements.txt``; the folders whose
card is written by hand (published context: values from papers, what the protocol fixes)
keep their ``README.md``, the others get a card built from the spec.
tests/test_metric_apps.py checks that the committed folders equal this script's output.

    python scripts/make_metric_modules.py            # writes metrics/<name>/
    python scripts/make_metric_modules.py --out DIR  # writes DIR/<name>/ (the test compares)
"""
from __future__ import annotations

import argparse
from pathlib import Path

from imagehear import __version__
from imagehear.metrics import METRICS, by_module
from imagehear.models import MODELS
from imagehear.publish.spaces import FROM_COMMENT, metric_requirements, module_extras

REPO = Path(__file__).resolve().parent.parent
HAND_WRITTEN_CARDS = ("clip_score_audio", "passt_accuracy", "kl", "fad")

MODULE = '''"""{label}: {short} (image-hear metric `{name}`; card: README.md)."""
from imagehear.evaluate_module import module_class  {from_comment}

{cls} = module_class("{module}", __name__)
'''
APP = '''"""Space app for the `{module}` evaluate module (run: python app.py)."""
from pathlib import Path

from imagehear.metric_app import build_app

app = build_app(str(Path(__file__).resolve().parent), "{module}")

if __name__ == "__main__":
    app.launch()
'''
CARD = '''---
title: {label}
emoji: 📊
colorFrom: indigo
colorTo: green
sdk: gradio
sdk_version: 6.31.0
app_file: app.py
pinned: false
tags:
- evaluate
- metric
- audio-generation
description: "{label} (IMAGE HEAR protocol v1, image-hear metric `{name}`)"
---

# Metric card: {name}

## Metric description
{protocol}.

{direction}. Valid range: {lo} to {hi}. Its 95 % interval: {ci}.

## How to use
```python
import evaluate
metric = evaluate.load("imagehear/{name}")              # or evaluate.load("metrics/{name}")
result = metric.compute(predictions=gen_paths, {refs}weights_dir="weights")
print(result["{name}"])
```
The same number comes from `image-hear evaluate GEN --metrics {name}` and from
`imagehear.api.score("{name}", ...)`: all three run one pipeline. `compat="av-benchmark"`
reproduces av-benchmark's conventions (docs/av_benchmark.md).

## Output values
`{name}` and the rest of the metric's results.json entry (docs/results_schema.md), plus
`per_sample` (the metric's per-clip values, where it has any).

## Limitations and bias
Depends on the embedding model ({backbones}) and its weights (their SHA-256 is recorded in
every result file); compare only numbers computed with the same protocol{same_ref}.

## Weights and licences
{licences}

## Citation
{citation}
'''
_CI = {"mean": "seeded percentile bootstrap of the mean of per-clip values",
       "set": "seeded bootstrap over whole clips of the set-level statistic (it need not hold the value)",
       "splits": "none; the std over the 10 splits is reported, as av-benchmark does",
       "fit": "none; the extrapolation's fit (slope, r2, points) is reported, as fadtk does"}
# the card's example call, per kind of references (imagehear.metrics.REFERENCE_KINDS)
_REFS = {"paired": "references=ref_paths, ", "set": "references=ref_paths, ", "label": "references=class_names, ",
         "image": "references=image_paths, ", "none": ""}


def files_for(module: str) -> dict[str, str]:
    """The files of ``metrics/<module>/`` as this script writes them."""
    spec = by_module(module)
    fields = dict(name=spec.name, module=module, label=spec.label, from_comment=FROM_COMMENT,
                  cls="".join(p.capitalize() for p in module.split("_")), short=spec.protocol.split(";")[0])
    files = {f"{module}.py": MODULE.format(**fields), "app.py": APP.format(**fields),
             "requirements.txt": metric_requirements(__version__, module_extras(module))}
    if module not in HAND_WRITTEN_CARDS:
        files["README.md"] = card(module)
    return files


def card(module: str) -> str:
    """The metric card of a module without a hand-written one, from its spec."""
    spec = by_module(module)
    return CARD.format(name=spec.name, label=spec.label, protocol=spec.protocol, lo=spec.valid_range[0],
                       hi=spec.valid_range[1], ci=_CI[spec.ci], refs=_REFS[spec.references],
                       backbones=", ".join(spec.backbones),
                       direction="Higher is better" if spec.higher_is_better else "Lower is better",
                       same_ref=" and the same reference set" if spec.needs_reference else "",
                       licences="\n".join(f"- `{b}`: {MODELS[b].checkpoint}, licence {MODELS[b].license}; "
                                           f"{MODELS[b].paper}" for b in spec.backbones),
                       citation=f"```bibtex\n{spec.evaluate_module.citation}\n```" if spec.evaluate_module.citation
                       else "See the image-hear repository for the backbones' papers (`imagehear.models.MODELS`).")


def modules() -> list[str]:
    return [s.module for s in METRICS.values() if s.module]


def write(out: Path) -> list[Path]:
    written = []
    for module in modules():
        for file_name, text in files_for(module).items():
            path = out / module / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "metrics")
    print(f"wrote {len(write(parser.parse_args().out))} files")
