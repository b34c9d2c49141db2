"""ImageBind backbone and ``ib_score``: a tiny random ``ImageBindModel`` saved as imagebind_huge.pth
is (a bare state dict), parity with imagebind-unofficial's own model and data transforms.

Reference: upstream's ``ImageBindModel`` built with the same tiny arguments and loaded as
``imagebind_huge(pretrained=True)`` loads its file (``torch.load(weights_only=True)`` +
``load_state_dict``); inputs from upstream's ``data.load_and_transform_audio_data`` (16 kHz wav
files, so no resampling) and ``load_and_transform_vision_data`` (PNG files). Upstream reads audio
with ``torchaudio.load``, which needs torchcodec (absent here): the reference reads the same
float32 wav with soundfile instead. The score is checked against av-benchmark's formula
(``torch.cosine_similarity(video, audio, dim=-1).mean()``). Tolerance: atol 1e-5 on embeddings
(audio outputs have norm 20) and on the raw cosine (float32; measured 0: the same code on the
same tensors).
"""
from __future__ import annotations

import sys

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from imagehear import api
from imagehear.errors import WeightsError
from imagehear.models import MODELS
from imagehear.models.backbone import load_backbone
from imagehear.models.imagebind import SAMPLE_RATE
from imagehear.testing.imagebind import TINY

from tests.models.conftest import synthetic_clip

ATOL = 1e-5


@pytest.fixture(scope="module")
def imagebind(offline_weights_dir):
    return load_backbone("imagebind", weights_dir=offline_weights_dir)


def upstream_modules():
    """imagebind-unofficial's model and data modules: the package imports two names newer setuptools
    and torchvision dropped; the reference provides them as the product does, for the import only."""
    import types
    from importlib.resources import files

    from torchvision.transforms import _functional_tensor

    shim = types.ModuleType("pkg_resources")
    shim.resource_filename = lambda package, name: str(files(package).joinpath(name))
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "pkg_resources", sys.modules.get("pkg_resources", shim))
        mp.setitem(sys.modules, "torchvision.transforms.functional_tensor", _functional_tensor)
        from imagebind import data
        from imagebind.models import imagebind_model
    return imagebind_model, data


def reference(weights_file, wavs, pngs):
    imagebind_model, data = upstream_modules()
    model = imagebind_model.ImageBindModel(**TINY)
    model.load_state_dict(torch.load(weights_file, weights_only=True))

    def read(path):  # torchaudio.load's (channels, samples) float32, through soundfile
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return torch.from_numpy(audio.T.copy()), rate

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data.torchaudio, "load", read)
        audio = [data.load_and_transform_audio_data([w], "cpu") for w in wavs]  # one file each: lengths differ
    vision = data.load_and_transform_vision_data([str(p) for p in pngs], "cpu")
    with torch.inference_mode():
        out_audio = torch.cat([model.eval()({"audio": a})["audio"] for a in audio])
        out_vision = model({"vision": vision})["vision"]
    return out_audio, out_vision


def test_embeddings_and_score_match_upstream(imagebind, offline_weights_dir, tmp_path):
    # 3 s: the three 2 s clips overlap (upstream's in-place mean removal then compounds); 6.5 s: they do not
    clips = [synthetic_clip(3.0, SAMPLE_RATE, 0), 0.5 + synthetic_clip(6.5, SAMPLE_RATE, 1)]
    rng = np.random.default_rng(0)  # non-square, non-symmetric content: a wrong crop or resize would show
    pictures = [Image.fromarray((rng.random(shape) * 255).astype(np.uint8)) for shape in ((120, 200, 3), (260, 90, 3))]
    wavs, pngs = [tmp_path / f"{i}.wav" for i in range(2)], [tmp_path / f"{i}.png" for i in range(2)]
    for clip, wav, picture, png in zip(clips, wavs, pictures, pngs):
        sf.write(wav, clip.numpy(), SAMPLE_RATE, subtype="FLOAT")
        picture.save(png)
    ref_audio, ref_vision = reference(offline_weights_dir / MODELS["imagebind"].file_name, wavs, pngs)

    ours_audio = torch.cat([imagebind(c[None])["embedding"] for c in clips])
    ours_vision = imagebind.embed_images([Image.open(p) for p in pngs])
    assert ours_audio.shape == ours_vision.shape == (2, 1024)
    torch.testing.assert_close(ours_audio, ref_audio, atol=ATOL, rtol=0)
    torch.testing.assert_close(ours_vision, ref_vision, atol=ATOL, rtol=0)

    result = api.score("ib_score", [c.numpy() for c in clips], images=[str(p) for p in pngs], labels=["Dog", "Piano"],
                       sampling_rate=SAMPLE_RATE, weights_dir=str(offline_weights_dir), cache_dir=False,
                       progress=False)
    expected = torch.cosine_similarity(ref_vision, ref_audio, dim=-1)  # av-benchmark's IB-Score, per pair
    np.testing.assert_allclose(result["per_sample"]["ib_score"], expected.numpy(), atol=ATOL, rtol=0)
    assert result["ib_score"] == pytest.approx(float(expected.mean()), abs=ATOL)
    assert abs(float(expected.mean())) < 1  # the raw cosine, not x 100
    assert "IB-score" in result["chance"]["definition"]


def test_config_and_a_foreign_file(imagebind, tmp_path):
    cfg = imagebind.config()
    assert cfg["architecture"] == {**TINY} and cfg["audio"]["clips_per_video"] == 3
    torch.save({"modality_heads.vision.2.weight": torch.zeros(1024, 160)}, tmp_path / MODELS["imagebind"].file_name)
    with pytest.raises(WeightsError, match="not an ImageBind checkpoint.*imagebind_huge.pth"):
        load_backbone("imagebind", weights_dir=tmp_path)


def test_a_missing_package_is_one_line_naming_the_extra(monkeypatch):
    from imagehear.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "imagebind", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'image-hear\[imagebind\]'"):
        load_backbone("imagebind")


# --- video and frames rows: av-benchmark's VideoDataset + encode_video_with_imagebind ----------------

def write_video(path, count: int, fps: int = 10, size=(64, 48), codec="libx264", pix_fmt="yuv420p", frame=None):
    """``count`` frames at ``fps``; frame i is ``frame(i)`` (RGB uint8, H x W x 3)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
        for i in range(count):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame(i), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def textured(i, fps=10, size=(64, 48)):
    """One random texture per second (seeded by the second): the frame picked within a second does not
    matter, the second it comes from does; not symmetric, so each of the three crops differs."""
    return np.random.default_rng(i // fps).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)


def numbered(i, size=(16, 16)):
    """Frame i as a solid colour that encodes i exactly (R + 256 G), for a lossless codec."""
    return np.broadcast_to(np.array([i % 256, i // 256, 0], dtype=np.uint8), (size[1], size[0], 3)).copy()


def reference_frames(path, rate="0.5", keep=4):
    """av-benchmark's decode (torio: FFmpeg's fps filter then rgb24, flushed at the end), through PyAV."""
    import av

    got = []
    with av.open(str(path)) as container:
        graph = av.filter.Graph()
        src = graph.add_buffer(template=container.streams.video[0])
        fps, fmt, sink = graph.add("fps", fps=rate), graph.add("format", pix_fmts="rgb24"), graph.add("buffersink")
        src.link_to(fps)
        fps.link_to(fmt)
        fmt.link_to(sink)
        graph.configure()
        for item in [*container.decode(video=0), None]:
            graph.push(item)
            while True:
                try:
                    got.append(torch.from_numpy(graph.pull().to_ndarray()).permute(2, 0, 1))
                except (av.error.BlockingIOError, av.error.EOFError):
                    break
    assert len(got) >= keep, "av-benchmark raises 'IB video too short'"
    return torch.stack(got[:keep])


def reference_video_embedding(model, frames):
    """VideoDataset's ib_transform and SpatialCrop(224, 3), then encode_video_with_imagebind, re-derived."""
    import math

    from torchvision.transforms import v2

    x = v2.Compose([v2.Resize(224, interpolation=v2.InterpolationMode.BICUBIC), v2.ToImage(),
                    v2.ToDtype(torch.float32, scale=True),
                    v2.Normalize(mean=[0.48145466, 0.4578275, 0.40821073],
                                 std=[0.26862954, 0.26130258, 0.27577711])])(frames)
    h, w = x.shape[-2:]
    crops = []
    for position in range(3):  # 0/1/2: start/centre/end of the long side; centre offsets round up
        top, left = math.ceil((h - 224) / 2), math.ceil((w - 224) / 2)
        end = [0, None, (h if h > w else w) - 224][position]
        if end is not None:
            top, left = (end, left) if h > w else (top, end)
        crops.append(x[:, :, top:top + 224, left:left + 224])
    batch = torch.stack(crops)[None]  # (B=1, crops, T, C, H, W), as the DataLoader collates it
    t = batch.shape[2]
    clips = torch.cat([batch[:, :, i:i + 2] for i in range(t - 1)], dim=1)  # (B, crops x pairs, 2, C, H, W)
    clips = clips.permute(0, 1, 3, 2, 4, 5)  # rearrange 'b n t c h w -> b n c t h w'
    imagebind_model, _ = upstream_modules()
    with torch.inference_mode():
        return model({imagebind_model.ModalityType.VISION: clips})[imagebind_model.ModalityType.VISION]


def test_video_frames_are_the_ones_ffmpegs_fps_filter_picks(tmp_path):
    from imagehear.embed.fps_video import decode_at_rate
    from imagehear.errors import VideoError

    for fps, expected in ((10, [9, 29, 49, 69]), (25, [24, 74, 124, 174])):  # the last frame before 2n + 1 s
        video = write_video(tmp_path / f"n{fps}.mov", 8 * fps, fps, (16, 16), "png", "rgb24", numbered)  # lossless
        frames = decode_at_rate(video, 0.5, 4)
        assert [int(f[0, 0, 0]) + 256 * int(f[1, 0, 0]) for f in frames] == expected
        assert torch.equal(frames, reference_frames(video))
    short = tmp_path / "short.mov"  # 6.9 s: the fourth slot (6 s) needs a frame or the end at 7 s or later
    write_video(short, 69, 10, (16, 16), "png", "rgb24", numbered)
    with pytest.raises(VideoError, match=r"short.mov: too short .*\(3 of 4 at 0.5 fps\); pass --audio-length"):
        decode_at_rate(short, 0.5, 4)


def test_video_and_frames_rows_match_av_benchmarks_path(imagebind, offline_weights_dir, tmp_path):
    from imagehear.embed.frames import Video
    from imagehear.embed.fps_video import decode_at_rate

    video = write_video(tmp_path / "v.mp4", 80, frame=textured)  # 8 s at 10 fps
    model = upstream_modules()[0].ImageBindModel(**TINY).eval()
    model.load_state_dict(torch.load(offline_weights_dir / MODELS["imagebind"].file_name, weights_only=True))
    ref_video = reference_video_embedding(model, reference_frames(video))
    ours = imagebind.embed_videos([decode_at_rate(video, 0.5, 4)])
    torch.testing.assert_close(ours, ref_video, atol=ATOL, rtol=0)
    import av  # one frame later (frames 10, 30, 50, 70: each from the next second) is another embedding

    with av.open(str(video)) as container:
        every = [torch.from_numpy(f.to_ndarray(format="rgb24")).permute(2, 0, 1) for f in container.decode(video=0)]
    shifted = reference_video_embedding(model, torch.stack(every[10:80:20]))
    assert (shifted - ref_video).abs().max() > 100 * ATOL

    pngs = [tmp_path / f"f{i}.png" for i in range(3)]  # a frames row: tall frames (top/centre/bottom crops)
    for i, png in enumerate(pngs):
        Image.fromarray(textured(10 * i, size=(40, 70))).save(png)
    ref_folder = reference_video_embedding(model, torch.stack([torch.from_numpy(np.array(Image.open(p).convert(
        "RGB"))).permute(2, 0, 1) for p in pngs]))
    clips = [synthetic_clip(3.0, SAMPLE_RATE, 0), synthetic_clip(4.0, SAMPLE_RATE, 1)]
    audio = torch.cat([imagebind(c[None])["embedding"] for c in clips])  # parity: the test above
    result = api.score("ib_score", [c.numpy() for c in clips], images=[Video(video), pngs], sampling_rate=SAMPLE_RATE,
                       weights_dir=str(offline_weights_dir), cache_dir=str(tmp_path / "cache"), progress=False)
    expected = torch.cosine_similarity(torch.cat([ref_video, ref_folder]), audio, dim=-1)  # av-benchmark's IB-Score
    np.testing.assert_allclose(result["per_sample"]["ib_score"], expected.numpy(), atol=ATOL, rtol=0)
    assert result["ib_score"] == pytest.approx(float(expected.mean()), abs=ATOL)
