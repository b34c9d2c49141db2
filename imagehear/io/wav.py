"""32-bit float WAV, written byte for byte the same every time, and never half-written.

libsndfile (soundfile) adds a ``PEAK`` chunk with a time stamp to float WAVs, so the same
clip written twice gives different bytes; a generated folder must not depend on when it was
written (two shards equal one run, byte for byte). This header is the canonical one:
``RIFF``/``WAVE``, ``fmt `` (IEEE float, format 3), ``fact`` (frames), ``data``.

>>> import io, numpy as np, soundfile as sf
>>> data = float_wav_bytes(np.array([0.0, 0.5, -1.0], dtype="float32"), 16000)
>>> sf.read(io.BytesIO(data), dtype="float32")[0].tolist(), sf.info(io.BytesIO(data)).subtype
([0.0, 0.5, -1.0], 'FLOAT')
"""
from __future__ import annotations

import struct

import numpy as np

from imagehear.io.atomic import atomic_write

IEEE_FLOAT = 3  # WAVE_FORMAT_IEEE_FLOAT


def float_wav_bytes(wave, sample_rate: int) -> bytes:
    """A mono 1-D waveform as the bytes of a 32-bit float little-endian WAV file."""
    data = np.ascontiguousarray(wave, dtype="<f4")
    if data.ndim != 1:
        raise ValueError(f"expected a 1-D waveform, got shape {data.shape}")
    payload = data.tobytes()
    fmt = struct.pack("<HHIIHH", IEEE_FLOAT, 1, sample_rate, sample_rate * 4, 4, 32)
    chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<II", 4, data.size)
              + b"data" + struct.pack("<I", len(payload)) + payload)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def write_float_wav(path, wave, sample_rate: int) -> None:
    """Write ``wave`` to ``path`` atomically (a temp file beside it, then a rename)."""
    with atomic_write(path, "wb") as fh:
        fh.write(float_wav_bytes(wave, sample_rate))
