"""Video rows for a backbone that embeds a whole video (``ModelSpec.video_fps``; ImageBind, as
av-benchmark computes its IB-score): the frames FFmpeg's own ``fps`` filter picks, one embedding per row.

av-benchmark (``VideoDataset``) decodes with torio's ``StreamingMediaDecoder`` (``frame_rate=0.5``,
``format="rgb24"``), i.e. the FFmpeg filter graph ``fps=0.5,format=rgb24`` on the decoded frames,
flushed at the end of the file, and keeps the first ``int(0.5 x duration)`` frames (duration: its
``--audio_length``, "the length of the video"; 8 s for MMAudio's sets); fewer is an error. torio
does not import with torchaudio 2.9+, so the same graph is built here with PyAV (``av.filter.Graph``):
the frame choice is FFmpeg's, not a re-implementation.

The rule FFmpeg's fps filter applies (default ``round=near``, ``eof_action=round``): each frame's
time t is put on the output grid (step 1 / fps = 2 s) as round(t / 2) (halves away from zero); output
frame n (time 2n s, counted from the first frame's grid point) is the last frame with round(t / 2) <= n,
i.e. the last frame shown before 2n + 1 s. A 10 fps video starting at 0 gives frames 9, 29, 49, 69;
25 fps: 24, 74, 124, 174. The last slot needs a later frame or the end of the file at or past
2n + 1 s: a video shorter than 2 x frames - 1 s yields too few frames (one line naming the file).

A ``frames`` folder is taken as frames already sampled: all of its images, in file-name order (at least 2).
Each row's embedding is cached by content: the file's SHA-256 with the rate and the frame count (a video),
or the frames' hashes (a folder). Heavy imports (av, numpy, torch) happen inside the functions.

>>> expected_frames(0.5, 8.0), expected_frames(0.5, 10.0), expected_frames(0.5, 5.0)
(4, 5, 2)
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from imagehear.errors import DataError, UsageError, VideoError
from imagehear.embed.frames import Video, open_video, short_reason

DEFAULT_SECONDS = 8.0  # av-benchmark's VideoDataset default duration (MMAudio: 8 s videos)


def expected_frames(fps: float, seconds: float) -> int:
    """av-benchmark's frame count: ``int(fps x duration)``."""
    return int(fps * seconds)


def decode_at_rate(path, fps: float, count: int):
    """The first ``count`` frames of FFmpeg's ``fps=<fps>,format=rgb24`` graph: uint8 (count, 3, H, W)."""
    import av
    import numpy as np
    import torch

    frames = []

    def drain(graph):
        while len(frames) < count:
            try:
                frames.append(graph.pull().to_ndarray())
            except (av.error.BlockingIOError, av.error.EOFError):  # wants more input / flushed
                return

    container = open_video(path)
    try:
        stream = container.streams.video[0]
        graph = av.filter.Graph()
        chain = [graph.add_buffer(template=stream), graph.add("fps", f"{fps:g}"), graph.add("format", "rgb24"),
                 graph.add("buffersink")]
        for a, b in zip(chain, chain[1:]):
            a.link_to(b)
        graph.configure()
        for frame in container.decode(stream):
            graph.push(frame)
            drain(graph)
            if len(frames) == count:
                break
        else:
            graph.push(None)  # end of file: the filter emits its last slots (eof_action=round), as torio's flush
            drain(graph)
    except Exception as exc:
        raise VideoError(f"{path}: cannot decode video ({short_reason(exc)})") from None
    finally:
        container.close()
    if len(frames) < count:
        raise VideoError(f"{path}: too short for av-benchmark's ImageBind frames ({len(frames)} of {count} at "
                         f"{fps:g} fps); pass --audio-length with the video's length in seconds, or a longer video")
    return torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).contiguous()


def read_folder(frames):
    """A frames row (image paths or PIL images) as uint8 (T, 3, H, W), RGB; every frame of one size."""
    import numpy as np
    import torch

    from imagehear.io.images import open_image

    names = [str(f) if isinstance(f, (str, Path)) else f"frame #{i}" for i, f in enumerate(frames)]
    arrays = [np.asarray(open_image(Path(f) if isinstance(f, str) else f).convert("RGB")) for f in frames]
    for name, a in zip(names, arrays):
        if a.shape != arrays[0].shape:
            raise DataError(f"{name}: {a.shape[1]}x{a.shape[0]} frame among {arrays[0].shape[1]}x{arrays[0].shape[0]} "
                            "ones; give every frame of the folder one size")
    if len(arrays) < 2:
        raise DataError(f"{names[0]}: the only frame of its row; a whole-video embedding pairs consecutive frames: "
                        "add frames or condition the row on an image")
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def row_key(item, fps: float, count: int) -> str:
    """Content hash of a video row (file bytes, rate, frame count) or a frames row (its frames' hashes)."""
    from imagehear.io.images import image_key

    digest = hashlib.sha256()
    if isinstance(item, Video):
        digest.update(f"fps-video:{fps:g}:{count}:".encode())
        with open(item.path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    else:
        digest.update(b"frames-folder:" + ":".join(image_key(f)[0] for f in item).encode())
    return digest.hexdigest()


def embeddings(images, backbone, fps: float, seconds: float | None, options) -> list:
    """One (D,) array per row: ``embed_images`` for an image, ``embed_videos`` for a video or frames row."""
    from imagehear.embed.engine import extract_keyed
    from imagehear.io.images import image_key, open_image

    count = expected_frames(fps, seconds or DEFAULT_SECONDS)
    if count < 2:
        raise UsageError(f"--audio-length {seconds:g}: a whole-video embedding needs 2 frames at {fps:g} fps, "
                         f"i.e. at least {2 / fps:g} s")
    keys, videos, stills = [], {}, {}
    for item in images:
        if isinstance(item, Video):
            if not Path(item.path).is_file():
                raise VideoError(f"{item.path}: video file not found")
            keys.append(row_key(item, fps, count))
            videos.setdefault(keys[-1], item)
        elif isinstance(item, (list, tuple)):
            keys.append(row_key(item, fps, count))
            videos.setdefault(keys[-1], item)
        else:
            h, img = image_key(item)
            keys.append(h)
            stills.setdefault(h, img)

    def frames_of(item):
        return decode_at_rate(item.path, fps, count) if isinstance(item, Video) else read_folder(item)

    out = extract_keyed(backbone, stills, lambda items: backbone.embed_images([open_image(i) for i in items]),
                        cache_dir=options.cache_dir, precision=options.precision)
    out.update(extract_keyed(backbone, videos, lambda items: backbone.embed_videos([frames_of(i) for i in items]),
                             cache_dir=options.cache_dir, precision=options.precision, batch_size=4))
    return [out[k] for k in keys]


def config_record(fps: float, seconds: float | None) -> dict:
    """How a whole-video backbone read video and frames rows (results.json ``config.conditioning``)."""
    import av

    n = expected_frames(fps, seconds or DEFAULT_SECONDS)
    return {"fps": fps, "duration_s": seconds or DEFAULT_SECONDS, "frames": n,
            "duration_from": "--audio-length" if seconds else f"default {DEFAULT_SECONDS:g} s (av-benchmark)",
            "decoder": f"PyAV {av.__version__} (FFmpeg {av.ffmpeg_version_info}) filter graph "
                       f"'fps={fps:g},format=rgb24' (av-benchmark: torio, FFmpeg < 7), first {n} frames; "
                       "output frame k: the last frame before (2k + 1) / (2 fps) s",
            "frames_folder": "frames already sampled: every image in file-name order (at least 2)"}
