"""Seconds per clip of the ImageBind backbone (``ib_score``) at fp32, real size (imagebind_huge's
architecture, random weights built in memory: the same FLOPs as the released checkpoint).

    python scripts/time_imagebind.py --clips 4 --seconds 10

Times the product's own path (:class:`imagehear.models.imagebind.ImageBind`): audio (three 2 s
fbank clips through the audio trunk) and the conditioning image (vision trunk), each after one
warm-up call. Needs ~5 GB of memory.
"""
from __future__ import annotations

import argparse
import json
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clips", type=int, default=4)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args()

    import numpy as np
    import torch
    from PIL import Image

    from imagehear.models.imagebind import ImageBind, upstream
    from imagehear.testing.imagebind import arguments

    if args.threads:
        torch.set_num_threads(args.threads)
    imagebind_model, _ = upstream()
    start = time.perf_counter()
    model = imagebind_model.ImageBindModel(**arguments("full")).eval()
    built = time.perf_counter() - start
    backbone = ImageBind(model, arguments("full"), weights=None, device="cpu")
    clip = torch.randn(1, int(args.seconds * 16000)) * 0.1
    image = Image.fromarray((np.random.default_rng(0).random((240, 320, 3)) * 255).astype(np.uint8))
    backbone(clip), backbone.embed_images([image])  # warm-up
    start = time.perf_counter()
    for _ in range(args.clips):
        backbone(clip)
    audio = (time.perf_counter() - start) / args.clips
    start = time.perf_counter()
    for _ in range(args.clips):
        backbone.embed_images([image])
    vision = (time.perf_counter() - start) / args.clips
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()), "build_s": round(built, 1),
                      "threads": torch.get_num_threads(), "clip_seconds": args.seconds,
                      "audio_s_per_clip": round(audio, 3), "image_s_per_image": round(vision, 3)}))


if __name__ == "__main__":
    main()
