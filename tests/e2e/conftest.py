"""Browser fixtures: the app served on loopback, Debian's chromium driven by Playwright.

Without chromium or Playwright these tests skip with a message; with TRAINING_REQUIRE_BROWSER=1
(as CI sets) they fail instead.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str):
    if os.environ.get("TRAINING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(f"browser tests skipped: {reason} (apt-get install chromium; pip install "
                "playwright)")


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser():
    executable = os.environ.get("TRAINING_CHROMIUM") or shutil.which("chromium")
    if not executable:
        _unavailable("no chromium executable found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(tmp_path):
    folder = os.environ.get("TRAINING_SCREENSHOT_DIR")
    path = tmp_path / "shots" if not folder else Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_source():
    if not AXE.exists():
        _unavailable("axe-core is not installed (npm install)")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    """Run axe-core in the page; the serious and critical WCAG 2 A/AA violations."""
    page.evaluate(axe_source)
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def answer_quiz_rightly(page, content) -> str:
    """Tick the right answer to every statement of the quiz page; returns the attempt token."""
    from ..conftest import right_answer

    token = page.locator("form.quiz").get_attribute("action").rsplit("/", 1)[-1]
    for fieldset in page.locator("fieldset.statement").all():
        name = fieldset.locator("input[value=true]").get_attribute("name")
        value = "true" if right_answer(content, token, name[2:]) else "false"
        fieldset.locator(f"input[value={value}]").check()
    return token


def sign_in(page, base, lang, number="P-001", pin="246810"):
    page.goto(f"{base}/{lang}/login")
    page.fill("#personnel_number", number)
    page.fill("#pin", pin)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/{lang}/")


def staff_sign_in(page, base, lang, username, password):
    page.goto(f"{base}/{lang}/staff/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/{lang}/")


@pytest.fixture(autouse=True)
def _collect_browser_leftovers():
    """The development server and Playwright leave temporary files to the garbage collector;
    collect them while this test's warning filters still apply."""
    yield
    import gc

    gc.collect()
