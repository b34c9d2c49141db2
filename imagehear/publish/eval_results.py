"""``image-hear export-hub``: a results file as the ``.eval_results`` of a Hub model repo.

The Hub shows a model's scores on its page and on the benchmark's leaderboard from YAML
files under ``.eval_results/`` in the model repo (docs: huggingface.co/docs/hub/eval-results).
:func:`export_hub` writes ``.eval_results/image_hear.yaml`` with huggingface_hub's own types
(``EvalResultEntry``, ``eval_result_entries_to_yaml``): one entry per benchmark task the file
holds, the dataset revision, the run's date, the source (the file's URL in the results
repository, the name the leaderboard Space stores it under) and notes (profile, precision,
complete or partial run, weights). With ``push`` it opens a pull request on the model repo.

A file the leaderboard would not rank is refused (the same pre-flight as
``image-hear leaderboard --check``) unless ``unranked`` is given; its notes then say so.

>>> notes_for({"protocol": "v1", "complete": False, "n_samples": 120, "config": {"precision": "fp32",
...            "profile": {"name": "protocol-v1"}}, "image_hear_version": "0.1.0", "environment": {}}, ())
'image-hear 0.1.0, protocol v1, profile protocol-v1, fp32, partial run (120 of 3600 clips), trained weights'
"""
from __future__ import annotations

import os
from pathlib import Path

from imagehear.errors import ImageHearError, UsageError
from imagehear.leaderboard.hub_board import DEFAULT_DATASET, DEFAULT_RESULTS_REPO, benchmark_tasks, hub_endpoint
from imagehear.leaderboard.hub_board import results_file_url
from imagehear.leaderboard.preflight import Verdict, check_file
from imagehear.leaderboard.rules import FULL_N_SAMPLES, weights_needed
from imagehear.leaderboard.store import submission_name
from imagehear.leaderboard.table import rounded
from imagehear.metrics import METRICS

FOLDER = ".eval_results"
SOURCE_NAME = "IMAGE HEAR results file"


def file_name(unranked: bool) -> str:
    """``image_hear.yaml``; an unranked export goes to its own file, never over a ranked one."""
    return "image_hear_unranked.yaml" if unranked else "image_hear.yaml"


def notes_for(data: dict, unranked: tuple[str, ...]) -> str:
    """What a reader of the model page needs to judge the numbers (and, if unranked, why)."""
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    profile = config["profile"].get("name", "not recorded") if isinstance(config.get("profile"), dict) \
        else "not recorded"
    n = data.get("n_samples")
    run = f"complete run ({n} clips)" if data.get("complete") and n == FULL_N_SAMPLES else \
        f"partial run ({n} of {FULL_N_SAMPLES} clips)"
    weights = data["environment"].get("weights") if isinstance(data.get("environment"), dict) else None
    weights = weights if isinstance(weights, dict) else {}
    random = [name for name in weights_needed(data)
              if isinstance(weights.get(name), dict) and weights[name].get("random_init") is True]
    parts = [f"image-hear {data.get('image_hear_version')}", f"protocol {data.get('protocol')}",
             f"profile {profile}", str(config.get("precision") or "precision not recorded").split(" ")[0], run,
             f"RANDOM weights ({', '.join(random)})" if random else "trained weights"]
    text = ", ".join(parts)
    if unranked:
        text = f"UNRANKED on the IMAGE HEAR leaderboard ({'; '.join(unranked)[:400]}); {text}"
    return text


def entries_for(data: dict, source_url: str, dataset_id: str = DEFAULT_DATASET, revision: str | None = None,
                unranked: tuple[str, ...] = ()) -> list:
    """One ``EvalResultEntry`` per benchmark task the results hold (value at the leaderboard's precision)."""
    from huggingface_hub import EvalResultEntry

    notes = notes_for(data, unranked)
    entries = []
    for task in benchmark_tasks():
        metric = (data.get("metrics") or {}).get(task)
        if isinstance(metric, dict) and "value" in metric and "error" not in metric:
            entries.append(EvalResultEntry(
                dataset_id=dataset_id, task_id=task, value=rounded(float(metric["value"]), METRICS[task].decimals + 1),
                dataset_revision=revision, date=str(data["created"]), source_url=source_url,
                source_name=SOURCE_NAME, notes=notes))
    return entries


def entries_yaml(entries) -> str:
    """The ``.eval_results`` file text, through huggingface_hub's own serialiser."""
    import yaml
    from huggingface_hub import eval_result_entries_to_yaml

    return yaml.safe_dump(eval_result_entries_to_yaml(entries), sort_keys=False, allow_unicode=True)


def dataset_revision(dataset_id: str) -> tuple[str | None, str]:
    """The benchmark dataset's current commit on the Hub, or ``(None, why)`` offline or on a Hub error."""
    if os.environ.get("IMAGEHEAR_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1":
        return None, "offline"
    try:
        from huggingface_hub import HfApi

        return HfApi(endpoint=hub_endpoint(), token=False).dataset_info(dataset_id, timeout=10).sha, ""
    except Exception as exc:  # a remote failure only costs the revision field; say so
        return None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:100]}"


def refusal(path, verdict: Verdict) -> ImageHearError:
    """The one-line refusal of a file the leaderboard would not rank (or not accept at all)."""
    check = f"`image-hear leaderboard --check {path}` lists every reason"
    if verdict.refused:
        more = f" and {len(verdict.refused) - 1} more" if len(verdict.refused) > 1 else ""
        return ImageHearError(f"{path}: refused by the leaderboard's validator ({verdict.refused[0]}{more}); {check}")
    return ImageHearError(f"{path}: would not be ranked ({'; '.join(verdict.unranked)[:300]}); {check}; pass "
                          "--unranked to export it anyway, marked unranked in its notes")


def open_pull_request(model_repo: str, path_in_repo: str, text: str, token: str, summary: str) -> str:
    """``create_commit(create_pr=True)`` on the model repo with exactly one file; return the PR's URL."""
    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(endpoint=hub_endpoint(), token=token)
    try:
        info = api.create_commit(model_repo, [CommitOperationAdd(path_in_repo, text.encode("utf-8"))],
                                 commit_message="Add IMAGE HEAR evaluation results", commit_description=summary,
                                 repo_type="model", create_pr=True)
    except Exception as exc:  # the Hub's answer, in one line
        raise ImageHearError(f"--push: the Hub did not open the pull request on {model_repo} "
                             f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None
    return info.pr_url


def export_hub(results_path, model_repo: str, out=".", unranked: bool = False, push: bool = False,
               token: str | None = None, accepted=None, dataset_id: str = DEFAULT_DATASET,
               results_repo: str = DEFAULT_RESULTS_REPO) -> str:
    """Write (and with ``push``, open a PR with) the ``.eval_results`` file of one results file; return the report."""
    token = token or os.environ.get("HF_TOKEN")
    if push and not token:
        raise UsageError("--push needs a Hub write token: pass --token or set HF_TOKEN")
    verdict = check_file(results_path, accepted)
    if verdict.refused or (verdict.unranked and not unranked):
        raise refusal(results_path, verdict)
    data, stored_as = verdict.data, submission_name(verdict.data)
    revision, why = dataset_revision(dataset_id)
    entries = entries_for(data, results_file_url(stored_as, results_repo), dataset_id, revision, verdict.unranked)
    if not entries:
        raise ImageHearError(f"{results_path}: holds none of the benchmark's tasks ({', '.join(benchmark_tasks())}); "
                             "evaluate them first")
    text = entries_yaml(entries)
    path_in_repo = f"{FOLDER}/{file_name(bool(verdict.unranked))}"
    target = Path(out) / path_in_repo
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    values = ", ".join(f"{e.task_id} {e.value:g}" for e in entries)
    lines = [f"wrote {target} ({len(entries)} entries for {dataset_id}: {values})",
             "ranked by the leaderboard" if verdict.ranked else "UNRANKED (said in its notes): "
             + "; ".join(verdict.unranked),
             f"source: {entries[0].source_url} (upload {results_path} to the leaderboard Space; it is stored "
             f"under that name)",
             f"dataset revision: {revision}" if revision else f"dataset revision not recorded ({why})"]
    if push:
        summary = f"IMAGE HEAR scores of {data['model']['name']} ({values}). {entries[0].notes}."
        lines.append(f"pull request: {open_pull_request(model_repo, path_in_repo, text, token, summary)}")
    return "\n".join(lines)
