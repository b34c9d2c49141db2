"""Golden backbone outputs: what each backbone computes on fixed inputs with the seeded random
test weights, recorded with the code versions that key the embedding cache.

The embedding cache (imagehear/embed/engine.py) keys every output by, among others, the backbone
spec's ``code_version`` and the engine's ``CACHE_VERSION``. A change that moves an output
without bumping one of them would let old cached outputs mix with new ones under the same
key. tests/test_cache_golden.py recomputes the outputs recorded in tests/golden/ and fails
in that case. After bumping the version (or when the installed packages changed), regenerate:

    .venv/bin/python -m tests.regen_golden

Inputs: two stereo 44.1 kHz clips (1.5 s; 11 s, so PaSST/CLAP's 10 s windowing runs)
through :func:`imagehear.embed.engine.extract` (mono, resampling, batching: everything the cache
stores), three images for every backbone with an image output (RGB, greyscale "L", palette
"P": the RGB conversion order matters for the last two) and two prompts through :func:`imagehear.embed.engine.extract_keyed`. Weights:
:func:`imagehear.testing.make_weights_dir` (tiny, seed 0), as the tests' ``weights_dir``.

Each output is summarised by its L2 norm and its projections on ``PROJECTIONS`` fixed random
unit vectors; two summaries agree when every number is within ``RTOL`` × the recorded norm
(about 4 significant digits of the output as a whole: far above float32 noise across thread
counts and BLAS builds, far below any real change). Rounding then hashing would be brittle:
one of thousands of values sitting on a rounding boundary flips the hash.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from imagehear.models.backbone import BACKBONES  # every registered backbone has golden outputs

GOLDEN = Path(__file__).resolve().parent / "golden" / "backbone_outputs.json"
PROJECTIONS = 16
RTOL = 1e-4
AUDIO_RATE = 44_100
CLIP_SECONDS = (1.5, 11.0)
PROMPTS = ("a dog barking", "rain falling on a tin roof")
REGEN = "python -m tests.regen_golden"


def golden_clips() -> list[np.ndarray]:
    """Stereo (time, 2) float32 clips: two tones per channel plus seeded noise (PCG64: the same everywhere)."""
    clips = []
    for i, seconds in enumerate(CLIP_SECONDS):
        t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
        noise = np.random.default_rng(i).standard_normal((len(t), 2))
        left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 3000 * t)
        right = 0.2 * np.sin(2 * np.pi * 660 * t) * np.exp(-t / 4)
        clips.append((np.stack([left, right], axis=1) + 0.05 * noise).astype(np.float32))
    return clips


def golden_images() -> dict:
    """Three synthetic images (no files): RGB 320x240, greyscale "L" 200x300, palette "P" 256x192."""
    from PIL import Image

    y, x = np.mgrid[0:240, 0:320]
    rgb = np.stack([x * 255 // 319, y * 255 // 239, (x * y) % 256], axis=-1).astype(np.uint8)
    grey = ((np.add.outer(np.arange(300), np.arange(200)) * 7) % 256).astype(np.uint8)
    # palette: seeded random indices into 16 random colours; sharp edges everywhere, so resizing the
    # palette image (PIL: nearest neighbour) and resizing its RGB conversion (bicubic) differ widely
    rng = np.random.default_rng(7)
    palette = Image.fromarray(rng.integers(0, 16, (192, 256)).astype(np.uint8), "P")
    palette.putpalette(rng.integers(0, 256, 48).astype(np.uint8).tolist())
    return {"rgb": Image.fromarray(rgb, "RGB"), "grey": Image.fromarray(grey, "L"), "palette": palette}


def compute_outputs(weights_dir, names=BACKBONES) -> dict[str, dict[str, np.ndarray]]:
    """backbone → {output name → float32 array} on the golden inputs (as the cache would store them)."""
    from imagehear.models import MODELS
    from imagehear.models.backbone import load_backbone
    from imagehear.embed.engine import as_items, extract, extract_keyed, text_hash

    outputs = {}
    for name in names:
        backbone = load_backbone(name, weights_dir, "cpu")
        out = {}
        if any(o.input == "image" for o in MODELS[name].outputs):
            images = golden_images()
            embedded = extract_keyed(backbone, {key: images[key] for key in images}, backbone.embed_images,
                                     cache_dir=False)
            out.update({f"image {key}": embedded[key] for key in images})
        if MODELS[name].audio_outputs:
            results = extract(backbone, as_items(golden_clips(), sampling_rate=AUDIO_RATE), cache_dir=False,
                              progress=False)
            for seconds, result in zip(CLIP_SECONDS, results):
                out.update({f"{key} ({seconds} s clip)": value for key, value in result.items()})
        if name == "clap":
            texts = extract_keyed(backbone, {text_hash(p): p for p in PROMPTS}, backbone.embed_text, cache_dir=False)
            out.update({f"text {p!r}": texts[text_hash(p)] for p in PROMPTS})
        outputs[name] = out
    return outputs


def summarise(array) -> dict:
    """Shape, L2 norm and the projections on fixed random unit vectors (seeded by the size)."""
    x = np.asarray(array, dtype=np.float64).ravel()
    directions = np.random.default_rng(x.size).standard_normal((PROJECTIONS, x.size))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return {"shape": list(np.shape(array)), "norm": float(f"{np.linalg.norm(x):.7g}"),
            "projections": [float(f"{p:.7g}") for p in directions @ x]}


def versions(name: str) -> dict:
    """What keys the cache besides weights and config: code versions and package versions."""
    from types import SimpleNamespace

    from imagehear.embed.engine import CACHE_VERSION, backbone_versions

    # a registered backbone's versions are read from its module by name: no model needed
    return {"cache_version": CACHE_VERSION, **backbone_versions(SimpleNamespace(name=name))}


def record(weights_dir) -> dict:
    from imagehear.models.weights import resolve

    outputs = compute_outputs(weights_dir)
    return {
        "about": "Golden backbone outputs (tests/test_cache_golden.py); regenerate with `" + REGEN + "`",
        "comparison": {"summary": f"L2 norm and {PROJECTIONS} projections on seeded random unit vectors",
                       "rtol_of_norm": RTOL},
        "backbones": {name: {**versions(name), "weights_sha256": resolve(name, weights_dir).sha256,
                             "outputs": {key: summarise(value) for key, value in outputs[name].items()}}
                      for name in BACKBONES},
    }


def mismatches(recorded: dict, current: dict) -> list[str]:
    """Outputs whose summaries disagree (``{output: summary}`` dicts), one line each."""
    bad = []
    for key in sorted(set(recorded) | set(current)):
        if key not in recorded or key not in current:
            bad.append(f"{key}: {'new output' if key not in recorded else 'output gone'}")
            continue
        a, b = recorded[key], current[key]
        if a["shape"] != b["shape"]:
            bad.append(f"{key}: shape {b['shape']}, recorded {a['shape']}")
            continue
        tol = RTOL * max(a["norm"], 1e-12)
        diff = np.abs(np.array([a["norm"]] + a["projections"]) - np.array([b["norm"]] + b["projections"]))
        if diff.max() > tol:
            bad.append(f"{key}: summary moved by {diff.max():.3g} (tolerance {tol:.3g}; norm {b['norm']:.6g}, "
                       f"recorded {a['norm']:.6g})")
    return bad


def verdict(name: str, recorded: dict, current_versions: dict, current_outputs: dict, weights_sha256: str) -> str | None:
    """None when ``name``'s golden entry still holds, else what the developer must do."""
    module = f"imagehear/models/{name}.py"
    spec_field = f"the code_version of MODELS[{name!r}] (imagehear/models/__init__.py)"
    for field, where in (("code_version", spec_field), ("cache_version", "CACHE_VERSION in "
                                                                                         "imagehear/embed/engine.py")):
        if recorded.get(field) != current_versions[field]:
            return (f"{name}: {where} is {current_versions[field]} but {GOLDEN.name} was recorded under "
                    f"{recorded.get(field)}: regenerate it (`{REGEN}`) and commit it with the bump")
    bad = mismatches(recorded["outputs"], current_outputs)
    if not bad:
        return None
    detail = "\n  ".join(bad)
    changed = [f"{p} {recorded['packages'].get(p)} -> {v}" for p, v in current_versions["packages"].items()
               if recorded["packages"].get(p) != v]
    if changed or recorded.get("weights_sha256") != weights_sha256:
        why = ", ".join(changed) if changed else "the random test weights (imagehear/testing) changed"
        return (f"{name}: outputs changed together with {why}. Package versions key the cache, so no bump is "
                f"needed for that; regenerate {GOLDEN.name} (`{REGEN}`) — but if you also changed {module}, bump "
                f"{spec_field} first.\n  {detail}")
    return (f"{name}: outputs changed but code_version ({current_versions['code_version']}) and CACHE_VERSION "
            f"({current_versions['cache_version']}) did not: embedding caches would serve the old outputs under "
            f"the same key. Bump {spec_field} for a change in {module} (or CACHE_VERSION in imagehear/embed/engine.py for a change in "
            f"the engine or audio loading), then regenerate the golden file (`{REGEN}`).\n  {detail}")


def main(argv=None) -> int:
    # never write into the user's caches (weight hashes are remembered in IMAGEHEAR_CACHE); no network
    os.environ["IMAGEHEAR_CACHE"] = tempfile.mkdtemp(prefix="imagehear_golden_")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from imagehear.testing import make_weights_dir

    with tempfile.TemporaryDirectory() as folder:
        data = record(make_weights_dir(folder, size="tiny", seed=0))
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1)
    # one line per list of numbers: a regenerated file diffs output by output
    text = re.sub(r"\[[-0-9.e,\s]*\]", lambda m: json.dumps(json.loads(m.group(0))), text)
    GOLDEN.write_text(text + "\n")
    print(f"wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
