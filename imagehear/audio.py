"""Audio in: read with soundfile, validate, mono by channel mean, resample with torchaudio.

Protocol v1 resamples with ``torchaudio.functional.resample`` at its defaults; the exact
settings are in :data:`RESAMPLER` and go into every result file.

>>> import numpy as np, soundfile as sf, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
>>> sf.write(path, np.zeros((16000, 2), dtype="float32") + 0.1, 16000)
>>> load_audio(path, 32000).shape
torch.Size([32000])
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from imagehear.errors import AudioError

# torchaudio.functional.resample defaults (the av-benchmark / audioldm_eval convention).
RESAMPLER = {
    "function": "torchaudio.functional.resample",
    "resampling_method": "sinc_interp_hann",
    "lowpass_filter_width": 6,
    "rolloff": 0.99,
    "mono": "mean of channels",
}


def read_audio(path) -> tuple[np.ndarray, int]:
    """Read a file as float32 (frames, channels) and its sample rate; errors name the file."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: file not found")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for undecodable input
        raise AudioError(f"{path}: unreadable audio ({exc}); write WAV/FLAC/OGG readable by soundfile") from None
    if data.size == 0:
        raise AudioError(f"{path}: empty audio (0 samples); regenerate this clip")
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: contains NaN or Inf samples; regenerate this clip")
    return data, rate


def to_mono(data: np.ndarray) -> np.ndarray:
    return data.mean(axis=1) if data.ndim == 2 else data


def resample(wave, orig_rate: int, new_rate: int):
    """Resample a torch tensor (..., time) with the protocol's resampler."""
    import torch
    import torchaudio.functional as AF

    wave = torch.as_tensor(wave, dtype=torch.float32)
    if orig_rate == new_rate:
        return wave
    return AF.resample(wave, orig_rate, new_rate,
                       lowpass_filter_width=RESAMPLER["lowpass_filter_width"],
                       rolloff=RESAMPLER["rolloff"], resampling_method=RESAMPLER["resampling_method"])


def load_audio(path, sample_rate: int):
    """Load a file as a mono float32 torch tensor at ``sample_rate``."""
    data, rate = read_audio(path)
    return resample(to_mono(data), rate, sample_rate)


def prepare_array(array, sampling_rate: int, sample_rate: int, name: str = "array"):
    """Validate an in-memory 1-D (or (time, channels)) waveform and bring it to ``sample_rate``."""
    data = np.asarray(array, dtype=np.float32)
    if data.ndim not in (1, 2):
        raise AudioError(f"{name}: expected a 1-D waveform, got shape {data.shape}")
    if data.size == 0:
        raise AudioError(f"{name}: empty audio (0 samples)")
    if not np.isfinite(data).all():
        raise AudioError(f"{name}: contains NaN or Inf samples")
    return resample(to_mono(data), int(sampling_rate), sample_rate)
