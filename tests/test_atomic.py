"""atomic_write: a failed write leaves the old file and no temp file; new files get the umask's
permissions (mkstemp's 0600 locked colleagues out of a shared cache), results files too; a cache
entry we cannot open is never deleted."""
import os

import pytest

from imagehear.io.atomic import atomic_write


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as fh:
            fh.write("half")
            raise RuntimeError("killed")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        with atomic_write(tmp_path / "shared.npz", "wb") as fh:
            fh.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "shared.npz").stat().st_mode & 0o777 == 0o664


def test_results_files_follow_the_umask(tmp_path):
    from imagehear.report.outputs import write_json_atomic

    old = os.umask(0o002)
    try:
        write_json_atomic({"metrics": {}}, tmp_path / "results.json")
    finally:
        os.umask(old)
    assert (tmp_path / "results.json").stat().st_mode & 0o777 == 0o664


def test_a_cache_entry_that_cannot_be_opened_is_kept(tmp_path, monkeypatch):
    """A colleague's entry we may not read (PermissionError) is recomputed, never deleted."""
    import numpy as np

    from imagehear.embed.engine import EmbeddingCache

    cache = EmbeddingCache(tmp_path, {"backbone": "demo"})
    cache.put("ab" * 32, {"embedding": np.ones(3, dtype="float32")})

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(np, "load", denied)  # what open() says for a 0600 file of another user (we run as root)
    assert cache.get("ab" * 32) is None
    monkeypatch.undo()
    assert cache.get("ab" * 32)["embedding"].tolist() == [1.0, 1.0, 1.0]


def test_a_cache_that_cannot_store_warns_once_and_the_run_goes_on(tmp_path):
    """An entry we cannot write (here its path is taken by a folder; in a shared cache, a colleague's
    subfolder we may not write) costs the caching, with one warning naming the cache, not the run."""
    import numpy as np

    from imagehear.embed.engine import CacheWarning, EmbeddingCache

    cache = EmbeddingCache(tmp_path, {"backbone": "demo"})
    for h in ("ab" * 32, "cd" * 32):
        (cache._path(h) / "taken").mkdir(parents=True)
    with pytest.warns(CacheWarning) as caught:
        cache.put("ab" * 32, {"embedding": np.ones(3, dtype="float32")})
        cache.put("cd" * 32, {"embedding": np.ones(3, dtype="float32")})
    assert len(caught) == 1 and str(cache.folder) in str(caught[0].message) and "--cache-dir" in str(caught[0].message)
    assert cache.get("ab" * 32) is None  # nothing stored, nothing half-written
    cache.put("ef" * 32, {"embedding": np.zeros(2, dtype="float32")})  # a writable entry is still stored
    assert cache.get("ef" * 32)["embedding"].tolist() == [0.0, 0.0]
