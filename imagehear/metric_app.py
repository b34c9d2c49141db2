"""The small gradio app each evaluate module's Space runs (``metrics/<name>/app.py``).

evaluate's own widget helper is broken with current gradio, so each Space builds this:
upload generated clips and their references, get the module's output as JSON. What the
references are, and so how uploads pair, is the metric's spec (``MetricSpec.references``);
uploads are paired by name, never by upload order (:mod:`imagehear.metrics.pairing`), and the
pairing used is shown next to the result (and returned in it, under ``pairing``).

Weights come from ``IMAGEHEAR_WEIGHTS`` when set (the tests' random weights), else from
the upstream sources (:mod:`imagehear.models.weights`).

>>> [kind for kind in REFERENCE_KINDS if kind in REFERENCE_INPUTS]   # kinds that upload references
['paired', 'set', 'image']
>>> [kind for kind in REFERENCE_KINDS if kind in MANIFEST_KINDS]     # kinds that pair through a manifest
['label', 'image']
"""
from __future__ import annotations

from imagehear.metrics import REFERENCE_KINDS, by_module
from imagehear.metrics.pairing import pair_uploads, parse_manifest

# What the Space asks to upload as references, per kind of references (the others upload none).
REFERENCE_INPUTS = {
    "paired": "reference clips (paired with generated clips by file name without extension)",
    "set": "reference clips (the reference set; no pairing)",
    "image": "conditioning images (matched to clips by the manifest's image column)",
}
# Kinds whose references come through a manifest row per clip (its label or image column).
MANIFEST_KINDS = ("label", "image")
MANIFEST_INPUT = "manifest.csv (file,label,image as `image-hear plan` writes it; matched by base name)"


def score_uploads(metric, references: str, predictions, uploaded=None, manifest_path=None) -> tuple[dict, list]:
    """Pair the uploads as ``references`` (a kind of REFERENCE_KINDS) says, compute ``metric`` on
    them; return (result without per-sample values, rows)."""
    manifest = None
    if manifest_path:
        with open(manifest_path, encoding="utf-8-sig") as fh:
            manifest = parse_manifest(fh.read())
    paired = pair_uploads(references, list(predictions or []), list(uploaded or []) or None, manifest)
    result = metric.compute(predictions=paired.predictions, references=paired.references)
    out = {k: v for k, v in result.items() if k not in ("per_sample", "per_pair")}
    out["pairing"] = paired.rows
    return out, paired.rows


def build_app(module_dir: str, module: str):
    """A gradio Blocks app scoring uploads with the evaluate module ``module`` (its folder: ``module_dir``).

    The module's metric spec gives the title and what the references are (``MetricSpec.references``).
    """
    spec = by_module(module)
    kind, title = spec.references, spec.evaluate_module.title or spec.label
    import evaluate
    import gradio as gr

    from imagehear.errors import ImageHearError

    metric = evaluate.load(module_dir)

    def score(predictions, *rest):
        uploaded = rest[0] if kind in REFERENCE_INPUTS else None
        manifest = rest[-1] if kind in MANIFEST_KINDS else None
        try:
            return score_uploads(metric, kind, predictions, uploaded, manifest)
        except (ImageHearError, ValueError) as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}\n\nProtocol v1 of the image-hear toolkit; see the card for every choice. "
                    "Files are paired by name, never by upload order; the pairing used is shown below.")
        inputs = [gr.File(label="generated clips", file_count="multiple", type="filepath")]
        if kind in REFERENCE_INPUTS:
            inputs.append(gr.File(label=REFERENCE_INPUTS[kind], file_count="multiple", type="filepath"))
        if kind in MANIFEST_KINDS:
            inputs.append(gr.File(label=MANIFEST_INPUT, file_count="single", type="filepath",
                                  file_types=[".csv"]))
        output = gr.JSON(label="result")
        table = gr.Dataframe(headers=["generated clip", "paired with"], label="pairing", interactive=False)
        gr.Button("Score").click(score, inputs, [output, table], api_name="score")
    return app
