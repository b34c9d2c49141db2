"""``generation.json``: how the clips of a folder were made, beside its manifest.

One file per folder, updated by every run (a resume, each shard) under a lock: the model
(entry point, name, arguments, sample rate, file hash), the seed and its rule, the output
format, the plan (complete or a subset), package versions, and one entry per run (shard,
device, precision, batch size, clips written, seconds per clip, start and end). ``evaluate``
copies it into results.json as ``config.generation``.
"""
from __future__ import annotations

import contextlib
import json
import platform
from pathlib import Path

from imagehear import protocol
from imagehear.errors import UsageError
from imagehear.io.atomic import atomic_write

OUTPUT = "32-bit float WAV (IEEE float, mono, canonical header) at the model's sample_rate, written atomically"
SAME_RUN_KEYS = ("name", "args", "sample_rate")  # a folder holds the clips of one model


@contextlib.contextmanager
def locked(folder: Path):
    """An exclusive lock on ``folder/.generation.lock`` (shards finishing together update one record)."""
    try:
        import fcntl
    except ImportError:  # Windows: no shards on one folder at the same moment there
        yield
        return
    with open(folder / ".generation.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def check_same_model(folder: Path, model: dict, seed: int) -> None:
    """Refuse to add clips of another model, other arguments or another seed to a folder."""
    old = protocol.read_generation(folder)
    if not old:
        return
    before = {k: (old.get("model") or {}).get(k) for k in SAME_RUN_KEYS} | {"seed": old.get("seed")}
    now = {k: model.get(k) for k in SAME_RUN_KEYS} | {"seed": seed}
    if before != now:
        diff = ", ".join(f"{k} {before[k]!r} -> {now[k]!r}" for k in now if before[k] != now[k])
        raise UsageError(f"{folder / protocol.GENERATION_NAME}: this folder holds clips of another run ({diff}); "
                         "use the same model, --model-arg and --seed to resume it, or another --out")


def plan_record(rows) -> dict:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.label] = counts.get(r.label, 0) + 1
    complete = protocol.plan_coverage(rows)["complete"]
    per_class = sorted(set(counts.values()))
    return {"rows": len(rows), "classes": sorted(counts), "per_class": per_class[0] if len(per_class) == 1
            else counts, "subset": not complete}


def update(folder: Path, rows, model: dict, settings: dict, run: dict) -> dict:
    """Add ``run`` to the folder's generation.json (written fresh when absent) and return it."""
    from imagehear import __version__
    from imagehear.evaluation.environment import package_versions

    with locked(folder):
        old = protocol.read_generation(folder) or {}
        runs = [*old.get("runs", []), run]
        on_disk = sum((folder / r.file).is_file() for r in rows)
        plan = plan_record(rows)
        written = sum(r["written"] for r in runs)
        record = {
            "generator": f"image-hear {__version__}", "protocol": protocol.PROTOCOL_VERSION,
            "model": model, **settings, "output": OUTPUT, "plan": plan,
            "clips": {"listed": len(rows), "on_disk": on_disk},
            "complete": on_disk == len(rows) and not plan["subset"],
            "status": ("subset" if plan["subset"] else "complete") if on_disk == len(rows) else "unfinished",
            "seconds_per_clip": round(sum(r["seconds"] for r in runs) / written, 6) if written else None,
            "started": min(r["started"] for r in runs), "finished": max(r["finished"] for r in runs),
            "python": platform.python_version(), "packages": package_versions(), "runs": runs,
        }
        with atomic_write(folder / protocol.GENERATION_NAME) as fh:
            json.dump(record, fh, indent=1)
            fh.write("\n")
    return record
