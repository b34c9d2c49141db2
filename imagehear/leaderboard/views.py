"""What each part of the app shows, as plain Python values (no gradio here).

:class:`Leaderboard` is the app's state over one results folder. The folder is the single
source of truth (a file added by an upload, by hand or by a Hub sync appears on the next
refresh), but it is read and validated once per change (:class:`ResultsFolder`), and rank
groups are computed once per change and sort metric, never per search keystroke.
"""
from __future__ import annotations

import json
import os
import time
from collections import deque
from pathlib import Path

from imagehear.leaderboard import ranking
from imagehear.leaderboard.hub_board import HubRows, demoted_row, join
from imagehear.leaderboard.limits import MAX_FILE_BYTES, read_capped
from imagehear.leaderboard.rules import unranked_reasons
from imagehear.leaderboard.store import ResultsFolder, canonical_digest, save_submission
from imagehear.leaderboard.table import (
    DEFAULT_SORT, METRIC_COLUMNS, REFERENCE_COLUMNS, Result, build_tables, per_class_frame, ranked_row, reference_label,
    sort_rows
)
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


class RateLimiter:
    """At most ``per_client`` uploads per client and ``overall`` uploads in all per ``window_s``.

    >>> limiter = RateLimiter(per_client=2, window_s=60, clock=lambda: 0.0)
    >>> [limiter.check("1.2.3.4") is None for _ in range(3)], limiter.check("5.6.7.8") is None
    ([True, True, False], True)
    """

    def __init__(self, per_client: int = 5, window_s: float = 600.0, overall: int = 60, clock=time.monotonic):
        self.per_client, self.window_s, self.overall, self.clock = per_client, window_s, overall, clock
        self._clients: dict[str, deque] = {}
        self._all: deque = deque()

    def check(self, client: str | None) -> str | None:
        """None when the upload may go ahead (and count it), else the message to show."""
        now = self.clock()
        for times in (self._all, *self._clients.values()):
            while times and now - times[0] >= self.window_s:
                times.popleft()
        self._clients = {k: v for k, v in self._clients.items() if v}
        mine = self._clients.setdefault(client or "unknown", deque())
        minutes = f"{self.window_s / 60:g} minutes"
        if len(mine) >= self.per_client:
            return f"Too many uploads: at most {self.per_client} per {minutes} from one client; try again later."
        if len(self._all) >= self.overall:
            return f"Too many uploads right now (at most {self.overall} per {minutes} in all); try again later."
        mine.append(now)
        self._all.append(now)
        return None


class Leaderboard:
    """The leaderboard over ``results_dir``: tables, model panels and submissions.

    ``accepted`` maps registry names to accepted weight hashes (default: the repository's
    list, :func:`imagehear.models.weights.accepted_sha256`); ``compare_fn(a, b, metric)`` decides rank
    groups (default: :mod:`imagehear.report.compare`, else the CIs).
    """

    def __init__(self, results_dir, accepted=None, compare_fn="default", limiter: RateLimiter | None = None,
                 hub: HubRows | None | str = "env"):
        from imagehear.models.weights import accepted_sha256

        self.hub = HubRows.from_env() if hub == "env" else hub  # the Hub's own leaderboard, or None
        self.folder = ResultsFolder(results_dir)
        self.accepted = accepted if accepted is not None else accepted_sha256()
        self.compare_fn = ranking.default_compare() if compare_fn == "default" else compare_fn
        self.limiter = limiter or RateLimiter()
        self._signature, self._results, self._ranks = None, [], {}

    @property
    def results_dir(self) -> Path:
        return self.folder.root

    def results(self) -> tuple[list[Result], list[tuple[str, list[str]]]]:
        """``(valid results with their unranked reasons, refused files)``, re-read only on change."""
        snapshot = self.folder.snapshot()
        if snapshot.signature != self._signature:
            self._results = [Result(key, data, tuple(unranked_reasons(data, self.accepted)), digest)
                             for key, data, digest in snapshot.valid]
            self._signature, self._ranks = snapshot.signature, {}
        return self._results, snapshot.refused

    def ranks(self, column: str, results: list[Result], reference) -> dict[str, int]:
        """Rank groups of the ranked results on ``column`` (computed once per folder change)."""
        if column not in self._ranks:
            ranked = [r for r in results if r.ranked]
            rows = sort_rows([ranked_row(r, reference) for r in ranked], column)
            self._ranks[column] = ranking.rank_groups(rows, column, {r.key: r for r in ranked}, self.compare_fn)
        return self._ranks[column]

    def view(self, query: str = "", show_reported: bool = True, sort_by: str = DEFAULT_SORT):
        """``(ranked DataFrame, unranked DataFrame, ranking note, refused-files text, model choices)``."""
        results, refused = self.results()
        reference = ranking.main_reference_set(results)
        column = sort_by if sort_by in METRIC_COLUMNS else DEFAULT_SORT
        ranks = self.ranks(column, results, reference)
        links, hub_rows, hub_note = self.hub_view(results, refused)
        ranked, unranked = build_tables(results, show_reported, query, sort_by, ranks, reference, links, hub_rows)
        note = ranking_note(column, reference, sum(r.ranked for r in results)) + hub_note
        return ranked, unranked, note, refused_text(refused), model_choices(results)

    def hub_view(self, results, refused) -> tuple[dict | None, list[dict], str]:
        """``(links, unranked Hub rows, note line)`` from the Hub's leaderboard (``(None, [], "")`` without one)."""
        if self.hub is None:
            return None, [], ""
        entries, error = self.hub.entries()
        if error:
            return {}, [], f"\n{error}; showing this board's own rows only."
        links, demoted = join(entries, results, refused, self.hub.results_repo)
        joined = sum(len(v) for v in links.values())
        return links, [demoted_row(e, why) for e, why in demoted], (
            f"\nHub leaderboard of {self.hub.dataset_id}: {len(entries)} entries, {joined} joined with a ranked "
            f"results file (model repo linked), {len(demoted)} in the unranked table.")

    def model_view(self, key: str | None):
        """``(accuracy per class, CS per class, summary, config JSON, environment JSON)`` for one file."""
        found = [r for r in self.results()[0] if r.key == key]
        if not found:
            empty = per_class_frame(None, "accuracy")
            return empty, empty, "Choose a model.", "", ""
        result = found[0]
        data = result.data
        status = "ranked" if result.ranked else "NOT RANKED: " + "; ".join(result.reasons)
        summary = (f"{result.name}: protocol {data['protocol']}, {data['n_samples']} clips, "
                   f"{'complete' if data['complete'] else 'INCOMPLETE'} run, created {data['created']}, "
                   f"image-hear {data['image_hear_version']}, file {result.key}; {status}")
        return (per_class_frame(result, "accuracy"), per_class_frame(result, "clip_score"), summary,
                json.dumps(data["config"], indent=2, ensure_ascii=False),
                json.dumps(data["environment"], indent=2, ensure_ascii=False))

    def submit(self, upload_path, client: str | None = None, on_accept=None) -> str:
        """Validate an uploaded file and store it if valid; return the message for the submitter.

        Uploads are rate-limited per client; a file over the size cap is refused unread; the
        same content already on the board (any file name) is not stored twice.
        ``on_accept(saved_path, results_dir)`` runs after a file is stored (the Hub upload).
        """
        if not upload_path:
            return "No file received."
        limited = self.limiter.check(client)
        if limited:
            return limited
        name = Path(upload_path).name
        size = os.path.getsize(upload_path)
        data, reasons = (None, [f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"]) if size > MAX_FILE_BYTES \
            else parse_results(read_capped(upload_path))
        if reasons:
            lines = [f"Refused {name}: {len(reasons)} problem{'s' if len(reasons) > 1 else ''} "
                     "(see docs/results_schema.md):"] + [f"- {r}" for r in reasons]
            return "\n".join(lines)
        existing = self.folder.snapshot().digests().get(canonical_digest(data))
        if existing:
            return f"Not added: identical results are already on the leaderboard as {existing}."
        saved, created = save_submission(data, self.results_dir)
        if not created:
            return f"Not added: identical results are already on the leaderboard as {saved.name}."
        why = unranked_reasons(data, self.accepted)
        place = "ranked" if not why else "in the unranked table: " + "; ".join(why)
        message = f"Accepted {name}: {data['model']['name']} saved as {saved.name}, {place}."
        if on_accept is not None:
            try:
                on_accept(saved, self.results_dir)
            except Exception as exc:  # the file is stored locally; say the sync failed, keep serving
                message += f"\nWarning: the upload to the results repository failed: {exc}"
        return message


def ranking_note(column: str, reference, n_ranked: int) -> str:
    """The plain-text note above the ranking: what rank groups and reference columns mean."""
    refs = ", ".join(REFERENCE_COLUMNS)
    ref_text = (f"{refs} are compared only among rows scored against reference set {reference_label(reference)} "
                "(the most common one); other rows show them blank." if reference else
                f"{refs}: no ranked row records a reference set.")
    return (f"{n_ranked} ranked result(s). Rank groups by {column}: a row shares the rank of the group above "
            "unless it is significantly worse than that group's first row (95 %, paired test on per-sample "
            f"values; non-overlapping 95 % CIs where those are absent). {ref_text}")


# Function forms for scripts and tests (each builds a fresh Leaderboard: no caching across calls).
def leaderboard_view(results_dir, query: str = "", show_reported: bool = True, sort_by: str = DEFAULT_SORT,
                     accepted=None):
    return Leaderboard(results_dir, accepted).view(query, show_reported, sort_by)


def submit_file(upload_path, results_dir, on_accept=None, accepted=None) -> str:
    return Leaderboard(results_dir, accepted).submit(upload_path, on_accept=on_accept)


def model_view(results_dir, key: str | None, accepted=None):
    return Leaderboard(results_dir, accepted).model_view(key)
