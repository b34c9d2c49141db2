"""The clips of a run: each one a file or an in-memory waveform, hashed by content once
(:class:`AudioItem`), and the set one run scores (:class:`Clips`).

>>> import numpy as np
>>> item = as_items([np.zeros(16000, dtype="float32")], sampling_rate=16000)[0]
>>> item.name, item.length_at(32000), len(item.content_hash())
('array 0', 32000, 64)

A generated folder's manifest and lists of clips both become a :class:`Clips`, by two
constructors: :meth:`Clips.from_lists` (what :mod:`imagehear.api` and the evaluate modules are
given) and :meth:`Clips.from_manifest` (a generated folder's checked manifest rows;
:func:`imagehear.evaluation.suite.folder_clips` checks the folder and pairs its reference clips first).
:func:`imagehear.evaluation.pipeline.run` and :func:`imagehear.evaluation.suite.evaluate` take either.

>>> clips = Clips.from_lists([np.zeros(16000)], labels=["Dog"], sampling_rate=16000)
>>> clips.labels, clips.manifest_rows()[0].file
(['Dog'], 'array 0')
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from imagehear import protocol
from imagehear.errors import AudioError, ImageHearError
from imagehear.io.audio import mono_array


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
    waveform: tuple = ()  # imagehear.protocol.profiles.Profile.waveform(): () is protocol v1's own

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

            from imagehear.io.audio import read_audio
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
        if self._prep.get("preparation") == "ssv2a":  # cropped or padded to a fixed length
            from imagehear.io.audio import ssv2a_samples
            return ssv2a_samples(rate)
        seconds = self._prep.get("audio_length_s")
        return n if seconds is None else min(n, int(rate * seconds))

    def load(self, rate: int):
        from imagehear.io.audio import av_benchmark_wave, load_audio, prepare_array, read_audio, ssv2a_wave, to_mono

        if self._prep.get("preparation") == "ssv2a":  # its own channel choice, so from the raw samples
            data, orig = read_audio(self.path) if self.path is not None else (self.array, self.sampling_rate)
            if self.path is None:
                prepare_array(data, orig, orig, name=self.name)  # the array checks (shape, NaN), one line each
            return ssv2a_wave(data, orig, rate, name=self.name)
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


def _as_numpy(a):
    """An array or a torch tensor (on any device, with or without grad) as numpy."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):
        a = a.detach().cpu()
    return np.asarray(a, dtype=np.float32)


def as_items(audio, sampling_rate: int | None = None, names=None) -> list[AudioItem]:
    """Paths (str/Path) or arrays (with ``sampling_rate``; 1-D, or 2-D in either channel layout,
    mixed to mono by :func:`imagehear.io.audio.mono_array`) → :class:`AudioItem` list.

    ``names`` (one per clip) default to the paths, or ``array i``.
    """
    items = []
    for i, a in enumerate(audio):
        if isinstance(a, (str, os.PathLike)):
            items.append(AudioItem(str(a) if names is None else names[i], path=Path(a)))
        else:
            if sampling_rate is None:
                raise ValueError("audio given as arrays needs sampling_rate")
            name = f"array {i}" if names is None else names[i]
            # mono here, once: a (channels, time) tensor must not become a clip of `channels` samples
            # (the length, the content hash and every backbone read this array)
            items.append(AudioItem(name, array=mono_array(_as_numpy(a), name), sampling_rate=sampling_rate))
    return items


@dataclass
class Clips:
    """The audio of one run: generated clips (with class labels) and optional reference clips."""

    generated: list[AudioItem]
    labels: list[str]
    images: list | None = None  # per generated clip: an image (path or PIL image), or its frames (a tuple
    #                             of them, or an imagehear.embed.frames.Video, decoded lazily)
    reference: list = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (generated index, reference index)
    unmatched: dict = field(default_factory=dict)
    has_labels: bool = True     # False: the caller gave no classes (labels are all "all")
    image_ids: list[str] | None = None  # conditioning image per clip (manifest's image); None: from images
    rows: list | None = None    # per clip: its manifest row (protocol.PlanRow); None: made from the lists
    reference_names: list[str] | None = None  # reference clips as the fingerprint names them; None: item names
    skipped: list[dict] = field(default_factory=list)  # clips left out by --skip-invalid: {"file", "reason"}
    name: str | None = None     # the model's name when the run gives none (a folder's name)
    notes: list[str] = field(default_factory=list)  # what was warned while the set was built (results' warnings)
    generation: dict | None = None  # the folder's generation.json (how `image-hear generate` made the clips)

    @classmethod
    def from_lists(cls, predictions, references=None, images=None, labels=None, sampling_rate=None,
                   names=None) -> Clips:
        """Clips given directly: audio as paths or 1-D arrays (with ``sampling_rate``); ``references``
        pair one to one with ``predictions`` when the counts agree; ``labels`` are IMAGE HEAR class
        names or ids; ``names`` (one per clip) default to the paths, or ``array i``."""
        generated = audio_items(predictions, sampling_rate, "predictions", names)
        clips = cls(generated, class_names(labels) if labels is not None else ["all"] * len(generated),
                    has_labels=labels is not None)
        if labels is not None:
            same_length(generated, clips.labels, "predictions", "labels")
        if images is not None:
            clips.images = list(images)
            same_length(generated, clips.images, "predictions", "references (images)")
        if references is not None:
            clips.reference = audio_items(references, sampling_rate, "references")
            if len(clips.reference) == len(generated):
                clips.pairs = [(i, i) for i in range(len(generated))]
        return clips

    @classmethod
    def from_manifest(cls, folder, rows, images=None, skipped=()) -> Clips:
        """Clips of a generated folder: its (checked) manifest ``rows``, named by their manifest
        path (the inception score orders clips by name), with ``images`` per row if given. The
        model's name is the one ``image-hear generate`` recorded, else the folder's name."""
        folder = Path(folder)
        generation = protocol.read_generation(folder)
        name = ((generation or {}).get("model") or {}).get("name") or folder.resolve().name
        return cls(as_items([folder / r.file for r in rows], names=[r.file for r in rows]),
                   [r.label or "all" for r in rows], images=images,
                   image_ids=[r.image or r.video or r.frames for r in rows],  # the intervals' unit
                   rows=list(rows), skipped=list(skipped), name=str(name), generation=generation)

    def units(self) -> list[str] | None:
        """The conditioning image of each clip, as the intervals' resampling unit: the manifest's
        image names, else the given image paths (PIL images: a content hash); None without images."""
        if self.image_ids is not None:
            return [str(i) for i in self.image_ids]
        if self.images is None:
            return None
        from PIL import Image

        from imagehear.io.images import image_key

        seen: dict = {}

        def unit(img) -> str:
            if isinstance(img, (str, Path)):
                return str(img)
            if isinstance(img, Image.Image):  # the same picture opened twice is one unit
                return seen.setdefault(id(img), image_key(img)[0])
            return str(getattr(img, "path", None) or f"object {id(img)}")  # frames of a video

        return [unit(img) for img in self.images]

    def manifest_rows(self) -> list:
        """One :class:`imagehear.protocol.PlanRow` per clip: the manifest's, or, for lists, the clip's
        name, class ("" when none was given) and conditioning unit."""
        if self.rows is not None:
            return self.rows
        units = self.units() or [""] * len(self.generated)
        return [protocol.PlanRow(item.name, label if self.has_labels else "", unit)
                for item, label, unit in zip(self.generated, self.labels, units)]


def class_names(references) -> list[str]:
    """IMAGE HEAR class names from names or ids (0..29, sorted names); an unknown one is an error."""
    names = []
    for ref in references:
        if isinstance(ref, (int, np.integer)):
            if not 0 <= int(ref) < len(protocol.CLASS_NAMES):
                raise ImageHearError(f"label id {ref} is out of range 0..{len(protocol.CLASS_NAMES) - 1}")
            names.append(protocol.CLASS_NAMES[int(ref)])
        elif ref in protocol.CLASSES:
            names.append(ref)
        else:
            raise ImageHearError(f"unknown class {ref!r}; use one of {', '.join(protocol.CLASS_NAMES)} or its id")
    return names


def audio_items(audio, sampling_rate, what: str, names=None) -> list:
    """Paths or arrays as :class:`AudioItem`; a folder, or missing files, are named (three of them)."""
    audio = list(audio)
    if not audio:
        raise ImageHearError(f"{what} is empty: give at least one clip")
    folders = [str(a) for a in audio if isinstance(a, (str, os.PathLike)) and Path(a).is_dir()]
    if folders:
        raise AudioError(f"{what}: {folders[0]} is a folder, not an audio file; give its clips (e.g. "
                         f"sorted(Path({folders[0]!r}).glob('*.wav')))")
    missing = [str(a) for a in audio if isinstance(a, (str, os.PathLike)) and not Path(a).is_file()]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise AudioError(f"{what}: {len(missing)} file(s) not found: {', '.join(missing[:3])}{more}")
    try:
        return as_items(audio, sampling_rate, names=names)
    except ValueError as exc:
        raise ImageHearError(f"{what}: {exc}") from None


def same_length(a, b, what_a: str, what_b: str) -> None:
    """Refuse two lists that must pair one to one but differ in length."""
    if len(a) != len(b):
        raise ImageHearError(f"{what_a} has {len(a)} items but {what_b} has {len(b)}: they must pair one to one")
