"""IMAGE HEAR dataset: checksummed fetching, rows, the builder, the Hub export, the CLI.

Everything runs offline against real HTTP servers on 127.0.0.1 serving the read-only
../shared copy (or folders of links to it with one file broken).
"""
from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from imagehear.io import dataset

from imagehear import protocol
from imagehear.cli import main
from imagehear.errors import DataError

REPO = Path(__file__).resolve().parent.parent
SHARED_IMAGES = Path(os.environ.get("IMAGEHEAR_SHARED", REPO.parent / "shared")) / "image_hear" / "images"

TRUNCATED = "car1.jpg"  # 3.5 MB: cut short mid-stream


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


class _TruncatingFileHandler(_QuietHandler):
    """Serves the folder, except TRUNCATED: announces its length, sends half, hangs up."""

    def do_GET(self):
        if not self.path.endswith("/" + TRUNCATED):
            return super().do_GET()
        data = (SHARED_IMAGES / TRUNCATED).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


def _serve(handler_cls, folder):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(handler_cls, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def images_url(shared_dir):
    server, url = _serve(_QuietHandler, SHARED_IMAGES)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def image_cache(images_url, tmp_path_factory):
    """One real download of the 100 images over HTTP, shared by the tests that only read it."""
    cache = tmp_path_factory.mktemp("image_cache")
    dataset.fetch_images(images_url, cache)
    return cache


@pytest.fixture(scope="session")
def labels_csv(shared_dir):
    with open(shared_dir / "image_hear" / "labels.csv", newline="") as fh:
        return {row["file_name"]: row["label"] for row in csv.DictReader(fh)}


def linked_copy(tmp_path, skip=()):
    """A folder of symlinks to the shared images (cheap to make, safe to break one file in)."""
    folder = tmp_path / "served"
    folder.mkdir()
    for name in protocol.IMAGE_FILES:
        if name not in skip:
            (folder / name).symlink_to(SHARED_IMAGES / name)
    return folder


def load_builder_module():
    spec = importlib.util.spec_from_file_location("image_hear", REPO / "image_hear.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_http_download_fetches_exactly_the_100_checksummed_images(image_cache):
    files = sorted(p.name for p in image_cache.iterdir())
    assert files == sorted(protocol.IMAGE_FILES)  # no people4.jpg, no leftover .part files
    for name in files:
        assert sha((image_cache / name).read_bytes()) == protocol.IMAGE_SHA256[name]


def test_rows_match_the_published_listing(image_cache, images_url, labels_csv):
    ds = dataset.load_image_hear(images_url, image_cache)
    assert ds.num_rows == 100 and ds.split == "test"
    assert ds.features["label"].names == sorted(set(labels_csv.values())) == list(protocol.CLASS_NAMES)
    assert ds["file_name"] == list(protocol.IMAGE_FILES)
    names = ds.features["label"].int2str(ds["label"])
    assert dict(zip(ds["file_name"], names)) == labels_csv
    dog = ds[ds["file_name"].index("dog1.jpg")]
    assert "Bark" in dog["audioset_labels"] and "dog barking" in dog["vggsound_labels"]
    raw = ds.with_format("arrow")["image"].to_pylist()
    for name, image in zip(ds["file_name"], raw):  # original bytes, never re-encoded
        assert sha(image["bytes"]) == protocol.IMAGE_SHA256[name]


def test_webp_named_jpg_decodes(image_cache, images_url):
    ds = dataset.load_image_hear(images_url, image_cache)
    sax = ds[ds["file_name"].index("saxophone3.jpg")]["image"]
    assert sax.format == "WEBP" and sax.size == (600, 400)


def test_corrupt_file_on_server_is_refused_by_name(tmp_path):
    served = linked_copy(tmp_path, skip={"bells2.jpg"})
    data = bytearray((SHARED_IMAGES / "bells2.jpg").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (served / "bells2.jpg").write_bytes(bytes(data))
    server, url = _serve(_QuietHandler, served)
    try:
        with pytest.raises(DataError, match=r"bells2\.jpg.*checksum mismatch"):
            dataset.fetch_images(url, tmp_path / "cache")
    finally:
        server.shutdown(), server.server_close()
    assert not (tmp_path / "cache" / "bells2.jpg").exists()


def test_missing_file_on_server_is_named(tmp_path, http_server):
    url = http_server(linked_copy(tmp_path, skip={"frog2.jpg"}))
    with pytest.raises(DataError, match=r"frog2\.jpg.*404"):
        dataset.load_image_hear(url, tmp_path / "cache")
    assert not (tmp_path / "cache" / "frog2.jpg").exists()


def test_interrupted_download_leaves_no_file(tmp_path):
    server, url = _serve(_TruncatingFileHandler, SHARED_IMAGES)
    cache = tmp_path / "cache"
    try:
        with pytest.raises(DataError, match=re.escape(TRUNCATED)):
            dataset.fetch_images(url, cache)
    finally:
        server.shutdown(), server.server_close()
    assert not (cache / TRUNCATED).exists()
    assert not [p for p in cache.iterdir() if p.name.endswith(".part")]


def test_cache_is_reused_and_a_corrupt_cached_file_is_fetched_again(image_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(image_cache, cache)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(dataset.fetch_images(empty, cache)) == 100  # all cached: nothing fetched
    (cache / "dog3.jpg").write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"dog3\.jpg: not found"):
        dataset.fetch_images(empty, cache)  # the bad cached copy is not trusted
    dataset.fetch_images(SHARED_IMAGES, cache)
    assert sha((cache / "dog3.jpg").read_bytes()) == protocol.IMAGE_SHA256["dog3.jpg"]


def test_local_folder_source(tmp_path):
    paths = dataset.fetch_images(SHARED_IMAGES, tmp_path / "cache")
    assert list(paths) == list(protocol.IMAGE_FILES)
    assert all(p.parent == tmp_path / "cache" and p.is_file() for p in paths.values())


def test_environment_names_source_and_cache(tmp_path, images_url, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_SOURCE", images_url)
    monkeypatch.setenv("IMAGEHEAR_CACHE", str(tmp_path))
    ds = dataset.load_image_hear()
    assert ds.num_rows == 100
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == sorted(protocol.IMAGE_FILES)


def test_bad_source_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="neither an http"):
        dataset.fetch_images(tmp_path / "no_such_folder", tmp_path / "cache")


def test_builder_prepares_the_same_rows(image_cache, images_url, tmp_path):
    builder = load_builder_module().ImageHear(cache_dir=str(tmp_path / "hf"), source=images_url,
                                              image_cache_dir=str(image_cache))
    builder.download_and_prepare()
    built = builder.as_dataset("test")
    direct = dataset.load_image_hear(images_url, image_cache)
    assert built.features == direct.features
    assert built.with_format("arrow")[:].equals(direct.with_format("arrow")[:])


def test_hub_export_round_trip_from_another_folder(image_cache, images_url, labels_csv, tmp_path, capsys):
    import datasets

    cache = tmp_path / "cache"
    shutil.copytree(image_cache, cache)
    rc = main(["dataset", "--out", str(tmp_path / "out"), "--source", images_url, "--cache-dir", str(cache)])
    assert rc == 0 and "load_dataset" in capsys.readouterr().out
    moved = tmp_path / "elsewhere" / "image_hear"
    shutil.copytree(tmp_path / "out", moved)
    shutil.rmtree(tmp_path / "out")
    shutil.rmtree(cache)  # the Parquet must not point back at cached files
    readme = (moved / "README.md").read_text()
    assert readme.startswith("---\n") and "# IMAGE HEAR" in readme and "class_label" in readme
    test = datasets.load_dataset(str(moved), split="test", cache_dir=str(tmp_path / "hf"))
    assert test.num_rows == 100
    label = test.features["label"]
    assert isinstance(label, datasets.ClassLabel) and label.names == list(protocol.CLASS_NAMES)
    assert dict(zip(test["file_name"], label.int2str(test["label"]))) == labels_csv
    for name, image in zip(test["file_name"], test.with_format("arrow")["image"].to_pylist()):
        assert sha(image["bytes"]) == protocol.IMAGE_SHA256[name]
    formats = {row["file_name"]: row["image"].format for row in test}  # every image decodes
    assert formats["saxophone3.jpg"] == "WEBP" and formats["car1.jpg"] == "JPEG"


def test_parquet_guard_rejects_path_only_images(image_cache, tmp_path):
    import datasets

    rows = [row for _, row in dataset.examples({n: image_cache / n for n in protocol.IMAGE_FILES})]
    for row in rows:  # the pitfall: an Image column built from paths
        row["image"] = str(image_cache / row["file_name"])
    path = tmp_path / "paths.parquet"
    datasets.Dataset.from_list(rows, features=dataset.features()).to_parquet(str(path))
    with pytest.raises(DataError, match="written as a path"):
        dataset.check_parquet(path)


@pytest.mark.parametrize("make_source, code", [(lambda tmp, url: str(tmp / "missing"), 2),  # usage
                                               (lambda tmp, url: url + "/nowhere", 1)])    # bad data: 404
def test_cli_bad_source_is_one_line(make_source, code, tmp_path, images_url, capsys):
    rc = main(["dataset", "--out", str(tmp_path / "out"), "--source", make_source(tmp_path, images_url),
               "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("image-hear dataset: error:")]
    assert rc == code and len(lines) == 1 and "Traceback" not in err
    assert "accordion1.jpg" in lines[0] or "source" in lines[0]


def test_card_class_table_matches_protocol():
    card = (REPO / "dataset_card.md").read_text()
    rows = re.findall(r"^\| ([A-Z][a-z]+) \| (\d+) \| ([^|]+) \|", card, flags=re.M)
    assert {name: int(n) for name, n, _ in rows} == {n: len(c.images) for n, c in protocol.CLASSES.items()}
    assert all(tuple(files.strip().split(", ")) == protocol.CLASSES[name].images for name, _, files in rows)
    assert "**100**" in card and "people4.jpg" in card and "2211.03089" in card
    assert protocol.SOURCE["commit"] in card


def test_push_script_help_is_offline():
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "push_to_hub.py"), "--help"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--repo-id" in out.stdout and "--source" in out.stdout


def test_v2a_mapper_image_set_export_holds_people4_in_people(tmp_path, shared_dir, capsys):
    """--image-set v2a-mapper: the 101 files V2A-Mapper scored, people4.jpg checked against the
    folder's checksum list and labelled People; the default export stays the listing's 100."""
    import datasets

    listed = dict(line.split()[::-1] for line in (shared_dir / "image_hear" / "SHA256SUMS").read_text().splitlines())
    assert protocol.ALL_IMAGE_SHA256["people4.jpg"] == listed["images/people4.jpg"]
    assert main(["dataset", "--out", str(tmp_path / "out"), "--source", str(SHARED_IMAGES), "--cache-dir",
                 str(tmp_path / "cache"), "--image-set", "v2a-mapper"]) == 0
    test = datasets.load_dataset(str(tmp_path / "out"), split="test", cache_dir=str(tmp_path / "hf"))
    assert test.num_rows == 101 and list(test["file_name"]) == list(protocol.image_set_files("v2a-mapper"))
    row = test[test["file_name"].index("people4.jpg")]
    assert test.features["label"].int2str(row["label"]) == "People"
    with pytest.raises(DataError, match="not the 100 IMAGE HEAR images"):
        dataset.check_parquet(next((tmp_path / "out" / "data").glob("*.parquet")))  # the default set's guard
