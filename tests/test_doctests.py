"""`make test` runs the library's doctests too, each with the private cache of the test session.

A plain ``pytest`` (what `make test` runs) collects pyproject's ``testpaths``; this runs it
with tests/ ignored, so exactly the doctests of imagehear/ run, and a probe plugin records
what each doctest saw in IMAGEHEAR_CACHE. HOME and XDG_CACHE_HOME point into a temp folder:
nothing may appear in their imagehear cache.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent('''
    import json, os

    SEEN = {}

    def pytest_collection_modifyitems(config, items):  # a guard: never the tests (this test among them)
        items[:] = [item for item in items if item.nodeid.startswith("imagehear/")]

    def pytest_runtest_call(item):
        SEEN[item.nodeid] = os.environ.get("IMAGEHEAR_CACHE")

    def pytest_sessionfinish(session):
        with open(os.environ["DOCTEST_PROBE_OUT"], "w") as fh:
            json.dump(SEEN, fh)
''')


def test_library_doctests_are_collected_and_use_a_private_cache(tmp_path):
    (tmp_path / "doctest_probe.py").write_text(PROBE)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "IMAGEHEAR_CACHE"}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), DOCTEST_PROBE_OUT=str(tmp_path / "seen.json"),
               PYTHONPATH=os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               MPLCONFIGDIR=str(tmp_path / "mpl"), HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "doctest_probe",
                           # testpaths themselves are never ignored, their children are
                           "--ignore-glob", str(REPO / "tests" / "*"), "--basetemp", str(tmp_path / "base")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    seen = json.loads((tmp_path / "seen.json").read_text())
    doctests = [node for node in seen if node.startswith("imagehear/")]
    assert len(doctests) == len(seen) >= 50, sorted(seen)
    for expected in ("imagehear/embed/engine.py::imagehear.embed.engine.length_batches", "imagehear/models/clip.py::"
                     "imagehear.models.clip", "imagehear/scores/frechet.py::imagehear.scores.frechet.frechet_distance"):
        assert expected in seen
    # every doctest ran with IMAGEHEAR_CACHE in the session's temp folder, never the user's cache
    assert all(value and Path(value).is_relative_to(tmp_path / "base") for value in seen.values()), seen
    assert not (home / ".cache" / "imagehear").exists()
