"""``image-hear check``: validate a generated folder against its manifest, before GPU time.

Every problem names its file. Errors (the set cannot be scored as it is): ``missing``,
``unreadable``, ``truncated`` (a header that promises more than the file holds), ``non_finite``, ``empty``, ``too_short``; for rows conditioned on a video
or a frames folder, ``missing_video``, ``unreadable_video`` (each video is opened and its
first frame decoded), ``missing_frames``, ``unreadable_frames``. Warnings (scored, but worth a
look): ``silent`` and ``clipped`` clips (a model that answers some images with silence has
given a bad answer, which the scores must see, not a file to refuse), ``long`` clips (far
longer than the rest of the set: costly to score), ``extra`` audio
files not in the manifest, ``mixed_sample_rates``. A manifest that covers only part of
the plan is fine (a smoke test) and is reported as incomplete.

>>> import tempfile, numpy as np, soundfile as sf
>>> from imagehear import protocol
>>> d = tempfile.mkdtemp()
>>> rows = protocol.generation_plan(per_class=1, classes=["Dog"])
>>> protocol.write_manifest(rows, f"{d}/manifest.csv")
>>> import os; os.makedirs(f"{d}/dog")
>>> sf.write(f"{d}/dog/dog_000.wav", np.full(16000, 0.1, dtype="float32"), 16000)
>>> check_generated(d).ok
True
"""
from __future__ import annotations

import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from imagehear import protocol
from imagehear.embed.frames import inspect_row
from imagehear.errors import AudioError
from imagehear.io.audio import AUDIO_SUFFIXES, read_audio

ERROR_KINDS = ("missing", "unreadable", "truncated", "non_finite", "empty", "too_short",
               "missing_video", "unreadable_video", "missing_frames", "unreadable_frames")
FLAGGED_KINDS = ("silent", "clipped", "long")  # warnings about clips that are scored as they are
SILENT_PEAK = 1e-4          # -80 dBFS: nothing a model meant to say is this quiet
CLIP_LEVEL = 0.999          # |x| at or above full scale
CLIPPED_FRACTION = 0.01     # >1 % of samples at full scale: audibly clipped
LONG_FACTOR = 4            # a clip this many times the set's median length is "long" ...
LONG_MIN_SECONDS = 30.0     # ... when it is also this long (a 5-minute clip among 10 s ones)
MAX_LINES_PER_KIND = 20     # check's text lists this many problems of a kind, then counts the rest


class FlaggedClipsWarning(UserWarning):
    """Some clips are silent or clipped: they are scored as they are (a bad answer is an answer)."""


@dataclass
class Problem:
    file: str
    kind: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.kind in ERROR_KINDS


@dataclass
class CheckReport:
    folder: str
    n_listed: int
    problems: list[Problem] = field(default_factory=list)
    sample_rates: dict[int, int] = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    on_disk: dict[str, list[int]] = field(default_factory=dict)  # label -> [clips on disk, clips listed]

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    def invalid_files(self) -> set[str]:
        return {p.file for p in self.problems if p.is_error}

    def flagged(self) -> dict[str, list[str]]:
        """Scored clips worth a look: ``{"silent": [files], "clipped": [files]}``."""
        return {kind: [p.file for p in self.problems if p.kind == kind] for kind in FLAGGED_KINDS}

    def to_dict(self) -> dict:
        return {"folder": self.folder, "ok": self.ok, "n_listed": self.n_listed,
                "n_errors": sum(p.is_error for p in self.problems),
                "problems": [asdict(p) | {"severity": "error" if p.is_error else "warning"} for p in self.problems],
                "sample_rates": {str(k): v for k, v in self.sample_rates.items()}, "coverage": self.coverage,
                "on_disk_per_label": self.on_disk}

    def text(self, max_per_kind: int = MAX_LINES_PER_KIND) -> str:
        """One line per problem (at most ``max_per_kind`` of each kind, then a count), and a summary."""
        missing = sum(p.kind == "missing" for p in self.problems)
        lines, shown = [], {}
        if self.n_listed and missing == self.n_listed:  # an empty plan: one line, not thousands
            lines.append(f"ERROR missing: none of the {self.n_listed} clips listed in manifest.csv is on disk yet; "
                         f"write them into {self.folder} under the manifest's file paths (e.g. "
                         f"{next(p.file for p in self.problems if p.kind == 'missing')})")
        elif missing:  # a partly generated folder: one summary and the ways forward, not a line per clip
            lines += self.missing_summary(missing)
        for p in self.problems:
            if p.kind == "missing":
                continue
            shown[p.kind] = shown.get(p.kind, 0) + 1
            if shown[p.kind] <= max_per_kind:
                lines.append(f"{'ERROR' if p.is_error else 'warning'} {p.kind}: {p.file}: {p.message}")
        lines += [f"... and {n - max_per_kind} more {kind} (`image-hear check --json` lists every one)"
                  for kind, n in shown.items() if n > max_per_kind]
        errors = sum(p.is_error for p in self.problems)
        cov = self.coverage
        planned = protocol.CLIPS_PER_CLASS * len(protocol.CLASS_NAMES)
        plan = (f"the manifest lists the complete plan ({planned} clips)" if cov.get("complete") else
                f"the manifest lists part of the plan ({sum(cov.get('per_class_counts', {}).values())} of "
                f"{planned} clips)")
        if cov.get("conditioning"):  # video / frames rows: not the IMAGE HEAR plan
            plan = "outside the IMAGE HEAR plan (" + ", ".join(
                f"{n} {kind}" for kind, n in cov["conditioning"].items() if n) + " rows)"
        rates = ", ".join(f"{r} Hz x{n}" for r, n in sorted(self.sample_rates.items())) or "none"
        lines.append(f"{self.folder}: {plan}; {self.n_listed - missing} of {self.n_listed} on disk; sample rates: "
                     f"{rates}; {errors} error(s), {len(self.problems) - errors} warning(s): "
                     f"{'OK' if self.ok else 'NOT OK'}")
        return "\n".join(lines)

    def missing_summary(self, missing: int) -> list[str]:
        """Two lines for a partly generated folder: what is on disk, per class, and the ways forward
        (generate the rest, ``--skip-invalid``, or a subset plan of the classes that are complete)."""
        def named(labels, limit=6):
            return ", ".join(labels[:limit]) + (f" (+{len(labels) - limit} more)" if len(labels) > limit else "")

        none = [label for label, (have, _) in self.on_disk.items() if have == 0]
        part = [f"{label} {have} of {listed}" for label, (have, listed) in self.on_disk.items() if 0 < have < listed]
        full = [label for label, (have, listed) in self.on_disk.items() if have == listed]
        where = "; ".join(filter(None, [none and f"none of {named(none)}", part and f"part of {named(part)}"]))
        example = next(p.file for p in self.problems if p.kind == "missing")
        lines = [f"ERROR missing: {self.n_listed - missing} of {self.n_listed} clips on disk, {missing} missing "
                 f"({where}; e.g. {example}); `image-hear check --json` lists every one"]
        folder = shlex.quote(self.folder)
        ways = [f"`image-hear evaluate {folder} --skip-invalid` scores the {self.n_listed - missing} on disk "
                "(an incomplete run, never ranked)"]
        if full and all(label in protocol.CLASSES for label in full):
            per_class = {self.on_disk[label][1] for label in full}
            count = f" --per-class {per_class.pop()}" if len(per_class) == 1 else ""
            ways.append(f"a subset plan of the {len(full)} complete class(es): `image-hear plan --out {folder} "
                        f"--force --classes {','.join(full)}{count}` (rewrites manifest.csv)")
        lines.append("  ways forward: generate the missing clips, or " + ", or ".join(ways))
        return lines


def inspect_clip(path: Path, name: str, min_seconds: float,
                 durations: dict | None = None) -> tuple[int | None, list[Problem]]:
    """Read one clip; return its sample rate and its problems (its seconds go into ``durations``)."""
    try:
        data, rate = read_audio(path)
    except AudioError as exc:
        message = str(exc).split(": ", 1)[-1]
        kind = "empty" if "empty" in message else "non_finite" if "NaN" in message else \
            "truncated" if message.startswith("truncated") else "unreadable"
        return None, [Problem(name, kind, message)]
    problems = []
    seconds = data.shape[0] / rate
    if durations is not None:
        durations[name] = seconds
    peak = float(np.abs(data).max())
    if seconds < min_seconds:
        problems.append(Problem(name, "too_short", f"{seconds:.2f} s, below {min_seconds:g} s"))
    if peak < SILENT_PEAK:
        problems.append(Problem(name, "silent", f"peak {peak:.1e} (below -80 dBFS); scored as it is"))
    clipped = float(np.mean(np.abs(data) >= CLIP_LEVEL))
    if clipped > CLIPPED_FRACTION:
        problems.append(Problem(name, "clipped", f"{100 * clipped:.1f} % of samples at full scale; scored as "
                                                 "it is (normalise the output before writing)"))
    return rate, problems


def check_generated(folder, min_seconds: float = 1.0, progress: bool = True) -> CheckReport:
    """Check every clip listed in ``folder/manifest.csv``; raises ManifestError without one."""
    from tqdm.auto import tqdm

    folder = Path(folder)
    rows = protocol.read_manifest(folder)
    report = CheckReport(str(folder), len(rows), coverage=protocol.plan_coverage(rows))
    durations: dict[str, float] = {}
    for row in tqdm(rows, desc="check", unit="clip", disable=not progress or len(rows) < 200, leave=False):
        if row.conditioning != "image":  # its video opens and decodes, its frames folder holds images
            report.problems.extend(Problem(row.file, kind, message) for kind, message in inspect_row(folder, row))
        path = folder / row.file
        counts = report.on_disk.setdefault(row.label, [0, 0])
        counts[1] += 1
        counts[0] += path.is_file()
        if not path.is_file():
            report.problems.append(Problem(row.file, "missing", "listed in manifest.csv but not on disk"))
            continue
        rate, problems = inspect_clip(path, row.file, min_seconds, durations)
        report.problems.extend(problems)
        if rate is not None:
            report.sample_rates[rate] = report.sample_rates.get(rate, 0) + 1
    report.problems.extend(long_clips(durations))
    listed = {str(Path(r.file)) for r in rows}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file() and rel not in listed:
            report.problems.append(Problem(rel, "extra", "audio file not in manifest.csv; it will be ignored"))
    if len(report.sample_rates) > 1:
        report.problems.append(Problem(".", "mixed_sample_rates", f"clips use {sorted(report.sample_rates)} Hz; "
                                       "each is resampled, but a model should write one rate"))
    return report


def long_clips(durations: dict[str, float]) -> list[Problem]:
    """Clips far longer than the rest of the set (:data:`LONG_FACTOR` x its median, and at least
    :data:`LONG_MIN_SECONDS`): scored whole, in 10 s windows, each costs as much as many clips.

    >>> [p.message for p in long_clips({"a.wav": 10.0, "b.wav": 10.0, "c.wav": 300.0})]
    ["300 s, 30x the set's median of 10.0 s: scored whole (in 10 s windows), it costs as much as 30 clips; crop it, or pass --audio-length SECONDS to evaluate"]
    """
    if not durations:
        return []
    median = float(np.median(list(durations.values())))
    return [Problem(name, "long", f"{seconds:.0f} s, {seconds / median:.0f}x the set's median of {median:.1f} s: "
                                  f"scored whole (in 10 s windows), it costs as much as {seconds / median:.0f} "
                                  "clips; crop it, or pass --audio-length SECONDS to evaluate")
            for name, seconds in durations.items()
            if median > 0 and seconds >= LONG_MIN_SECONDS and seconds > LONG_FACTOR * median]
