"""The IMAGE HEAR leaderboard app (gradio Blocks): ranking, unranked table, model panel, submissions.

``build_app(results_dir)`` returns the Blocks (tests serve it on 127.0.0.1);
``launch(results_dir, port, host)`` serves it. gradio is imported inside these
functions so ``image-hear --help`` stays instant.

Every user-supplied string (model names, links, validation reasons, config) reaches the
page through components that render text — Dataframe "str" cells, Textbox, Code,
Dropdown labels — never through Markdown or HTML.
"""
# No ``from __future__ import annotations`` here: gradio finds the ``gr.Request`` parameter
# of a handler by its (evaluated) annotation.
from imagehear.leaderboard.table import LOWER_IS_BETTER, METRIC_COLUMNS, column_datatypes
from imagehear.leaderboard.views import Leaderboard

INTRO = f"""# IMAGE HEAR leaderboard
Image-to-audio generation on IMAGE HEAR (30 classes, 100 web images, 120 clips per class).
**The ranking holds only results that are comparable with each other**: scored by
`image-hear evaluate`, protocol v1, complete (all 3,600 planned clips, none skipped), fp32,
default options, with the registry's weights verified by hash. Everything else is in the
**unranked** table below it, each row with the reason: partial runs, bf16, `--compat`
profiles, random or unverified weights, and numbers copied from papers (each computed its
own way: the same Im2Wav model scores CS 9.53 in its paper and 9.843 in V2A-Mapper's table).
CS and CLAP: 100 × mean cosine; accuracy: PaSST top-1 %; IS: higher is better;
{", ".join(sorted(LOWER_IS_BETTER))}: lower is better.
"""
SUBMIT_HELP = """Upload a `results.json` written by `image-hear evaluate` (schema in
`docs/results_schema.md`). It is checked (required keys, types, value ranges, CI bounds,
n_samples vs complete, headline values against the per-sample values, environment and
weight hashes); a refused file gets the full list of reasons. An accepted file is added to
the results folder under a new name, never overwriting another file, and goes to the
ranking or, with its reasons, to the unranked table.
"""
SORT_CHOICES = list(METRIC_COLUMNS) + ["model", "date"]
# Pixel widths; long text (reasons, links) wraps instead of stretching the table.
_WIDTHS = {"rank": 60, "model": 170, "why not ranked": 260, "notes": 220, "accuracy": 95, "paper": 200,
           "code": 200, "file": 160, "reference set": 150, "model repo": 200}


def column_widths(columns: list[str]) -> list[str]:
    """Dataframe column widths: metric values narrow, CIs a little wider.

    >>> column_widths(["model", "CS", "CS 95% CI"])
    ['170px', '80px', '120px']
    """
    return [f"{_WIDTHS.get(c, 120 if c.endswith('CI') else 80 if c in METRIC_COLUMNS else 100)}px"
            for c in columns]


def client_id(request) -> str | None:
    """Who uploads, for the rate limit: the last ``X-Forwarded-For`` hop (the one the Space's
    proxy appends; earlier entries are the client's to forge), else the socket peer."""
    if request is None:
        return None
    forwarded = (request.headers.get("x-forwarded-for") or "").split(",")[-1].strip()
    return forwarded or getattr(request.client, "host", None)


def build_app(results_dir, on_accept=None, board: Leaderboard | None = None):
    """The leaderboard Blocks over ``results_dir`` (a folder of results.json files)."""
    import gradio as gr

    board = board or Leaderboard(results_dir)

    def frame(df):
        columns = list(df.columns)
        return gr.Dataframe(value=df, datatype=column_datatypes(columns), column_widths=column_widths(columns))

    def table_update(query, show_reported, sort_by):
        ranked, unranked, note, refused, choices = board.view(query, show_reported, sort_by)
        return (frame(ranked), frame(unranked), gr.Textbox(value=note),
                gr.Textbox(value=refused, visible=bool(refused)), gr.Dropdown(choices=choices))

    def on_upload(path, query, show_reported, sort_by, request: gr.Request):
        message = board.submit(path, client_id(request), on_accept)
        return (message, None, *table_update(query, show_reported, sort_by))

    with gr.Blocks(title="IMAGE HEAR leaderboard", analytics_enabled=False) as demo:
        gr.Markdown(INTRO)  # static text only
        with gr.Tab("Leaderboard"):
            with gr.Row():
                query = gr.Textbox(label="Search models", placeholder="model name", elem_id="search", scale=3)
                sort_by = gr.Dropdown(SORT_CHOICES, value="accuracy", label="Sort by (best first)",
                                      elem_id="sort-by", scale=1)
                show_reported = gr.Checkbox(value=True, label="Show numbers reported in papers",
                                            elem_id="show-reported", scale=1)
            note = gr.Textbox(label="How the ranking compares", interactive=False, lines=2, elem_id="ranking-note")
            ranked = gr.Dataframe(label="Ranked (comparable results only)", interactive=False,
                                  elem_id="ranked-table", wrap=True, max_height=900)
            unranked = gr.Dataframe(label="Unranked: not comparable with the ranking (see 'why not ranked')",
                                    interactive=False, elem_id="unranked-table", wrap=True, max_height=900)
            refused = gr.Textbox(label="Files left out", interactive=False, visible=False, elem_id="refused")
        with gr.Tab("Model details"):
            model = gr.Dropdown(label="Model (recomputed results)", choices=[], elem_id="model-choice")
            summary = gr.Textbox(label="Run", interactive=False, elem_id="model-summary")
            with gr.Row():
                # accuracy on a fixed 0-100 axis so small differences are not magnified
                acc_plot = gr.BarPlot(x="class", y="value", title="PaSST accuracy per class (%)",
                                      y_title="accuracy (%)", y_lim=[0, 100], x_label_angle=-45,
                                      sort="x", elem_id="per-class-accuracy")
                cs_plot = gr.BarPlot(x="class", y="value", title="CS per class (100 × cosine)",
                                     y_title="CS", x_label_angle=-45, sort="x", elem_id="per-class-cs")
            with gr.Row():
                config = gr.Code(label="Protocol config", language="json", interactive=False)
                environment = gr.Code(label="Environment", language="json", interactive=False)
        with gr.Tab("Submit"):
            gr.Markdown(SUBMIT_HELP)  # static text only
            upload = gr.File(label="results.json", file_types=[".json"], type="filepath", elem_id="upload")
            status = gr.Textbox(label="Submission status", interactive=False, lines=8, elem_id="submit-status")

        view_inputs = [query, show_reported, sort_by]
        view_outputs = [ranked, unranked, note, refused, model]
        demo.load(table_update, view_inputs, view_outputs)
        query.change(table_update, view_inputs, view_outputs)
        show_reported.change(table_update, view_inputs, view_outputs)
        sort_by.change(table_update, view_inputs, view_outputs)
        upload.upload(on_upload, [upload, *view_inputs], [status, upload, *view_outputs])
        model.change(board.model_view, model, [acc_plot, cs_plot, summary, config, environment])
    return demo


def launch(results_dir="results", port: int = 7860, host: str = "127.0.0.1", on_accept=None,
           block: bool = True, board: Leaderboard | None = None):
    """Serve the leaderboard (blocking unless ``block=False``, which returns the running app)."""
    # gradio 6's default theme serves its fonts locally, so the page needs no CDN; no share link.
    demo = build_app(results_dir, on_accept=on_accept, board=board)
    demo.launch(server_name=host, server_port=port, share=False, prevent_thread_lock=not block,
                ssr_mode=False, max_file_size="5mb", quiet=not block)
    return demo
