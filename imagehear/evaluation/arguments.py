"""Validators for every user-given value: one rule for the CLI and the Python API.

Each validator returns the cleaned value or raises :class:`~imagehear.errors.UsageError`
with one line that says what was expected. The CLI uses them as argparse ``type=`` (argparse
prefixes the flag: ``argument --device: ...``); the library calls them with the parameter
name (``device='tpu': ...``). Nothing here imports torch, except :func:`available_device`
(from :mod:`imagehear.models.devices`), which asks torch whether the accelerator exists.

>>> device("cuda:1"), positive_int("3"), metric_list("kl, fad")
('cuda:1', 3, ('kl', 'fad'))
>>> device("tpu")
Traceback (most recent call last):
imagehear.errors.UsageError: 'tpu' is not a device: use cpu, cuda, cuda:N, mps or auto
"""
from __future__ import annotations

import re
from pathlib import Path

from imagehear.errors import UsageError
from imagehear.models.devices import DEVICE_FORMS, available_device, device  # noqa: F401 (validators)


def positive_int(value) -> int:
    """An integer ≥ 1 (clips per class, batch size, resamples)."""
    number = _integer(value)
    if number < 1:
        raise UsageError(f"must be an integer >= 1, got {value!r}")
    return number


def seed(value) -> int:
    """A bootstrap seed: an integer in 0 .. 2**32 - 1 (numpy's range)."""
    number = _integer(value)
    if not 0 <= number < 2 ** 32:
        raise UsageError(f"must be an integer in 0..4294967295, got {value!r}")
    return number


def port(value) -> int:
    number = _integer(value)
    if not 1 <= number <= 65535:
        raise UsageError(f"must be a TCP port in 1..65535, got {value!r}")
    return number


def positive_seconds(value) -> float:
    """A duration in seconds, finite and > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"must be a number of seconds, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise UsageError(f"must be a finite number of seconds > 0, got {value!r}")
    return number


class MetricSelection(tuple):
    """The metric names of a ``--metrics`` value, in order, and which of them the user named:
    ``all`` and the defaults a ``+name`` list adds to are chosen *for* the user, so a metric among
    them whose inputs are absent is left out as a default one would be, while a named one is refused."""

    explicit: frozenset = frozenset()

    def __new__(cls, names, explicit=()):
        out = super().__new__(cls, names)
        out.explicit = frozenset(explicit)
        return out


def metric_list(value) -> MetricSelection:
    """Comma-separated registry names (or a sequence of them), each known, none twice; ``all`` for
    every metric of the registry, ``+name,+other`` for the default set plus opt-in metrics.

    >>> from imagehear.metrics import METRICS
    >>> metric_list("+is_passt")[-1], sorted(metric_list("+is_passt").explicit), metric_list("all") == tuple(METRICS)
    ('is_passt', ['is_passt'], True)
    >>> metric_list("kl,+fad")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    imagehear.errors.UsageError: mixes names and +names ('kl,+fad'): give either the metrics to compute ...
    """
    from imagehear.metrics import DEFAULT_METRICS, METRICS

    if isinstance(value, MetricSelection):
        return value
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else [str(n).strip() for n in value]
    names = [n for n in names if n]
    if not names:
        raise UsageError(f"names no metric; choose from all, {', '.join(METRICS)}, or +name to add to the defaults")
    if names == ["all"]:
        return MetricSelection(METRICS)
    added = [n[1:].strip() for n in names if n.startswith("+")]
    if added and len(added) != len(names):
        raise UsageError(f"mixes names and +names ({','.join(names)!r}): give either the metrics to compute "
                         "(kl,fad) or additions to the defaults (+kl_panns,+is_passt)")
    chosen = added or names
    unknown = [n for n in chosen if n not in METRICS]
    if unknown:
        hint = "; 'all' stands alone" if "all" in unknown else ""
        raise UsageError(f"unknown metric(s) {', '.join(map(repr, unknown))}; choose from {', '.join(METRICS)}{hint}")
    if added:  # the defaults, then the additions, each once, in registry order
        picked = set(DEFAULT_METRICS) | set(added)
        return MetricSelection([n for n in METRICS if n in picked], explicit=added)
    return MetricSelection(dict.fromkeys(names), explicit=names)


def named_metrics(requested) -> frozenset:
    """The metrics the user named in ``requested`` (None: none; ``all``: none; ``+x``: x)."""
    return frozenset() if requested is None else metric_list(requested).explicit


def class_list(value) -> tuple[str, ...]:
    """Comma-separated IMAGE HEAR class names (case-insensitive, or folder names), in plan order.

    >>> class_list("piano, dog")
    ('Dog', 'Piano')
    """
    from imagehear.protocol import plan_classes

    names = [n.strip() for n in str(value).split(",") if n.strip()]
    if not names:
        raise UsageError("names no class; e.g. Dog,Piano (classes: `image-hear plan --help`)")
    try:
        return plan_classes(names)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def shard(value) -> tuple[int, int]:
    """``I/N``: this process takes every N-th manifest row starting at row I (0 <= I < N).

    >>> shard("1/4")
    (1, 4)
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    if not match or not int(match[2]) >= 1 or not int(match[1]) < int(match[2]):
        raise UsageError(f"must be I/N with 0 <= I < N (shards 0/2 and 1/2 split a run in two), got {value!r}")
    return int(match[1]), int(match[2])


def model_arg(value) -> str:
    """One ``--model-arg``: ``KEY=VALUE`` with KEY a Python identifier (the value is read later)."""
    key, sep, _ = str(value).partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_]\w*", key.strip()):
        raise UsageError(f"{str(value)[:60]!r}: give KEY=VALUE with KEY a Python identifier (e.g. steps=50)")
    return str(value)


def existing_dir(value) -> Path:
    """A folder that exists (a file or a missing path is refused, naming it)."""
    path = Path(value).expanduser()
    if not path.exists():
        raise UsageError(f"{value}: no such folder")
    if not path.is_dir():
        raise UsageError(f"{value}: is a file, not a folder")
    return path


def existing_file(value) -> Path:
    path = Path(value).expanduser()
    if not path.exists():
        raise UsageError(f"{value}: no such file")
    if path.is_dir():
        raise UsageError(f"{value}: is a folder, not a file")
    return path


def writable_dir(value) -> Path:
    """A folder we may create or write into (a path under a file, an existing file, or a folder
    this user may not write, is refused: before any work, not when the results are ready)."""
    import os

    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{value}: is a file, not a folder")
    parent = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not parent.is_dir():
        raise UsageError(f"{value}: {parent} is a file, so the folder cannot be created")
    if not os.access(parent, os.W_OK | os.X_OK):
        where = "" if parent == path else f" ({parent}, where it would be created)"
        raise UsageError(f"{value}: folder is read-only for this user{where}; choose a writable folder")
    return path


def cache_root_writable() -> Path:
    """The cache root (``IMAGEHEAR_CACHE``, else ~/.cache/imagehear: weights, images, checksums and,
    without ``--cache-dir``, embeddings) as a folder we may write: a read-only one is one line
    before any work, not a crash after it."""
    import os

    from imagehear.io.download import cache_root

    try:
        return writable_dir(cache_root())
    except UsageError as exc:
        how = "IMAGEHEAR_CACHE" if os.environ.get("IMAGEHEAR_CACHE") else "the default cache (set IMAGEHEAR_CACHE)"
        raise UsageError(f"{how}: {exc}") from None


def results_path(value) -> Path:
    """A results file to write: ends in .json, its folder creatable."""
    path = Path(value).expanduser()
    if path.suffix.lower() != ".json":
        raise UsageError(f"{value}: a results file must end in .json (e.g. runs/my_model/results.json)")
    if path.is_dir():
        raise UsageError(f"{value}: is a folder; name a .json file")
    writable_dir(path.parent)
    return path


def output_file(value, suffixes: tuple[str, ...], example: str) -> Path:
    """A file to write: one of ``suffixes``, not a folder, its folder creatable."""
    path = Path(value).expanduser()
    if path.suffix.lower() not in suffixes:
        raise UsageError(f"{value}: must end in {' or '.join(suffixes)} (e.g. {example})")
    if path.is_dir():
        raise UsageError(f"{value}: is a folder; name a {suffixes[0]} file")
    writable_dir(path.parent)
    return path


def markdown_path(value) -> Path:
    """A Markdown file to write (``evaluate --summary``)."""
    return output_file(value, (".md",), "runs/my_model/summary.md")


def table_path(value) -> Path:
    """Where ``image-hear table`` writes: a .tex (LaTeX) or .csv file."""
    return output_file(value, (".tex", ".csv"), "paper/table.tex")


def image_source(value) -> str:
    """The image source: an http(s)/file URL, or a folder that exists."""
    from imagehear.io.download import is_url

    text = str(value).strip()
    if is_url(text):
        return text
    if "://" in text:
        raise UsageError(f"{text[:60]!r}: only http(s):// and file:// URLs, or a local folder")
    return str(existing_dir(text))


def url(value) -> str:
    """A paper or code link: http(s)://..."""
    text = str(value).strip()
    if not re.match(r"^https?://\S+$", text):
        raise UsageError(f"{text[:60]!r} is not an http(s) URL (e.g. https://arxiv.org/abs/2211.03089)")
    return text


def repo_id(value) -> str:
    """A Hub repo id ``ORG/NAME`` (letters, digits, ``-``, ``_``, ``.``; no ``--`` or ``..``).

    >>> repo_id(" my-lab/im2wav ")
    'my-lab/im2wav'
    >>> repo_id("im2wav")
    Traceback (most recent call last):
    imagehear.errors.UsageError: 'im2wav' is not a Hub repo id (ORG/NAME, e.g. my-lab/my-im2audio-model)
    """
    out = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}", out) or "--" in out or ".." in out \
            or out.endswith((".", "-")):
        raise UsageError(f"{str(value)[:60]!r} is not a Hub repo id (ORG/NAME, e.g. my-lab/my-im2audio-model)")
    return out


def text(value, max_length: int = 200) -> str:
    """A one-line, non-empty name (model name, host, namespace)."""
    out = str(value).strip()
    if not out or len(out) > max_length or any(c in out for c in "\r\n\0"):
        raise UsageError(f"must be one line of 1..{max_length} characters, got {str(value)[:40]!r}")
    return out


def _integer(value) -> int:
    if isinstance(value, bool):
        raise UsageError(f"must be an integer, got {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise UsageError(f"must be an integer, got {value!r}") from None
    return number


def named(name: str, check, value):
    """``check(value)``, its error prefixed with the parameter: ``batch_size=0: must be ...``."""
    try:
        return check(value)
    except UsageError as exc:
        raise UsageError(f"{name}={value!r}: {exc}" if not str(exc).startswith(str(value)) else
                         f"{name}: {exc}") from None
