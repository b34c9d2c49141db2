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
GENERATION_NAME = "generation.json"  # beside the manifest: how `image-hear generate` made the clips
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


# V2A-Mapper (github heng-hw/V2A-Mapper, meta_data/imagehear_id.txt) scored every file of Im2Wav's
# folder: the 100 listed images and people4.jpg, in People. Protocol v1 is the listing's 100.
IMAGE_SETS = {"im2wav": "the 100 images of Im2Wav's listing (protocol v1)",
              "v2a-mapper": "all 101 files of Im2Wav's folder, people4.jpg in People (V2A-Mapper's set)"}
DEFAULT_IMAGE_SET = "im2wav"
_EXTRA_IMAGES = {"v2a-mapper": {"People": tuple(METADATA["not_in_benchmark"])}}
ALL_IMAGE_SHA256: dict[str, str] = {**IMAGE_SHA256, **METADATA["not_in_benchmark"]}  # every file of the folder


def check_image_set(image_set: str) -> str:
    if image_set not in IMAGE_SETS:
        from imagehear.errors import UsageError
        raise UsageError(f"unknown image set {image_set!r} for --image-set; choose from {', '.join(IMAGE_SETS)}")
    return image_set


def class_images(name: str, image_set: str = DEFAULT_IMAGE_SET) -> tuple[str, ...]:
    """The images of class ``name`` in ``image_set``, in the order the plan cycles through them.

    >>> class_images("People"), class_images("People", "v2a-mapper")[-1]
    (('people1.jpg', 'people2.jpg', 'people3.jpg'), 'people4.jpg')
    """
    return CLASSES[name].images + _EXTRA_IMAGES.get(check_image_set(image_set), {}).get(name, ())


def image_set_files(image_set: str = DEFAULT_IMAGE_SET) -> tuple[str, ...]:
    """Every image of ``image_set`` in listing order (an extra image after its class's own).

    >>> len(image_set_files()), len(image_set_files("v2a-mapper")), image_set_files() == IMAGE_FILES
    (100, 101, True)
    """
    return tuple(f for name in METADATA["classes"] for f in class_images(name, image_set))


def image_set_of(rows) -> str:
    """The smallest image set holding every image the rows are conditioned on."""
    used = {r.image for r in rows if r.image}
    return next((s for s in IMAGE_SETS if used <= set(image_set_files(s))), DEFAULT_IMAGE_SET)


def class_slug(name: str) -> str:
    return name.lower().replace(" ", "_")


def plan_classes(classes=None) -> tuple[str, ...]:
    """Class names in the plan's (sorted) order; ``None``: all 30. Names match case-insensitively,
    and by their folder name (``electric_guitar``); an unknown one is a ValueError naming it.

    >>> plan_classes(["piano", "Dog"])
    ('Dog', 'Piano')
    """
    if classes is None:
        return CLASS_NAMES
    known = {key: name for name in CLASS_NAMES for key in (name.lower(), class_slug(name))}
    unknown = [c for c in classes if str(c).strip().lower() not in known]
    if unknown:
        raise ValueError(f"unknown class {unknown[0]!r}; classes are {', '.join(CLASS_NAMES)}")
    chosen = {known[str(c).strip().lower()] for c in classes}
    if not chosen:
        raise ValueError("names no class")
    return tuple(name for name in CLASS_NAMES if name in chosen)


def generation_plan(per_class: int = CLIPS_PER_CLASS, classes=None, image_set: str = DEFAULT_IMAGE_SET) -> list[PlanRow]:
    """Protocol v1: per class in sorted order, clip j uses image j mod n (listing order) of the
    class's images in ``image_set`` (V2A-Mapper's set: People cycles through 4 images)."""
    if per_class < 1:
        raise ValueError(f"per_class must be >= 1, got {per_class}")
    rows = []
    for name in classes or CLASS_NAMES:
        images = class_images(name, image_set)
        slug = class_slug(name)
        for j in range(per_class):
            rows.append(PlanRow(f"{slug}/{slug}_{j:03d}.wav", name, images[j % len(images)]))
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
        if row.image and row.image not in class_images(row.label, "v2a-mapper"):  # any image set's
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
    The plan is that of ``image_set`` (recorded): the smallest image set holding the rows' images.
    """
    counts = {name: 0 for name in CLASS_NAMES}
    usage: dict[tuple[str, str], int] = {}
    kinds = {kind: sum(r.conditioning == kind for r in rows) for kind in CONDITIONING_COLUMNS}
    for r in (r for r in rows if r.conditioning == "image"):  # video and frames rows are outside the plan
        counts[r.label] += 1
        usage[(r.label, r.image)] = usage.get((r.label, r.image), 0) + 1
    missing = {name: per_class - n for name, n in counts.items() if n < per_class}
    planned: dict[tuple[str, str], int] = {}
    image_set = image_set_of(rows)
    for r in generation_plan(per_class, image_set=image_set):
        planned[(r.label, r.image)] = planned.get((r.label, r.image), 0) + 1
    off_plan = sorted(f"{label}/{image}: {usage.get((label, image), 0)} clips, plan {n}"
                      for (label, image), n in planned.items()
                      if counts[label] >= per_class and usage.get((label, image), 0) != n)
    out = {"complete": not missing and not off_plan and kinds["image"] == len(rows), "per_class_counts": counts,
           "missing_per_class": missing, "image_use_off_plan": off_plan, "image_set": image_set}
    if kinds["image"] != len(rows):
        out["conditioning"] = kinds  # rows per conditioning column (only for manifests with video or frames rows)
    return out


def read_generation(folder) -> dict | None:
    """The folder's ``generation.json`` (written by ``image-hear generate``), or None without one."""
    path = Path(folder) / GENERATION_NAME
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc}); delete it, or re-run `image-hear generate` "
                            "to write it again") from None
    if not isinstance(record, dict):
        raise ManifestError(f"{path}: must hold a JSON object; delete it or re-run `image-hear generate`")
    return record
