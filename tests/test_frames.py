"""Video and frames-folder conditioning: manifest rules, frame sampling, CS over frames, errors."""
import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from imagehear.embed import frames

from imagehear import protocol, scores
from imagehear.models.backbone import load_backbone
from imagehear.cli import main
from imagehear.errors import ImageHearError, ManifestError, UsageError, VideoError
from imagehear.evaluation.pipeline import Options
from imagehear.evaluation.suite import class_metrics, evaluate_generated

RATE = 16000
LEVELS = [10 + 12 * i for i in range(20)]  # frame i of the test videos is solid grey LEVELS[i]



def empty_folder(path):
    """An image source that holds nothing: a row that fetched an IMAGE HEAR image would fail."""
    path.mkdir(parents=True, exist_ok=True)
    return path

def tone(i, seconds=2.0):
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(i).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * (220 + 70 * i) * t) + 0.05 * noise).astype("float32")


def write_video(path, levels=LEVELS, fps=10, size=(64, 48), codec="libx264", pix_fmt="yuv420p"):
    """A video whose frame i is solid grey ``levels[i]`` (2 s at 10 fps by default)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], pix_fmt
        for level in levels:
            image = np.full((size[1], size[0], 3), level, dtype=np.uint8)
            for packet in stream.encode(rgb_frame(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_video_broken_after_first_frame(path):
    """A PNG-coded AVI whose first frame decodes and whose later frames do not: every packet after
    the first has its PNG header chunk renamed (IHDR -> XXXX). The container and its packets are
    intact, so opening, counting packets and decoding the first frame (what ``check`` does) work."""
    write_video(path, codec="png", pix_fmt="rgb24")
    data = path.read_bytes()
    first = data.index(b"IHDR") + 4
    path.write_bytes(data[:first] + data[first:].replace(b"IHDR", b"XXXX"))
    assert data.count(b"IHDR") == len(LEVELS)  # one per frame: the first is kept
    return path


def rgb_frame(image):
    import av

    return av.VideoFrame.from_ndarray(image, format="rgb24")


def grey_index(image) -> int:
    """Which test frame a decoded frame is (lossy coding moves a solid grey by a few levels)."""
    level = float(np.asarray(image, dtype=np.float64).mean())
    return int(np.argmin([abs(level - g) for g in LEVELS]))


def write_manifest(folder, lines, header="file,label,image,video,frames"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.csv").write_text("\n".join([header] + lines) + "\n")


def options(weights_dir, cache, **kw):
    return Options(weights_dir=str(weights_dir), device="cpu", cache_dir=str(cache), progress=False, **kw)


# --- the sampling rule -------------------------------------------------------------------------

def test_sample_indices_are_the_centres_of_n_equal_segments():
    for m, n in [(250, 16), (20, 4), (21, 5), (100, 7), (17, 16)]:
        got = frames.sample_indices(m, n)
        assert got == [int(np.floor((k + 0.5) * m / n)) for k in range(n)]
        assert len(set(got)) == n and got == sorted(got) and 0 <= got[0] and got[-1] < m
        # each index is the frame on screen at the centre of segment k, [k*D/N, (k+1)*D/N)
        for k, i in enumerate(got):
            assert i <= (k + 0.5) * m / n < i + 1
    assert frames.sample_indices(20, 20) == frames.sample_indices(20, 50) == frames.sample_indices(20, None) \
        == list(range(20))
    assert frames.parse_frames("all") is None and frames.parse_frames("5") == 5
    assert frames.parse_frames(None) == frames.DEFAULT_FRAMES == Options().video_frames == 16
    with pytest.raises(ImageHearError, match="positive"):
        frames.parse_frames("0")


@pytest.mark.parametrize("name,codec", [("clip.mp4", "libx264"), ("clip.avi", "mpeg4"), ("clip.webm", "libvpx-vp9")])
def test_video_decodes_to_the_requested_frames_at_the_documented_positions(tmp_path, name, codec):
    path = write_video(tmp_path / name, codec=codec)  # 2 s, 10 fps: 20 frames
    assert frames.count_packets(path) == 20
    for n, expected in [(4, [2, 7, 12, 17]), (5, [2, 6, 10, 14, 18]), (1, [10])]:
        got = frames.read_video(path, n)
        assert len(got) == n and [grey_index(f) for f in got] == expected == frames.sample_indices(20, n)
    every = frames.read_video(path, None)  # all
    assert [grey_index(f) for f in every] == list(range(20))
    assert [grey_index(f) for f in frames.read_video(path, 64)] == list(range(20))  # N > M: every frame once
    assert every[0].mode == "RGB" and every[0].size == (64, 48)


def test_bad_videos_are_one_line_errors_naming_the_file(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).bytes(4096))
    audio_only = tmp_path / "sound.wav"
    sf.write(audio_only, tone(0), RATE)
    for path, reason in [(junk, "cannot decode video"), (tmp_path / "absent.mp4", "video file not found"),
                         (audio_only, "holds no video stream")]:
        for call in (frames.read_video, frames.probe_video):
            with pytest.raises(VideoError) as info:
                call(path)
            message = str(info.value)
            assert message.startswith(f"{path}: ") and reason in message and "\n" not in message


# --- the manifest --------------------------------------------------------------------------------

def test_manifest_rows_name_exactly_one_conditioning(tmp_path):
    write_manifest(tmp_path, ["a.wav,Dog,dog1.jpg,,", "b.wav,playing violin,,v/b.mp4,", "c.wav,,,,/abs/frames"])
    rows = protocol.read_manifest(tmp_path)
    assert [r.conditioning for r in rows] == ["image", "video", "frames"]
    assert rows[1].video == "v/b.mp4" and rows[2].frames == "/abs/frames" and rows[2].label == ""
    for bad, line, got in [("b.wav,Dog,dog1.jpg,v/b.mp4,", 3, "image and video"), ("b.wav,Dog,,,", 3, "none")]:
        write_manifest(tmp_path, ["a.wav,Dog,dog1.jpg,,", bad])
        with pytest.raises(ManifestError, match=f"manifest.csv:{line}: give exactly one of image, video, frames "
                                                f"per row, got {got}$"):
            protocol.read_manifest(tmp_path)
    write_manifest(tmp_path, ["a.wav,playing violin,dog1.jpg,,"])  # image rows keep IMAGE HEAR's classes
    with pytest.raises(ManifestError, match="manifest.csv:2: unknown class"):
        protocol.read_manifest(tmp_path)
    write_manifest(tmp_path, ["a.wav,,v/a.mp4"], header="file,label,video")  # a subset of the columns
    assert protocol.read_manifest(tmp_path)[0].video == "v/a.mp4"
    for header in ("file,label", "file,label,image,image", "file,label,image,audio", "label,file,image"):
        write_manifest(tmp_path, ["a.wav,Dog,dog1.jpg"], header=header)
        with pytest.raises(ManifestError, match="header must be file,label,image"):
            protocol.read_manifest(tmp_path)


def test_write_manifest_keeps_the_image_hear_header_unless_needed(tmp_path):
    plan = protocol.generation_plan(1, classes=["Dog"])
    protocol.write_manifest(plan, tmp_path / "a" / "manifest.csv")
    assert (tmp_path / "a" / "manifest.csv").read_text().splitlines()[0] == "file,label,image"
    rows = plan + [protocol.PlanRow("v.wav", "", "", video="v.mp4"), protocol.PlanRow("f.wav", "x", "", frames="f")]
    protocol.write_manifest(rows, tmp_path / "b" / "manifest.csv")
    assert (tmp_path / "b" / "manifest.csv").read_text().splitlines()[0] == "file,label,image,video,frames"
    assert protocol.read_manifest(tmp_path / "b") == rows
    cov = protocol.plan_coverage(rows)
    assert cov["conditioning"] == {"image": 1, "video": 1, "frames": 1} and not cov["complete"]
    assert cov["per_class_counts"]["Dog"] == 1
    assert "conditioning" not in protocol.plan_coverage(plan)


# --- check -----------------------------------------------------------------------------------------

def test_check_names_each_bad_video_or_frames_folder_on_one_line(tmp_path, capsys):
    gen = tmp_path / "gen"
    write_video(gen / "videos" / "good.mp4")
    (gen / "videos" / "junk.mp4").write_bytes(np.random.default_rng(1).bytes(2048))
    (gen / "frames" / "empty").mkdir(parents=True)
    (gen / "frames" / "bad").mkdir(parents=True)
    (gen / "frames" / "bad" / "0001.png").write_bytes(b"not a png")
    names = ["good", "junk", "absent", "empty", "bad", "nofolder"]
    for name in names:
        sf.write(gen / f"{name}.wav", tone(1), RATE)
    write_manifest(gen, ["good.wav,,,videos/good.mp4,", "junk.wav,,,videos/junk.mp4,", "absent.wav,,,videos/no.mp4,",
                         "empty.wav,,,,frames/empty", "bad.wav,,,,frames/bad", "nofolder.wav,,,,frames/none"])
    assert main(["check", str(gen)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    lines = out.splitlines()
    for name, kind, what in [("junk", "unreadable_video", "junk.mp4: cannot decode video"),
                             ("absent", "missing_video", "no.mp4: video file not found"),
                             ("empty", "missing_frames", "empty: frames folder holds no image files"),
                             ("bad", "unreadable_frames", "0001.png: unreadable image"),
                             ("nofolder", "missing_frames", "none: frames folder not found")]:
        assert sum(f"ERROR {kind}: {name}.wav: " in line and what in line for line in lines) == 1, (name, out)
    assert not any("good.wav" in line for line in lines)
    assert "outside the IMAGE HEAR plan (3 video, 3 frames rows)" in lines[-1]


# --- CS over frames ----------------------------------------------------------------------------------

def test_frames_folder_of_copies_scores_the_mean_of_the_image_scores(tmp_path, weights_dir, shared_dir):
    """Same audio three times: conditioned on dog1.jpg, on dog3.jpg, and on a frames folder holding
    k copies of each: the folder's CS is exactly the mean of the per-image CS over its frames."""
    images = shared_dir / "image_hear" / "images"
    gen, only_images = tmp_path / "gen", tmp_path / "images_only"
    k = 3
    for i in range(k):
        for name in ("dog1.jpg", "dog3.jpg"):
            (gen / "frames" / "c").mkdir(parents=True, exist_ok=True)
            shutil.copy(images / name, gen / "frames" / "c" / f"{name[:4]}_{i:02d}.jpg")
    audio = tone(3)
    for folder in (gen, only_images):
        (folder / "dog").mkdir(parents=True, exist_ok=True)
        for name in ("a", "b", "c"):
            sf.write(folder / "dog" / f"{name}.wav", audio, RATE)
    write_manifest(gen, ["dog/a.wav,Dog,dog1.jpg,,", "dog/b.wav,Dog,dog3.jpg,,", "dog/c.wav,Dog,,,frames/c"])
    write_manifest(only_images, ["dog/a.wav,Dog,dog1.jpg", "dog/b.wav,Dog,dog3.jpg"], header="file,label,image")
    source = str(images)
    results, per_sample = evaluate_generated(gen, metrics="clip_score",
                                             options=options(weights_dir, tmp_path / "c1", source=source))
    cs = [r["clip_score"] for r in per_sample]
    frame_values = [cs[0]] * k + [cs[1]] * k  # name order: dog1_*, then dog3_*
    assert cs[2] == np.mean(frame_values) and cs[2] == pytest.approx((cs[0] + cs[1]) / 2, rel=1e-12)
    entry = results["metrics"]["clip_score"]
    assert entry["value"] == pytest.approx(np.mean(cs), rel=1e-12)
    assert entry["frames_per_clip"] == {"min": 1, "mean": (1 + 1 + 2 * k) / 3, "max": 2 * k}
    assert results["config"]["conditioning"]["rows"] == {"image": 2, "video": 0, "frames": 1}
    assert per_sample[2]["frames"] == "frames/c" and "frames" not in per_sample[0]
    # the image rows score bit for bit what an IMAGE HEAR run (no frames anywhere) gives them
    plain, plain_rows = evaluate_generated(only_images, metrics="clip_score",
                                           options=options(weights_dir, tmp_path / "c2", source=source))
    assert [r["clip_score"] for r in plain_rows] == cs[:2]
    assert "conditioning" not in plain["config"] and "frames_per_clip" not in plain["metrics"]["clip_score"]


def test_clip_score_frames_matches_clip_score_bit_for_bit_on_single_frames():
    rng = np.random.default_rng(0)
    audio, image = rng.normal(size=(7, 512)).astype("float32"), rng.normal(size=(7, 512)).astype("float32")
    one = scores.clip_score(audio, image)
    framed = scores.clip_score_frames(audio, [image[i] for i in range(3)] + [image[i:i + 1] for i in range(3, 7)])
    assert framed.per_sample.tolist() == one.per_sample.tolist() and framed.value == one.value
    many = scores.clip_score_frames(audio[:1], [np.stack([image[0], image[1], image[0]])])
    pair = [scores.clip_score(audio[:1], image[j:j + 1]).value for j in (0, 1, 0)]
    assert many.value == pytest.approx(np.mean(pair), rel=1e-12)
    with pytest.raises(ValueError, match="frame_emb has 1 clips"):
        scores.clip_score_frames(audio[:2], [image[:2]])


def test_video_row_scores_the_mean_over_its_sampled_frames(tmp_path, weights_dir):
    gen = tmp_path / "gen"
    write_video(gen / "v.mp4")
    sf.write(gen / "a.wav", tone(4), RATE)
    write_manifest(gen, ["a.wav,playing violin,,v.mp4,"])
    results, per_sample = evaluate_generated(gen, metrics="clip_score",
                                             options=options(weights_dir, tmp_path / "cache", video_frames=4,
                                                             source=str(empty_folder(tmp_path / "no_images"))))
    clip = load_backbone("clip", weights_dir, "cpu")
    sampled = clip.embed_images(frames.read_video(gen / "v.mp4", 4)).numpy()
    wav2clip = load_backbone("wav2clip", weights_dir, "cpu")
    from imagehear.io.audio import load_audio

    audio = wav2clip(load_audio(gen / "a.wav", 16000)[None])["embedding"].numpy()
    expected = scores.clip_score_frames(audio, [sampled])
    assert per_sample[0]["clip_score"] == pytest.approx(expected.value, abs=1e-4)
    assert results["metrics"]["clip_score"]["frames_per_clip"]["max"] == 4
    conditioning = results["config"]["conditioning"]
    assert conditioning["frames_per_video"] == 4 and conditioning["default_frames_per_video"] == 16
    assert "floor((k + 1/2) * M / N)" in conditioning["video_sampling"] and "PyAV" in conditioning["decoder"]
    assert results["metrics"]["clip_score"]["per_class"] == {"playing violin": per_sample[0]["clip_score"]}


def test_python_api_takes_videos_and_frame_lists(tmp_path, weights_dir, shared_dir):
    from imagehear import api

    video = write_video(tmp_path / "v.mp4")
    dog = shared_dir / "image_hear" / "images" / "dog1.jpg"
    audio = [tone(6), tone(6), tone(6)]
    kw = dict(sampling_rate=RATE, weights_dir=str(weights_dir), device="cpu", cache_dir=str(tmp_path / "cache"))
    out = api.score("clip_score", audio, images=[frames.Video(video, 2), [dog, dog], dog], **kw)["per_sample"]
    assert out["clip_score"][1] == out["clip_score"][2]  # two copies of one image: that image's CS
    first_two = frames.read_video(video, 2)
    direct = api.score("clip_score", audio[:1], images=[first_two], **kw)["per_sample"]
    assert out["clip_score"][0] == pytest.approx(direct["clip_score"][0], abs=1e-5)


def test_class_metrics_are_left_out_by_default_and_refused_when_named():
    rows = [protocol.PlanRow("a.wav", "playing violin", "", video="a.mp4"), protocol.PlanRow("b.wav", "", "", video="b")]
    with pytest.warns(UserWarning, match="accuracy, clap_score left out: 2 manifest row"):
        assert class_metrics(["clip_score", "accuracy", "clap_score", "kl"], rows, None) == ["clip_score", "kl"]
    with pytest.raises(UsageError, match="accuracy: scores each clip against its IMAGE HEAR class.*a.wav"):
        class_metrics(["accuracy"], rows, "accuracy")
    labelled = [protocol.PlanRow("a.wav", "Dog", "", video="a.mp4")]  # a video of an IMAGE HEAR class: fine
    assert class_metrics(["accuracy"], labelled, "accuracy") == ["accuracy"]
    with pytest.warns(UserWarning, match="accuracy left out"):  # 'all' chose it for the user: left out
        assert class_metrics(["clip_score", "accuracy"], rows, "all") == ["clip_score"]
    with pytest.raises(UsageError, match="^accuracy: scores each clip"):  # +accuracy: named, so refused
        class_metrics(["clip_score", "accuracy", "clap_score"], rows, "+accuracy")


# --- the command line, end to end ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def video_set(tmp_path_factory):
    """Three 1.5 s generated clips conditioned on videos (VGGSound-style labels), their references."""
    root = tmp_path_factory.mktemp("video_set")
    gen, ref = root / "gen", root / "ref"
    lines = []
    for i, label in enumerate(["playing violin", "dog barking", ""]):
        name = f"clip_{i}"
        write_video(root / "videos" / f"{name}.mp4", levels=[(40 * i + 5 * j) % 250 for j in range(20)])
        (gen / "audio").mkdir(parents=True, exist_ok=True)
        (ref / "audio").mkdir(parents=True, exist_ok=True)
        sf.write(gen / "audio" / f"{name}.wav", tone(i, 1.5), RATE)
        sf.write(ref / "audio" / f"{name}.flac", tone(i + 10, 1.5), RATE)
        lines.append(f"audio/{name}.wav,{label},,{'../videos' if i else str(root / 'videos')}/{name}.mp4,")
    write_manifest(gen, lines)
    return root, gen, ref


def test_evaluate_video_set_prints_fad_kl_and_cs_over_frames(video_set, weights_dir, tmp_path, capsys):
    root, gen, ref = video_set
    out = tmp_path / "results.json"
    code = main(["evaluate", str(gen), "--reference-dir", str(ref), "--metrics", "clip_score,kl,fad",
                 "--frames", "4", "--weights-dir", str(weights_dir), "--device", "cpu",
                 "--cache-dir", str(tmp_path / "cache"), "--source", str(empty_folder(tmp_path / "no_images")),
                 "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    for label in ("CLIP score (CS)", "FAD (VGGish)", "KL (PaSST)"):
        assert label in printed.out
    results = json.loads(out.read_text())
    assert set(results["metrics"]) == {"clip_score", "kl", "fad"}
    assert all("error" not in e for e in results["metrics"].values())
    assert results["metrics"]["clip_score"]["frames_per_clip"] == {"min": 4, "mean": 4.0, "max": 4}
    assert results["metrics"]["kl"]["n"] == 3 and results["complete"] is False
    assert results["config"]["conditioning"]["rows"] == {"image": 0, "video": 3, "frames": 0}
    per_sample = (out.parent / "results.per_sample.csv").read_text().splitlines()
    assert per_sample[0].startswith("file,label,video,clip_score")  # image, frames: empty for every row, left out
    assert per_sample[2].startswith("audio/clip_1.wav,dog barking,../videos/clip_1.mp4,")


def test_evaluate_refuses_class_metrics_on_video_labels_in_one_line(video_set, weights_dir, tmp_path, capsys):
    _, gen, _ = video_set
    code = main(["evaluate", str(gen), "--metrics", "accuracy", "--weights-dir", str(weights_dir),
                 "--device", "cpu", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no IMAGE HEAR class" in err


def test_evaluate_names_an_undecodable_video_without_a_traceback(tmp_path, weights_dir, capsys):
    gen = tmp_path / "gen"
    write_video(gen / "good.mp4")
    (gen / "junk.mp4").write_bytes(np.random.default_rng(2).bytes(4096))
    for name in ("a", "b"):
        sf.write(gen / f"{name}.wav", tone(5), RATE)
    write_manifest(gen, ["a.wav,,,good.mp4,", "b.wav,,,junk.mp4,"])
    args = ["evaluate", str(gen), "--metrics", "clip_score", "--weights-dir", str(weights_dir), "--device", "cpu",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "r.json")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "junk.mp4" in line] == \
        [line for line in err.splitlines() if "ERROR unreadable_video: b.wav: " in line and "junk.mp4" in line]
    assert len([line for line in err.splitlines() if "junk.mp4" in line]) == 1
    # a video that check passes (its first frame decodes) but the decoder fails on later: one line
    late = tmp_path / "late"
    write_video_broken_after_first_frame(late / "late.avi")
    sf.write(late / "a.wav", tone(5), RATE)
    write_manifest(late, ["a.wav,,,late.avi,"])
    assert main(["check", str(late)]) == 0
    assert "late.avi" not in capsys.readouterr().out
    with pytest.raises(VideoError, match="late.avi: cannot decode video"):
        frames.read_video(late / "late.avi", 4)
    args[1] = str(late)
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "late.avi: cannot decode video" in err and err.startswith("image-hear evaluate")
    assert "Traceback" not in err


def test_ib_score_on_a_video_row_takes_av_benchmarks_frames_or_says_it_is_too_short(tmp_path, weights_dir, capsys):
    gen = tmp_path / "gen"  # ib_score embeds a video whole (tests/models/test_imagebind.py: parity)
    write_video(gen / "v.mp4", levels=[8 * j for j in range(30)])  # 3 s at 10 fps: 2 frames at 0.5 fps
    sf.write(gen / "a.wav", tone(3), RATE)
    write_manifest(gen, ["a.wav,,,v.mp4,"])
    out = tmp_path / "r.json"
    args = ["evaluate", str(gen), "--metrics", "ib_score", "--weights-dir", str(weights_dir), "--device", "cpu",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]
    assert main(args) == 1  # av-benchmark's default 8 s: 4 frames
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "v.mp4: too short" in err and "(2 of 4 at 0.5 fps); pass --audio-length" in err
    assert main(args + ["--audio-length", "4"]) == 0, capsys.readouterr().err
    results = json.loads(out.read_text())
    assert results["metrics"]["ib_score"]["n"] == 1 and -1 <= results["metrics"]["ib_score"]["value"] <= 1
    record = results["config"]["conditioning"]["imagebind_video"]
    assert (record["frames"], record["duration_s"], record["duration_from"]) == (2, 4.0, "--audio-length")
    assert "'fps=0.5,format=rgb24'" in record["decoder"]
