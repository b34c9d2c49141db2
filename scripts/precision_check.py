"""Measure how far the opt-in reduced precision (bf16/fp16 autocast) moves each backbone's
outputs from fp32, on the same weights and clips. Prints a Markdown table and writes JSON.

    python scripts/precision_check.py --weights-dir WEIGHTS [--precision bf16] [--device cpu]

Without real weights, pass random full-size ones (`imagehear.testing.make_weights_dir(DIR,
size="full")`): the numbers then describe the architectures' numerics, not the released models.
"""
import argparse
import json
from pathlib import Path

import numpy as np

from imagehear.embed.lazy import lazy_backbone
from imagehear.embed.engine import as_items, extract

REPO = Path(__file__).resolve().parent.parent
AUDIO = ("passt", "wav2clip", "vggish", "clap")


def synthetic(seconds: float, seed: int, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * (220 + 110 * seed) * t) + 0.05 * noise).astype("float32")


def clips() -> list[np.ndarray]:
    import soundfile as sf

    real = [sf.read(p, dtype="float32")[0].mean(axis=1) for p in sorted((REPO.parent / "shared" / "audio").glob("*.wav"))]
    return real + [synthetic(4.0, 1), synthetic(10.0, 2)]


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def compare(name, weights_dir, device, precision, audio) -> dict:
    model = lazy_backbone(name, weights_dir, device, cache_dir=False)
    runs = {p: extract(model, as_items(audio, 16000), cache_dir=False, batch_size=1, precision=p, progress=False)
            for p in ("fp32", precision)}
    row = {}
    for key in runs["fp32"][0]:
        ref = np.stack([r[key] for r in runs["fp32"]]) if name != "vggish" else [r[key] for r in runs["fp32"]]
        low = np.stack([r[key] for r in runs[precision]]) if name != "vggish" else [r[key] for r in runs[precision]]
        ref, low = (np.concatenate(ref), np.concatenate(low)) if name == "vggish" else (ref, low)
        row[key] = {"max_abs_diff": float(np.abs(ref - low).max()), "max_abs_fp32": float(np.abs(ref).max()),
                    "min_cosine": float(cosine(ref, low).min())}
        if key == "logits":
            row[key]["top1_agreement"] = float((ref.argmax(1) == low.argmax(1)).mean())
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", required=True)
    parser.add_argument("--precision", default="bf16", choices=["bf16", "fp16"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default=str(REPO / "bench" / "precision.json"))
    args = parser.parse_args()
    audio = clips()
    table = {name: compare(name, args.weights_dir, args.device, args.precision, audio) for name in AUDIO}
    Path(args.out).write_text(json.dumps({"precision": args.precision, "device": args.device,
                                          "n_clips": len(audio), "backbones": table}, indent=1))
    print(f"| backbone | output | max abs diff | max abs (fp32) | min cosine | top-1 agreement |  ({args.precision} vs fp32)")
    print("|---|---|---:|---:|---:|---:|")
    for name, outputs in table.items():
        for key, m in outputs.items():
            print(f"| {name} | {key} | {m['max_abs_diff']:.2e} | {m['max_abs_fp32']:.2e} | {m['min_cosine']:.6f} | "
                  f"{m.get('top1_agreement', float('nan')):.2f} |")


if __name__ == "__main__":
    main()
