"""IMAGE HEAR as a ``datasets.Dataset``: fetch the 100 checksummed images, build the rows.

The images come from the pinned Im2Wav commit (``protocol.SOURCE``) unless ``source`` or
``IMAGEHEAR_SOURCE`` names another base URL or a local folder; each one is fetched with
:func:`imagehear.io.download.fetch` and checked against ``protocol.IMAGE_SHA256``. Rows keep
the original file bytes (never re-encoded: CLIP must see exactly the published pixels).
The ``image_hear.py`` builder and the Hub export (:func:`export_hub_folder`) reuse
:func:`features` and :func:`examples`, so there is one definition of the dataset.

>>> from imagehear.io import dataset
>>> dataset.DEFAULT_SOURCE.endswith("/Data/ImageHear/")
True
>>> dataset.resolve_source("https://example.org/imgs")
'https://example.org/imgs/'
>>> list(dataset.features())
['image', 'label', 'file_name', 'audioset_labels', 'vggsound_labels']
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from imagehear import protocol
from imagehear.errors import DataError
from imagehear.io.download import fetch, is_url

DEFAULT_SOURCE = ("https://raw.githubusercontent.com/{repo}/{commit}/{folder}/"
                  .format(**protocol.SOURCE))
SOURCE_ENV = "IMAGEHEAR_SOURCE"
CACHE_ENV = "IMAGEHEAR_CACHE"
HOMEPAGE = f"https://github.com/{protocol.SOURCE['repo']}/tree/{protocol.SOURCE['commit']}/{protocol.SOURCE['folder']}"
CITATION = """@inproceedings{sheffer2023hear,
  title     = {I Hear Your True Colors: Image Guided Audio Generation},
  author    = {Sheffer, Roy and Adi, Yossi},
  booktitle = {ICASSP 2023 - 2023 IEEE International Conference on Acoustics, Speech and Signal Processing (ICASSP)},
  year      = {2023},
  eprint    = {2211.03089},
  archivePrefix = {arXiv}
}"""
DESCRIPTION = ("IMAGE HEAR: 100 web images in 30 sound-producing classes, the out-of-domain "
               "image-to-audio benchmark of Im2Wav (Sheffer & Adi, ICASSP 2023).")
# Threads, not processes: the work is network and disk I/O; 8 keeps GitHub polite.
WORKERS = 8
PARQUET_NAME = "test-00000-of-00001.parquet"  # the Hub's shard naming


def local_copies() -> list[Path]:
    """Folders searched for a local copy of the images when no source is given: ``./image_hear/images``,
    then, beside a checkout of image-hear, ``../image_hear/images`` and ``../shared/image_hear/images``."""
    checkout = Path(__file__).resolve().parents[2]  # imagehear/io/dataset.py -> the checkout
    found = [Path.cwd() / "image_hear" / "images"]
    if (checkout / "pyproject.toml").is_file():
        found += [checkout.parent / "image_hear" / "images", checkout.parent / "shared" / "image_hear" / "images"]
    return found


def resolve_source(source=None) -> str:
    """The image source: ``source``, else ``$IMAGEHEAR_SOURCE``, else a local copy
    (:func:`local_copies`), else the pinned commit. Every file is checked by SHA-256 whatever
    the source.

    A URL gets a trailing slash (file names are appended); a folder must exist.
    """
    source = source or os.environ.get(SOURCE_ENV)
    if not source:
        local = next((p for p in local_copies() if (p / protocol.IMAGE_FILES[0]).is_file()), None)
        source = str(local) if local else DEFAULT_SOURCE
    source = str(source)
    if is_url(source):
        return source if source.endswith("/") else source + "/"
    if not Path(source).expanduser().is_dir():
        raise DataError(f"image source {source!r} is neither an http(s) URL nor an existing folder; "
                        f"pass a base URL or a folder holding the IMAGE HEAR images (--source or ${SOURCE_ENV})")
    return str(Path(source).expanduser())


def _offline_hint() -> str:
    return (f"pass --source FOLDER_OR_URL (in Python: source=...) or set {SOURCE_ENV} to a copy of the images "
            f"({HOMEPAGE}), or put them in ./image_hear/images")


def resolve_cache_dir(cache_dir=None) -> Path:
    """Where images are kept: ``cache_dir``, else ``$IMAGEHEAR_CACHE/images``, else ``~/.cache``.

    >>> resolve_cache_dir("/tmp/x")
    PosixPath('/tmp/x')
    """
    if cache_dir:
        return Path(cache_dir).expanduser()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser() / "images"
    return Path.home() / ".cache" / "imagehear" / "images" / protocol.SOURCE["commit"]


def _offline() -> bool:
    from imagehear.io.download import is_offline

    return is_offline()


def _location(source: str, name: str) -> str:
    return source + name if is_url(source) else os.path.join(source, name)


def fetch_images(source=None, cache_dir=None, files=protocol.IMAGE_FILES, progress: bool = True) -> dict[str, Path]:
    """Fetch ``files`` (default: the 100 benchmark images; any file of the folder with a known
    SHA-256, people4.jpg included) into the cache; ``{name: path}``.

    Cached files that still match their SHA-256 are reused; the rest are fetched again.
    Raises :class:`DataError` naming the first file that is missing or corrupt.
    """
    from tqdm.auto import tqdm

    src = resolve_source(source)
    cache = resolve_cache_dir(cache_dir)
    unknown = [f for f in files if f not in protocol.ALL_IMAGE_SHA256]
    if unknown:
        raise DataError(f"{unknown[0]}: not an IMAGE HEAR image; the benchmark lists {len(protocol.IMAGE_FILES)}")

    if is_url(src) and not src.startswith("file://") and _offline():
        missing = [f for f in files if not (cache / f).is_file()]
        if missing:
            raise DataError(f"{len(missing)} IMAGE HEAR image(s) are not in the cache {cache} (e.g. {missing[0]}) "
                            f"and offline mode (IMAGEHEAR_OFFLINE/HF_HUB_OFFLINE) forbids downloading them; "
                            + _offline_hint())

    def one(name: str) -> Path:
        try:
            return fetch(_location(src, name), cache / name, protocol.ALL_IMAGE_SHA256[name])
        except DataError as exc:
            if is_url(src) and "download from" in str(exc):
                raise DataError(f"{exc}; " + _offline_hint()) from None
            raise

    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        # map() yields in listing order and re-raises the first failure here
        paths = list(tqdm(pool.map(one, files), total=len(files), desc="IMAGE HEAR images", unit="img",
                          disable=not progress))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # never leave a thread writing a .part
    return dict(zip(files, paths))


def features():
    """The dataset's ``datasets.Features``; ``label`` ids follow ``protocol.CLASS_NAMES``."""
    import datasets

    return datasets.Features({
        "image": datasets.Image(),
        "label": datasets.ClassLabel(names=list(protocol.CLASS_NAMES)),
        "file_name": datasets.Value("string"),
        "audioset_labels": datasets.List(datasets.Value("string")),
        "vggsound_labels": datasets.List(datasets.Value("string")),
    })


def dataset_info():
    """``datasets.DatasetInfo`` with description, citation, homepage and licence note."""
    import datasets

    return datasets.DatasetInfo(description=DESCRIPTION, features=features(), homepage=HOMEPAGE,
                                citation=CITATION, license=protocol.SOURCE["license"])


def examples(paths: dict[str, Path], image_set: str = protocol.DEFAULT_IMAGE_SET):
    """Yield ``(key, row)`` in listing order; the image is the file's own bytes.

    ``path`` is left ``None`` on purpose: ``datasets.Image`` drops the bytes of a row whose
    path names an existing file (e.g. ``car1.jpg`` in the working directory) and would then
    decode that file instead. The name lives in ``file_name``.
    """
    label = {f: name for name in protocol.CLASS_NAMES for f in protocol.class_images(name, image_set)}
    for key, name in enumerate(protocol.image_set_files(image_set)):
        info = protocol.CLASSES[label[name]]
        yield key, {
            "image": {"bytes": Path(paths[name]).read_bytes(), "path": None},
            "label": protocol.CLASS_NAMES.index(info.name),
            "file_name": name,
            "audioset_labels": list(info.audioset),
            "vggsound_labels": list(info.vggsound),
        }


def load_image_hear(source=None, cache_dir=None, image_set: str = protocol.DEFAULT_IMAGE_SET):
    """IMAGE HEAR as an in-memory ``datasets.Dataset`` (split ``test``, 100 rows; 101 for the
    ``v2a-mapper`` image set).

    ``source``: base URL or local folder with the images (default: pinned GitHub commit,
    or ``$IMAGEHEAR_SOURCE``); ``cache_dir``: where fetched images are kept.
    """
    import datasets

    files = protocol.image_set_files(protocol.check_image_set(image_set))
    rows = [row for _, row in examples(fetch_images(source, cache_dir, files), image_set)]
    return datasets.Dataset.from_list(rows, features=features(), info=dataset_info(),
                                      split=datasets.Split.TEST)


def export_hub_folder(out, source=None, cache_dir=None, image_set: str = protocol.DEFAULT_IMAGE_SET) -> Path:
    """Write the Hub form of IMAGE HEAR to ``out``: ``data/*.parquet`` and ``README.md``.

    ``datasets.load_dataset(str(out))`` then returns the same 100 rows with the ClassLabel
    intact, from any folder: the Parquet file holds the image bytes, checked after writing.
    """
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: exists and is not a folder; pass --out a folder to write the dataset into")
    ds = load_image_hear(source, cache_dir, image_set)
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for stale in data.glob("test-*.parquet"):  # an older export would be loaded as extra rows
        stale.unlink()
    path = data / PARQUET_NAME
    ds.to_parquet(str(path))
    check_parquet(path, image_set)
    (out / "README.md").write_text(hub_readme(ds.data.nbytes, path.stat().st_size, len(ds)), encoding="utf-8")
    return out


def check_parquet(path, image_set: str = protocol.DEFAULT_IMAGE_SET) -> None:
    """Raise :class:`DataError` unless ``path`` holds all 100 images (101: ``v2a-mapper``) as their original bytes.

    Guards against ``to_parquet`` storing only paths (a file that breaks anywhere else).
    """
    import hashlib

    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["image", "file_name"])
    names = table.column("file_name").to_pylist()
    expected = protocol.image_set_files(image_set)
    if sorted(names) != sorted(expected):
        raise DataError(f"{path}: holds {len(names)} rows, not the {len(expected)} IMAGE HEAR images")
    for image, name in zip(table.column("image").to_pylist(), names):
        data = (image or {}).get("bytes")
        if data is None:
            raise DataError(f"{path}: {name} was written as a path, not its bytes; the file would "
                            f"break outside this machine. Export again with this version of image-hear")
        if hashlib.sha256(data).hexdigest() != protocol.ALL_IMAGE_SHA256[name]:
            raise DataError(f"{path}: the bytes stored for {name} differ from the published image; "
                            f"images must not be re-encoded. Export again")


def hub_readme(num_bytes: int, download_size: int, num_examples: int = len(protocol.IMAGE_FILES)) -> str:
    """``README.md`` for the Hub: YAML front matter (configs, features, sizes) + the dataset card.

    >>> hub_readme(1, 2).splitlines()[:2]
    ['---', 'pretty_name: IMAGE HEAR']
    """
    import yaml

    meta = {
        "pretty_name": "IMAGE HEAR",
        "license": "other",
        "license_name": "im2wav-mit-web-images",
        "license_link": f"https://github.com/{protocol.SOURCE['repo']}/blob/{protocol.SOURCE['commit']}/LICENSE",
        "size_categories": ["n<1K"],
        "tags": ["image-to-audio", "audio-generation", "benchmark", "evaluation"],
        "configs": [{"config_name": "default",
                     "data_files": [{"split": "test", "path": "data/test-*"}]}],
        "dataset_info": {
            # the private helper is what datasets itself writes into cards, so it round-trips
            "features": features()._to_yaml_list(),
            # datasets ignores a `splits` entry without num_bytes
            "splits": [{"name": "test", "num_bytes": num_bytes, "num_examples": num_examples}],
            "download_size": download_size,
            "dataset_size": num_bytes,
        },
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{card_body()}"


def card_body() -> str:
    """The dataset card text (``imagehear/data/dataset_card.md``, also linked as ``dataset_card.md``)."""
    from importlib import resources

    return resources.files("imagehear").joinpath("data/dataset_card.md").read_text(encoding="utf-8")
