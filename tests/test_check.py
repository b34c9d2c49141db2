"""`image-hear check`: a clean set passes; every kind of broken file is named, exit 1, no traceback."""
import json

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.check import check_generated
from imagehear.cli import main

RATE = 16000


def tone(seconds=2.0, amp=0.3, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * 440 * t)).astype("float32")


@pytest.fixture
def generated(tmp_path):
    rows = protocol.generation_plan(per_class=2, classes=["Dog", "Cat", "Rain"])
    protocol.write_manifest(rows, tmp_path / "manifest.csv")
    for row in rows:
        (tmp_path / row.file).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / row.file, tone(), RATE)
    return tmp_path, rows


def test_clean_set_passes(generated, capsys):
    folder, rows = generated
    report = check_generated(folder)
    assert report.ok and report.problems == [] and report.sample_rates == {RATE: len(rows)}
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "partial plan (6 of 3600 clips)" in out


def break_files(folder, rows):
    """Write one broken clip per kind; return {file: kind}."""
    f = [r.file for r in rows]
    (folder / f[0]).unlink()
    (folder / f[1]).write_bytes(b"this is not audio")
    bad = tone(); bad[100] = np.nan
    sf.write(folder / f[2], bad, RATE, subtype="FLOAT")
    sf.write(folder / f[3], np.zeros(RATE * 2, dtype="float32"), RATE)
    sf.write(folder / f[4], np.clip(tone(amp=3.0), -1, 1), RATE)
    sf.write(folder / f[5], tone(seconds=0.3), RATE)
    return {f[0]: "missing", f[1]: "unreadable", f[2]: "non_finite", f[3]: "silent",
            f[4]: "clipped", f[5]: "too_short"}


def test_each_broken_file_is_named(generated, capsys):
    folder, rows = generated
    expected = break_files(folder, rows)
    report = check_generated(folder)
    assert not report.ok
    assert {(p.file, p.kind) for p in report.problems if p.is_error} == set(expected.items())
    assert main(["check", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    for file, kind in expected.items():
        assert any(file in line and kind in line for line in captured.out.splitlines())


def test_empty_file_extra_file_and_mixed_rates(generated):
    folder, rows = generated
    sf.write(folder / rows[0].file, np.zeros((0,), dtype="float32"), RATE)
    sf.write(folder / rows[1].file, tone(rate=22050), 22050)
    sf.write(folder / "dog" / "stray.wav", tone(), RATE)
    kinds = {(p.file, p.kind) for p in check_generated(folder).problems}
    assert (rows[0].file, "empty") in kinds
    assert ("dog/stray.wav", "extra") in kinds
    assert (".", "mixed_sample_rates") in kinds


def test_json_report(generated, capsys):
    folder, rows = generated
    (folder / rows[0].file).unlink()
    assert main(["check", str(folder), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["n_errors"] == 1
    assert report["problems"][0] == {"file": rows[0].file, "kind": "missing", "severity": "error",
                                     "message": "listed in manifest.csv but not on disk"}


def test_missing_manifest_is_one_line_error(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest" in err and "image-hear plan" in err
