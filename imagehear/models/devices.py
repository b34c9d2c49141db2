"""Devices: the syntax of a device name, and whether this machine has it.

>>> device("cuda:1"), device(" CPU ")
('cuda:1', 'cpu')
>>> available_device("cpu")
'cpu'
"""
from __future__ import annotations

import re

from imagehear.errors import UsageError

PRECISIONS = ("fp32", "bf16", "fp16")  # fp32, or autocast to bf16 / fp16 (opt-in)


def check_precision(precision: str) -> str:
    """``precision`` when it is one of :data:`PRECISIONS`, else a ValueError naming them."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return precision


DEVICE_FORMS = "cpu, cuda, cuda:N, mps or auto"
_DEVICE = re.compile(r"^(auto|(cpu|mps|cuda)(:\d+)?)$")


def device(value) -> str:
    """``auto``, ``cpu``, ``mps``, ``cuda`` or ``cuda:N`` (syntax only; see :func:`available_device`)."""
    text = str(value).strip().lower()
    if not _DEVICE.match(text):
        raise UsageError(f"{str(value)[:40]!r} is not a device: use {DEVICE_FORMS}")
    return text


def available_device(value: str) -> str:
    """The device, resolved (``auto`` → cuda, mps or cpu); UsageError when it is not on this machine."""
    import torch

    value = device(value)
    if value == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    if value.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(value.split(":")[1]) if ":" in value else 0
        if count == 0:
            raise UsageError(f"device {value!r}: torch sees no CUDA GPU on this machine; use --device cpu "
                             "(in Python: device='cpu') or auto")
        if index >= count:
            raise UsageError(f"device {value!r}: this machine has {count} CUDA GPU(s) (cuda:0..cuda:{count - 1})")
    if value == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise UsageError("device 'mps': no Apple GPU (MPS) on this machine; use --device cpu or auto")
    return value
