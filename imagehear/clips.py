"""The clips the engine embeds: a file or an in-memory waveform, hashed by content once.

>>> import numpy as np
>>> item = as_items([np.zeros(16000, dtype="float32")], sampling_rate=16000)[0]
>>> item.name, item.length_at(32000), len(item.content_hash())
('array 0', 32000, 64)
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class AudioItem:
    """A clip to embed: a file, or an in-memory waveform with its sampling rate.

    ``waveform`` names a preparation other than protocol v1's (an evaluation profile's,
    e.g. av-benchmark's mean subtraction and crop): it is part of the content hash, since
    the prepared clip is what the backbones see.
    """
    name: str
    path: Path | None = None
    array: np.ndarray | None = None
    sampling_rate: int | None = None
    waveform: tuple = ()  # imagehear.profiles.Profile.waveform(): () is protocol v1's own

    def content_hash(self) -> str:
        """SHA-256 of the file's bytes (or the array's), computed once per item."""
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            cached = self._hash()
            object.__setattr__(self, "_content_hash", cached)  # a memo, not state: the item stays frozen
        return cached

    def _hash(self) -> str:
        digest = hashlib.sha256()
        if self.path is not None:
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            digest.update(f"array:{self.sampling_rate}:".encode())
            digest.update(np.ascontiguousarray(self.array, dtype=np.float32).tobytes())
        if self.waveform:
            digest.update(json.dumps(self.waveform).encode())
        return digest.hexdigest()

    @property
    def _prep(self) -> dict:
        return dict(self.waveform)

    def length_at(self, rate: int) -> int:
        """Samples after resampling to ``rate`` (torchaudio's output length), read from the header."""
        if self.path is not None:
            import soundfile as sf

            from imagehear.audio import read_audio
            try:
                info = sf.info(str(self.path))
                frames, orig = info.frames, info.samplerate
            except Exception:
                read_audio(self.path)  # raises the AudioError that names the file
                raise
        else:
            frames, orig = len(self.array), int(self.sampling_rate)
        g = math.gcd(orig, rate)
        n = math.ceil(frames * (rate // g) / (orig // g))
        seconds = self._prep.get("audio_length_s")
        return n if seconds is None else min(n, int(rate * seconds))

    def load(self, rate: int):
        from imagehear.audio import av_benchmark_wave, load_audio, prepare_array, read_audio, to_mono

        if self._prep.get("preparation") != "av-benchmark":
            wave = load_audio(self.path, rate) if self.path is not None else \
                prepare_array(self.array, self.sampling_rate, rate, name=self.name)
            seconds = self._prep.get("audio_length_s")
            return wave if seconds is None else wave[:int(rate * seconds)]
        if self.path is not None:
            data, orig = read_audio(self.path)
        else:
            data, orig = prepare_array(self.array, self.sampling_rate, self.sampling_rate, name=self.name), \
                self.sampling_rate
        return av_benchmark_wave(to_mono(np.asarray(data)), orig, rate, self._prep.get("audio_length_s"))


def as_items(audio, sampling_rate: int | None = None, names=None) -> list[AudioItem]:
    """Paths (str/Path) or 1-D arrays (with ``sampling_rate``) → :class:`AudioItem` list.

    ``names`` (one per clip) default to the paths, or ``array i``.
    """
    items = []
    for i, a in enumerate(audio):
        if isinstance(a, (str, os.PathLike)):
            items.append(AudioItem(str(a) if names is None else names[i], path=Path(a)))
        else:
            if sampling_rate is None:
                raise ValueError("audio given as arrays needs sampling_rate")
            items.append(AudioItem(f"array {i}" if names is None else names[i], array=np.asarray(a, dtype=np.float32), sampling_rate=sampling_rate))
    return items


