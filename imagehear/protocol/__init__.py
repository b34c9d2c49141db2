"""IMAGE HEAR benchmark facts and the protocol-v1 generation plan.

The facts live in ``data/image_hear.json`` (regenerate with ``scripts/make_metadata.py``);
they come from the Im2Wav repository (github.com/RoySheffer/im2wav @ aff5a80,
Data/ImageHear/ and Data/meta.py) and the AudioSet ontology.

>>> from imagehear import protocol
>>> len(protocol.CLASS_NAMES), len(protocol.IMAGE_FILES), len(protocol.EXCLUDED_AUDIOSET_INDICES)
(30, 100, 33)
>>> plan = protocol.generation_plan(per_class=4)
>>> plan[0], len(plan)
(PlanRow(file='accordion/accordion_000.wav', label='Accordion', image='accordion1.jpg', video='', frames=''), 120)

A manifest is CSV. IMAGE HEAR's header is ``file,label,image``. Sets conditioned on videos
(VGGSound-style) use the extended header ``file,label,image,video,frames`` (any non-empty
subset of the three conditioning columns after ``file,label``, in any order); per row
exactly one conditioning cell is non-empty, the others empty:

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> lines = ["file,label,image,video,frames", "a.wav,Dog,dog1.jpg,,", "b.wav,playing violin,,videos/b.mp4,",
...          "c.wav,,,,frames/c"]
>>> _ = (d / "manifest.csv").write_text("\\n".join(lines))
>>> [r.conditioning for r in read_manifest(d)]
['image', 'video', 'frames']
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from imagehear.errors import ManifestError

PROTOCOL_VERSION = "v1"
CLIPS_PER_CLASS = 120
MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = ("file", "label", "image")   # IMAGE HEAR: every clip conditioned on one of its images
CONDITIONING_COLUMNS = ("image", "video", "frames")
EXTENDED_COLUMNS = ("file", "label") + CONDITIONING_COLUMNS


@dataclass(frozen=True)
class ClassInfo:
    name: str
    images: tuple[str, ...]          # listing order: the order the plan cycles through
    audioset: tuple[str, ...]        # published class -> AudioSet names
    audioset_indices: tuple[int, ...]  # the same, as indices into PaSST's 527 outputs
    vggsound: tuple[str, ...]        # published class -> VGGSound labels


@dataclass(frozen=True)
class PlanRow:
    file: str        # clip path relative to the generated folder
    label: str       # IMAGE HEAR class name (image rows); free text or "" for video and frames rows
    image: str       # conditioning IMAGE HEAR image file name, or "" when the row names a video or frames
    video: str = ""  # conditioning video file (relative to the generated folder, or absolute)
    frames: str = ""  # conditioning folder of frame images, used in file-name order (idem)

    @property
    def conditioning(self) -> str:
        """The column that conditions this clip: "image", "video" or "frames"."""
        return "video" if self.video else "frames" if self.frames else "image"


def _load_metadata() -> dict:
    return json.loads(resources.files("imagehear").joinpath("data/image_hear.json").read_text())


METADATA = _load_metadata()
SOURCE = METADATA["source"]
CLASSES: dict[str, ClassInfo] = {
    name: ClassInfo(name, tuple(i["file"] for i in c["images"]), tuple(c["audioset"]),
                    tuple(c["audioset_indices"]), tuple(c["vggsound"]))
    for name, c in sorted(METADATA["classes"].items())
}
CLASS_NAMES: tuple[str, ...] = tuple(CLASSES)  # sorted: ClassLabel ids follow this order
IMAGE_SHA256: dict[str, str] = {
    i["file"]: i["sha256"] for c in METADATA["classes"].values() for i in c["images"]
}
IMAGE_FILES: tuple[str, ...] = tuple(IMAGE_SHA256)  # listing order
IMAGE_LABEL: dict[str, str] = {f: c.name for c in CLASSES.values() for f in c.images}
AUDIOSET_LABELS: tuple[str, ...] = tuple(METADATA["audioset_labels"])
EXCLUDED_AUDIOSET_INDICES: tuple[int, ...] = tuple(METADATA["audioset_excluded_indices"])


def class_slug(name: str) -> str:
    return name.lower().replace(" ", "_")


def generation_plan(per_class: int = CLIPS_PER_CLASS, classes=None) -> list[PlanRow]:
    """Protocol v1: per class in sorted order, clip j uses image j mod n (listing order)."""
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    rows = []
    for name in classes or CLASS_NAMES:
        info = CLASSES[name]
        slug = class_slug(name)
        for j in range(per_class):
            rows.append(PlanRow(f"{slug}/{slug}_{j:03d}.wav", name, info.images[j % len(info.images)]))
    return rows


def write_manifest(rows, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    extended = any(r.video or r.frames for r in rows)  # IMAGE HEAR plans keep the three-column header
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXTENDED_COLUMNS if extended else MANIFEST_COLUMNS)
        writer.writerows((r.file, r.label, r.image, r.video, r.frames) if extended else (r.file, r.label, r.image)
                         for r in rows)


def read_manifest(path: Path) -> list[PlanRow]:
    """Read and validate a manifest: known classes, the class's own images, no duplicates.

    Image rows name an IMAGE HEAR class and one of its images; video and frames rows may have
    any label (or none). Exactly one of image, video, frames per row."""
    path = Path(path)
    if not path.exists() and path.name != MANIFEST_NAME:
        raise ManifestError(f"{path}: no such folder")
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.is_file():
        where = path.parent
        raise ManifestError(f"{where}: no {MANIFEST_NAME} in this folder; write the plan into it with "
                            f"`image-hear plan --out {where}` (or point at the folder that holds it)")
    try:  # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark, which is not part of "file"
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = tuple(reader.fieldnames or ())
            extra = header[2:]
            if header[:2] != ("file", "label") or not extra or len(set(extra)) != len(extra) \
                    or not set(extra) <= set(CONDITIONING_COLUMNS):
                raise ManifestError(f"{path}: header must be {','.join(MANIFEST_COLUMNS)} (IMAGE HEAR) or file,label "
                                    f"then one or more of {', '.join(CONDITIONING_COLUMNS)} (e.g. "
                                    f"{','.join(EXTENDED_COLUMNS)}), got {reader.fieldnames}")
            rows = [PlanRow(r["file"], r["label"] or "", r.get("image") or "", (r.get("video") or "").strip(),
                            (r.get("frames") or "").strip()) for r in reader]  # an empty or absent cell: not given
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text (byte {exc.start}); save it as \"CSV UTF-8\"") from None
    seen = set()
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        given = [c for c in CONDITIONING_COLUMNS if getattr(row, c)]
        if len(given) != 1:
            raise ManifestError(f"{where}: give exactly one of {', '.join(CONDITIONING_COLUMNS)} per row, got "
                                f"{' and '.join(given) if given else 'none'}")
        if row.image and row.label not in CLASSES:
            raise ManifestError(f"{where}: unknown class {row.label!r}; classes are {', '.join(CLASS_NAMES)}")
        if row.image and row.image not in CLASSES[row.label].images:
            raise ManifestError(f"{where}: image {row.image!r} is not an image of class {row.label!r}")
        if not row.file or Path(row.file).is_absolute() or ".." in Path(row.file).parts:
            raise ManifestError(f"{where}: file {row.file!r} must be a relative path inside the folder")
        if row.file in seen:
            raise ManifestError(f"{where}: file {row.file!r} is listed twice")
        seen.add(row.file)
    if not rows:
        raise ManifestError(f"{path}: the manifest lists no clips")
    return rows


def plan_coverage(rows, per_class: int = CLIPS_PER_CLASS) -> dict:
    """How a manifest compares with the full plan: complete, or what is missing per class.

    Complete means every class has ``per_class`` clips *and* uses its images as the plan
    does (image j mod n), so a manifest that leans on one image per class is not complete.
    """
    counts = {name: 0 for name in CLASS_NAMES}
    usage: dict[tuple[str, str], int] = {}
    kinds = {kind: sum(r.conditioning == kind for r in rows) for kind in CONDITIONING_COLUMNS}
    for r in (r for r in rows if r.conditioning == "image"):  # video and frames rows are outside the plan
        counts[r.label] += 1
        usage[(r.label, r.image)] = usage.get((r.label, r.image), 0) + 1
    missing = {name: per_class - n for name, n in counts.items() if n < per_class}
    planned: dict[tuple[str, str], int] = {}
    for r in generation_plan(per_class):
        planned[(r.label, r.image)] = planned.get((r.label, r.image), 0) + 1
    off_plan = sorted(f"{label}/{image}: {usage.get((label, image), 0)} clips, plan {n}"
                      for (label, image), n in planned.items()
                      if counts[label] >= per_class and usage.get((label, image), 0) != n)
    out = {"complete": not missing and not off_plan and kinds["image"] == len(rows), "per_class_counts": counts,
           "missing_per_class": missing, "image_use_off_plan": off_plan}
    if kinds["image"] != len(rows):
        out["conditioning"] = kinds  # rows per conditioning column (only for manifests with video or frames rows)
    return out
