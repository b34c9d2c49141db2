"""The small gradio app each evaluate module's Space runs (``metrics/<name>/app.py``).

evaluate's own widget helper is broken with current gradio, so each Space builds this:
upload generated clips and their references, get the module's output as JSON.
"""
from __future__ import annotations

REFERENCE_INPUTS = {
    "image": "conditioning images (one per clip, same order)",
    "label": "IMAGE HEAR class names, comma-separated (one per clip, same order)",
    "audio": "reference clips",
}


def build_app(module_dir: str, title: str, reference_kind: str):
    """A gradio Blocks app scoring uploads with the evaluate module in ``module_dir``."""
    import evaluate
    import gradio as gr

    from imagehear.errors import ImageHearError

    metric = evaluate.load(module_dir)

    def score(predictions, references=None):
        if not predictions or (reference_kind != "none" and not references):
            raise gr.Error("upload generated clips and their references")
        refs = [r.strip() for r in references.split(",")] if reference_kind == "label" else \
            (list(references) if references else None)
        try:
            result = metric.compute(predictions=list(predictions), references=refs)
        except (ImageHearError, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        return {k: v for k, v in result.items() if k not in ("per_sample", "per_pair")}

    with gr.Blocks(title=title) as app:
        gr.Markdown(f"# {title}\n\nProtocol v1 of the image-hear toolkit; see the card for every choice.")
        predictions = gr.File(label="generated clips", file_count="multiple", type="filepath")
        inputs = [predictions]
        if reference_kind == "label":
            inputs.append(gr.Textbox(label=REFERENCE_INPUTS["label"]))
        elif reference_kind != "none":
            inputs.append(gr.File(label=REFERENCE_INPUTS[reference_kind], file_count="multiple", type="filepath"))
        output = gr.JSON(label="result")
        gr.Button("Score").click(score, inputs, output)
    return app
