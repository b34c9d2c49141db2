"""Video and frame-folder conditioning: which frames of a clip's video CLIP score reads.

A manifest row may be conditioned on a ``video`` file or on a ``frames`` folder instead of
an IMAGE HEAR ``image`` (paths relative to the generated folder, or absolute). CLIP embeds
each frame (the same ViT-B/32 and OpenAI preprocessing as images); the clip's CS is
100 x the mean over its frames of cosine(Wav2CLIP(audio), CLIP(frame))
(:func:`imagehear.scores.clip_score_frames`), as the Im2Wav paper scores videos.

Sampling rule. A video that decodes to M frames (presentation order) is scored, with
``--frames N``, on the frames at indices ``floor((k + 1/2) * M / N)`` for k = 0 .. N-1: the
frame at the centre of each of N equal segments of the video (at a constant frame rate,
the frame shown at time (k + 1/2) * D / N of a D-second video). ``N >= M`` or ``all``:
every frame once. A ``frames`` folder is used whole: every image file in it, sorted by
file name (zero-pad numbers: ``frame_0002.png`` before ``frame_0010.png``).

>>> sample_indices(250, 16)[:4], sample_indices(20, 4), sample_indices(3, 16), sample_indices(5, None)
([7, 23, 39, 54], [2, 7, 12, 17], [0, 1, 2], [0, 1, 2, 3, 4])

Frames are decoded with PyAV (FFmpeg bundled in its wheel) and converted to RGB by
``VideoFrame.to_image()``; each distinct frame is embedded once and cached by content, like
an image. Heavy imports (av, PIL, torch) happen inside the functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imagehear.errors import DataError, MissingDependencyError, UsageError, VideoError

DEFAULT_FRAMES = 16  # frames sampled per video when --frames is not given
FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
CHUNK_FRAMES = 64    # decoded frames held in memory before they are embedded
SAMPLING = ("video of M decoded frames (presentation order): indices floor((k + 1/2) * M / N), k = 0..N-1, "
            "the centre frame of each of N equal segments; N >= M or 'all': every frame")
FRAMES_FOLDER = "every image file in the folder (" + ", ".join(FRAME_SUFFIXES) + "), sorted by file name"


def parse_frames(value) -> int | None:
    """``--frames``: a positive count, or ``all`` (None).

    >>> parse_frames("8"), parse_frames("all"), parse_frames(None)
    (8, None, 16)
    """
    if value is None:
        return DEFAULT_FRAMES
    if isinstance(value, str) and value.strip().lower() == "all":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if n < 1:
        raise UsageError(f"must be a positive number of frames or 'all', got {value!r}")
    return n


def sample_indices(m: int, n: int | None) -> list[int]:
    """Indices of the frames scored out of ``m``: ``floor((k + 1/2) * m / n)``, or all of them."""
    if n is None or n >= m:
        return list(range(m))
    return [(2 * k + 1) * m // (2 * n) for k in range(n)]


def resolve(folder, value: str) -> Path:
    """A manifest path: absolute as given, else relative to the generated folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(folder) / path


def list_frames(folder) -> tuple[Path, ...]:
    """The image files of a frames folder, sorted by name; an empty or missing folder is an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: frames folder not found")
    frames = tuple(sorted((p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES and p.is_file()
                           and not p.name.startswith(".")), key=lambda p: p.name))
    if not frames:
        raise DataError(f"{folder}: frames folder holds no image files ({', '.join(FRAME_SUFFIXES)})")
    return frames


@dataclass(frozen=True)
class Video:
    """A clip's conditioning video: decoded lazily, ``frames`` sampled by :func:`sample_indices`."""
    path: Path
    frames: int | None = DEFAULT_FRAMES   # None: every frame

    def read(self) -> list:
        """The sampled frames as RGB PIL images, in order."""
        return read_video(self.path, self.frames)


def _av():
    try:
        import av
    except ImportError:
        raise MissingDependencyError("video conditioning needs PyAV: pip install av") from None
    return av


def short_reason(exc) -> str:
    """An exception as one short line (for the one-line errors)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:200]


def open_video(path):
    """An opened PyAV container with a video stream; a missing or undecodable file is a VideoError naming it."""
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: video file not found")
    try:
        container = _av().open(str(path))
    except MissingDependencyError:
        raise
    except Exception as exc:  # av.error.InvalidDataError and friends: not a video FFmpeg can read
        raise VideoError(f"{path}: cannot decode video ({short_reason(exc)})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: holds no video stream")
    return container


def _decode(path, wanted) -> tuple[list, int]:
    """Decode every frame; keep those whose index is in ``wanted`` (as RGB PIL images)."""
    kept, count = [], 0
    container = open_video(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # FFmpeg's frame threads: same pixels, faster
        for frame in container.decode(stream):
            if count in wanted:
                kept.append(frame.to_image())
            count += 1
    except Exception as exc:
        raise VideoError(f"{path}: cannot decode video ({short_reason(exc)})") from None
    finally:
        container.close()
    return kept, count


def count_packets(path) -> int:
    """Video packets in the container (no decoding): one per frame for the usual codecs."""
    container = open_video(path)
    try:
        return sum(1 for packet in container.demux(container.streams.video[0]) if packet.size)
    except Exception as exc:
        raise VideoError(f"{path}: cannot decode video ({short_reason(exc)})") from None
    finally:
        container.close()


def read_video(path, frames: int | None = DEFAULT_FRAMES) -> list:
    """Decode ``path`` once and return its sampled frames (RGB PIL images) in order.

    M is counted from the container's packets first (cheap); if the decoder yields another
    number of frames (a codec that packs several frames per packet), it is decoded again
    with the true M, so the rule always applies to the decoded frames.
    """
    m = count_packets(path)
    kept, decoded = _decode(path, set(sample_indices(m, frames)))
    if decoded != m:
        kept, decoded = _decode(path, set(sample_indices(decoded, frames)))
    if not kept:
        raise VideoError(f"{path}: no decodable video frame")
    return kept


def probe_video(path) -> None:
    """Open ``path`` and decode its first frame (what ``image-hear check`` does per video)."""
    container = open_video(path)
    try:
        next(iter(container.decode(container.streams.video[0])))
    except StopIteration:
        raise VideoError(f"{path}: no decodable video frame") from None
    except Exception as exc:
        raise VideoError(f"{path}: cannot decode video ({short_reason(exc)})") from None
    finally:
        container.close()


def conditioning(folder, row, frames: int | None = DEFAULT_FRAMES):
    """What :class:`imagehear.evaluation.pipeline.Clips` gets for a video or frames manifest row."""
    if row.video:
        return Video(resolve(folder, row.video), frames)
    return list_frames(resolve(folder, row.frames))


def inspect_row(folder, row) -> list[tuple[str, str]]:
    """``check``'s problems with a row's video or frames folder: (kind, message) pairs."""
    if row.video:
        path = resolve(folder, row.video)
        if not path.is_file():
            return [("missing_video", f"{path}: video file not found")]
        try:
            probe_video(path)
        except VideoError as exc:
            return [("unreadable_video", str(exc))]
        return []
    if not row.frames:
        return []
    try:
        paths = list_frames(resolve(folder, row.frames))
    except DataError as exc:
        return [("missing_frames", str(exc))]
    from PIL import Image

    for p in paths:
        try:
            with Image.open(p):
                pass
        except Exception as exc:  # not an image PIL recognises
            return [("unreadable_frames", f"{p}: unreadable image ({short_reason(exc)})")]
    return []


def config_record(frames: int | None, counts: dict) -> dict:
    """How video and frames rows were read (results.json ``config.conditioning``)."""
    try:
        import av
        decoder = f"PyAV {av.__version__} (FFmpeg {getattr(av, 'ffmpeg_version_info', '?')})"
    except ImportError:  # a run with frames folders only decodes no video
        decoder = "PyAV (not installed)"
    return {"rows": counts, "frames_per_video": "all" if frames is None else frames,
            "default_frames_per_video": DEFAULT_FRAMES, "video_sampling": SAMPLING, "frames_folder": FRAMES_FOLDER,
            "decoder": f"{decoder}; RGB24 by VideoFrame.to_image() (FFmpeg swscale with the frame's colour matrix, "
                       "BT.601 when untagged; no resize before CLIP's preprocessing)",
            "clip_score": "per clip: 100 x mean over its frames of cosine(Wav2CLIP audio, CLIP frame); "
                          "dataset: mean over clips"}


def is_multi(item) -> bool:
    """Conditioning with several frames: a list/tuple of images or a :class:`Video`."""
    return isinstance(item, (list, tuple, Video))


def frame_embeddings(images, backbone, options) -> list:
    """CLIP embeddings per clip: a (D,) row for one image, an (F, D) array for frames or a video.

    Each distinct frame (by content) is embedded once and cached as images are; videos are
    decoded one at a time and embedded in chunks, so memory holds one chunk of frames. A
    video or a frames folder used by several rows is read once.
    """
    import numpy as np
    from tqdm.auto import tqdm

    from imagehear.embed.engine import extract_keyed
    from imagehear.io.images import image_key, open_image

    known, todo, pending, out = {}, {}, [], [None] * len(images)
    hashed: dict = {}  # image path (or the caller's PIL object) -> (content hash, input): each read once
    videos: dict = {}  # (video path, frames) -> content hashes of its sampled frames: each decoded once

    def flush():
        known.update(extract_keyed(backbone, todo, lambda items: backbone.embed_images([open_image(i) for i in items]),
                                   cache_dir=options.cache_dir, precision=options.precision))
        todo.clear()
        for i, hashes, single in pending:
            out[i] = known[hashes[0]] if single else np.stack([known[h] for h in hashes])
        pending.clear()

    def add(h, item):
        if h not in known:
            todo.setdefault(h, item)
        return h

    def image(img):
        memo = str(img) if isinstance(img, (str, Path)) else id(img)  # the caller keeps its objects alive
        if memo not in hashed:
            hashed[memo] = image_key(img)
        return add(*hashed[memo])

    for i, item in enumerate(tqdm(images, desc="clip frames", unit="clip", leave=False,
                                  disable=not options.progress or len(images) < 50)):
        if isinstance(item, Video):
            memo = (str(item.path), item.frames)
            if memo not in videos:  # decoded frames are new objects: hashed by content, never by id
                videos[memo] = [add(*image_key(frame)) for frame in item.read()]
            hashes = videos[memo]
        else:
            hashes = [image(img) for img in (item if is_multi(item) else [item])]
        pending.append((i, hashes, not is_multi(item)))
        if len(todo) >= CHUNK_FRAMES:
            flush()
    flush()
    return out
