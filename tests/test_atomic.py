"""atomic_write: a failed write leaves the old file and no temp file; new files get the umask's
permissions (mkstemp's 0600 locked colleagues out of a shared cache)."""
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
