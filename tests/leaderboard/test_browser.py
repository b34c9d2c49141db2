"""End to end: serve the leaderboard on 127.0.0.1 and drive it with headless Debian chromium.

One server and one browser for the module (start-up is the slow part); each test opens a
fresh page, and tests that upload remove their files again so the folder stays as built.
Nothing is written into the repository: screenshots go to a temp folder, unless
``IMAGEHEAR_SCREENSHOT=PATH`` asks for one there (scripts/leaderboard_screenshot.py makes
the docs' picture on purpose).
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from imagehear.leaderboard.hub_board import HubRows
from imagehear.leaderboard.table import rounded
from imagehear.leaderboard.views import Leaderboard
from tests.hub_standin import HubStandIn, entry

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Markdown and HTML entities in an (accepted) name must appear as typed, not rendered.
MARKUP_NAME = "delta **bold** &amp; [x](https://e.org)"
XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
WAIT_MS = 20_000
RANKED = "#ranked-table [role=row].virtual-row"
UNRANKED = "#unranked-table [role=row].virtual-row"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium "
                       "(`make browser` or `apt-get install chromium`)"),
    pytest.mark.timeout(180),
    # gradio 6.31's own pandas calls warn under pandas 3; not ours to fix
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tracked_state() -> dict:
    """(mtime, size) of the repository files the app or this test could write: pictures under
    docs/ (the old test overwrote docs/leaderboard.png) and the Space folder."""
    files = [*(REPO / "docs").rglob("*.png"), *(p for p in (REPO / "space").rglob("*") if p.is_file())]
    return {str(p.relative_to(REPO)): (p.stat().st_mtime_ns, p.stat().st_size) for p in files}


@pytest.fixture(scope="module")
def hub_url(results_factory):
    """A stand-in of the Hub's API (tests/hub_standin.py) whose IMAGE HEAR leaderboard holds one entry
    that joins alpha.json (same value) and one that beta.json demotes (another value)."""
    hub = HubStandIn()
    url = hub.start()
    alpha = results_factory(name="alpha-gen", accuracy=35.0, clip_score=10.5)["metrics"]["clip_score"]["value"]
    source = f"{url}/datasets/imagehear/results/blob/main/"
    hub.leaderboard = [entry("lab/alpha-gen", rounded(alpha, 3), source + "alpha.json"),
                       entry("lab/beta-gen", 9.8, source + "beta.json", rank=2)]
    yield url
    hub.stop()


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory, results_factory, write_results_file) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "results"
    write_results_file(folder, results_factory(name="alpha-gen", accuracy=35.0, clip_score=10.5), "alpha.json")
    write_results_file(folder, results_factory(name="beta-gen", accuracy=55.5, clip_score=7.25, kl=2.1), "beta.json")
    write_results_file(folder, results_factory(name=MARKUP_NAME, accuracy=30.0, clip_score=12.5), "delta.json")
    write_results_file(folder, results_factory(name="gamma-gen", accuracy=42.0, complete=False, n_samples=1800),
                       "gamma.json")
    return folder


def _serve_staged_space(results_dir, tmp_path_factory, accepted, hub_url):
    """``python app.py`` of a staged leaderboard Space, in its own venv (tests/release sets
    IMAGEHEAR_SPACE_DIR and IMAGEHEAR_SPACE_PYTHON), as the Space runs it; yields its URL."""
    import subprocess
    import time
    import urllib.request

    listed = tmp_path_factory.mktemp("accepted") / "accepted_weights.json"
    listed.write_text(json.dumps({"weights": {n: [{"sha256": s} for s in sorted(v)] for n, v in accepted.items()}}))
    port = _free_port()
    env = {**os.environ, "IMAGEHEAR_RESULTS_DIR": str(results_dir), "PORT": str(port),
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False",
           "IMAGEHEAR_ACCEPTED_WEIGHTS": str(listed), "GRADIO_TEMP_DIR": str(tmp_path_factory.mktemp("gradio")),
           "HF_ENDPOINT": hub_url, "IMAGEHEAR_BENCHMARK_REPO": "imagehear/image_hear"}
    env.pop("IMAGEHEAR_RESULTS_REPO", None)
    space = Path(os.environ["IMAGEHEAR_SPACE_DIR"])
    log = open(tmp_path_factory.mktemp("space_log") / "app.log", "w")
    proc = subprocess.Popen([os.environ["IMAGEHEAR_SPACE_PYTHON"], "app.py"], cwd=space, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 120
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the staged Space did not serve; see {log.name}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def app_url(results_dir, tmp_path_factory, accepted, hub_url):
    """The app served in this process on 127.0.0.1 (analytics off, no share link), closed after;
    or a staged Space in its own venv when IMAGEHEAR_SPACE_DIR is set (tests/release)."""
    before = _tracked_state()
    if os.environ.get("IMAGEHEAR_SPACE_DIR"):
        yield from _serve_staged_space(results_dir, tmp_path_factory, accepted, hub_url)
        assert _tracked_state() == before, "the browser test wrote into tracked files"
        return
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    # uploads land in a test temp dir, not /tmp/gradio (read when gradio is first imported)
    mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
    mp.setenv("HF_ENDPOINT", hub_url)  # the board's Hub rows come from the stand-in
    from imagehear.leaderboard.app import launch

    port = _free_port()
    demo = launch(results_dir, port=port, host="127.0.0.1", block=False,
                  board=Leaderboard(results_dir, accepted, hub=HubRows()))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()
        mp.undo()
    assert _tracked_state() == before, "the browser test wrote into tracked files"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # Debian's chromium: playwright never downloads a browser here.
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh page on the app; any request leaving 127.0.0.1 is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.outside_requests = []

    def guard(route):
        if route.request.url.startswith(app_url):
            route.continue_()
        else:
            page.outside_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(app_url)
    page.locator(RANKED).first.wait_for(timeout=WAIT_MS)
    yield page
    context.close()


# Cell texts of one column in the order the user sees them (rows are absolutely positioned).
_COLUMN_JS = """([sel, col]) => [...document.querySelectorAll(sel)]
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map(r => r.querySelector(`[role=gridcell][data-col="${col}"]`)?.innerText.trim() ?? '')"""


def column(page, index: int = 0, rows: str = RANKED) -> list[str]:
    """Text of one column of a table, top to bottom."""
    return page.evaluate(_COLUMN_JS, [rows, index])


def header_index(page, title: str, table: str = "#ranked-table") -> int:
    return page.locator(f"{table} th").evaluate_all("hs => hs.map(h => h.title)").index(title)


def wait_column(page, expected_first: str, index: int = 0, rows: str = RANKED) -> list[str]:
    """Wait until the column's top cell reads ``expected_first``; return the column."""
    page.wait_for_function(f"args => ({_COLUMN_JS})(args)[0] === args[2]",
                           arg=[rows, index, expected_first], timeout=WAIT_MS)
    return column(page, index, rows)


def wait_contains(page, text: str, index: int = 1, rows: str = RANKED) -> list[str]:
    page.wait_for_function(f"args => ({_COLUMN_JS})(args).includes(args[2])", arg=[rows, index, text],
                           timeout=WAIT_MS)
    return column(page, index, rows)


def upload(page, path: Path) -> str:
    """Upload a file on the Submit tab; return the status text."""
    page.get_by_role("tab", name="Submit").click()
    status = page.locator("#submit-status textarea")
    previous = status.input_value()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.wait_for_function("([el, old]) => el.value.trim() !== '' && el.value !== old",
                           arg=[status.element_handle(), previous], timeout=WAIT_MS)
    return status.input_value()


def test_ranking_and_unranked_table(page, tmp_path):
    assert column(page, 1) == ["beta-gen", "alpha-gen", MARKUP_NAME]  # accuracy 55.5, 35.0, 30.0
    assert column(page, 0) == ["1", "2", "3"]  # rank groups: the paired test separates them
    unranked = column(page, 0, UNRANKED)
    why = dict(zip(unranked, column(page, 1, UNRANKED)))
    assert why["gamma-gen"] == "incomplete: 1800 of 3600 planned clips"  # 42.0 would rank 2nd: it is not ranked
    assert "gamma-gen" not in column(page, 1)
    assert {"Im2Wav", "CLIPSonic-IQ", "V2A-Mapper"} <= set(unranked)
    assert page.locator("#ranked-table strong, #unranked-table strong").count() == 0  # ** not rendered bold
    body = page.inner_text("body")
    assert "The ranking holds only results that are comparable" in body
    assert "Rank groups by accuracy" in page.locator("#ranking-note textarea").input_value()
    assert page.outside_requests == []
    shot = Path(os.environ.get("IMAGEHEAR_SCREENSHOT") or tmp_path / "leaderboard.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_sort_control_reorders(page):
    page.locator("#sort-by input").click()
    page.get_by_role("option", name="CS", exact=True).click()
    assert wait_column(page, MARKUP_NAME, 1) == [MARKUP_NAME, "alpha-gen", "beta-gen"]  # CS 12.5, 10.5, 7.25
    cs = header_index(page, "CS", "#unranked-table")
    values = [float(v) for v in column(page, cs, UNRANKED) if v]
    assert values == sorted(values, reverse=True) and values[0] == 11.95  # numeric, not text order


def test_search_and_hide_reported(page):
    page.get_by_label("Search models").fill("im2")
    page.wait_for_function("sel => document.querySelectorAll(sel).length === 2", arg=UNRANKED, timeout=WAIT_MS)
    assert column(page, 0, UNRANKED) == ["Im2Wav", "Im2Wav"]
    page.get_by_label("Search models").fill("")
    page.get_by_label("Show numbers reported in papers").uncheck()
    # wait for the content, not a row count: the search's two rows already number 2 before the
    # cleared search and the unchecked box reach the table (a race seen under load)
    page.wait_for_function(f"args => document.querySelectorAll(args[0]).length === 2 && ({_COLUMN_JS})(args)[0] === "
                           "'gamma-gen'", arg=[UNRANKED, 0], timeout=WAIT_MS)
    assert column(page, 0, UNRANKED) == ["gamma-gen", "lab/beta-gen"]  # the Hub's demoted entry stays


def test_hub_entries_joined_with_their_file_or_demoted_with_the_reason(page, tmp_path):
    """The Hub's leaderboard (stand-in): lab/alpha-gen's entry is alpha.json's value, so alpha's ranked
    row links the model repo; lab/beta-gen's differs from beta.json, so it is unranked, with why."""
    repo = header_index(page, "model repo")
    links = dict(zip(column(page, 1), column(page, repo)))
    assert links == {"beta-gen": "", "alpha-gen": "https://huggingface.co/lab/alpha-gen", MARKUP_NAME: ""}
    why = dict(zip(column(page, 0, UNRANKED), column(page, 1, UNRANKED)))
    assert why["lab/beta-gen"] == "Hub entry: value differs from the file: 9.8 vs 7.25"
    assert "lab/alpha-gen" not in why
    note = page.locator("#ranking-note textarea").input_value()
    assert "Hub leaderboard of imagehear/image_hear: 2 entries, 1 joined" in note
    shot = Path(os.environ.get("IMAGEHEAR_HUB_SCREENSHOT") or tmp_path / "hub_rows.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_refused_upload_shows_every_reason_and_markup_is_inert(page, tmp_path, results_dir, results_factory):
    before = sorted(p.name for p in results_dir.rglob("*.json"))
    bad = results_factory(name="bad-gen")
    bad["protocol"] = "v0"
    bad["metrics"]["accuracy"]["value"] = 140.0
    bad["metrics"]["clip_score"]["value"] = 9.0  # a hand edit the per-sample values contradict
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    status = upload(page, tmp_path / "bad.json")
    assert status.startswith("Refused bad.json: 4 problems")
    assert "protocol: must be 'v1'" in status and "metrics.accuracy.value: 140.0 is outside 0…100" in status
    assert "metrics.clip_score.ci95: must satisfy lo <= value <= hi" in status
    assert "metrics.clip_score.value: 9.0 does not follow from the per-sample values" in status

    (tmp_path / "xss.json").write_text(json.dumps(results_factory(name=XSS_NAME)))
    status = upload(page, tmp_path / "xss.json")
    assert "model.name: must not contain '<', '>'" in status
    assert "<img src=x" in status  # shown literally in the refusal ...
    assert page.evaluate("window.__xss") is None  # ... and never executed
    assert page.locator("img[src='x']").count() == 0
    assert sorted(p.name for p in results_dir.rglob("*.json")) == before  # nothing stored


def test_comparable_upload_is_ranked_and_partial_one_is_not(page, tmp_path, results_dir, results_factory):
    (tmp_path / "good.json").write_text(json.dumps(results_factory(name="omega-gen", accuracy=61.0)))
    (tmp_path / "part.json").write_text(json.dumps(results_factory(name="part-gen", accuracy=70.0, complete=False,
                                                                   n_samples=120)))
    try:
        status = upload(page, tmp_path / "good.json")
        assert status.startswith("Accepted good.json: omega-gen saved as omega-gen-2026-12-01-"), status
        assert status.endswith(", ranked.")
        status = upload(page, tmp_path / "part.json")
        assert status.endswith(", in the unranked table: incomplete: 120 of 3600 planned clips."), status
        page.get_by_role("tab", name="Leaderboard").click()
        assert wait_column(page, "omega-gen", 1)[:2] == ["omega-gen", "beta-gen"]  # 61.0 tops the ranking
        assert "part-gen" not in column(page, 1)  # 70.0, but 120 clips: unranked
        assert wait_column(page, "part-gen", 0, UNRANKED)[0] == "part-gen"
    finally:
        for path in [*results_dir.glob("omega-gen-*.json"), *results_dir.glob("part-gen-*.json")]:
            path.unlink()


def test_model_panel_shows_per_class_charts_and_config(page):
    page.get_by_role("tab", name="Model details").click()
    page.locator("#model-choice input").click()
    page.get_by_role("option", name="beta-gen (beta.json)").click()
    summary = page.locator("#model-summary textarea")
    page.wait_for_function("el => el.value.startsWith('beta-gen: protocol v1')", arg=summary.element_handle(),
                           timeout=WAIT_MS)
    assert summary.input_value().endswith("; ranked")
    for plot in ("#per-class-accuracy", "#per-class-cs"):
        page.locator(f"{plot} canvas, {plot} svg.marks").first.wait_for(timeout=WAIT_MS)
    assert '"passt": 32000' in page.inner_text("body")
