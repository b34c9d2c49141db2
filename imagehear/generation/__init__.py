"""Bring your model: run any image-to-audio model through the IMAGE HEAR plan in one call.

``generate(model, out_dir)`` writes the plan's manifest when the folder has none, then calls
the model on every row without a valid clip (``--shard I/N`` or ``accelerate launch``: this
process's share), writes each clip atomically as 32-bit float WAV, and records the run in
``generation.json``. The model protocol (:mod:`imagehear.generation.loading`)::

    class Tone:                                   # any callable with a sample_rate attribute
        sample_rate = 16000
        def __call__(self, images, labels, seeds):  # PIL images, class names, one int seed each
            return [np.sin(np.arange(16000) * (100 + s % 400) / 2546) for s in seeds]

>>> import tempfile, numpy as np
>>> class Tone:
...     sample_rate = 16000
...     def __call__(self, images, labels, seeds):
...         return [0.1 * np.sin(np.arange(16000) * (100 + s % 400) / 2546) for s in seeds]
>>> record = generate(Tone(), tempfile.mkdtemp(), classes=["Dog"], per_class=2, progress=False)
>>> record["status"], record["plan"]["rows"], record["runs"][0]["written"]
('subset', 2, 2)
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from imagehear import protocol
from imagehear.errors import UsageError
from imagehear.generation.runner import GenerationError, GenerationWarning, row_seed

__all__ = ["GenerationError", "GenerationWarning", "generate", "row_seed"]


def _shard(shard, device: str):
    """(rank, world, device, barrier): ``shard`` as (I, N) or "I/N", else the launcher's processes."""
    from imagehear.embed.distributed import current_shard, launched_world_size
    from imagehear.evaluation.arguments import named
    from imagehear.evaluation.arguments import shard as parse

    if shard is not None:
        if launched_world_size() > 1:
            raise UsageError("shard: give --shard or launch with accelerate, not both")
        rank, world = named("shard", parse, shard if isinstance(shard, str) else "/".join(map(str, shard)))
        return rank, world, None, lambda: None
    state = current_shard(device)
    return state.rank, state.world, state.device, state.barrier


def generate(model, out_dir, classes=None, per_class=None, seed: int = 0, batch_size: int = 8,
             device: str = "auto", shard=None, source=None, model_args=None, progress: bool = True) -> dict:
    """Generate the missing clips of ``out_dir``'s plan with ``model``; return generation.json's record.

    ``model``: an entry string (``file.py:NAME``, ``package.module:NAME``), a model (callable with
    ``sample_rate``) or a factory (called with ``model_args``, and ``device`` when it takes one).
    ``classes``/``per_class`` choose a subset plan when the folder has no manifest yet. Rows the
    model fails on raise :class:`GenerationError` (one line each) after every other row is written.
    """
    from imagehear.evaluation.arguments import available_device, named, positive_int
    from imagehear.evaluation.arguments import seed as check_seed
    from imagehear.generation import record as records
    from imagehear.generation import runner
    from imagehear.generation.loading import load_model
    from imagehear.io.dataset import fetch_images

    seed = named("seed", check_seed, seed)
    batch_size = named("batch_size", positive_int, batch_size)
    out = Path(out_dir)
    rank, world, launched_device, barrier = _shard(shard, device)
    device = launched_device or available_device(device)
    loaded = load_model(model, model_args, device)  # first: a wrong model name leaves no manifest behind
    if rank == 0:
        rows = runner.plan_rows(out, classes, per_class)
    barrier()  # under a launcher, the others read the manifest process 0 wrote (no-op for --shard)
    if rank != 0:  # independent --shard processes write the same manifest, by an atomic rename
        rows = runner.plan_rows(out, classes, per_class)
    records.check_same_model(out, loaded.record(), seed)
    pending = runner.pending_rows(out, rows[rank::world])
    started, begin = runner.now(), time.perf_counter()
    tally = runner.Tally()
    stopped = None
    try:
        if pending:
            paths = fetch_images(source, files=sorted({r.image for r in pending}), progress=progress)
            runner.run_rows(loaded, out, pending, runner.image_loader(paths), seed, batch_size, tally, progress)
    except BaseException as exc:  # Ctrl-C too: the clips written so far are kept, and the record says so
        stopped = type(exc).__name__
        raise
    finally:
        run = {"shard": f"{rank}/{world}", "process": os.getpid(), "device": device, "batch_size": batch_size,
               "precision": str(getattr(loaded.model, "precision", "not stated by the model")),
               "pending": len(pending), "written": tally.written, "failed": len(tally.failures),
               "seconds": round(time.perf_counter() - begin, 6),
               "model_seconds": round(tally.model_seconds, 6), "started": started, "finished": runner.now(),
               **({"stopped_by": stopped} if stopped else {})}
        run["seconds_per_clip"] = round(run["seconds"] / tally.written, 6) if tally.written else None
        settings = {"seed": seed, "seed_rule": runner.SEED_RULE}
        result = records.update(out, rows, loaded.record(), settings, run)
    barrier()  # under a launcher: every process's clips are on disk before the record is read back
    result = protocol.read_generation(out) if world > 1 else result
    runner.warn_flagged(tally.flagged)
    if tally.failures:
        raise runner.failure_error(tally.failures, tally.written, out)
    return result
