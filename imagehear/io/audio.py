"""Audio in: read with soundfile, validate, mono by channel mean (files and arrays in either layout),
resample with torchaudio.

Protocol v1 resamples with ``torchaudio.functional.resample`` at its defaults; the exact
settings are in :data:`RESAMPLER` and go into every result file.

>>> import numpy as np, soundfile as sf, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
>>> sf.write(path, np.zeros((16000, 2), dtype="float32") + 0.1, 16000)
>>> load_audio(path, 32000).shape
torch.Size([32000])
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from imagehear.errors import AudioError

# torchaudio.functional.resample defaults (the av-benchmark / audioldm_eval convention).
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")  # what a folder scan counts as audio
RESAMPLER = {
    "function": "torchaudio.functional.resample",
    "resampling_method": "sinc_interp_hann",
    "lowpass_filter_width": 6,
    "rolloff": 0.99,
    "mono": "mean of channels",
}


def wav_declared_frames(path) -> tuple[int, int] | None:
    """A WAV file's (frames its header declares, frames its bytes hold), from the RIFF ``fmt `` and
    ``data`` chunks; None for another format, or a header that leaves the length open (0 or
    0xFFFFFFFF, as streaming writers do). soundfile reports the frames on disk only, so a file cut
    short (a run killed while writing) would otherwise pass as a shorter clip.

    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "cut.wav")
    >>> sf.write(path, np.zeros(1000, dtype="float32"), 16000, subtype="PCM_16")
    >>> with open(path, "r+b") as fh:
    ...     _ = fh.truncate(44 + 2 * 600)
    >>> wav_declared_frames(path)
    (1000, 600)
    """
    import struct

    size = Path(path).stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align, offset = None, 12
        while offset + 8 <= size:
            fh.seek(offset)
            chunk, length = struct.unpack("<4sI", fh.read(8))
            if chunk == b"fmt ":
                block_align = struct.unpack("<H", fh.read(14)[12:14])[0]
            elif chunk == b"data":
                if not block_align or length in (0, 0xFFFFFFFF):
                    return None
                return length // block_align, max(0, size - offset - 8) // block_align
            offset += 8 + length + (length & 1)  # chunks are word-aligned
    return None


def _truncation(path: Path) -> str | None:
    """What to say when ``path``'s header promises more frames than the file holds, else None."""
    try:
        counts = wav_declared_frames(path)
    except (OSError, ValueError, ImportError):  # struct.error is a ValueError
        return None
    if counts is None or counts[1] >= counts[0]:
        return None
    return (f"truncated: the header declares {counts[0]} frames, the file holds {counts[1]} "
            f"({100 * counts[1] / counts[0]:.0f} %); regenerate this clip (was its writer stopped?)")


def read_audio(path) -> tuple[np.ndarray, int]:
    """Read a file as float32 (frames, channels) and its sample rate; errors name the file (a WAV
    file cut short says it is truncated)."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: file not found")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for undecodable input
        try:  # a header that decodes, then data that does not: most often a file cut short
            declared = sf.info(str(path)).frames
        except Exception:
            declared = 0
        if declared > 0:
            raise AudioError(f"{path}: truncated or corrupt: the header declares {declared} frames but decoding "
                             f"fails ({exc or type(exc).__name__}); regenerate this clip") from None
        raise AudioError(f"{path}: unreadable audio ({exc}); write WAV/FLAC/OGG readable by soundfile") from None
    cut = _truncation(path)
    if cut:
        raise AudioError(f"{path}: {cut}")
    if data.size == 0:
        raise AudioError(f"{path}: empty audio (0 samples); regenerate this clip")
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: contains NaN or Inf samples; regenerate this clip")
    return data, rate


MAX_CHANNELS = 16  # an in-memory array's channel axis is at most this long (7.1 is 8); the samples' is longer


def to_mono(data: np.ndarray) -> np.ndarray:
    """The channel mean of a file's (frames, channels) data, as soundfile reads it."""
    return data.mean(axis=1) if data.ndim == 2 else data


def mono_array(data, name: str = "array") -> np.ndarray:
    """An in-memory waveform as mono float32: 1-D as it is; 2-D in either layout, torch's
    (channels, time) or soundfile's (time, channels), averaged over its channel axis. The channel
    axis is the short one (at most :data:`MAX_CHANNELS`, the other longer), or the one of length 1;
    any other 2-D shape is ambiguous and refused, naming it.

    >>> stereo = np.stack([np.ones(100), np.zeros(100)])          # (channels, time)
    >>> mono_array(stereo).shape, mono_array(stereo.T).shape, float(mono_array(stereo)[0])
    ((100,), (100,), 0.5)
    >>> mono_array(np.zeros((4, 4)), "clip 0")
    Traceback (most recent call last):
    imagehear.errors.AudioError: clip 0: ambiguous shape (4, 4): give a 1-D mono waveform, or (channels, samples) or (samples, channels) with at most 16 channels and more samples than channels
    """
    data = np.asarray(data, dtype=np.float32)
    if data.size == 0:
        raise AudioError(f"{name}: empty audio (0 samples)")
    if data.ndim != 2:
        if data.ndim != 1:
            raise AudioError(f"{name}: expected a 1-D waveform or a 2-D (channels, samples) array, got shape "
                             f"{data.shape}")
        return data
    short, long_ = sorted(data.shape)
    if not (short <= MAX_CHANNELS < long_ or (short == 1 and long_ > 1)):
        raise AudioError(f"{name}: ambiguous shape {data.shape}: give a 1-D mono waveform, or (channels, samples) "
                         f"or (samples, channels) with at most {MAX_CHANNELS} channels and more samples than channels")
    return data.mean(axis=int(np.argmin(data.shape)))


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
    """Validate an in-memory waveform (1-D, or 2-D in either layout: :func:`mono_array`) and bring
    it to ``sample_rate``."""
    data = mono_array(array, name)
    if not np.isfinite(data).all():
        raise AudioError(f"{name}: contains NaN or Inf samples")
    return resample(data, int(sampling_rate), sample_rate)


# ---------------------------------------------------------------- av-benchmark parity
AV_BENCHMARK_PASST_SAMPLES = 320_000  # PaSST input: exactly 10 s at 32 kHz (av_bench/extract.py)


def crop_or_pad(wave, n_samples: int, pad: bool = True):
    """Keep the first ``n_samples`` along the last axis; shorter input is zero-padded at the
    end when ``pad`` (else returned as it is). Works on numpy arrays and torch tensors.

    >>> import numpy as np
    >>> crop_or_pad(np.arange(5.0), 3).tolist(), crop_or_pad(np.arange(2.0), 4).tolist()
    ([0.0, 1.0, 2.0], [0.0, 1.0, 0.0, 0.0])
    >>> crop_or_pad(np.arange(2.0), 4, pad=False).tolist()
    [0.0, 1.0]
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    wave = wave[..., :n_samples]
    missing = n_samples - wave.shape[-1]
    if not pad or missing <= 0:
        return wave
    if isinstance(wave, np.ndarray):
        return np.pad(wave, [(0, 0)] * (wave.ndim - 1) + [(0, missing)])
    import torch.nn.functional as F
    return F.pad(wave, (0, missing))


@functools.lru_cache(maxsize=8)
def _av_benchmark_resampler(orig_rate: int, new_rate: int):
    import torchaudio.transforms as T
    return T.Resample(orig_rate, new_rate)  # defaults; kernel built in float64, stored as float32


def av_benchmark_wave(mono, orig_rate: int, new_rate: int, audio_length: float | None,
                      pad_to: int | None = None):
    """A mono waveform prepared as av-benchmark prepares it (``av_bench/data/audio_dataset.py``,
    ``AudioDataset.read_from_file``, then ``av_bench/extract.py`` for PaSST), in its order:

    1. subtract the mean of the whole mono clip, at the file's own rate;
    2. resample with ``torchaudio.transforms.Resample(orig_rate, new_rate)`` at its defaults
       (skipped when the rates are equal);
    3. keep the first ``int(new_rate * audio_length)`` samples; shorter clips are not padded
       (``audio_length=None``: no crop; av-benchmark itself requires ``--audio_length``);
    4. ``pad_to`` (PaSST: :data:`AV_BENCHMARK_PASST_SAMPLES`): crop or zero-pad to that length.

    Mono (the channel mean, :func:`to_mono`) comes before step 1. Returns float32 torch.

    The mean is that of the whole clip, before the crop: 0.5 s of 1 then 0.5 s of 0, cropped
    to the first 0.5 s, gives 0.5 everywhere (not 0, the cropped part's own mean removed).

    >>> import numpy as np
    >>> clip = np.r_[np.ones(8000), np.zeros(8000)]
    >>> w = av_benchmark_wave(clip, 16000, 16000, 0.5)
    >>> w.shape, float(w.min()), float(w.max())
    (torch.Size([8000]), 0.5, 0.5)
    >>> av_benchmark_wave(np.zeros(8000), 16000, 32000, 8.0, pad_to=AV_BENCHMARK_PASST_SAMPLES).shape
    torch.Size([320000])
    """
    import torch

    wave = torch.as_tensor(np.asarray(mono, dtype=np.float32))
    if wave.ndim != 1 or wave.numel() == 0:
        raise ValueError(f"expected a non-empty mono (1-D) waveform, got shape {tuple(wave.shape)}")
    if audio_length is not None and not audio_length > 0:
        raise ValueError(f"audio_length must be positive seconds or None, got {audio_length!r}")
    wave = wave - wave.mean()
    if orig_rate != new_rate:
        wave = _av_benchmark_resampler(int(orig_rate), int(new_rate))(wave)
    if audio_length is not None:
        wave = wave[:int(new_rate * audio_length)]
    if pad_to is not None:
        wave = crop_or_pad(wave, pad_to, pad=True)
    return wave


# ---------------------------------------------------------------- SSV2A parity
def ssv2a_samples(rate: int) -> int:
    """SSV2A's clip length at ``rate``: ``int(10 * 102.4) * (rate // 100)`` samples, 10.24 s.

    >>> ssv2a_samples(16000)
    163840
    """
    return int(10 * 102.4) * (rate // 100)


def ssv2a_wave(data, orig_rate: int, new_rate: int, name: str = "clip"):
    """A waveform prepared as SSV2A's CS prepares it (github wguo86/SSV2A, ``ssv2a/evals/cs.py``,
    ``WaveImageDataset.read_from_file``), in its order:

    1. the first channel (not the channel mean);
    2. subtract its mean, at the file's own rate;
    3. ``torchaudio.functional.resample`` at its defaults (protocol v1's resampler);
    4. keep the first :func:`ssv2a_samples` samples, or zero-pad to that length.

    SSV2A refuses clips of 100 samples or fewer after resampling and silently scores the next
    file in their place; here they are an error naming the clip. Returns float32 torch.

    >>> import numpy as np
    >>> stereo = np.stack([np.full(8000, 0.5), np.zeros(8000)], axis=1)
    >>> w = ssv2a_wave(stereo, 8000, 16000)
    >>> w.shape, float(w.abs().max())    # first channel, mean removed, padded to 10.24 s
    (torch.Size([163840]), 0.0)
    """
    import torch

    wave = torch.as_tensor(np.asarray(data, dtype=np.float32))
    wave = wave[:, 0] if wave.ndim == 2 else wave
    if wave.ndim != 1 or wave.numel() == 0:
        raise AudioError(f"{name}: expected a non-empty waveform, got shape {tuple(wave.shape)}")
    wave = resample(wave - wave.mean(), int(orig_rate), int(new_rate))
    if wave.numel() <= 100:
        raise AudioError(f"{name}: {wave.numel()} samples at {new_rate} Hz; SSV2A's CS needs more than 100")
    return crop_or_pad(wave, ssv2a_samples(new_rate), pad=True)
