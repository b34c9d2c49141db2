"""The leaderboard (and the Space) run without the model stack: importing every leaderboard
module, reading a folder, ranking it (rank groups through imagehear.report.compare) and validating
an upload load no torch, torchaudio, transformers, datasets or gradio."""
import json
import subprocess
import sys

HEAVY = ("torch", "torchaudio", "transformers", "datasets", "gradio", "hear21passt", "soundfile")


def test_leaderboard_imports_nothing_heavy(tmp_path, results_factory, write_results_file):
    for name, acc in (("a-gen", 50.0), ("b-gen", 40.0)):
        write_results_file(tmp_path / "results", results_factory(name=name, accuracy=acc), f"{name}.json")
    code = f"""
import sys, json
import imagehear.leaderboard.app, imagehear.leaderboard.hub, imagehear.leaderboard.views
from imagehear.leaderboard.views import Leaderboard
hashes = {{"passt": "a" * 64, "wav2clip": "b" * 64, "clip": "c" * 64}}
board = Leaderboard({str(tmp_path / "results")!r}, accepted={{k: {{v}} for k, v in hashes.items()}})
ranked = board.view()[0]
message = board.submit({str(tmp_path / "results" / "a-gen.json")!r})
print(json.dumps([ranked["rank"].tolist(), message[:9], sorted(m for m in {HEAVY!r} if m in sys.modules)]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    ranks, message, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    assert ranks == [1, 2] and message == "Not added" and heavy == []
