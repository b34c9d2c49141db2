"""A warm cache needs no network: the lazy backbone builds nothing when every clip is cached."""
import numpy as np
import soundfile as sf

from imagehear.embed.lazy import lazy_backbone
from imagehear.embed.engine import as_items, extract


def test_warm_cache_builds_no_model(weights_dir, tmp_path):
    clip = tmp_path / "a.wav"
    sf.write(clip, (0.1 * np.sin(np.arange(32000) / 9)).astype("float32"), 16000)
    cold = lazy_backbone("wav2clip", weights_dir, "cpu", tmp_path / "cache")
    first = extract(cold, as_items([clip]), cache_dir=tmp_path / "cache", progress=False)
    assert cold._model is not None
    warm = lazy_backbone("wav2clip", weights_dir, "cpu", tmp_path / "cache")
    second = extract(warm, as_items([clip]), cache_dir=tmp_path / "cache", progress=False)
    assert warm._model is None  # config() came from the remembered file, the clip from the cache
    assert warm.config() == cold.model.config()
    assert first[0]["embedding"].tobytes() == second[0]["embedding"].tobytes()
    other = lazy_backbone("passt", weights_dir, "cpu", tmp_path / "cache", pad_to_10s=True)
    assert other.sample_rate == 32000 and other.config()["input_length"]["pad_to_10s"] is True
