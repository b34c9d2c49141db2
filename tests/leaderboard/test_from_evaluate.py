"""What `image-hear evaluate` writes is what the leaderboard checks: a real (tiny, random-weights)
run validates, its headlines follow from its per-sample values, it records its reference set's
fingerprint and its random weights, and it is never ranked."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.cli import main
from imagehear.leaderboard.rules import unranked_reasons
from imagehear.leaderboard.validate import parse_results
from imagehear.models.weights import accepted_sha256

RATE = 16000
METRICS = "accuracy,clip_score,kl"


def clip(seed: int, silent: bool = False) -> np.ndarray:
    wave = 0.3 * np.random.default_rng(seed).standard_normal(2 * RATE)
    return np.zeros_like(wave, dtype="float32") if silent else wave.astype("float32")


@pytest.fixture(scope="module")
def run(tmp_path_factory, weights_dir, shared_dir):
    """Score 6 clips (one silent) against 6 references; return a function scoring again."""
    root = tmp_path_factory.mktemp("evaluate")
    gen, ref = root / "gen", root / "ref"
    rows = protocol.generation_plan(2, classes=["Dog", "Piano", "Rain"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    for i, row in enumerate(rows):
        for folder, seed in ((gen, i), (ref, 100 + i)):
            (folder / row.file).parent.mkdir(parents=True, exist_ok=True)
            sf.write(folder / row.file, clip(seed, silent=folder is gen and i == 0), RATE)

    def score() -> dict:
        out = root / "results.json"
        if out.is_file():
            return json.loads(out.read_text())
        code = main(["evaluate", str(gen), "--reference-dir", str(ref), "--metrics", METRICS,
                     "--weights-dir", str(weights_dir), "--device", "cpu", "--cache-dir", str(root / "cache"),
                     "--source", str(shared_dir / "image_hear" / "images"), "--out", str(out)])
        assert code == 0
        return json.loads(out.read_text())

    return score, ref, root


def test_evaluate_output_validates_and_random_weights_are_never_ranked(run):
    score, _, root = run
    data = score()
    assert parse_results((root / "results.json").read_bytes()) == (data, [])
    assert {w["random_init"] for w in data["environment"]["weights"].values()} == {True}
    assert any("RANDOMLY INITIALISED" in w for w in data["warnings"])
    assert any(w.startswith("1 silent clip(s) scored as they are") for w in data["warnings"])
    assert data["n_samples"] == 6 and data["skipped"] == []  # the silent clip is scored, not refused
    reasons = unranked_reasons(data, accepted_sha256())
    assert reasons[0] == "incomplete: 6 of 3600 planned clips"
    assert reasons[1].startswith("random weights (clip, passt, wav2clip)")
    edited = json.loads((root / "results.json").read_text())
    edited["metrics"]["clip_score"]["value"] += 0.5
    edited["metrics"]["clip_score"]["ci95"] = [-100.0, 100.0]
    assert "does not follow from the per-sample values" in parse_results(json.dumps(edited).encode())[1][0]


def test_reference_fingerprint_follows_content_not_location(run):
    """The fingerprint evaluate records: the same bytes under the same relative paths give the
    same set wherever the folder is; one changed file gives another."""
    from imagehear.embed.engine import as_items
    from imagehear.evaluation.suite import reference_fingerprint

    score, ref, root = run
    recorded = score()["reference_set"]

    def fingerprint(folder):
        paths = sorted(folder.rglob("*.wav"))
        return reference_fingerprint(as_items(paths), paths, folder)

    assert recorded == fingerprint(ref) and recorded["n_files"] == 6
    moved = root / "elsewhere" / "ref"
    shutil.copytree(ref, moved)
    assert fingerprint(moved) == recorded
    sf.write(sorted(moved.rglob("*.wav"))[0], clip(999), RATE)
    assert fingerprint(moved)["sha256"] != recorded["sha256"]
