"""What `image-hear publish --stage` writes: every artifact, byte for byte, and the push plan."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from imagehear import __version__
from imagehear.cli import main
from imagehear.publish.benchmark import eval_yaml_text
from imagehear.publish.layout import metric_modules, repo_ids
from imagehear.publish.push import plan, push

pytestmark = pytest.mark.release
REPO = Path(__file__).resolve().parents[2]


def test_dist_is_built_checked_and_carries_the_data_files(staged):
    stage, _ = staged
    wheel, sdist = stage / "dist" / f"image_hear-{__version__}-py3-none-any.whl", stage / "dist" / f"image_hear-{__version__}.tar.gz"
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.count("PASSED") == 2, proc.stdout + proc.stderr
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("imagehear/data/dataset_card.md", "imagehear/data/image_hear.json",
                 "imagehear/data/accepted_weights.json", "imagehear/publish/spaces.py"):
        assert name in names
    metadata = zipfile.ZipFile(wheel).read(f"image_hear-{__version__}.dist-info/METADATA").decode()
    assert f"Version: {__version__}\n" in metadata and "Name: image-hear\n" in metadata


def test_spaces_are_the_committed_folders_and_the_leaderboard_holds_the_wheels_package(staged):
    stage, _ = staged
    assert sorted(p.name for p in (stage / "spaces").iterdir()) == sorted([*metric_modules(), "leaderboard"])
    for module in metric_modules():
        for path in (stage / "spaces" / module).iterdir():
            assert path.read_bytes() == (REPO / "metrics" / module / path.name).read_bytes()
    board = stage / "spaces" / "leaderboard"
    for name in ("README.md", "app.py", "requirements.txt"):
        assert (board / name).read_bytes() == (REPO / "space" / name).read_bytes()
    wheel = zipfile.ZipFile(stage / "dist" / f"image_hear-{__version__}-py3-none-any.whl")
    packaged = sorted(n for n in wheel.namelist() if n.startswith("imagehear/"))
    staged_files = sorted(p.relative_to(board).as_posix() for p in (board / "imagehear").rglob("*") if p.is_file())
    assert staged_files == packaged and all((board / n).read_bytes() == wheel.read(n) for n in packaged)
    assert "sys.path" not in (board / "app.py").read_text().split('"""')[2]  # no path edits in the code
    assert (stage / "results" / "README.md").read_bytes() == (REPO / "space/results_repo/README.md").read_bytes()


def test_dataset_loads_from_another_folder(staged, tmp_path, monkeypatch):
    import datasets

    stage, _ = staged
    assert (stage / "dataset" / "eval.yaml").read_text() == eval_yaml_text()  # the Hub Benchmark definition
    monkeypatch.chdir(tmp_path)  # nothing relative to the checkout or the stage
    test = datasets.load_dataset(str(stage / "dataset"), split="test", cache_dir=str(tmp_path / "hf"))
    assert test.num_rows == 100 and test.features["label"].num_classes == 30


def test_dry_run_prints_every_repo_file_and_size(staged):
    stage, text = staged
    uploads = plan(stage)
    assert len(uploads) == len(repo_ids()) == 3 + len(metric_modules())  # dataset, results, board
    for upload in uploads:
        assert f"{upload.repo_type} {upload.repo_id}  (" in text
        for name, _ in upload.files:
            assert f"  {name}\n" in text + "\n"
    assert "dist/image_hear-0.1.0-py3-none-any.whl" in text and "nothing uploaded" in text
    assert [u.repo_id for u in uploads][:2] == ["imagehear/image_hear", "imagehear/results"]
    assert uploads[-1].repo_id == "imagehear/leaderboard"


def test_push_uploads_each_folder_once_with_huggingface_hub_calls(staged):
    stage, _ = staged
    calls = []

    class FakeApi:
        def __getattr__(self, name):
            return lambda *a, **k: calls.append((name, a, k))

    urls = push(plan(stage), token="hf_test", api=FakeApi())
    uploads = [c for c in calls if c[0] == "upload_folder"]
    assert len(uploads) == len(urls) == 3 + len(metric_modules())
    results = [k for _, _, k in uploads if k["repo_id"] == "imagehear/results"][0]
    assert results["delete_patterns"] is None  # submissions in the results repo are kept
    assert ("add_space_variable", ("imagehear/leaderboard", "IMAGEHEAR_RESULTS_REPO", "imagehear/results"), {}) in calls
    assert ("add_space_variable", ("imagehear/leaderboard", "IMAGEHEAR_BENCHMARK_REPO", "imagehear/image_hear"), {}) \
        in calls
    spaces = [k for n, _, k in calls if n == "create_repo" and k["repo_type"] == "space"]
    assert len(spaces) == 1 + len(metric_modules()) and all(k["space_sdk"] == "gradio" for k in spaces)


def test_refusals_are_one_line_with_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    assert main(["publish", "--stage", str(tmp_path / "busy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not empty and not an earlier image-hear stage" in err
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    assert main(["publish", "--stage", str(tmp_path / "new"), "--push"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--push needs a Hub write token" in err and not (tmp_path / "new").exists()
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    proc = subprocess.run([sys.executable, "-m", "imagehear.cli", "publish", "--stage", str(tmp_path / "x"),
                           "--repo", str(tmp_path)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "not a checkout of the image-hear repository" in proc.stderr
