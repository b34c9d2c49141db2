"""Weights resolution: weights dir, cache, download over real HTTP on 127.0.0.1, offline errors."""
import dataclasses
import hashlib
import json

import pytest

from imagehear.models import weights
from imagehear.errors import UsageError, WeightsError

PAYLOAD = b"pretend checkpoint bytes " * 4000


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("IMAGEHEAR_WEIGHTS", raising=False)
    monkeypatch.delenv("IMAGEHEAR_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return tmp_path


def use_source(monkeypatch, name, **changes):
    entry = dataclasses.replace(weights.REGISTRY[name], **changes)
    monkeypatch.setitem(weights.REGISTRY, name, entry)
    return entry


def serve_payload(http_server, tmp_path, name, payload=PAYLOAD):
    folder = tmp_path / "upstream"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(payload)
    return f"{http_server(folder)}/{name}"


def test_offline_missing_file_is_one_line_error(env, monkeypatch):
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    (env / "empty").mkdir()
    with pytest.raises(WeightsError) as info:
        weights.resolve("passt", env / "empty")
    message = str(info.value)
    assert "\n" not in message
    assert "passt-s-f128-p16-s10-ap.476-swa.pt" in message and weights.REGISTRY["passt"].source in message
    assert "IMAGEHEAR_OFFLINE" in message


def test_offline_missing_hf_model_names_the_folder(env, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(env / "hf"))
    (env / "empty").mkdir()
    with pytest.raises(WeightsError, match="clip-vit-base-patch32.*huggingface.co/openai/clip-vit-base-patch32"):
        weights.resolve("clip", env / "empty")


def test_a_weights_dir_that_does_not_exist_is_named(env, monkeypatch):
    with pytest.raises(UsageError, match="weights_dir .*missing.*no such folder"):
        weights.resolve("passt", env / "missing")
    monkeypatch.setenv("IMAGEHEAR_WEIGHTS", str(env / "gone"))
    with pytest.raises(UsageError, match="IMAGEHEAR_WEIGHTS .*gone.*no such folder"):
        weights.resolve("passt")


def test_weights_dir_wins_and_records_its_hash(env, monkeypatch):
    (env / "w").mkdir()
    (env / "w" / "Wav2CLIP.pt").write_bytes(PAYLOAD)
    monkeypatch.setenv("IMAGEHEAR_WEIGHTS", str(env / "w"))
    resolved = weights.resolve("wav2clip")
    assert resolved.origin == "weights_dir"
    assert resolved.record()["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()
    assert resolved.record()["matches_published_sha256"] is None


def test_download_then_cache(env, monkeypatch, http_server):
    url = serve_payload(http_server, env, "Wav2CLIP.pt")
    use_source(monkeypatch, "wav2clip", source=url, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    first = weights.resolve("wav2clip")
    assert first.origin == "download" and first.path.read_bytes() == PAYLOAD
    assert first.path == env / "torch" / "hub" / "checkpoints" / "Wav2CLIP.pt"
    assert weights.resolve("wav2clip").origin == "cache"


def test_checksum_mismatch_on_download_leaves_nothing(env, monkeypatch, http_server):
    url = serve_payload(http_server, env, "Wav2CLIP.pt")
    use_source(monkeypatch, "wav2clip", source=url, sha256="0" * 64)
    with pytest.raises(WeightsError, match="Wav2CLIP.pt: checksum mismatch"):
        weights.resolve("wav2clip")
    assert list((env / "torch" / "hub" / "checkpoints").iterdir()) == []


def test_prefix_checksum_in_file_name_is_checked(env, monkeypatch, http_server):
    url = serve_payload(http_server, env, "vggish-10086976.pth")
    use_source(monkeypatch, "vggish", source=url)  # payload hash does not start with 10086976
    with pytest.raises(WeightsError, match="does not start with 10086976"):
        weights.resolve("vggish")
    assert not (env / "torch" / "hub" / "checkpoints" / "vggish-10086976.pth").exists()


def test_passt_known_hash_refuses_a_swapped_file_in_cache_and_on_download(env, monkeypatch, http_server):
    """PaSST's SHA-256 comes from its spec (it was once on the accepted list only, so a swapped
    PaSST file was used without a word)."""
    cached = env / "torch" / "hub" / "checkpoints" / "passt-s-f128-p16-s10-ap.476-swa.pt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(PAYLOAD)
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    with pytest.raises(WeightsError, match=r"swa.pt: checksum mismatch .* expected 302903fa8c4a"):
        weights.resolve("passt")
    monkeypatch.delenv("IMAGEHEAR_OFFLINE")
    cached.unlink()
    use_source(monkeypatch, "passt", source=serve_payload(http_server, env, "passt.pt"))  # the spec's sha256 kept
    with pytest.raises(WeightsError, match="checksum mismatch"):
        weights.resolve("passt")
    assert not cached.exists()


def test_truncated_download_never_lands(env, monkeypatch, truncating_server):
    use_source(monkeypatch, "wav2clip", source=truncating_server(PAYLOAD))
    with pytest.raises(WeightsError, match="Wav2CLIP.pt"):
        weights.resolve("wav2clip")
    assert list((env / "torch" / "hub" / "checkpoints").iterdir()) == []


def test_corrupt_cache_is_refetched_online_and_refused_offline(env, monkeypatch, http_server):
    url = serve_payload(http_server, env, "Wav2CLIP.pt")
    use_source(monkeypatch, "wav2clip", source=url, sha256=hashlib.sha256(PAYLOAD).hexdigest())
    cached = weights.resolve("wav2clip").path
    cached.write_bytes(b"corrupted")
    monkeypatch.setenv("IMAGEHEAR_OFFLINE", "1")
    with pytest.raises(WeightsError, match="checksum mismatch"):
        weights.resolve("wav2clip")
    monkeypatch.delenv("IMAGEHEAR_OFFLINE")
    again = weights.resolve("wav2clip")
    assert again.origin == "download" and again.path.read_bytes() == PAYLOAD


def test_unreachable_source_names_file_and_url(env, monkeypatch):
    use_source(monkeypatch, "wav2clip", source="http://127.0.0.1:9/Wav2CLIP.pt")
    with pytest.raises(WeightsError, match=r"Wav2CLIP.pt: download from http://127.0.0.1:9/Wav2CLIP.pt failed"):
        weights.resolve("wav2clip")


# --- pinned Hugging Face revisions, the files they download, accepted hashes, random weights ---------
# The file listings of the pinned commits (the hub's tree pages): every format the repos publish.
HUB_FILES = {
    "clip": [".gitattributes", "README.md", "config.json", "flax_model.msgpack", "merges.txt",
             "preprocessor_config.json", "pytorch_model.bin", "special_tokens_map.json", "tf_model.h5",
             "tokenizer.json", "tokenizer_config.json", "vocab.json"],
    "clap": [".gitattributes", "README.md", "config.json", "merges.txt", "preprocessor_config.json",
             "pytorch_model.bin", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json"],
}


@pytest.mark.parametrize("name", ["clip", "clap"])
def test_hub_entries_are_pinned_and_download_only_what_the_backbone_loads(name):
    from huggingface_hub.utils import filter_repo_objects

    entry = weights.REGISTRY[name]
    assert len(entry.revision) == 40 and all(c in "0123456789abcdef" for c in entry.revision)
    chosen = sorted(filter_repo_objects(HUB_FILES[name], allow_patterns=list(entry.allow_patterns)))
    assert chosen == sorted(entry.allow_patterns)  # each pattern names one file of the commit
    assert not {"tf_model.h5", "flax_model.msgpack", "README.md", ".gitattributes"} & set(chosen)
    expected = {"clip": ["config.json", "pytorch_model.bin"]}.get(name, HUB_FILES["clap"][2:])
    assert chosen == expected


def test_hub_download_passes_revision_and_patterns(env, monkeypatch):
    import huggingface_hub

    calls = []

    def fake_snapshot(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        folder = env / "snap" / repo_id.replace("/", "--")
        folder.mkdir(parents=True, exist_ok=True)
        for f in ("config.json", "pytorch_model.bin", "README.md"):  # README.md: fetched by another tool
            (folder / f).write_text(f)
        return str(folder)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    # the pinned commit's folder hash is known: these stand-in files are refused, naming the folder
    with pytest.raises(WeightsError, match="openai--clip-vit-base-patch32: checksum mismatch .* expected 537d1a27"):
        weights.resolve("clip")
    lines = "".join(f"{f}\0{hashlib.sha256(f.encode()).hexdigest()}\n" for f in ("config.json", "pytorch_model.bin"))
    use_source(monkeypatch, "clip", sha256=hashlib.sha256(lines.encode()).hexdigest())
    calls.clear()
    resolved = weights.resolve("clip")
    assert calls == [("openai/clip-vit-base-patch32", {
        "revision": "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268", "allow_patterns": ["config.json", "pytorch_model.bin"],
        "local_files_only": False})]
    assert resolved.sha256 == hashlib.sha256(lines.encode()).hexdigest()  # README.md is not counted
    assert resolved.record()["revision"] == weights.REGISTRY["clip"].revision
    assert resolved.record()["matches_published_sha256"] is True


def test_folder_hash_skips_hidden_files_and_matches_the_accepted_lists_formula(tmp_path):
    """``hf download --local-dir`` leaves a .cache/ folder: it never changes the hash. The accepted
    list's folder hashes are recomputed here from its per-file hashes with the same formula."""
    folder = tmp_path / "clap-htsat-unfused"
    (folder / ".cache" / "huggingface").mkdir(parents=True)
    (folder / ".cache" / "huggingface" / "x.metadata").write_text("etag")
    files = {"config.json": b"{}", "vocab.json": b"[1]"}
    for f, content in files.items():
        (folder / f).write_bytes(content)

    def formula(sha_by_file):
        return hashlib.sha256("".join(f"{f}\0{sha_by_file[f]}\n" for f in sorted(sha_by_file)).encode()).hexdigest()

    assert weights.folder_sha256(folder) == formula({f: hashlib.sha256(c).hexdigest() for f, c in files.items()})
    listed = json.loads(weights.ACCEPTED_FILE.read_text())["weights"]
    for name in ("clip", "clap"):  # the pinned snapshots: exactly the allow-listed files
        assert sorted(listed[name][0]["files"]) == sorted(weights.REGISTRY[name].allow_patterns)
    for name, entries in listed.items():
        for entry in entries:
            assert len(entry["sha256"]) == 64 and "evidence" in entry, name
            if "files" in entry:
                assert entry["sha256"] == formula(entry["files"]), name
    assert weights.REGISTRY["panns"].sha256 in weights.accepted_sha256()["panns"]


def test_random_weights_are_marked_and_never_accepted(env, monkeypatch, tmp_path):
    (env / "w").mkdir()
    (env / "w" / "Wav2CLIP.pt").write_bytes(PAYLOAD)
    accepted = env / "accepted.json"
    accepted.write_text(json.dumps({"weights": {"wav2clip": [{"sha256": hashlib.sha256(PAYLOAD).hexdigest()}]}}))
    monkeypatch.setenv(weights.ACCEPTED_ENV, str(accepted))
    record = weights.resolve("wav2clip", env / "w").record()
    assert record["accepted"] is True and record["random_init"] is False
    (env / "w" / weights.RANDOM_MARKER).write_text("random")
    record = weights.resolve("wav2clip", env / "w").record()
    assert record["random_init"] is True and record["accepted"] is False
    accepted.write_text("not json")
    (env / "w" / weights.RANDOM_MARKER).unlink()
    assert weights.resolve("wav2clip", env / "w").record()["accepted"] is None
    with pytest.raises(WeightsError, match="not a readable accepted-weights list"):
        weights.accepted_sha256()
