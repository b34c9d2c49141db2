"""Weights resolution: weights dir, cache, download over real HTTP on 127.0.0.1, offline errors."""
import dataclasses
import hashlib

import pytest

from imagehear import weights
from imagehear.errors import WeightsError

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
    with pytest.raises(WeightsError) as info:
        weights.resolve("passt", env / "empty")
    message = str(info.value)
    assert "\n" not in message
    assert "passt-s-f128-p16-s10-ap.476-swa.pt" in message and weights.REGISTRY["passt"].source in message
    assert "IMAGEHEAR_OFFLINE" in message


def test_offline_missing_hf_model_names_the_folder(env, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(env / "hf"))
    with pytest.raises(WeightsError, match="clip-vit-base-patch32.*huggingface.co/openai/clip-vit-base-patch32"):
        weights.resolve("clip", env / "empty")


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
