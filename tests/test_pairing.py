"""Uploads pair by name, never by upload order (imagehear.metrics.pairing, used by the metric Spaces)."""
import pytest

from imagehear.metrics.pairing import PairingError, pair_uploads, parse_manifest

MANIFEST = parse_manifest("file,label,image\ndog/dog_000.wav,Dog,dog1.jpg\npiano/piano_000.wav,Piano,piano2.jpg\n")


def test_order_of_upload_does_not_change_the_pairs():
    gen, ref = ["/u/2/b.wav", "/u/1/a.wav"], ["/r/b.flac", "/r/a.flac"]
    one = pair_uploads("paired", gen, ref)
    two = pair_uploads("paired", gen[::-1], ref)
    assert one == two and one.rows == [["a.wav", "a.flac"], ["b.wav", "b.flac"]]


def test_labels_and_images_come_from_the_manifest():
    gen = ["/u/piano_000.wav", "/u/dog_000.wav"]
    assert pair_uploads("label", gen, manifest=MANIFEST).references == ["Dog", "Piano"]
    images = ["/i/piano2.jpg", "/i/dog1.jpg", "/i/unused.jpg"]
    p = pair_uploads("image", gen, images, manifest=MANIFEST)
    assert p.references == ["/i/dog1.jpg", "/i/piano2.jpg"]
    assert p.rows == [["dog_000.wav", "dog1.jpg"], ["piano_000.wav", "piano2.jpg"]]


def test_set_metrics_keep_the_whole_reference_set():
    p = pair_uploads("set", ["/u/x.wav"], ["/r/b.wav", "/r/a.wav"])
    assert p.references == ["/r/a.wav", "/r/b.wav"] and p.rows == [["x.wav", "reference set (2 clips)"]]


@pytest.mark.parametrize("kind, gen, ref, manifest, message", [
    ("paired", ["/u/a.wav", "/u/c.wav"], ["/r/a.wav"], None, "c.wav: no reference clip named c.*"),
    ("paired", ["/u/a.wav"], ["/r/a.wav", "/s/a.flac"], None, "two reference clips (without extension) are named 'a'"),
    ("paired", ["/u/a.wav", "/v/a.wav"], ["/r/a.wav"], None, "two generated clips are named 'a.wav'"),
    ("label", ["/u/a.wav"], None, None, "upload the manifest (file,label)"),
    ("label", ["/u/cat_000.wav"], None, MANIFEST, "cat_000.wav: not in the manifest"),
    ("image", ["/u/dog_000.wav"], ["/i/dog2.jpg"], MANIFEST, "dog_000.wav: its image 'dog1.jpg' (manifest) was not"),
    ("set", ["/u/a.wav"], None, None, "upload the reference files (clips)"),
    ("none", [], None, None, "upload the generated clips"),
])
def test_mismatches_are_one_line_naming_the_file(kind, gen, ref, manifest, message):
    with pytest.raises(PairingError) as err:
        pair_uploads(kind, gen, ref, manifest)
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


def test_manifest_needs_a_file_column_and_unique_names():
    with pytest.raises(PairingError, match="must name a 'file' column"):
        parse_manifest("clip,label\na.wav,Dog\n")
    with pytest.raises(PairingError, match="'a.wav' appears twice"):
        parse_manifest("file,label\nx/a.wav,Dog\ny/a.wav,Cat\n")
