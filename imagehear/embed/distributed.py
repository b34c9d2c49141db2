"""Sharding across processes/GPUs with Hugging Face accelerate (``accelerate launch``).

Every process builds the same list of batches and computes every ``world``-th one; all
write to the shared embedding cache, then read every result back from it. Batches are
the same as in a single-process run, so the embeddings — and the scores — are identical.

    accelerate launch --multi_gpu --num_processes 8 -m imagehear.cli evaluate runs/my_model
    accelerate launch --multi_gpu --num_processes 2 -m imagehear.cli evaluate runs/my_model --device cpu  # CPU

Single process (no launcher): rank 0 of 1, barriers are no-ops, nothing imported.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Shard:
    rank: int = 0
    world: int = 1
    barrier: Callable[[], None] = lambda: None
    device: str | None = None  # the process's device under a launcher

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched_world_size() -> int:
    """Processes started by a launcher (accelerate / torchrun set WORLD_SIZE)."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def current_shard(device: str = "auto") -> Shard:
    """This process's shard; initialises accelerate's process group when launched."""
    if launched_world_size() <= 1:
        return Shard()
    import torch
    from accelerate import PartialState

    state = PartialState(cpu=device == "cpu" or not torch.cuda.is_available())
    return Shard(state.process_index, state.num_processes, state.wait_for_everyone, str(state.device))
