import csv
import json
from collections import Counter

import pytest

from imagehear import protocol
from imagehear.cli import main
from imagehear.errors import ManifestError


def test_facts_match_shared_listing(shared_dir):
    with open(shared_dir / "image_hear" / "labels.csv", newline="") as fh:
        listing = [(r["file_name"], r["label"]) for r in csv.DictReader(fh)]
    assert [f for f, _ in listing] == list(protocol.IMAGE_FILES)
    assert all(protocol.IMAGE_LABEL[f] == label for f, label in listing)
    assert "people4.jpg" not in protocol.IMAGE_SHA256
    class_map = json.loads((shared_dir / "image_hear" / "class_map.json").read_text())
    assert list(protocol.CLASS_NAMES) == sorted(class_map["classes"])
    for name, info in class_map["classes"].items():
        assert protocol.CLASSES[name].audioset_indices == tuple(info["audioset_indices"])
        assert protocol.CLASSES[name].vggsound == tuple(info["vggsound"])
    assert list(protocol.EXCLUDED_AUDIOSET_INDICES) == class_map["audioset_excluded_indices"]
    assert len(protocol.AUDIOSET_LABELS) == 527


def test_excluded_indices_name_the_published_classes(shared_dir):
    class_map = json.loads((shared_dir / "image_hear" / "class_map.json").read_text())
    names = [protocol.AUDIOSET_LABELS[i] for i in protocol.EXCLUDED_AUDIOSET_INDICES]
    assert sorted(names) == sorted(class_map["audioset_excluded_from_accuracy"])


def test_full_plan_is_round_robin_in_listing_order():
    plan = protocol.generation_plan()
    assert len(plan) == 120 * 30
    assert len({r.file for r in plan}) == len(plan)
    assert [r.label for r in plan[::120]] == list(protocol.CLASS_NAMES)
    for name, info in protocol.CLASSES.items():
        rows = [r for r in plan if r.label == name]
        assert [r.image for r in rows[: len(info.images)]] == list(info.images)
        assert all(rows[j].image == info.images[j % len(info.images)] for j in range(120))
        uses = Counter(r.image for r in rows)
        assert max(uses.values()) - min(uses.values()) <= 1


def test_plan_command_writes_manifest_and_readme(tmp_path, capsys):
    assert main(["plan", "--out", str(tmp_path), "--per-class", "5"]) == 0
    rows = protocol.read_manifest(tmp_path)
    assert len(rows) == 150 and rows == protocol.generation_plan(5)
    assert (tmp_path / "manifest.csv").read_text().splitlines()[0] == "file,label,image"
    assert "image-hear check" in (tmp_path / "README.txt").read_text()
    assert "150 clips" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ("file,label\nx.wav,Dog\n", "header"),
    ("file,label,image\nx.wav,Unicorn,dog1.jpg\n", "unknown class"),
    ("file,label,image\nx.wav,Dog,cat1.jpg\n", "not an image of class"),
    ("file,label,image\n../x.wav,Dog,dog1.jpg\n", "relative path"),
    ("file,label,image\nx.wav,Dog,dog1.jpg\nx.wav,Dog,dog2.jpg\n", "listed twice"),
    ("file,label,image\n", "no clips"),
])
def test_bad_manifests_are_named_errors(tmp_path, content, message):
    (tmp_path / "manifest.csv").write_text(content)
    with pytest.raises(ManifestError, match=message) as info:
        protocol.read_manifest(tmp_path)
    assert str(tmp_path / "manifest.csv") in str(info.value)


def test_manifest_saved_by_excel_is_read(tmp_path):
    """Excel's "CSV UTF-8" starts with a byte-order mark (and ends lines with CRLF); other encodings are named."""
    (tmp_path / "manifest.csv").write_bytes(b"\xef\xbb\xbffile,label,image\r\nDog/x.wav,Dog,dog1.jpg\r\n")
    assert [(r.file, r.label, r.image) for r in protocol.read_manifest(tmp_path)] == [("Dog/x.wav", "Dog", "dog1.jpg")]
    (tmp_path / "manifest.csv").write_bytes(b"file,label,image\nDog/caf\xe9.wav,Dog,dog1.jpg\n")  # cp1252
    with pytest.raises(ManifestError, match="manifest.csv: not UTF-8 text .*CSV UTF-8"):
        protocol.read_manifest(tmp_path)


def test_coverage_of_a_subset():
    cov = protocol.plan_coverage(protocol.generation_plan(3, classes=["Dog", "Cat"]))
    assert not cov["complete"]
    assert cov["per_class_counts"]["Dog"] == 3 and cov["missing_per_class"]["Dog"] == 117
    assert protocol.plan_coverage(protocol.generation_plan())["complete"]


def test_full_count_with_skewed_image_use_is_not_complete():
    rows = [protocol.PlanRow(r.file, r.label, protocol.CLASSES[r.label].images[0]) if r.label == "Dog" else r
            for r in protocol.generation_plan()]
    cov = protocol.plan_coverage(rows)
    assert not cov["complete"] and cov["missing_per_class"] == {}
    assert cov["image_use_off_plan"][0] == "Dog/dog1.jpg: 120 clips, plan 40"


def test_v2a_mapper_plan_cycles_people_through_four_images_and_is_recorded(tmp_path, capsys):
    assert main(["plan", "--out", str(tmp_path), "--per-class", "8", "--image-set", "v2a-mapper"]) == 0
    assert "image set v2a-mapper" in capsys.readouterr().out
    rows = protocol.read_manifest(tmp_path)  # people4.jpg is a valid People image in a manifest
    people = [r.image for r in rows if r.label == "People"]
    assert people == ["people1.jpg", "people2.jpg", "people3.jpg", "people4.jpg"] * 2
    assert [r for r in rows if r.label != "People"] == [r for r in protocol.generation_plan(8) if r.label != "People"]
    coverage = protocol.plan_coverage(rows, per_class=8)
    assert coverage["complete"] and coverage["image_set"] == "v2a-mapper"
    assert protocol.plan_coverage(protocol.generation_plan(8), per_class=8)["image_set"] == "im2wav"
    assert "--image-set v2a-mapper" in (tmp_path / "README.txt").read_text()
