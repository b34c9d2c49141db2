"""Checking what the model returned for one row, before anything is written.

An error (the row is not written, the run exits 1 naming it): not an array of floats, not
1-D, empty, NaN or Inf. A flag (written and scored as it is, with a warning): silent,
clipped, shorter than the 1 s ``image-hear check`` asks for.

>>> import numpy as np
>>> wave, problem, flags = check_output(np.zeros(8000), 16000)
>>> wave.dtype, problem, flags
(dtype('float32'), None, ['silent', 'short'])
>>> check_output(np.zeros((2, 16000)), 16000)[1]
'returned shape (2, 16000); return one 1-D waveform (samples,) per row (mono: e.g. wave.mean(0))'
"""
from __future__ import annotations

import numpy as np

from imagehear.evaluation.check import CLIP_LEVEL, CLIPPED_FRACTION, SILENT_PEAK

MIN_SECONDS = 1.0  # image-hear check's default: shorter clips are refused there
FLAG_TEXT = {"silent": "silent (peak below -80 dBFS)", "clipped": "clipped (over 1 % of samples at full scale)",
             "short": f"shorter than {MIN_SECONDS:g} s (`image-hear check` refuses them)"}


def as_array(output):
    """A torch tensor (any device, any float type) or array-like → numpy, else the object itself."""
    if hasattr(output, "detach") and hasattr(output, "cpu"):
        output = output.detach().cpu()
        if getattr(output, "is_floating_point", lambda: False)():
            output = output.float()
        return output.numpy()
    try:
        return np.asarray(output)
    except Exception:  # noqa: BLE001 - a ragged list or an odd object: reported as the wrong type below
        return output


def check_output(output, sample_rate: int) -> tuple[np.ndarray | None, str | None, list[str]]:
    """(float32 waveform, None, flags) for a good answer, (None, problem, []) for a bad one."""
    data = as_array(output)
    if not isinstance(data, np.ndarray) or not np.issubdtype(data.dtype, np.floating):
        what = f"an array of {data.dtype}" if isinstance(data, np.ndarray) else f"a {type(output).__name__}"
        return None, f"returned {what}; return a 1-D float array (numpy or torch) in [-1, 1] per row", []
    if data.ndim != 1:
        return None, (f"returned shape {tuple(data.shape)}; return one 1-D waveform (samples,) per row "
                      "(mono: e.g. wave.mean(0))"), []
    if data.size == 0:
        return None, "returned an empty waveform (0 samples)", []
    wave = data.astype(np.float32)
    bad = int(np.count_nonzero(~np.isfinite(wave)))
    if bad:
        return None, f"returned {bad} NaN/Inf sample(s) of {wave.size}", []
    peak = float(np.abs(wave).max())
    flags = [name for name, hit in (("silent", peak < SILENT_PEAK),
                                    ("clipped", float(np.mean(np.abs(wave) >= CLIP_LEVEL)) > CLIPPED_FRACTION),
                                    ("short", wave.size < MIN_SECONDS * sample_rate)) if hit]
    return wave, None, flags
