"""`make demo`: the whole IMAGE HEAR pipeline on this machine, offline-capable.

1. Builds the dataset (from IMAGEHEAR_SOURCE, else a local copy such as ../shared/image_hear/images,
   else the pinned GitHub commit), exports its Hub form and prints the class table.
2. Writes the protocol-v1 generation plan (120 clips x 30 classes).
3. Fills a small subset of the plan with a toy "model" (tones; reference clips from
   ../shared/audio when present) and scores it with `image-hear evaluate`.
   Weights come from IMAGEHEAR_WEIGHTS when set; otherwise randomly initialised models of
   the real architectures are written first, and the scores are meaningless (it says so).
"""
import os
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from imagehear import protocol
from imagehear.cli import main as cli

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "demo_out"
SHARED = REPO.parent / "shared"
RATE = 16000


def toy_clip(index: int, seconds: float = 4.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    freq = 220.0 * 2 ** ((index % 12) / 12)
    noise = np.random.default_rng(index).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * freq * t) + 0.05 * noise).astype("float32")


def fill_subset(plan_dir: Path, ref_dir: Path, classes=("Dog", "Piano", "Rain"), per_class=2) -> None:
    rows = protocol.generation_plan(per_class, classes=list(classes))
    protocol.write_manifest(rows, plan_dir / "manifest.csv")
    shared_clips = sorted((SHARED / "audio").glob("*.wav"))
    for i, row in enumerate(rows):
        (plan_dir / row.file).parent.mkdir(parents=True, exist_ok=True)
        sf.write(plan_dir / row.file, toy_clip(i), RATE)
        ref = ref_dir / row.file
        ref.parent.mkdir(parents=True, exist_ok=True)
        if shared_clips:
            data, rate = sf.read(shared_clips[i % len(shared_clips)], dtype="float32")
            sf.write(ref, data[: 4 * rate], rate)
        else:
            sf.write(ref, toy_clip(i + 100), RATE)


def main() -> int:
    os.environ.setdefault("IMAGEHEAR_CACHE", str(OUT / "cache"))
    from imagehear.io.dataset import resolve_source

    source = os.environ.get("IMAGEHEAR_SOURCE")  # else a local copy beside the checkout, else GitHub
    print(f"== 1. dataset (source: {resolve_source(source)})")
    if cli(["dataset", "--out", str(OUT / "image_hear")] + (["--source", source] if source else [])):
        return 1
    print(f"{'class':<12}{'images':>7}  AudioSet labels")
    for name, info in protocol.CLASSES.items():
        print(f"{name:<12}{len(info.images):>7}  {', '.join(info.audioset)}")

    print("\n== 2. generation plan")
    cli(["plan", "--out", str(OUT / "plan")])

    print("\n== 3. a toy model's smoke test, scored")
    weights = os.environ.get("IMAGEHEAR_WEIGHTS")
    if not weights:
        from imagehear.testing import make_weights_dir

        weights = str(make_weights_dir(OUT / "random_weights", size="tiny"))
        print("NOTE: no IMAGEHEAR_WEIGHTS: using RANDOMLY INITIALISED models; the numbers below are meaningless, "
              "the results file records random_init: true and the leaderboard never ranks it.")
    fill_subset(OUT / "generated", OUT / "reference")
    if cli(["check", str(OUT / "generated")]):
        return 1
    args = ["evaluate", str(OUT / "generated"), "--reference-dir", str(OUT / "reference"), "--weights-dir", weights,
            "--device", "auto", "--model-name", "toy-tones", "--out", str(OUT / "results" / "results.json")]
    return cli(args + (["--source", source] if source else []))


if __name__ == "__main__":
    sys.exit(main())
