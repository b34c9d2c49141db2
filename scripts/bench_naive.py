"""Helpers for scripts/bench.py: data sets, the naive upstream pipeline, FLOP counts, FD timing, the table.

The naive way is what a paper's evaluation script does with the upstream packages, clip by
clip: hear21passt ``get_basic_model(mode="logits")`` once for accuracy and again for KL
(generated + reference), ``wav2clip.embed_audio``, transformers ``CLIPModel`` with
``CLIPImageProcessor`` re-embedding the conditioning image for every clip, torchvggish's
``waveform_to_examples`` + model, and the ``scipy.linalg.sqrtm`` Fréchet distance. Upstream
loaders read our random weights from a torch hub cache (TORCH_HOME) holding symlinks to
the weights dir, exactly as they would read the released files.
"""
from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np

HUB_FILES = ("passt-s-f128-p16-s10-ap.476-swa.pt", "Wav2CLIP.pt", "vggish-10086976.pth")


def torch_home(weights_dir: Path, root: Path) -> Path:
    """A TORCH_HOME whose hub/checkpoints/ links to the weights dir's upstream files."""
    checkpoints = root / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    for name in HUB_FILES:
        link = checkpoints / name
        if not link.exists():
            link.symlink_to(Path(weights_dir).resolve() / name)
    return root


def _quiet():
    return contextlib.redirect_stdout(io.StringIO())  # hear21passt prints shapes and the model


def load_naive_models(weights_dir: Path):
    import torch
    import torchvggish
    import wav2clip
    from hear21passt.base import get_basic_model
    from transformers import CLIPImageProcessor, CLIPModel

    with _quiet():
        passt = get_basic_model(mode="logits").eval()
    w2c = wav2clip.get_model()
    vgg = torchvggish.vggish(postprocess=False).eval()
    vgg.embeddings = torch.nn.Sequential(*list(vgg.embeddings)[:-1])  # FAD convention: no final ReLU
    folder = Path(weights_dir) / "clip-vit-base-patch32"
    clip = CLIPModel.from_pretrained(folder).eval()
    processor = CLIPImageProcessor.from_pretrained(folder)
    return passt, w2c, vgg, clip, processor


def _read(path, rate):
    import soundfile as sf
    import torch
    import torchaudio.functional as AF

    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    wave = torch.from_numpy(data.mean(axis=1))
    return AF.resample(wave, sr, rate) if sr != rate else wave


def scipy_fd(mu1, s1, mu2, s2) -> float:
    """The formula every peer copies (pytorch-fid / audioldm_eval): scipy sqrtm of S1 S2."""
    from scipy import linalg

    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def run_naive(gen_dir: Path, ref_dir: Path, weights_dir: Path, source: Path, work: Path) -> dict:
    """Every metric of the parity set, the upstream way; returns timings per stage and the scores."""
    import torch
    import wav2clip
    from PIL import Image
    from torchvggish.vggish_input import waveform_to_examples

    from imagehear import protocol

    os.environ["TORCH_HOME"] = str(torch_home(weights_dir, work / "torch_home"))
    stages, t0 = {}, time.perf_counter()
    passt, w2c, vgg, clip, processor = load_naive_models(weights_dir)
    stages["model_load"] = time.perf_counter() - t0
    rows = protocol.read_manifest(gen_dir)
    excluded = list(protocol.EXCLUDED_AUDIOSET_INDICES)
    label_sets = {c: set(info.audioset_indices) for c, info in protocol.CLASSES.items()}

    def passt_logits(path):
        with torch.no_grad(), _quiet():
            return passt(_read(path, 32000)[None])[0]

    def timed(name, fn):
        start = time.perf_counter()
        out = fn()
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - start
        return out

    # accuracy: PaSST per clip
    def accuracy():
        correct, preds = [], []
        for r in rows:
            logits = passt_logits(gen_dir / r.file).clone()
            logits[excluded] = -float("inf")
            top = int(logits.argmax())
            preds.append(top)
            correct.append(top in label_sets[r.label])
        return preds, 100 * float(np.mean(correct))
    preds, acc = timed("passt_accuracy", accuracy)

    # KL: PaSST again, generated and reference
    def kl():
        values = []
        for r in rows:
            p_gen = torch.softmax(passt_logits(gen_dir / r.file), -1).numpy().astype(np.float64)
            p_ref = torch.softmax(passt_logits(ref_dir / r.file), -1).numpy().astype(np.float64)
            values.append(float(np.sum(p_ref * (np.log(p_ref) - np.log(p_gen + 1e-6)))))
        return float(np.mean(values))
    kl_value = timed("passt_kl", kl)

    # CLIP score: wav2clip per clip, CLIP re-embeds the image for every clip
    def clip_score():
        scores = []
        for r in rows:
            audio = wav2clip.embed_audio(_read(gen_dir / r.file, 16000).numpy()[None], w2c)[0]
            with torch.no_grad():
                pixels = processor(images=Image.open(source / r.image).convert("RGB"), return_tensors="pt")
                image = clip.get_image_features(**pixels)
            image = getattr(image, "pooler_output", image)  # transformers 5: a model output
            image = image[0].numpy()
            scores.append(float(audio @ image / np.linalg.norm(audio) / np.linalg.norm(image)))
        return 100 * float(np.mean(scores))
    cs = timed("wav2clip_clip", clip_score)

    # FAD: torchvggish per clip, scipy sqrtm
    def vggish_set(folder):
        out = []
        for r in rows:
            examples = waveform_to_examples(_read(folder / r.file, 16000).numpy().astype(np.float64), 16000)
            with torch.no_grad():
                out.append(vgg(examples).numpy())
        return np.concatenate(out).astype(np.float64)
    gen_emb = timed("vggish", lambda: vggish_set(gen_dir))
    ref_emb = timed("vggish", lambda: vggish_set(ref_dir))
    fad = timed("fd_scipy", lambda: scipy_fd(gen_emb.mean(0), np.cov(gen_emb, rowvar=False),
                                             ref_emb.mean(0), np.cov(ref_emb, rowvar=False)))
    return {"stages": stages, "passt_forwards": 3 * len(rows),
            "scores": {"clip_score": cs, "accuracy": acc, "kl": kl_value, "fad": fad},
            "predicted": preds}


def count_passt_flops(weights_dir: Path, seconds: float, work: Path) -> dict:
    """FLOPs of one clip through hear21passt's forward and ours (torch FlopCounterMode)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from imagehear.models import passt

    os.environ["TORCH_HOME"] = str(torch_home(weights_dir, work / "torch_home"))
    from hear21passt.base import get_basic_model

    with _quiet():
        upstream = get_basic_model(mode="logits").eval()
    ours = passt.load(weights_dir)
    wave = torch.randn(1, int(seconds * 32000)) * 0.1
    out = {}
    for name, fn in (("hear21passt", lambda: upstream(wave)), ("imagehear", lambda: ours(wave))):
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter, _quiet():
            fn()
        out[name] = counter.get_total_flops()
    return out


def time_frechet(dim: int = 2048, n: int = 4096, repeats: int = 3, seed: int = 0) -> dict:
    """imagehear.scores.frechet_distance vs the scipy sqrtm formula on dim-d statistics."""
    from imagehear.scores import frechet_distance

    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(dim, dim)) / np.sqrt(dim)
    x = rng.normal(size=(n, dim)) @ mix + 0.3
    y = rng.normal(size=(n, dim)) @ (mix + 0.05 * rng.normal(size=(dim, dim)) / np.sqrt(dim))
    mu1, s1, mu2, s2 = x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)
    ours_t = []
    for _ in range(repeats):
        start = time.perf_counter()
        ours = frechet_distance(mu1, s1, mu2, s2)
        ours_t.append(time.perf_counter() - start)
    start = time.perf_counter()
    ref = scipy_fd(mu1, s1, mu2, s2)
    scipy_t = time.perf_counter() - start
    return {"dim": dim, "n": n, "imagehear_s": min(ours_t), "scipy_sqrtm_s": scipy_t,
            "speedup": scipy_t / min(ours_t), "imagehear_fd": ours, "scipy_fd": ref,
            "relative_difference": abs(ours - ref) / abs(ref)}


def spread_plan(n: int):
    """The first n rows of a per-class plan, taken round-robin over the classes."""
    from imagehear import protocol

    per_class = math.ceil(n / len(protocol.CLASS_NAMES))
    rows = protocol.generation_plan(per_class=per_class)
    order = sorted(range(len(rows)), key=lambda i: (i % per_class, i // per_class))
    return [rows[i] for i in order[:n]]


def synth(class_index: int, seconds: float, seed: int, shift: float = 1.0) -> np.ndarray:
    """A class-dependent harmonic tone with an envelope and noise (16 kHz)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 16000)) / 16000
    f0 = 110 * 2 ** (class_index / 6) * shift * (1 + 0.02 * rng.normal())
    wave = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 6))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 3) * t) ** 2
    wave = 0.2 * wave * envelope + 0.05 * rng.normal(size=t.shape)
    return (wave / max(1.0, np.abs(wave).max() / 0.9)).astype(np.float32)


def build_sets(root: Path, n: int, seconds: float) -> tuple[Path, Path]:
    import soundfile as sf

    from imagehear import protocol

    folder = root / f"n{n}_s{seconds:g}"
    gen, ref = folder / "gen", folder / "ref"
    if (gen / "manifest.csv").is_file() and (folder / "done").is_file():
        return gen, ref
    shutil.rmtree(folder, ignore_errors=True)
    rows = spread_plan(n)
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        ci = protocol.CLASS_NAMES.index(row.label)
        for base, seed, shift in ((gen, i, 1.0), (ref, 100_000 + i, 1.03)):
            (base / row.file).parent.mkdir(parents=True, exist_ok=True)
            sf.write(base / row.file, synth(ci, seconds, seed, shift), 16000, subtype="PCM_16")
    (folder / "done").write_text("ok\n")
    return gen, ref


def ensure_weights(weights_dir: Path) -> Path:
    from imagehear.models.backbone import BACKBONES
    from imagehear.models.weights import REGISTRY

    marker = weights_dir / ".bench_full"
    if not marker.is_file() or not all((weights_dir / REGISTRY[b].file_name).exists() for b in BACKBONES):
        from imagehear.testing import make_weights_dir

        print(f"writing full-size random weights to {weights_dir} ...", flush=True)
        make_weights_dir(weights_dir, size="full")
        marker.write_text("full\n")
    return weights_dir


def fmt_row(name, r, n):
    if r is None:
        return None
    speed = f"{r['speedup_vs_naive']:.1f}×" if "speedup_vs_naive" in r else ("1.0×" if name.startswith("(a)") else "–")
    forwards = ", ".join(f"{k} {v}" for k, v in r.get("new_cache_entries", {}).items()) or (
        f"PaSST {r['passt_forwards']} + W2C/CLIP/VGGish per clip" if "passt_forwards" in r else "none")
    return f"| {name} | {n} | {r['seconds']:.1f} | {r['clips_per_s']:.3f} | {speed} | {r['peak_rss_mb']:.0f} | {forwards} |"


def markdown(res: dict) -> str:
    main = res["main"]
    n = main["n"]
    m = res["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
             f"N={n} generated + {n} reference clips of {main['seconds_per_clip']:g} s, precision "
             f"{res['options']['precision']}, batch {res['options']['batch_size'] or 'auto'}.", "",
             "| run | N | seconds | clips/s | speed-up | peak RSS MB | backbone forwards (new cache entries) |",
             "|---|---|---|---|---|---|---|"]
    for key, label in (("naive", "(a) naive upstream"), ("cold", "(b) image-hear cold"), ("warm", "(c) warm cache"),
                       ("add_kad", "(d) + kad (PaSST cached)"), ("add_clap_score", "(d') + clap_score"),
                       ("add_fd_is_passt", "(e) + fd_passt, is_passt (PaSST cached)"),
                       ("add_panns", "(f) + fd_panns, kl_panns, is_panns (only PANNs runs)")):
        row = fmt_row(label, main.get(key), n)
        if row:
            lines.append(row)
    g = res.get("passt_gflops", {})
    if g:
        fl = res.get("passt_flops_per_clip", {})
        lines += ["", "PaSST FlopCounterMode: " + ", ".join(f"{k} {v / 1e12:.3f} TFLOP/clip" for k, v in fl.items()) +
                  " (ours misses the uncounted CPU SDPA kernel: same math); achieved at hear21passt's count: " +
                  ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in g.items()) + "."]
    fd = res.get("frechet")
    if fd:
        lines.append(f"Fréchet distance, {fd['dim']}-d ({fd.get('blas_threads')} BLAS thread(s)): imagehear {fd['imagehear_s'] * 1e3:.0f} ms vs scipy sqrtm "
                     f"{fd['scipy_sqrtm_s'] * 1e3:.0f} ms = {fd['speedup']:.1f}×, relative difference "
                     f"{fd['relative_difference']:.1e}.")
    if len(res.get("scaling", [])) > 1:
        lines += ["", "| N | clip s | naive s | cold s | warm s | naive RSS MB | cold RSS MB | warm RSS MB |",
                  "|---|---|---|---|---|---|---|---|"]
        for s in res["scaling"]:
            def cell(k, f):
                return f"{s[k][f]:.{0 if f == 'peak_rss_mb' else 1}f}" if k in s else "–"
            lines.append(f"| {s['n']} | {s['seconds_per_clip']:g} | {cell('naive', 'seconds')} | "
                         f"{cell('cold', 'seconds')} | {cell('warm', 'seconds')} | {cell('naive', 'peak_rss_mb')} | "
                         f"{cell('cold', 'peak_rss_mb')} | {cell('warm', 'peak_rss_mb')} |")
    return "\n".join(lines)


def write_readme(path: Path, table: str) -> None:
    """Replace the table between the markers in bench/README.md (or write a minimal file)."""
    start, end = "<!-- bench-table -->", "<!-- /bench-table -->"
    text = path.read_text() if path.is_file() else f"# image-hear benchmark\n\n{start}\n{end}\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    path.write_text(f"{head}{start}\n{table}\n{end}{rest.split(end, 1)[1]}")
