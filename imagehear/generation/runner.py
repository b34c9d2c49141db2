"""``image-hear generate``: call a model on every row of the plan that has no valid clip yet.

Each row's seed comes from ``--seed`` and the row's file name alone, and each clip is a
canonical 32-bit float WAV written atomically, so a resumed, re-ordered or sharded run writes
the same bytes as one uninterrupted run (for a model that is deterministic given its seed).
A row the model fails on (an exception, a bad waveform) is named and left missing; the other
rows are kept, and a re-run retries only the missing ones.

>>> row_seed(0, "dog/dog_000.wav"), row_seed(1, "dog/dog_000.wav") != row_seed(0, "dog/dog_000.wav")
(3729664995, True)
"""
from __future__ import annotations

import datetime
import functools
import hashlib
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from imagehear import protocol
from imagehear.errors import AudioError, ImageHearError, UsageError
from imagehear.generation.loading import LoadedModel, describe_error
from imagehear.generation.outputs import FLAG_TEXT, check_output
from imagehear.io.audio import read_audio
from imagehear.io.wav import write_float_wav

SEED_RULE = "row seed = int.from_bytes(sha256(f'{seed}:{file}').digest()[:4], 'big'): --seed and the row's file name"


class GenerationError(ImageHearError):
    """Some rows failed; the message has one line per row (file and image), ``failures`` the list."""

    def __init__(self, message: str, failures):
        super().__init__(message)
        self.failures = failures


class GenerationWarning(UserWarning):
    """Clips written and scored as they are, but worth a look (silent, clipped, short)."""


@dataclass
class Failure:
    file: str
    image: str
    message: str

    def line(self) -> str:
        return f"{self.file} (image {self.image}): {self.message}"


@dataclass
class Tally:
    """What one run did: rows written, failures, flagged rows, and where the time went."""
    written: int = 0
    failures: list[Failure] = field(default_factory=list)
    flagged: dict[str, list[str]] = field(default_factory=dict)
    model_seconds: float = 0.0


def row_seed(seed: int, file: str) -> int:
    """The seed of one row: a function of the run's seed and the row's file name only."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{file}".encode()).digest()[:4], "big")


def is_valid(path: Path) -> bool:
    """A clip that needs no regenerating: a readable, non-empty, finite audio file."""
    try:
        read_audio(path)
    except AudioError:
        return False
    return True


def pending_rows(out: Path, rows) -> list:
    """The rows whose files are missing or invalid (what a resumed run generates)."""
    return [r for r in rows if not is_valid(out / r.file)]


def image_loader(paths: dict):
    """``load(name)`` → a fresh PIL image (the model may change it without touching other rows);
    the decoded file is kept for the few rows of a class that follow."""
    from imagehear.io.images import load_image

    @functools.lru_cache(maxsize=16)
    def decoded(name):
        return load_image(paths[name])

    return lambda name: decoded(name).copy()


def run_rows(loaded: LoadedModel, out: Path, rows, load_image, seed: int, batch_size: int,
             tally: Tally, progress: bool = True) -> Tally:
    """Generate ``rows`` in batches into ``tally``; a batch that fails is retried row by row, so
    only the bad row is lost and its line names it."""
    from tqdm.auto import tqdm

    with tqdm(total=len(rows), desc="generate", unit="clip", disable=not progress, dynamic_ncols=True) as bar:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            done = _batch(loaded, out, batch, load_image, seed, tally)
            if done is None:  # the batch as a whole failed: each row alone, so only the bad one is lost
                for row in batch:
                    _batch(loaded, out, [row], load_image, seed, tally, last_try=True)
            bar.update(len(batch))
    return tally


def _batch(loaded: LoadedModel, out: Path, batch, load_image, seed: int, tally: Tally, last_try=False):
    """Call the model on ``batch`` and write its clips; None when the call itself failed (and
    ``last_try`` is False: the caller retries the rows one by one)."""
    images = [load_image(r.image) for r in batch]
    labels = [r.label for r in batch]
    seeds = [row_seed(seed, r.file) for r in batch]
    begin = time.perf_counter()
    try:
        answer = loaded.model(images, labels, seeds)
        problem = None
    except Exception as exc:  # noqa: BLE001 - the model's own error: named per row, the rest kept
        answer, problem = None, f"the model raised {describe_error(exc, loaded.source)}"
    finally:
        tally.model_seconds += time.perf_counter() - begin
    outputs = _listed(answer) if problem is None else None
    if problem is None and outputs is None:
        problem = f"returned a {type(answer).__name__}; return a list with one waveform per row"
    elif problem is None and len(outputs) != len(batch):
        problem = f"returned {len(outputs)} waveform(s) for {len(batch)} row(s); return one per row"
    if problem is not None:
        if len(batch) > 1 and not last_try:
            return None
        tally.failures += [Failure(r.file, r.image, problem) for r in batch]
        return False
    for row, output in zip(batch, outputs):
        wave, problem, flags = check_output(output, loaded.sample_rate)
        if problem:
            tally.failures.append(Failure(row.file, row.image, problem))
            continue
        write_float_wav(out / row.file, wave, loaded.sample_rate)
        tally.written += 1
        for flag in flags:
            tally.flagged.setdefault(flag, []).append(row.file)
    return True


def _listed(answer):
    """The model's answer as a list of per-row outputs (a list, a tuple, or a batch array/tensor), else None."""
    if answer is None or isinstance(answer, (str, bytes, dict)) or getattr(answer, "ndim", 2) == 0:
        return None
    try:
        return list(answer)
    except TypeError:
        return None


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def failure_error(failures, written: int, out: Path) -> GenerationError:
    """One line per failed row (file and image), the last one saying what was kept and what to do."""
    lines = [f.line() for f in failures[:20]] + ([f"... and {len(failures) - 20} more failed rows"]
                                                  if len(failures) > 20 else [])
    lines[-1] += (f" ({len(failures)} row(s) failed and are missing, {written} clip(s) written and kept in {out}; "
                  "re-run the same command to retry only the missing rows)")
    return GenerationError("\n".join(lines), failures)


def warn_flagged(flagged: dict) -> None:
    for kind, files in flagged.items():
        warnings.warn(f"{len(files)} clip(s) {FLAG_TEXT[kind]}, written and scored as they are (e.g. {files[0]})",
                      GenerationWarning, stacklevel=3)


def image_rows_only(rows, manifest: Path) -> None:
    other = [r for r in rows if r.conditioning != "image"]
    if other:
        raise UsageError(f"{manifest}: row {other[0].file} is conditioned on a {other[0].conditioning}; "
                         "`image-hear generate` fills IMAGE HEAR plans (image rows) only")


def plan_rows(out: Path, classes=None, per_class=None) -> list:
    """The folder's manifest rows; the plan (or the ``classes`` × ``per_class`` subset) is written
    first when the folder has none. Options that ask for another plan than the manifest's are refused."""
    from imagehear.protocol.plan import write_plan

    manifest = out / protocol.MANIFEST_NAME
    wanted = None
    if classes is not None:
        try:
            classes = protocol.plan_classes([classes] if isinstance(classes, str) else classes)
        except ValueError as exc:
            raise UsageError(f"classes: {exc}") from None
    if classes is not None or per_class is not None:
        wanted = protocol.generation_plan(per_class or protocol.CLIPS_PER_CLASS, protocol.plan_classes(classes))
    if not manifest.exists():
        write_plan(out, per_class or protocol.CLIPS_PER_CLASS, classes)
        return protocol.read_manifest(out)
    rows = protocol.read_manifest(out)
    image_rows_only(rows, manifest)
    if wanted is not None and rows != wanted:
        raise UsageError(f"{manifest} lists another plan ({len(rows)} rows) than --classes/--per-class ask for "
                         f"({len(wanted)} rows); leave both out to fill the folder's manifest, or choose another --out")
    return rows
