"""Embedding engine: order, length batching, cache hits without a forward pass, corrupt
entries, resume after a killed run. The backbone is a small stand-in with the backbone
surface (imagehear/models/__init__.py) that counts its forward calls."""
import numpy as np
import pytest
import soundfile as sf
import torch

from imagehear.embed.engine import AudioItem, EmbeddingCache, as_items, extract
from imagehear.errors import AudioError
from imagehear.models.weights import REGISTRY, ResolvedWeights

RATE = 16000


class CountingBackbone:
    name = "counting"
    sample_rate = RATE
    device = "cpu"

    def __init__(self, sha="a" * 64, fail_after=None):
        self.weights = ResolvedWeights(REGISTRY["wav2clip"], None, sha, "weights_dir")
        self.calls = 0
        self.batch_sizes = []
        self.fail_after = fail_after

    def config(self):
        return {"features": "mean, std, energy"}

    def __call__(self, batch):
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt  # the run is killed here
        self.calls += 1
        self.batch_sizes.append(batch.shape[0])
        feats = torch.stack([batch.mean(1), batch.std(1), (batch ** 2).sum(1)], dim=1)
        return {"embedding": feats, "frames": feats[:, None, :].repeat(1, 2, 1)}


@pytest.fixture
def clips(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i, seconds in enumerate([1.0, 2.0, 1.0, 1.5, 2.0, 1.0, 0.5]):
        path = tmp_path / f"clip{i}.wav"
        rate = 22050 if i == 3 else RATE  # one clip needs resampling
        sf.write(path, (0.1 * rng.standard_normal(int(seconds * rate))).astype("float32"), rate)
        paths.append(path)
    return paths


def test_batched_equals_one_at_a_time_in_input_order(clips, tmp_path):
    model = CountingBackbone()
    batched = extract(model, as_items(clips), cache_dir=False, batch_size=4, progress=False)
    assert all(size <= 4 for size in model.batch_sizes) and model.calls < len(clips)
    for path, out in zip(clips, batched):
        single = extract(CountingBackbone(), as_items([path]), cache_dir=False, progress=False)[0]
        np.testing.assert_allclose(out["embedding"], single["embedding"], rtol=1e-6)
        assert out["frames"].shape == (2, 3)


def test_cache_hit_is_bit_identical_and_runs_no_model(clips, tmp_path):
    first = extract(CountingBackbone(), as_items(clips), cache_dir=tmp_path / "c", progress=False)
    model = CountingBackbone()
    second = extract(model, as_items(clips), cache_dir=tmp_path / "c", progress=False)
    assert model.calls == 0
    for a, b in zip(first, second):
        assert a["embedding"].tobytes() == b["embedding"].tobytes()
    other = CountingBackbone(sha="b" * 64)  # different weights: a different cache key
    extract(other, as_items(clips), cache_dir=tmp_path / "c", progress=False)
    assert other.calls > 0


def test_same_content_computed_once(clips, tmp_path):
    copy = tmp_path / "copy.wav"
    copy.write_bytes(clips[0].read_bytes())
    model = CountingBackbone()
    out = extract(model, as_items([clips[0], copy]), cache_dir=False, batch_size=1, progress=False)
    assert model.calls == 1 and out[0]["embedding"].tobytes() == out[1]["embedding"].tobytes()


def test_corrupt_entry_is_recomputed(clips, tmp_path):
    extract(CountingBackbone(), as_items(clips), cache_dir=tmp_path / "c", progress=False)
    entries = sorted((tmp_path / "c").rglob("*.npz"))
    entries[0].write_bytes(entries[0].read_bytes()[:40])
    model = CountingBackbone()
    again = extract(model, as_items(clips), cache_dir=tmp_path / "c", progress=False)
    assert model.batch_sizes == [1]
    fresh = extract(CountingBackbone(), as_items(clips), cache_dir=False, progress=False)
    for a, b in zip(again, fresh):
        np.testing.assert_array_equal(a["embedding"], b["embedding"])


def test_killed_run_resumes(clips, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        extract(CountingBackbone(fail_after=2), as_items(clips), cache_dir=tmp_path / "c", batch_size=2,
                progress=False)
    done = len(list((tmp_path / "c").rglob("*.npz")))
    assert 0 < done < len(clips)
    assert not list((tmp_path / "c").rglob("*.part"))
    model = CountingBackbone()
    extract(model, as_items(clips), cache_dir=tmp_path / "c", batch_size=2, progress=False)
    assert sum(model.batch_sizes) == len(clips) - done


def test_arrays_and_paths_agree(clips):
    data, rate = sf.read(clips[0], dtype="float32")
    from_array = extract(CountingBackbone(), as_items([data], sampling_rate=rate), cache_dir=False, progress=False)
    from_path = extract(CountingBackbone(), as_items([clips[0]]), cache_dir=False, progress=False)
    np.testing.assert_array_equal(from_array[0]["embedding"], from_path[0]["embedding"])
    with pytest.raises(ValueError, match="sampling_rate"):
        as_items([data])


def test_bad_clip_names_the_file(clips, tmp_path):
    bad = tmp_path / "bad.wav"
    sf.write(bad, np.array([0.0, np.nan] * 100, dtype="float32"), RATE, subtype="FLOAT")
    with pytest.raises(AudioError, match="bad.wav"):
        extract(CountingBackbone(), as_items(clips + [bad]), cache_dir=False, progress=False)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"junk")
    with pytest.raises(AudioError, match="junk.wav: unreadable"):
        extract(CountingBackbone(), as_items([junk]), cache_dir=False, progress=False)


def test_cache_key_is_recorded(tmp_path):
    cache = EmbeddingCache(tmp_path, {"backbone": "x", "config": {"a": 1}})
    cache.put("cd" * 32, {"e": np.zeros(2, dtype="float32")})
    assert '"a": 1' in (cache.folder / "key.json").read_text()
    assert EmbeddingCache(tmp_path, {"backbone": "x", "config": {"a": 2}}).get("cd" * 32) is None
    assert AudioItem("x", array=np.zeros(3), sampling_rate=8000).length_at(16000) == 6


def test_sharded_ranks_plan_the_same_batches_when_one_scans_slowly(clips, tmp_path, monkeypatch):
    """Two ranks (threads, a real barrier) share a half-warm cache; rank 1 scans it slowly.

    Rank 0 must not write before rank 1 has scanned: otherwise rank 1 sees rank 0's new
    entries, plans other batches, and clips are computed twice or never."""
    import threading

    from imagehear.embed.distributed import Shard

    cache_dir = tmp_path / "c"
    extract(CountingBackbone(), as_items(clips[:2]), cache_dir=cache_dir, progress=False)  # half-warm cache
    rank0_wrote = threading.Event()
    computed = {0: [], 1: []}
    real_get, real_put = EmbeddingCache.get, EmbeddingCache.put

    def rank():
        return int(threading.current_thread().name[-1])

    def slow_get(self, content_hash):
        if rank() == 1:  # the slow scan: waits (bounded) until rank 0 has written something
            rank0_wrote.wait(timeout=3)
        return real_get(self, content_hash)

    def recording_put(self, content_hash, outputs):
        computed[rank()].append(content_hash)
        real_put(self, content_hash, outputs)
        if rank() == 0:
            rank0_wrote.set()

    monkeypatch.setattr(EmbeddingCache, "get", slow_get)
    monkeypatch.setattr(EmbeddingCache, "put", recording_put)
    barrier = threading.Barrier(2, timeout=60)
    results, errors = {}, []

    def run(r):
        try:
            results[r] = extract(CountingBackbone(), as_items(clips), cache_dir=cache_dir, batch_size=2,
                                 progress=False, shard=Shard(r, 2, barrier.wait))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(r,), name=f"rank{r}") for r in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    # disjoint shares that together cover every cold clip exactly once
    cold = [item.content_hash() for item in as_items(clips[2:])]
    assert computed[0] and computed[1] and not set(computed[0]) & set(computed[1])
    assert sorted(computed[0] + computed[1]) == sorted(cold)
    # the shares are those of the single-process batching of the cold clips (rank r: batches r::2)
    from imagehear.embed.engine import length_batches

    lengths = [item.length_at(RATE) for item in as_items(clips[2:])]
    plan = length_batches(lengths, 2)
    for r in (0, 1):
        assert computed[r] == [cold[i] for batch in plan[r::2] for i in batch]
    fresh = extract(CountingBackbone(), as_items(clips), cache_dir=False, progress=False)
    for r in (0, 1):
        for a, b in zip(results[r], fresh):
            np.testing.assert_array_equal(a["embedding"], b["embedding"])


def test_backbones_sharing_a_rate_decode_each_clip_once(clips, tmp_path, monkeypatch):
    """Three 16 kHz backbones and one at 32 kHz: each clip is decoded once per rate, hashed once,
    and each backbone sees only its subset; outputs equal one backbone at a time."""
    from imagehear.io.clips import AudioItem as Item
    from imagehear.embed.engine import extract_many

    loads, hashes = [], []
    real_load, real_hash = Item.load, Item._hash
    monkeypatch.setattr(Item, "load", lambda self, rate: loads.append((self.name, rate)) or real_load(self, rate))
    monkeypatch.setattr(Item, "_hash", lambda self: hashes.append(self.name) or real_hash(self))
    models = [CountingBackbone(sha=c * 64) for c in "abc"]
    for i, m in enumerate(models):
        m.name = f"counting{i}"
    fast = CountingBackbone(sha="d" * 64)
    fast.name, fast.sample_rate = "counting32k", 2 * RATE
    items = as_items(clips)
    out = extract_many(models + [fast], items, subsets={"counting2": [0, 3]}, cache_dir=str(tmp_path / "c"),
                       batch_size=2, progress=False)
    names = [item.name for item in items]
    assert sorted(loads) == sorted([(n, RATE) for n in names] + [(n, 2 * RATE) for n in names])
    assert sorted(hashes) == sorted(names)
    assert len(out["counting2"]) == 2 and sum(models[2].batch_sizes) == 2
    alone = extract(CountingBackbone(), items, cache_dir=False, progress=False)
    for key in ("counting0", "counting1"):
        for a, b in zip(out[key], alone):
            np.testing.assert_allclose(a["embedding"], b["embedding"], rtol=1e-6)
    loads.clear()
    calls = [m.calls for m in models + [fast]]
    again = extract_many(models + [fast], as_items(clips), cache_dir=str(tmp_path / "c"), progress=False)
    # only counting2 misses entries (clips outside its first subset): only those clips are decoded
    assert sorted(loads) == sorted((n, RATE) for i, n in enumerate(names) if i not in (0, 3))
    assert [m.calls for m in models + [fast]][:2] + [fast.calls] == calls[:2] + [calls[3]]
    np.testing.assert_array_equal(again["counting0"][1]["embedding"], out["counting0"][1]["embedding"])


def test_images_and_prompts_run_under_the_recorded_precision(tmp_path):
    """extract_keyed keys its cache by the precision, so it must compute in it (bf16 CLIP images
    and CLAP prompts once ran in fp32 while the results said bf16)."""
    from imagehear.embed.engine import extract_keyed

    seen = []

    def compute(items):
        product = torch.ones(len(items), 4) @ torch.ones(4, 3)  # autocast runs matmuls in its dtype
        seen.append(product.dtype)
        return product

    backbone = CountingBackbone()
    extract_keyed(backbone, {"ab" * 32: "x"}, compute, cache_dir=False, precision="bf16")
    extract_keyed(backbone, {"cd" * 32: "y"}, compute, cache_dir=False, precision="fp32")
    assert seen == [torch.bfloat16, torch.float32]
    with pytest.raises(ValueError, match="precision must be one of"):
        extract_keyed(backbone, {"ef" * 32: "z"}, compute, cache_dir=False, precision="int8")


def test_cache_scan_is_announced_and_one_overall_bar_counts_clip_x_backbone(clips, tmp_path, capsys):
    """7 clips, two 16 kHz backbones and one at 32 kHz; one backbone's cache is warm: the line before any
    work says 14 of 21 are left, and the overall bar (with an ETA) ends at 14/14."""
    from imagehear.embed.engine import extract_many

    models = [CountingBackbone(sha=c * 64) for c in "abc"]
    for i, m in enumerate(models):
        m.name = f"counting{i}"
    models[2].sample_rate = 2 * RATE
    items = as_items(clips)
    extract(models[0], items, cache_dir=tmp_path / "c", progress=False)  # warm for counting0
    capsys.readouterr()
    extract_many(models, items, cache_dir=tmp_path / "c", batch_size=2, progress=True)
    err = capsys.readouterr().err
    first = err.lstrip("\r").splitlines()[0]
    assert first == ("embeddings to compute: 14 of 21 clip x backbone (counting0 0 of 7, counting1 7 of 7, "
                     "counting2 7 of 7); the other 7 are in the cache")
    final = [part for part in err.replace("\n", "\r").split("\r") if part.startswith("embeddings (clip x backbone)")]
    assert final and "14/14" in final[-1] and "<00:00" in final[-1]  # tqdm's elapsed<remaining: the ETA
    extract_many(models, items, cache_dir=tmp_path / "c", progress=True)  # all warm: one line, no bar
    err = capsys.readouterr().err
    assert err.strip() == ("embeddings to compute: 0 of 21 clip x backbone (counting0 0 of 7, counting1 0 of 7, "
                           "counting2 0 of 7); all in the cache")
