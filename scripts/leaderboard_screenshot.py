"""Make docs/leaderboard.png on purpose: the leaderboard over a synthetic results folder.

    .venv/bin/python scripts/leaderboard_screenshot.py [--out docs/leaderboard.png] [--keep DIR]

The folder shows what the page does: ranked rows with rank groups (the paired test of
``imagehear.report.compare`` on per-sample values that carry a per-image effect shared by all
models, so close models tie and far ones separate), a ranked row whose KL is blank because
it used another reference set, the unranked table (a partial run, bf16, a --compat profile,
a `make demo` run on random weights, unverified weights, and the papers' numbers) and a
refused file. Every number is synthetic. Wav2CLIP has no accepted hash yet
(imagehear/data/accepted_weights.json), so this folder's accepted list adds a made-up one.
Needs playwright and Debian chromium (as the browser test); serves on 127.0.0.1 only.
"""
import argparse
import json
import os
import socket
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imagehear.metrics import samples
from imagehear.metrics import METRICS
from imagehear.protocol.profiles import PROFILES, profile
from imagehear.protocol import CLASS_NAMES, generation_plan
from imagehear.scores import cluster_bootstrap_ci
from imagehear.models.weights import REGISTRY, accepted_sha256

REAL = accepted_sha256()
HASHES = {"passt": min(REAL["passt"]), "clip": min(REAL["clip"]), "wav2clip": "5" * 64}
ACCEPTED = {**REAL, "wav2clip": frozenset({HASHES["wav2clip"]})}
MAIN_REF = {"n_files": 3600, "sha256": "3f9c" * 16, "method": "sha256 over sorted 'relative path NUL sha256' lines"}
OTHER_REF = {"n_files": 120, "sha256": "a0e1" * 16, "method": MAIN_REF["method"]}
rng = np.random.default_rng(7)
PLAN = generation_plan()
IMAGES = sorted({r.image for r in PLAN})
IMAGE_EFFECT = dict(zip(IMAGES, rng.normal(0, 1, len(IMAGES))))  # hard and easy images, shared by all models


def run(name, accuracy, cs, kl, n=3600, seed=0, reference=MAIN_REF, **changes) -> dict:
    r = np.random.default_rng(seed)
    interaction = dict(zip(IMAGES, r.normal(0, 1, len(IMAGES))))  # this model's own per-image luck
    per_class = n // len(CLASS_NAMES)
    rows = []
    for row in PLAN:
        if int(row.file.rsplit("_", 1)[1].split(".")[0]) >= per_class:
            continue
        e, i = IMAGE_EFFECT[row.image], interaction[row.image]
        p = 1 / (1 + np.exp(-(np.log(accuracy / (100 - accuracy)) + 0.9 * e + 0.35 * i)))
        rows.append({"file": row.file, "label": row.label, "image": row.image, "passt_top1": 0,
                     "correct": bool(r.random() < p), "clip_score": cs + 1.2 * e + 0.5 * i + r.normal(0, 1.5),
                     "kl": max(0.05, kl + 0.3 * e + 0.1 * i + r.normal(0, 0.4))})
    block = samples.pack(rows)
    unpacked = samples.unpack(block)
    metrics = {}
    for metric in ("accuracy", "clip_score", "kl"):
        values = samples.metric_values(unpacked, metric)
        lo, hi = cluster_bootstrap_ci(values, unpacked.labels, unpacked.units, n_resamples=300, seed=0)
        metrics[metric] = {"value": samples.headline(unpacked, metric), "ci95": [lo, hi], "n": len(rows),
                           "per_class": samples.per_class(unpacked, metric)}
    weights = {b: {"checkpoint": REGISTRY[b].checkpoint, "sha256": HASHES[b], "random_init": False}
               for b in ("passt", "clip", "wav2clip")}
    data = {"benchmark": "image_hear", "protocol": "v1", "image_hear_version": "0.1.0",
            "created": "2026-12-01T05:00:00+00:00", "model": {"name": name, "paper": "", "code": ""},
            "complete": n == 3600, "n_samples": n,
            "coverage": {"per_class_counts": {c: per_class for c in CLASS_NAMES}, "missing_per_class": {}},
            "skipped": [], "metrics": metrics, "reference_set": reference,
            "config": {"profile": PROFILES["protocol-v1"].record(), "precision": "fp32",
                       "metrics": {m: METRICS[m].protocol for m in metrics}},
            "environment": {"python": "3.11.7", "packages": {"torch": "2.14.1"}, "device": "cuda:0",
                            "weights": weights},
            "per_sample": block}
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return data


def build_folder(folder: Path) -> None:
    runs = {
        "sonic-a.json": run("SonicA", 52.0, 10.8, 2.30, seed=1),
        "sonic-a-plus.json": run("SonicA+", 51.6, 10.9, 2.28, seed=2),
        "imagine-audio.json": run("ImagineAudio", 47.0, 9.9, 2.45, seed=3),
        "pix2sound.json": run("Pix2Sound", 41.0, 9.1, 2.62, seed=4, reference=OTHER_REF),
        "pix2sound-small.json": run("Pix2Sound-S", 40.6, 9.0, 2.66, seed=5),
        "sonic-b-half.json": run("SonicB (half run)", 55.0, 11.2, 2.2, n=1800, seed=6),
        "sonic-a-bf16.json": run("SonicA bf16", 51.9, 10.8, 2.31, seed=1, config__precision="bf16 autocast"),
        "sonic-a-avb.json": run("SonicA (av-benchmark)", 53.1, 10.8, 2.10, seed=1,
                                config__profile=profile("av-benchmark", 8).record()),
        "toy-tones-demo.json": run("toy-tones (make demo)", 3.3, 1.1, 4.90, seed=8),
        "mystery.json": run("Mystery-Gen", 58.0, 11.5, 2.0, seed=9),
    }
    for w in runs["toy-tones-demo.json"]["environment"]["weights"].values():
        w["random_init"] = True
    runs["mystery.json"]["environment"]["weights"]["clip"]["sha256"] = "7" * 64
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in runs.items():
        (folder / name).write_text(json.dumps(data))
    edited = runs["sonic-a.json"]
    edited["metrics"]["accuracy"]["value"] = 61.0  # a hand edit: refused
    edited["model"]["name"] = "SonicA (edited)"
    (folder / "sonic-a-edited.json").write_text(json.dumps(edited))


def screenshot(folder: Path, out: Path) -> None:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from playwright.sync_api import sync_playwright

    from imagehear.leaderboard.app import launch
    from imagehear.leaderboard.views import Leaderboard

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = launch(folder, port=port, host="127.0.0.1", block=False, board=Leaderboard(folder, ACCEPTED))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                f"http://127.0.0.1:{port}") else route.abort())
            page.goto(f"http://127.0.0.1:{port}")
            page.locator("#ranked-table [role=row].virtual-row").first.wait_for(timeout=30_000)
            page.locator("#unranked-table [role=row].virtual-row").first.wait_for(timeout=30_000)
            page.wait_for_timeout(1000)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        demo.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "leaderboard.png"))
    parser.add_argument("--keep", help="write the synthetic results folder here (default: a temp folder)")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="leaderboard-")) / "results"
    build_folder(folder)
    screenshot(folder, Path(args.out))
    print(f"wrote {args.out} (results folder: {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
