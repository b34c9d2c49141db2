"""Run inside the metric Spaces' fresh venv: evaluate.load(<staged folder>).compute on real files.

    python space_checks.py INPUTS.json OUT.json

INPUTS.json: {"spaces": DIR, "modules": [...], "predictions": [...], "references": [...],
"labels": [...], "images": [...], "cache_dir": DIR}. Writes {module: {"value", "pairing"}}:
each module's headline and what its references are (its metric's spec, which its app.py
reads too). Imports only what the Space's requirements installed (evaluate, and image-hear
from the staged wheel).
"""
import json
import math
import sys
import time
from pathlib import Path

import evaluate

from imagehear.metrics import by_module


def main(inputs_path, out_path):
    inputs = json.loads(Path(inputs_path).read_text())
    out = {}
    for module in inputs["modules"]:
        folder = Path(inputs["spaces"]) / module
        pairing = by_module(module).references
        refs = {"label": inputs["labels"], "image": inputs["images"], "paired": inputs["references"],
                "set": inputs["references"], "none": None}[pairing]
        start = time.perf_counter()
        metric = evaluate.load(str(folder))
        result = metric.compute(predictions=inputs["predictions"], references=refs, device="cpu",
                                cache_dir=inputs["cache_dir"])
        value = next(v for k, v in result.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
        assert math.isfinite(value), (module, result)
        out[module] = {"value": value, "pairing": pairing, "seconds": round(time.perf_counter() - start, 2)}
        print(module, out[module], flush=True)
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
