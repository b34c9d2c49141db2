"""Regenerate ``imagehear/data/image_hear.json`` from a copy of the published IMAGE HEAR files.

The benchmark facts (listing, label maps, exclusions, checksums, AudioSet names) come from
github.com/RoySheffer/im2wav @ aff5a80 (Data/ImageHear/, Data/meta.py) and the AudioSet
ontology. We keep our own compact JSON rather than copies of the upstream files.

    python scripts/make_metadata.py ../shared/image_hear
"""
import csv
import json
import sys
from pathlib import Path

SOURCE_REPO = "RoySheffer/im2wav"
SOURCE_COMMIT = "aff5a8022a01760052f633ec525e36d1cdf70403"
SOURCE_FOLDER = "Data/ImageHear"


def main(folder: str) -> None:
    root = Path(folder)
    class_map = json.loads((root / "class_map.json").read_text())
    sums = {}
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.strip().removeprefix("images/")] = digest
    with open(root / "labels.csv", newline="") as fh:
        listing = [(row["file_name"], row["label"]) for row in csv.DictReader(fh)]
    with open(root / "audioset_class_labels_indices.csv", newline="") as fh:
        audioset = [row["display_name"] for row in csv.DictReader(fh)]
    classes = {}
    for file_name, label in listing:
        info = class_map["classes"][label]
        entry = classes.setdefault(label, {
            "images": [],
            "audioset": info["audioset"],
            "audioset_indices": info["audioset_indices"],
            "vggsound": info["vggsound"],
        })
        entry["images"].append({"file": file_name, "sha256": sums[file_name]})
    meta = {
        "source": {"repo": SOURCE_REPO, "commit": SOURCE_COMMIT, "folder": SOURCE_FOLDER,
                   "license": "MIT (repository); images collected from the web"},
        "not_in_benchmark": {"people4.jpg": sums["people4.jpg"]},
        "classes": classes,
        "audioset_excluded_indices": class_map["audioset_excluded_indices"],
        "audioset_labels": audioset,
    }
    out = Path(__file__).resolve().parent.parent / "imagehear" / "data" / "image_hear.json"
    out.write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {out}: {len(listing)} images, {len(classes)} classes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/image_hear")
