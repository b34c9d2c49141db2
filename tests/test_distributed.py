"""`accelerate launch` with 2 CPU processes gives exactly the single-process scores."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from imagehear import protocol

RATE = 16000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_set(folder: Path) -> None:
    rows = protocol.generation_plan(2, classes=["Cat", "Cow", "Frog"])
    protocol.write_manifest(rows, folder / "manifest.csv")
    for i, row in enumerate(rows):
        (folder / row.file).parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(2 * RATE) / RATE
        sf.write(folder / row.file, (0.3 * np.sin(2 * np.pi * (300 + 70 * i) * t)).astype("float32"), RATE)


def run(args, cwd):
    # One thread per process in both runs: CPU matmuls may round differently across thread counts.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_two_processes_equal_one(tmp_path, weights_dir, shared_dir):
    make_set(tmp_path / "gen")
    common = ["evaluate", str(tmp_path / "gen"), "--metrics", "accuracy,clip_score", "--weights-dir",
              str(weights_dir), "--device", "cpu", "--batch-size", "2",
              "--source", str(shared_dir / "image_hear" / "images")]
    run([sys.executable, "-m", "imagehear.cli", *common, "--cache-dir", str(tmp_path / "c1"),
         "--out", str(tmp_path / "one.json")], tmp_path)
    accelerate = Path(sys.executable).with_name("accelerate")
    run([str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
         "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port()),
         "-m", "imagehear.cli", *common, "--cache-dir", str(tmp_path / "c2"), "--out", str(tmp_path / "two.json")],
        tmp_path)
    one = json.loads((tmp_path / "one.json").read_text())
    two = json.loads((tmp_path / "two.json").read_text())
    assert one["environment"]["processes"] == 1 and two["environment"]["processes"] == 2
    for name in ("accuracy", "clip_score"):
        assert two["metrics"][name] == one["metrics"][name]
    # every clip reached the shared cache once (rank 0 read the other rank's share from it)
    assert len(list((tmp_path / "c2" / "passt").rglob("*.npz"))) == 6
