"""The small gradio app each evaluate module's Space runs (``metrics/<name>/app.py``).

evaluate's own widget helper is broken with current gradio, so each Space builds this:
upload generated clips and their references, get the module's output as JSON. Uploads are
paired by name, never by upload order (:mod:`imagehear.pairing`), and the pairing used is
shown next to the result (and returned in it, under ``pairing``).

Weights come from ``IMAGEHEAR_WEIGHTS`` when set (the tests' random weights), else from
the upstream sources (:mod:`imagehear.weights`).
"""
from __future__ import annotations

from imagehear.pairing import KINDS, pair_uploads, parse_manifest

REFERENCE_INPUTS = {
    "image": "conditioning images (matched to clips by the manifest's image column)",
    "paired": "reference clips (paired with generated clips by file name without extension)",
    "set": "reference clips (the reference set; no pairing)",
}
MANIFEST_INPUT = "manifest.csv (file,label,image as `image-hear plan` writes it; matched by base name)"


def score_uploads(metric, pairing: str, predictions, references=None, manifest_path=None) -> tuple[dict, list]:
    """Pair the uploads, compute ``metric`` on them; return (result without per-sample values, rows)."""
    manifest = None
    if manifest_path:
        with open(manifest_path, encoding="utf-8") as fh:
            manifest = parse_manifest(fh.read())
    paired = pair_uploads(pairing, list(predictions or []), list(references or []) or None, manifest)
    result = metric.compute(predictions=paired.predictions, references=paired.references)
    out = {k: v for k, v in result.items() if k not in ("per_sample", "per_pair")}
    out["pairing"] = paired.rows
    return out, paired.rows


def build_app(module_dir: str, title: str, pairing: str):
    """A gradio Blocks app scoring uploads with the evaluate module in ``module_dir``.

    ``pairing`` is one of :data:`imagehear.pairing.KINDS`: what the references are and how
    they are matched to the generated clips.
    """
    if pairing not in KINDS:
        raise ValueError(f"pairing must be one of {KINDS}, got {pairing!r}")
    import evaluate
    import gradio as gr

    from imagehear.errors import ImageHearError

    metric = evaluate.load(module_dir)

    def score(predictions, *rest):
        references = rest[0] if pairing in REFERENCE_INPUTS else None
        manifest = rest[-1] if pairing in ("label", "image") else None
        try:
            return score_uploads(metric, pairing, predictions, references, manifest)
        except (ImageHearError, ValueError) as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}\n\nProtocol v1 of the image-hear toolkit; see the card for every choice. "
                    "Files are paired by name, never by upload order; the pairing used is shown below.")
        inputs = [gr.File(label="generated clips", file_count="multiple", type="filepath")]
        if pairing in REFERENCE_INPUTS:
            inputs.append(gr.File(label=REFERENCE_INPUTS[pairing], file_count="multiple", type="filepath"))
        if pairing in ("label", "image"):
            inputs.append(gr.File(label=MANIFEST_INPUT, file_count="single", type="filepath",
                                  file_types=[".csv"]))
        output = gr.JSON(label="result")
        table = gr.Dataframe(headers=["generated clip", "paired with"], label="pairing", interactive=False)
        gr.Button("Score").click(score, inputs, [output, table], api_name="score")
    return app
