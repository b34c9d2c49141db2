"""What a new user meets first: help texts, the image source, reference checks before work."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from imagehear.io import dataset

from imagehear import protocol
from imagehear.cli import build_parser, main
from imagehear.errors import DataError
from imagehear.metrics import METRICS


def test_help_names_every_metric_the_environment_and_each_positional(capsys):
    assert main(["--help"]) == 0
    top = capsys.readouterr().out
    assert all(v in top for v in ("IMAGEHEAR_OFFLINE", "IMAGEHEAR_WEIGHTS", "IMAGEHEAR_SOURCE", "exit codes"))
    assert main(["evaluate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text for name in METRICS) and "generated_dir the generated folder" in text
    import argparse

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command, parser in sub.choices.items():
        for action in parser._actions:
            assert action.help, f"image-hear {command} {action.dest} has no help"


def test_offline_without_images_names_the_flag_and_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    with pytest.raises(DataError) as info:  # offline: no network attempt at all
        dataset.fetch_images("https://example.invalid/images/", cache_dir=tmp_path / "empty", files=["dog1.jpg"])
    message = str(info.value)
    assert "offline" in message and "--source" in message and "IMAGEHEAR_SOURCE" in message and "\n" not in message


def test_a_failed_download_names_the_flag_and_the_variable(tmp_path):
    with pytest.raises(DataError) as info:  # nothing listens on port 9 of 127.0.0.1
        dataset.fetch_images("http://127.0.0.1:9/images/", cache_dir=tmp_path / "empty", files=["dog1.jpg"])
    assert "--source" in str(info.value) and "IMAGEHEAR_SOURCE" in str(info.value)


def test_a_local_copy_in_the_working_folder_is_found_without_flags(tmp_path, shared_dir, monkeypatch):
    monkeypatch.delenv("IMAGEHEAR_SOURCE", raising=False)
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    (tmp_path / "image_hear").mkdir()
    (tmp_path / "image_hear" / "images").symlink_to(shared_dir / "image_hear" / "images")
    monkeypatch.chdir(tmp_path)
    assert dataset.resolve_source() == str(tmp_path / "image_hear" / "images")
    got = dataset.fetch_images(cache_dir=tmp_path / "cache", files=["dog1.jpg", "rain2.jpg"])
    assert sorted(got) == ["dog1.jpg", "rain2.jpg"] and all(p.is_file() for p in got.values())


def test_every_bad_reference_clip_is_listed_before_any_embedding(tmp_path, capsys):
    gen, ref = tmp_path / "gen", tmp_path / "ref"
    rows = protocol.generation_plan(per_class=1, classes=["Dog", "Rain", "Piano"])
    protocol.write_manifest(rows, gen / "manifest.csv")
    for row in rows:
        for root in (gen, ref):
            (root / row.file).parent.mkdir(parents=True, exist_ok=True)
            sf.write(root / row.file, np.full(16000, 0.1, dtype="float32"), 16000)
    (ref / rows[0].file).write_bytes(b"not audio")
    sf.write(ref / rows[1].file, np.full(16000, np.nan, dtype="float32"), 16000, subtype="FLOAT")
    (tmp_path / "weights").mkdir()  # empty: any embedding would fail on a missing weight file
    code = main(["evaluate", str(gen), "--reference-dir", str(ref), "--metrics", "kl", "--device", "cpu",
                 "--weights-dir", str(tmp_path / "weights"), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "not found" not in err
    assert "2 reference clip(s) cannot be scored" in err
    assert f"reference {ref}/{rows[0].file}" in err and f"reference {ref}/{rows[1].file}" in err


def test_plan_keeps_an_existing_manifest_unless_forced(tmp_path, capsys):
    assert main(["plan", "--out", str(tmp_path), "--per-class", "2"]) == 0
    edited = (tmp_path / "manifest.csv").read_text() + "\n"
    (tmp_path / "manifest.csv").write_text(edited)
    assert main(["plan", "--out", str(tmp_path)]) == 2
    assert (tmp_path / "manifest.csv").read_text() == edited and "--force" in capsys.readouterr().err
    assert main(["plan", "--out", str(tmp_path), "--force"]) == 0
    assert len(protocol.read_manifest(tmp_path)) == 3600
