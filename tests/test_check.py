"""`image-hear check`: a clean set passes; every kind of broken file is named, exit 1, no traceback."""
import json

import numpy as np
import pytest
import soundfile as sf

from imagehear import protocol
from imagehear.evaluation.check import FlaggedClipsWarning, check_generated
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
    assert "OK" in out and "part of the plan (6 of 3600 clips)" in out


def break_files(folder, rows):
    """Write one broken clip per error kind and a silent and a clipped clip; return
    ({file: error kind}, {file: warning kind})."""
    f = [r.file for r in rows]
    (folder / f[0]).unlink()
    (folder / f[1]).write_bytes(b"this is not audio")
    bad = tone(); bad[100] = np.nan
    sf.write(folder / f[2], bad, RATE, subtype="FLOAT")
    sf.write(folder / f[3], np.zeros(RATE * 2, dtype="float32"), RATE)
    sf.write(folder / f[4], np.clip(tone(amp=3.0), -1, 1), RATE)
    sf.write(folder / f[5], tone(seconds=0.3), RATE)
    return ({f[0]: "missing", f[1]: "unreadable", f[2]: "non_finite", f[5]: "too_short"},
            {f[3]: "silent", f[4]: "clipped"})


def test_each_broken_file_is_named(generated, capsys):
    folder, rows = generated
    errors, warnings = break_files(folder, rows)
    report = check_generated(folder)
    assert not report.ok
    assert {(p.file, p.kind) for p in report.problems if p.is_error} == set(errors.items())
    assert {(p.file, p.kind) for p in report.problems if not p.is_error} == set(warnings.items())
    assert report.flagged() == {"silent": [rows[3].file], "clipped": [rows[4].file], "long": []}
    assert main(["check", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    for file, kind in errors.items():
        assert any(file in line and kind in line and line.startswith("ERROR") for line in captured.out.splitlines())
    for file, kind in warnings.items():  # still listed, as warnings
        assert any(file in line and kind in line and line.startswith("warning") for line in captured.out.splitlines())


def test_partly_generated_folder_is_one_summary_with_the_ways_forward(generated, capsys):
    folder, rows = generated  # Dog, Cat, Rain x 2: Cat not generated yet, Rain half
    for row in rows[2:5]:
        (folder / row.file).unlink()
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"ERROR missing: 3 of 6 clips on disk, 3 missing (none of Cat; part of Rain 1 of 2; e.g. "
                      f"{rows[2].file}); `image-hear check --json` lists every one")
    assert f"`image-hear evaluate {folder} --skip-invalid` scores the 3 on disk" in out[1]
    assert f"`image-hear plan --out {folder} --force --classes Dog --per-class 2`" in out[1]
    assert not any(line.startswith("ERROR") for line in out[2:-1]) and "3 of 6 on disk" in out[-1]
    assert check_generated(folder).to_dict()["on_disk_per_label"] == {"Dog": [2, 2], "Cat": [0, 2], "Rain": [1, 2]}


def test_silent_and_clipped_clips_are_scored_not_refused(generated, capsys):
    """A model that answers some images with silence (or clips) has given a bad answer: the
    set passes the check and every clip is scored, without --skip-invalid."""
    from imagehear.evaluation.suite import validated_rows

    folder, rows = generated
    sf.write(folder / rows[0].file, np.zeros(RATE * 2, dtype="float32"), RATE)
    sf.write(folder / rows[1].file, np.clip(tone(amp=3.0), -1, 1), RATE)
    report = check_generated(folder)
    assert report.ok and {p.kind for p in report.problems} == {"silent", "clipped"}
    assert main(["check", str(folder)]) == 0
    assert "0 error(s), 2 warning(s): OK" in capsys.readouterr().out
    with pytest.warns(FlaggedClipsWarning) as caught:
        kept, skipped = validated_rows(folder, skip_invalid=False, progress=False)
    assert [r.file for r in kept] == [r.file for r in rows] and skipped == []
    assert sorted(str(w.message).split("(s)")[0] for w in caught) == ["1 clipped clip", "1 silent clip"]


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
    assert main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest" in err and f"image-hear plan --out {tmp_path}`" in err


def test_a_truncated_clip_says_truncated(generated, capsys):
    """A WAV cut short still decodes (soundfile reports the frames on disk): its header says how
    many it should hold. A FLAC cut short fails to decode after a header that declares its length."""
    folder, rows = generated
    wav, flac = folder / rows[0].file, folder / rows[1].file
    wav.write_bytes(wav.read_bytes()[:20000])
    sf.write(flac, tone(), RATE, format="FLAC")  # FLAC bytes under the manifest's .wav name
    flac.write_bytes(flac.read_bytes()[:3000])
    report = check_generated(folder)
    kinds = {p.file: (p.kind, p.message) for p in report.problems}
    assert kinds[rows[0].file][0] == "truncated" and "header declares 32000 frames" in kinds[rows[0].file][1]
    assert kinds[rows[1].file][0] == "truncated" and "truncated or corrupt" in kinds[rows[1].file][1]
    assert main(["check", str(folder)]) == 1
    assert f"ERROR truncated: {rows[0].file}: truncated: the header declares 32000 frames" in capsys.readouterr().out


def test_a_clip_far_longer_than_the_rest_is_a_warning(generated):
    folder, rows = generated
    sf.write(folder / rows[2].file, tone(seconds=40.0, rate=8000), 8000)  # 40 s among 2 s clips
    report = check_generated(folder)
    assert report.ok and report.flagged()["long"] == [rows[2].file]
    assert [p.message for p in report.problems if p.kind == "long"][0].startswith("40 s, 20x the set's median of 2.0 s")
