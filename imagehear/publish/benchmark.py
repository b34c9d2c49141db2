"""The dataset repo's ``eval.yaml``: IMAGE HEAR as a Hugging Face Hub *Benchmark*.

The Hub reads ``eval.yaml`` at the root of a dataset repo (its "Evaluation Results"
documentation): ``name``, ``description``, ``evaluation_framework`` and ``tasks[]``, each
task an ``id`` (one leaderboard per task) with the dataset ``config`` and ``split`` it
evaluates. Model repos then point at a task in ``.eval_results/*.yaml``
(``image-hear export-hub``).

The tasks come from the metric registry: one per headline metric that needs no reference
audio, then one per opt-in per-clip quality that needs none
(:func:`imagehear.leaderboard.hub_board.benchmark_tasks`), its id the results.json key.
``evaluation_framework`` names this toolkit: IMAGE HEAR scores audio a model generated, with
image-hear's own pipeline, which none of the Hub's listed frameworks runs (Inspect AI's tasks
grade a text answer against a target field); the Hub docs ask a new framework to be added to
huggingface.js's ``EVALUATION_FRAMEWORKS`` list (packages/tasks/src/eval.ts), as
``open-asr-leaderboard`` and ``mteb`` were.

>>> config = eval_config()
>>> [task["id"] for task in config["tasks"]][:4], config["tasks"][0]["split"]
(['clip_score', 'accuracy', 'clap_score', 'pe_av_score'], 'test')
"""
from __future__ import annotations

from pathlib import Path

FRAMEWORK = "image-hear"
FILE_NAME = "eval.yaml"
_HEADER = ("# IMAGE HEAR as a Hugging Face Hub Benchmark (docs: huggingface.co/docs/hub/eval-results).\n"
           "# Written by `image-hear publish --stage` from the metric registry; edit the registry, not this file.\n")


def task_line(name: str) -> str:
    """One task in words: id, label, direction, unit and definition (protocol v1).

    >>> task_line("accuracy")[:80]
    'accuracy: PaSST accuracy (top-1), in %, higher is better (0 to 100). PaSST passt'
    """
    from imagehear.metrics import METRICS

    spec = METRICS[name]
    unit = "in %" if spec.unit.strip() == "%" else "100 x cosine" if spec.valid_range == (-100.0, 100.0) else "score"
    lo, hi = spec.valid_range
    return (f"{name}: {spec.label}, {unit}, {'higher' if spec.higher_is_better else 'lower'} is better "
            f"({lo:g} to {hi:g}). {spec.protocol}.")


def eval_config() -> dict:
    """The ``eval.yaml`` content as a dict (name, description, evaluation_framework, tasks)."""
    from imagehear.leaderboard.hub_board import benchmark_tasks
    from imagehear.protocol import CLASS_NAMES, CLIPS_PER_CLASS, IMAGE_FILES, PROTOCOL_VERSION

    tasks = benchmark_tasks()
    description = "\n".join([
        f"Image-to-audio generation on IMAGE HEAR ({len(IMAGE_FILES)} web images, {len(CLASS_NAMES)} classes; "
        f"Sheffer & Adi, ICASSP 2023). Protocol {PROTOCOL_VERSION}: {CLIPS_PER_CLASS} generated clips per class "
        "(image j mod n of the class for clip j), scored by `image-hear evaluate` "
        "(https://github.com/imagehear/image-hear); every protocol choice is recorded in the results file.",
        "A score ranks on the IMAGE HEAR leaderboard only when its .eval_results source links a results file in "
        "the benchmark's results dataset that the leaderboard validates, with the same value.",
        "Tasks (id = the metric's key in results.json):",
        *(f"- {task_line(name)}" for name in tasks),
    ])
    return {"name": "IMAGE HEAR", "description": description, "evaluation_framework": FRAMEWORK,
            "tasks": [{"id": name, "config": "default", "split": "test"} for name in tasks]}


def eval_yaml_text() -> str:
    """``eval.yaml`` as written: a short header comment, then the YAML of :func:`eval_config`."""
    import yaml

    class Dumper(yaml.SafeDumper):  # multi-line text as a literal block, readable on the Hub
        pass

    def text(dumper, value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, text)
    return _HEADER + yaml.dump(eval_config(), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_eval_yaml(dataset_dir) -> Path:
    """Write ``eval.yaml`` into a staged dataset folder; return its path."""
    path = Path(dataset_dir) / FILE_NAME
    path.write_text(eval_yaml_text(), encoding="utf-8")
    return path
