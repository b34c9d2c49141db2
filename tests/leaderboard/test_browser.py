"""End to end: serve the leaderboard on 127.0.0.1 and drive it with headless Debian chromium.

One server and one browser for the module (start-up is the slow part); each test opens a
fresh page, and tests that upload remove their files again so the folder stays as built.
"""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "leaderboard.png"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# Markdown and HTML entities in an (accepted) name must appear as typed, not rendered.
MARKUP_NAME = "delta **bold** &amp; [x](https://e.org)"
XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
WAIT_MS = 20_000

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium "
                       "(`make browser` or `apt-get install chromium`)"),
    pytest.mark.timeout(120),
    # gradio 6.31's own pandas calls warn under pandas 3; not ours to fix
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory, results_factory, write_results_file) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "results"
    write_results_file(folder, results_factory(name="alpha-gen", accuracy=35.0, clip_score=10.5), "alpha.json")
    write_results_file(folder, results_factory(name="beta-gen", accuracy=55.5, clip_score=7.25, kl=2.1), "beta.json")
    write_results_file(folder, results_factory(name=MARKUP_NAME, accuracy=30.0, clip_score=12.5), "delta.json")
    return folder


@pytest.fixture(scope="module")
def app_url(results_dir, tmp_path_factory):
    """The app served in this process on 127.0.0.1 (analytics off, no share link), closed after."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    # uploads land in a test temp dir, not /tmp/gradio (read when gradio is first imported)
    mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
    from imagehear.leaderboard.app import launch

    port = _free_port()
    demo = launch(results_dir, port=port, host="127.0.0.1", block=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()
        mp.undo()


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
    page.locator(ROWS).first.wait_for(timeout=WAIT_MS)
    yield page
    context.close()


ROWS = "#leaderboard-table [role=row].virtual-row"
# Cell texts of one column in the order the user sees them (rows are absolutely positioned).
_COLUMN_JS = """([sel, col]) => [...document.querySelectorAll(sel)]
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map(r => r.querySelector(`[role=gridcell][data-col="${col}"]`)?.innerText.trim() ?? '')"""


def column(page, index: int = 0) -> list[str]:
    """Text of one column of the leaderboard table, top to bottom."""
    return page.evaluate(_COLUMN_JS, [ROWS, index])


def wait_column(page, expected_first: str, index: int = 0) -> list[str]:
    """Wait until the column's top cell reads ``expected_first``; return the column."""
    page.wait_for_function(f"args => ({_COLUMN_JS})(args)[0] === args[2]",
                           arg=[ROWS, index, expected_first], timeout=WAIT_MS)
    return column(page, index)


def wait_rows(page, n: int) -> None:
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n", arg=[ROWS, n],
                           timeout=WAIT_MS)


def upload(page, path: Path) -> str:
    """Upload a file on the Submit tab; return the status text."""
    page.get_by_role("tab", name="Submit").click()
    status = page.locator("#submit-status textarea")
    previous = status.input_value()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.wait_for_function("([el, old]) => el.value.trim() !== '' && el.value !== old",
                           arg=[status.element_handle(), previous], timeout=WAIT_MS)
    return status.input_value()


def test_table_shows_rows_in_accuracy_order(page):
    models = column(page)
    # accuracy 55.5, reported 49.14, 35.0, 30.0, then the CS-only reported rows
    assert models[:4] == ["beta-gen", "Im2Wav", "alpha-gen", MARKUP_NAME]
    assert sorted(models[4:]) == ["CLIPSonic-IQ", "Im2Wav", "V2A-Mapper"]
    sources = column(page, 1)
    assert sources[0] == "recomputed (protocol v1)"
    assert sources[1] == "reported in Im2Wav paper (Sheffer & Adi, ICASSP 2023), not re-computed"
    assert page.locator("#leaderboard-table strong").count() == 0  # the ** name was not rendered bold
    assert "Only rows marked" in page.inner_text("body")
    assert page.outside_requests == []
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_sort_control_reorders(page):
    page.locator("#sort-by input").click()
    page.get_by_role("option", name="CS", exact=True).click()
    by_cs = wait_column(page, MARKUP_NAME)  # CS 12.5 is the best
    assert by_cs[:3] == [MARKUP_NAME, "V2A-Mapper", "CLIPSonic-IQ"]


def test_header_menu_sorts_numerically_in_the_browser(page):
    assert column(page)[0] == "beta-gen"  # default: accuracy
    cs = header_sort(page, "CS", "Sort descending")
    assert wait_column(page, MARKUP_NAME)[0] == MARKUP_NAME  # CS 12.5
    values = [float(v) for v in column(page, cs) if v]
    # numeric, not text order (as text "9.843" > "12.5")
    assert values == sorted(values, reverse=True) and len(values) == 7, values


def header_sort(page, title: str, action: str) -> int:
    """Sort the table with a column header's menu; return that column's index."""
    titles = page.locator("#leaderboard-table th").evaluate_all("hs => hs.map(h => h.title)")
    header = page.locator(f"#leaderboard-table th[title='{title}']")
    header.hover()  # the menu button shows on hover
    header.locator("button[aria-label='Open cell menu']").click()
    page.get_by_text(action, exact=True).click()
    return titles.index(title)


def test_search_and_hide_reported(page):
    page.get_by_label("Search models").fill("im2")
    wait_rows(page, 2)
    assert column(page) == ["Im2Wav", "Im2Wav"]
    page.get_by_label("Search models").fill("")
    page.get_by_label("Show numbers reported in papers").uncheck()
    wait_rows(page, 3)
    assert set(column(page, 1)) == {"recomputed (protocol v1)"}


def test_bad_uploads_are_refused_and_markup_is_inert(page, tmp_path, results_dir, results_factory):
    before = sorted(p.name for p in results_dir.rglob("*.json"))
    bad = results_factory(name="bad-gen")
    bad["protocol"] = "v0"
    bad["metrics"]["accuracy"]["value"] = 140.0
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    status = upload(page, tmp_path / "bad.json")
    assert status.startswith("Refused bad.json: 2 problems")
    assert "protocol: must be 'v1'" in status and "metrics.accuracy.value: 140.0 is outside 0…100" in status

    (tmp_path / "xss.json").write_text(json.dumps(results_factory(name=XSS_NAME)))
    status = upload(page, tmp_path / "xss.json")
    assert "model.name: must not contain '<', '>'" in status
    assert "<img src=x" in status  # shown literally in the refusal ...
    assert page.evaluate("window.__xss") is None  # ... and never executed
    assert page.locator("img[src='x']").count() == 0
    assert sorted(p.name for p in results_dir.rglob("*.json")) == before  # nothing stored


def test_good_upload_adds_a_row(page, tmp_path, results_dir, results_factory):
    (tmp_path / "good.json").write_text(json.dumps(results_factory(name="omega-gen", accuracy=61.0)))
    try:
        status = upload(page, tmp_path / "good.json")
        assert status.startswith("Accepted good.json: omega-gen saved as omega-gen-2026-12-01-"), status
        page.get_by_role("tab", name="Leaderboard").click()
        assert wait_column(page, "omega-gen")[1] == "beta-gen"
    finally:
        for path in results_dir.glob("omega-gen-*.json"):
            path.unlink()


def test_model_panel_shows_per_class_charts_and_config(page):
    page.get_by_role("tab", name="Model details").click()
    page.locator("#model-choice input").click()
    page.get_by_role("option", name="beta-gen (beta.json)").click()
    summary = page.locator("#model-summary textarea")
    page.wait_for_function("el => el.value.startsWith('beta-gen: protocol v1')", arg=summary.element_handle(),
                           timeout=WAIT_MS)
    for plot in ("#per-class-accuracy", "#per-class-cs"):
        page.locator(f"{plot} canvas, {plot} svg.marks").first.wait_for(timeout=WAIT_MS)
    assert '"passt": 32000' in page.inner_text("body")
