"""What each part of the app shows, as plain Python values (no gradio here).

The results folder is the single source of truth: every view re-reads it, so a file
added by an upload, by hand, or by a Hub sync appears on the next refresh.
"""
from __future__ import annotations

import json
from pathlib import Path

from imagehear.leaderboard.store import load_results_dir, save_submission
from imagehear.leaderboard.table import build_table, per_class_frame
from imagehear.leaderboard.validate import parse_results


def refused_text(refused: list[tuple[str, list[str]]]) -> str:
    """Plain-text list of files in the folder that were left out, with their reasons.

    >>> print(refused_text([("a.json", ["missing key 'model'"])]))
    1 file in the results folder was left out:
    a.json: missing key 'model'
    """
    if not refused:
        return ""
    head = f"{len(refused)} file{'s' if len(refused) > 1 else ''} in the results folder {'were' if len(refused) > 1 else 'was'} left out:"
    return "\n".join([head] + [f"{key}: {'; '.join(reasons)}" for key, reasons in refused])


def model_choices(results) -> list[tuple[str, str]]:
    """Dropdown choices ``(label, file key)``, the file in the label keeps equal names apart."""
    return [(f"{r.name} ({r.key})", r.key) for r in sorted(results, key=lambda r: (r.name.lower(), r.key))]


def leaderboard_view(results_dir, query: str = "", show_reported: bool = True, sort_by: str = "accuracy"):
    """``(table DataFrame, refused-files text, model choices)`` for the current folder."""
    results, refused = load_results_dir(results_dir)
    table = build_table(results, show_reported=show_reported, query=query, sort_by=sort_by)
    return table, refused_text(refused), model_choices(results)


def submit_file(upload_path, results_dir, on_accept=None) -> str:
    """Validate an uploaded file and store it if valid; return the message for the submitter.

    ``on_accept(saved_path, results_dir)`` runs after a file is stored (the Hub upload).
    """
    if not upload_path:
        return "No file received."
    name = Path(upload_path).name
    data, reasons = parse_results(Path(upload_path).read_bytes())
    if reasons:
        lines = [f"Refused {name}: {len(reasons)} problem{'s' if len(reasons) > 1 else ''} "
                 "(see docs/results_schema.md):"] + [f"- {r}" for r in reasons]
        return "\n".join(lines)
    saved, created = save_submission(data, results_dir)
    if not created:
        return f"Not added: identical results are already on the leaderboard as {saved.name}."
    message = f"Accepted {name}: {data['model']['name']} saved as {saved.name}; the table is updated."
    if on_accept is not None:
        try:
            on_accept(saved, Path(results_dir))
        except Exception as exc:  # the file is stored locally; say the sync failed, keep serving
            message += f"\nWarning: the upload to the results repository failed: {exc}"
    return message


def model_view(results_dir, key: str | None):
    """``(accuracy per class, CS per class, summary, config JSON, environment JSON)`` for one file."""
    results, _ = load_results_dir(results_dir)
    found = [r for r in results if r.key == key]
    if not found:
        empty = per_class_frame(None, "accuracy")
        return empty, empty, "Choose a model.", "", ""
    result = found[0]
    data = result.data
    summary = (f"{result.name}: protocol {data['protocol']}, {data['n_samples']} clips, "
               f"{'complete' if data['complete'] else 'INCOMPLETE'} run, created {data['created']}, "
               f"image-hear {data['image_hear_version']}, file {result.key}")
    return (per_class_frame(result, "accuracy"), per_class_frame(result, "clip_score"), summary,
            json.dumps(data["config"], indent=2, ensure_ascii=False),
            json.dumps(data["environment"], indent=2, ensure_ascii=False))
