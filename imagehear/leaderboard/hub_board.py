"""The Hub's own leaderboard for IMAGE HEAR, joined with ours.

The dataset repo is a Hub *Benchmark* (its ``eval.yaml`` declares :func:`benchmark_tasks`);
model repos carry their scores in ``.eval_results/*.yaml`` and the Hub lists them at
``GET /api/datasets/<dataset>/leaderboard`` (``HfApi.get_dataset_leaderboard``). A Hub
entry is only a number someone typed: the board ranks it only when its ``source`` is a file
of the results repository that our validator accepts and ranks, and its value is that
file's. Then the file's ranked row gets the model repo's link; every other entry goes to the
unranked table with the reason (:func:`join`).

The Hub's leaderboard endpoint names no task: an entry is read as the task it names
(``taskId``, when the Hub sends one) or else as the benchmark's first task.

>>> benchmark_tasks()[:3], "aesthetics_pc" in benchmark_tasks()
(('clip_score', 'accuracy', 'clap_score'), False)
>>> source_file("https://huggingface.co/datasets/imagehear/results/blob/main/m-2026-12-01-0123.json",
...             "imagehear/results")
'm-2026-12-01-0123.json'
>>> source_file("https://example.org/results.json", "imagehear/results") is None
True
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from imagehear.leaderboard.table import METRIC_COLUMNS, Result, rounded
from imagehear.leaderboard.validate import is_number
from imagehear.metrics import DEFAULT_METRICS, METRICS

DEFAULT_DATASET = "imagehear/image_hear"   # imagehear.publish.layout.repo_ids()["dataset"]
DEFAULT_RESULTS_REPO = "imagehear/results"  # ... ["results"]
DATASET_ENV = "IMAGEHEAR_BENCHMARK_REPO"    # the Space reads the Hub rows of this dataset when set
HUB = "https://huggingface.co"
TTL_S = 300.0                               # Hub rows are fetched at most once per 5 minutes
MAX_ENTRIES = 1000                          # a runaway answer cannot flood the unranked table


def benchmark_tasks() -> tuple[str, ...]:
    """The Hub task ids of the benchmark, named as in results.json: each default (headline) metric
    that needs no reference audio, then each opt-in per-clip quality that needs none (PE-AV,
    IB-score, Audiobox CE/CU/PQ). Reference metrics depend on the reference set a submitter chose,
    so one Hub number per model cannot compare them; a descriptive score ranks nothing."""
    def applies(name):
        spec = METRICS[name]
        return not spec.needs_reference and spec.ci == "mean" and spec.quality

    return (*(n for n in DEFAULT_METRICS if applies(n)),
            *(n for n in METRICS if n not in DEFAULT_METRICS and applies(n)))


def hub_endpoint() -> str:
    """The Hub's base URL: ``HF_ENDPOINT`` (read at call time, as tests point it at 127.0.0.1) or huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or HUB).rstrip("/")


def results_file_url(key: str, results_repo: str = DEFAULT_RESULTS_REPO, endpoint: str | None = None) -> str:
    """The link to a file of the results repository, as an ``.eval_results`` source.

    >>> results_file_url("m.json", endpoint="https://huggingface.co")
    'https://huggingface.co/datasets/imagehear/results/blob/main/m.json'
    """
    return f"{endpoint or hub_endpoint()}/datasets/{results_repo}/blob/main/{key}"


def source_file(url, results_repo: str = DEFAULT_RESULTS_REPO) -> str | None:
    """The results-repository file a source URL on the Hub links to (``blob``/``resolve``, any revision), or None.

    >>> source_file("https://elsewhere.example/datasets/imagehear/results/blob/main/m.json") is None
    True
    """
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    prefix = f"/datasets/{results_repo}/"
    hosts = {urlsplit(HUB).netloc, urlsplit(hub_endpoint()).netloc}
    if parts.scheme not in ("http", "https") or parts.netloc not in hosts or not parts.path.startswith(prefix):
        return None
    rest = parts.path[len(prefix):].split("/", 2)
    if len(rest) != 3 or rest[0] not in ("blob", "resolve") or not rest[2]:
        return None
    return unquote(rest[2])


@dataclass(frozen=True)
class HubEntry:
    """One row of the Hub's leaderboard: who, which task, what value, and where it says it came from."""

    model_id: str
    task: str
    value: object
    source_url: str | None
    notes: str = ""

    @property
    def model_url(self) -> str:
        return f"{HUB}/{self.model_id}"


def read_entries(raw, first_task: str) -> list[HubEntry]:
    """:class:`HubEntry` rows from ``get_dataset_leaderboard``'s objects; a malformed one raises ValueError."""
    entries = []
    for item in list(raw)[:MAX_ENTRIES]:
        model_id = getattr(item, "model_id", None)
        if not isinstance(model_id, str) or not model_id.strip() or len(model_id) > 200:
            raise ValueError(f"an entry without a model id ({str(model_id)[:40]!r})")
        source = getattr(item, "source", None)
        task = getattr(item, "taskId", None) or getattr(item, "task_id", None) or first_task
        notes = getattr(item, "notes", None)
        entries.append(HubEntry(model_id.strip(), str(task)[:100], getattr(item, "value", None),
                                source.get("url") if isinstance(source, dict) else None,
                                notes[:300] if isinstance(notes, str) else ""))
    return entries


class HubRows:
    """The Hub's leaderboard for ``dataset_id``, fetched at most once per ``ttl_s`` (errors too).

    :meth:`entries` returns ``(entries, None)`` or ``([], "Hub rows unavailable: why")``: a
    Hub error, a timeout, an offline Space or an answer that is not a leaderboard never
    breaks the board, which then shows its own rows only.
    """

    def __init__(self, dataset_id: str = DEFAULT_DATASET, results_repo: str = DEFAULT_RESULTS_REPO,
                 ttl_s: float = TTL_S, timeout_s: float = 10.0, clock=time.monotonic):
        self.dataset_id, self.results_repo = dataset_id, results_repo
        self.ttl_s, self.timeout_s, self.clock = ttl_s, timeout_s, clock
        self._fetched_at, self._value = None, ([], None)

    @classmethod
    def from_env(cls) -> HubRows | None:
        """Hub rows of ``$IMAGEHEAR_BENCHMARK_REPO`` (results repo: ``$IMAGEHEAR_RESULTS_REPO``), or None."""
        from imagehear.leaderboard.hub import results_repo

        dataset = os.environ.get(DATASET_ENV)
        return cls(dataset, results_repo() or DEFAULT_RESULTS_REPO) if dataset else None

    def entries(self) -> tuple[list[HubEntry], str | None]:
        now = self.clock()
        if self._fetched_at is None or now - self._fetched_at >= self.ttl_s:
            self._value, self._fetched_at = self._fetch(), now
        return self._value

    def _fetch(self) -> tuple[list[HubEntry], str | None]:
        try:
            from huggingface_hub import HfApi

            api = HfApi(endpoint=hub_endpoint(), token=False)
            raw = api.get_dataset_leaderboard(self.dataset_id, timeout=self.timeout_s)
            return read_entries(raw, benchmark_tasks()[0]), None
        except Exception as exc:  # any failure of a remote service: show our rows, say why in one line
            why = " ".join(str(exc).split())[:160]
            return [], f"Hub rows unavailable ({self.dataset_id}): {type(exc).__name__}: {why}"


def _value_reasons(entry: HubEntry, result: Result) -> list[str]:
    metric = result.data["metrics"].get(entry.task)
    if not isinstance(metric, dict) or not is_number(metric.get("value")):
        return [f"the results file has no {entry.task}"]
    if not is_number(entry.value):
        return [f"value {str(entry.value)[:20]!r} is not a number"]
    digits = METRICS[entry.task].decimals + 1  # the table's precision, and export-hub's
    mine, theirs = rounded(metric["value"], digits), rounded(float(entry.value), digits)
    return [] if mine == theirs else [f"value differs from the file: {theirs:g} vs {mine:g}"]


def entry_reasons(entry: HubEntry, results: dict[str, Result], refused: dict[str, list[str]],
                  results_repo: str = DEFAULT_RESULTS_REPO) -> list[str]:
    """Every reason a Hub entry is not ranked; ``[]``: it is the ranked file it links to."""
    if entry.task not in benchmark_tasks():
        return [f"task {entry.task!r} is not one of {', '.join(benchmark_tasks())}"]
    key = source_file(entry.source_url, results_repo)
    if key is None:
        return [f"no results file (its source is not a file of {results_repo})"]
    if key in refused:
        return [f"results file {key} is refused: {'; '.join(refused[key])}"]
    if key not in results:
        return [f"no results file: {key} is not in {results_repo}"]
    result = results[key]
    reasons = _value_reasons(entry, result)
    if not result.ranked:
        reasons.append("the results file is not ranked: " + "; ".join(result.reasons))
    return reasons


def join(entries: list[HubEntry], results: list[Result], refused: list[tuple[str, list[str]]],
         results_repo: str = DEFAULT_RESULTS_REPO) -> tuple[dict[str, list[str]], list[tuple[HubEntry, list[str]]]]:
    """``(links, demoted)``: file key -> model repo URLs of the Hub entries that join its ranked row,
    and every other entry with its reasons."""
    by_key, refused_by_key = {r.key: r for r in results}, dict(refused)
    links: dict[str, list[str]] = {}
    demoted = []
    for entry in entries:
        reasons = entry_reasons(entry, by_key, refused_by_key, results_repo)
        if reasons:
            demoted.append((entry, reasons))
        else:
            key = source_file(entry.source_url, results_repo)
            links.setdefault(key, [])
            if entry.model_url not in links[key]:
                links[key].append(entry.model_url)
    return links, demoted


def demoted_row(entry: HubEntry, reasons: list[str]) -> dict:
    """The unranked-table row of a Hub entry (its value under its task's column)."""
    row = {column: None for column in METRIC_COLUMNS}
    row.update({f"{column} 95% CI": "" for column in METRIC_COLUMNS})
    if entry.task in METRICS and is_number(entry.value):
        row[METRICS[entry.task].column] = float(entry.value)
    row.update({"model": entry.model_id, "why not ranked": "Hub entry: " + "; ".join(reasons),
                "reference set": "", "n_samples": None, "complete": "", "protocol": "", "date": "", "paper": "",
                "code": "", "file": entry.source_url or "", "model repo": entry.model_url})
    return row
