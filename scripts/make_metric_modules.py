"""Write the evaluate module folders of the registry's metrics that have no hand-written module.

Each generated folder gets ``<name>.py`` (a shell over
:func:`imagehear.evaluate_module.module_class`), ``app.py`` (the Space), ``requirements.txt``
and a ``README.md`` card built from the spec. The four hand-written folders get only their
release lines: requirements.txt and the ``# From: image-hear==VERSION`` import comments.
tests/test_metric_apps.py checks that the committed folders equal this script's output.

    python scripts/make_metric_modules.py            # writes metrics/<name>/
    python scripts/make_metric_modules.py --out DIR  # writes DIR/<name>/ (the test compares)
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from imagehear import __version__
from imagehear.evaluate_module import reference_kind
from imagehear.metrics import METRICS
from imagehear.publish.spaces import FROM_COMMENT, metric_requirements

REPO = Path(__file__).resolve().parent.parent
HAND_WRITTEN = ("clip_score_audio", "passt_accuracy", "kl", "fad")  # cards with published context

MODULE = '''"""{label}: {short} (image-hear metric registry entry `{name}`)."""
from imagehear.evaluate_module import module_class  {from_comment}

{cls} = module_class("{name}")
'''
APP = '''"""Space app for the `{name}` evaluate module (run: python app.py)."""
from pathlib import Path

from imagehear.metric_app import build_app

app = build_app(str(Path(__file__).resolve().parent), "{label}", pairing="{pairing}")

if __name__ == "__main__":
    app.launch()
'''
REQUIREMENTS = metric_requirements(__version__)  # the same for the hand-written modules (a test checks)
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

## Citation
See the image-hear repository for the backbones' papers (`imagehear.weights.REGISTRY`).
'''
_CI = {"mean": "seeded percentile bootstrap of the mean of per-clip values",
       "set": "seeded bootstrap over whole clips of the set-level statistic (it need not hold the value)",
       "splits": "none; the std over the 10 splits is reported, as av-benchmark does"}
_REFS = {"audio": "references=ref_paths, ", "label": "references=class_names, ", "image": "references=image_paths, ",
         "none": ""}


def files_for(name: str) -> dict[str, str]:
    spec, kind = METRICS[name], reference_kind(name)
    fields = dict(name=name, label=spec.label, kind=kind, from_comment=FROM_COMMENT,
                  pairing=spec.reference if kind == "audio" else kind, protocol=spec.protocol, lo=spec.valid_range[0],
                  hi=spec.valid_range[1], ci=_CI[spec.ci], refs=_REFS[kind], backbones=", ".join(spec.backbones),
                  cls="".join(p.capitalize() for p in name.split("_")), short=spec.protocol.split(";")[0],
                  direction="Higher is better" if spec.higher_is_better else "Lower is better",
                  same_ref=" and the same reference set" if spec.needs_reference else "")
    return {f"{name}.py": MODULE.format(**fields), "app.py": APP.format(**fields),
            "requirements.txt": REQUIREMENTS, "README.md": CARD.format(**fields)}


def generated_modules() -> list[str]:
    return [s.module for s in METRICS.values() if s.module and s.module not in HAND_WRITTEN]


def hand_written_files(name: str) -> dict[str, str]:
    """A hand-written module's release lines brought to this version: requirements.txt and the
    ``# From: image-hear==VERSION`` comment of its imagehear imports (the rest is left as it is)."""
    text = (REPO / "metrics" / name / f"{name}.py").read_text()
    text = re.sub(r"^((?:from|import) imagehear[^#\n]*?)\s*(?:# From: [^\n]*)?$", rf"\1  {FROM_COMMENT}", text,
                  flags=re.MULTILINE)
    return {f"{name}.py": text, "requirements.txt": REQUIREMENTS}


def write(out: Path) -> list[Path]:
    written = []
    for name in HAND_WRITTEN:
        for file_name, text in hand_written_files(name).items():
            path = out / name / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    for name in generated_modules():
        for file_name, text in files_for(name).items():
            path = out / name / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "metrics")
    print(f"wrote {len(write(parser.parse_args().out))} files")
