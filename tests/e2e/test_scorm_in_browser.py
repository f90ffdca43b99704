"""The SCORM package in headless Chromium: a host page plays the learning system (window.API that
records every call) and runs the SCO in an iframe, both served from loopback."""

import io
import json
import re
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from training_app.interop.scorm import build_package
from training_app.learn.services import pass_mark

from ..conftest import ROOT
from .conftest import serious_violations, staff_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

HOST_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test learning system</title></head>
<body><main><h1>Test learning system</h1>
<iframe id="sco" title="Course" style="inline-size:100%;block-size:90vh;border:0"></iframe>
</main><script src="host.js"></script></body></html>
"""

# A SCORM 1.2 API that keeps cmi.* values and records every call with its result.
HOST_JS = """
window.calls = [];
window.cmi = {};
window.refuseSetValue = false;
var lastError = "0";
function record(name, args, result, error) {
  lastError = error || "0";
  window.calls.push({name: name, args: Array.prototype.slice.call(args), result: result});
  return result;
}
window.API = {
  LMSInitialize: function () { return record("LMSInitialize", arguments, "true"); },
  LMSFinish: function () { return record("LMSFinish", arguments, "true"); },
  LMSGetValue: function (name) {
    var has = Object.prototype.hasOwnProperty.call(window.cmi, name);
    return record("LMSGetValue", arguments, has ? window.cmi[name] : "");
  },
  LMSSetValue: function (name, value) {
    if (window.refuseSetValue) { return record("LMSSetValue", arguments, "false", "405"); }
    window.cmi[name] = String(value);
    return record("LMSSetValue", arguments, "true");
  },
  LMSCommit: function () { return record("LMSCommit", arguments, "true"); },
  LMSGetLastError: function () {
    var error = lastError;
    window.calls.push({name: "LMSGetLastError", args: [], result: error});
    return error;
  },
  LMSGetErrorString: function (code) { return code === "405" ? "Incorrect data type" : ""; },
  LMSGetDiagnostic: function () { return ""; }
};
window.launch = function (src, stored) {
  window.cmi = Object.assign({"cmi.core.lesson_status": "not attempted"}, stored || {});
  window.calls = [];
  document.getElementById("sco").src = src;
};
window.closeCourse = function () { document.getElementById("sco").src = "about:blank"; };
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(app, mission, content, tmp_path):
    """The English and Arabic packages unpacked side by side with the host page."""
    root = tmp_path / "site"
    for lang in ("en", "ar"):
        data = build_package(content, mission, lang, pass_mark(content))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(root / lang)
    (root / "host.html").write_text(HOST_HTML, encoding="utf-8")
    (root / "host.js").write_text(HOST_JS, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def keys():
    bank = yaml.safe_load((ROOT / "quizzes/sgtm1/keys.yaml").read_text(encoding="utf-8"))
    return bank


@pytest.fixture
def host(browser, site):
    """The host page on a phone-sized screen, and every URL the page asked for."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site}/host.html")
    yield page, requested
    context.close()
    assert all(url.startswith(site) or url == "about:blank" for url in requested), requested


def launch(page, lang, stored=None):
    page.evaluate("([src, stored]) => launch(src, stored)", [f"{lang}/index.html", stored or {}])
    page.wait_for_function("() => calls.some(c => c.name === 'LMSInitialize')")
    frame = page.frame_locator("#sco")
    frame.locator("#lms-status").wait_for()
    return frame


def close(page):
    page.evaluate("closeCourse()")
    page.wait_for_function("() => calls.some(c => c.name === 'LMSFinish')")


def calls(page):
    return page.evaluate("calls")


def cmi(page):
    return page.evaluate("cmi")


def sets(page, name):
    return [c["args"][1] for c in calls(page) if c["name"] == "LMSSetValue" and
            c["args"][0] == name]


def sco_frame(page):
    return next(f for f in page.frames if f.url.endswith("/index.html"))


def answer_quiz(page, frame, keys, right: int):
    """Answer the drawn statements by keyboard: the first `right` correctly, the rest wrongly."""
    bank = {s["id"]: s["answer"] for s in keys["statements"]}
    own = {s["id"]: s["answer"] for s in sco_frame(page).evaluate(
        "JSON.parse(document.getElementById('sco-data').textContent).mission")}
    ids = frame.locator("fieldset[data-statement]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.statement)")
    for index, statement_id in enumerate(ids):
        key = bank[statement_id] if statement_id in bank else own[statement_id]
        answer = key if index < right else not key
        frame.locator(f'input[name="s-{index}"][value="true"]').focus()
        page.keyboard.press("Space" if answer else "ArrowDown")
        assert frame.locator(f'input[name="s-{index}"]:checked').get_attribute("value") == \
            ("true" if answer else "false")
    frame.locator("#quiz-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    return ids


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_full_run_is_reported_as_passed_with_100(host, keys, content, lang):
    page, _requested = host
    frame = launch(page, lang)
    assert sco_frame(page).evaluate("document.documentElement.dir") == (
        "rtl" if lang == "ar" else "ltr")
    data = json.loads(frame.locator("#sco-data").text_content())
    assert frame.locator("#lms-status").inner_text() == data["strings"]["connected"]
    first = calls(page)[:2]
    assert [c["name"] for c in first] == ["LMSInitialize", "LMSGetLastError"]
    assert first[0]["args"] == [""]
    assert sets(page, "cmi.core.lesson_status") == ["incomplete"]

    # the slides, one at a time, by keyboard
    for number in range(1, len(content.slides) + 1):
        title = content.text(lang, "slides", content.slides[number - 1].id)["title"]
        assert frame.locator(f"#slide-{number} h2").inner_text() == title
        assert frame.locator("[data-slide]:visible").count() == 1
        assert frame.locator("#slide-count").inner_text() == f"{number} / 14"
        if number < len(content.slides):
            frame.locator("#next-slide").focus()
            page.keyboard.press("Enter")
    saved = json.loads(cmi(page)["cmi.suspend_data"])
    assert saved["slide"] == 14 and saved["seen"] == "1" * 14
    assert cmi(page)["cmi.core.lesson_location"] == "14"

    # a case study: the guidance only after an answer
    frame.locator("#to-cases").click()
    frame.locator('[data-reveal="1"]').click()
    assert frame.locator("#answer-1-error").is_visible()
    assert not frame.locator("#guidance-1").is_visible()
    frame.locator("#answer-1").fill("I stay away and report what I saw to the Focal Point.")
    frame.locator('[data-reveal="1"]').click()
    assert frame.locator("#guidance-1").is_visible()
    assert json.loads(cmi(page)["cmi.suspend_data"])["revealed"].startswith("1")

    # the quiz, drawn across every topic, all answered right
    frame.locator("#views [data-view=quiz]").click()
    ids = answer_quiz(page, frame, keys, right=15)
    topic = {s["id"]: s["topic"] for s in keys["statements"]}
    assert len(ids) == 15 and len(set(ids)) == 15
    assert sum(1 for i in ids if i.startswith("mission-focal-point")) == 1
    assert {topic[i] for i in ids if i in topic} == set(keys["topics"])
    score = frame.locator("#quiz-score").inner_text()
    assert "15" in score and "100" in score
    assert frame.locator("#quiz-passed").is_visible()
    assert frame.locator("#quiz-review li").count() == 0

    stored = cmi(page)
    assert stored["cmi.core.lesson_status"] == "passed"
    assert (stored["cmi.core.score.raw"], stored["cmi.core.score.min"],
            stored["cmi.core.score.max"]) == ("100", "0", "100")
    names = [c["name"] for c in calls(page)]
    status_at = max(i for i, c in enumerate(calls(page)) if c["name"] == "LMSSetValue" and
                    c["args"] == ["cmi.core.lesson_status", "passed"])
    assert "LMSCommit" in names[status_at:]
    # every call but the error queries is followed by LMSGetLastError
    for index, name in enumerate(names):
        if name not in ("LMSGetLastError", "LMSGetErrorString"):
            assert names[index + 1] == "LMSGetLastError", (index, name)

    close(page)
    finished = calls(page)
    assert finished[-2]["name"] == "LMSFinish" and finished[-2]["args"] == [""]
    assert re.fullmatch(r"\d{2,4}:\d{2}:\d{2}", cmi(page)["cmi.core.session_time"])
    assert sum(1 for c in finished if c["name"] == "LMSFinish") == 1


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_wrong_answers_fail_with_a_lower_score_and_explanations(host, keys, content, lang):
    page, _requested = host
    frame = launch(page, lang)
    frame.locator("#views [data-view=quiz]").click()
    frame.locator("#quiz-form button[type=submit]").click()  # nothing answered yet
    assert frame.locator("#quiz-missing").is_visible()
    assert frame.locator("fieldset.has-error").count() == 15
    assert "cmi.core.score.raw" not in cmi(page)

    answer_quiz(page, frame, keys, right=10)
    stored = cmi(page)
    assert stored["cmi.core.lesson_status"] == "failed"
    assert stored["cmi.core.score.raw"] == "67"
    assert frame.locator("#quiz-failed").is_visible()
    review = frame.locator("#quiz-review li")
    assert review.count() == 5
    first = review.first.get_attribute("data-statement")
    if not first.startswith("mission-focal-point"):
        words = content.text(lang, "quiz", first)
        assert words["explanation"] in review.first.inner_text()
    # back to the slide the statement rests on
    target = review.first.locator("a").get_attribute("data-goto-slide")
    review.first.locator("a").click()
    assert frame.locator("#slide-count").inner_text() == f"{target} / 14"

    # another try that passes turns the record into a pass
    frame.locator("#views [data-view=quiz]").click()
    frame.locator("#quiz-again").click()
    answer_quiz(page, frame, keys, right=15)
    assert cmi(page)["cmi.core.lesson_status"] == "passed"
    assert cmi(page)["cmi.core.score.raw"] == "100"
    close(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_relaunch_resumes_where_the_learner_stopped(host, lang):
    page, _requested = host
    frame = launch(page, lang)
    for _ in range(5):
        frame.locator("#next-slide").click()
    frame.locator("#views [data-view=cases]").click()
    frame.locator("#answer-1").fill("Report it.")
    frame.locator('[data-reveal="1"]').click()
    frame.locator("#views [data-view=slides]").click()
    close(page)
    stored = cmi(page)
    assert stored["cmi.core.exit"] == "suspend"
    assert stored["cmi.core.lesson_status"] == "incomplete"

    frame = launch(page, lang, stored)
    assert frame.locator("#slide-count").inner_text() == "6 / 14"
    assert frame.locator("#slide-6").is_visible()
    assert [c["args"][0] for c in calls(page) if c["name"] == "LMSGetValue"][:2] == [
        "cmi.core.lesson_status", "cmi.core.score.raw"]
    assert sets(page, "cmi.core.lesson_status") == []  # not reset to incomplete
    frame.locator("#views [data-view=cases]").click()
    assert frame.locator("#guidance-1").is_visible()
    close(page)


def test_a_refusal_by_the_learning_system_is_shown(host):
    page, _requested = host
    page.evaluate("window.refuseSetValue = true")
    frame = launch(page, "en")
    problem = frame.locator("#lms-problem")
    assert problem.is_visible() and "405" in problem.inner_text()
    page.evaluate("window.refuseSetValue = false")
    close(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_standalone_page_works_says_so_and_passes_axe(browser, site, keys, axe_source, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{site}/{lang}/index.html")
    data = json.loads(page.locator("#sco-data").text_content())
    assert page.locator("#lms-status").inner_text() == data["strings"]["standalone"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    problems = {}

    def check(state):
        found = serious_violations(page, axe_source)
        if found:
            problems[state] = found

    check("slide 1")
    page.click("[data-view=cases]")
    page.click('[data-reveal="1"]')  # the error shown
    check("case study with an error")
    page.fill("#answer-1", "Report it.")
    page.click('[data-reveal="1"]')
    check("case study with guidance")
    page.click("[data-view=quiz]")
    page.click("#quiz-form button[type=submit]")
    check("quiz with missing answers")
    own = {s["id"]: s["answer"] for s in data["mission"]}
    bank = {s["id"]: s["answer"] for s in keys["statements"]}
    for index, fieldset in enumerate(page.locator("fieldset[data-statement]").all()):
        statement_id = fieldset.get_attribute("data-statement")
        key = bank.get(statement_id, own.get(statement_id))
        wrong = index < 4
        page.check(f'input[name="s-{index}"][value="{str(key != wrong).lower()}"]')
    page.click("#quiz-form button[type=submit]")
    assert page.locator("#quiz-review li").count() == 4
    assert page.locator("#quiz-failed").is_visible()
    check("result")
    context.close()
    assert not problems, problems


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_download_page_passes_axe_and_downloads(live_server, browser, mission, make_user,
                                                    axe_source, lang):
    make_user(username="hq1", password="hq-password-1", role="hq")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, live_server, lang, "hq1", "hq-password-1")
    page.goto(f"{live_server}/{lang}/hq/missions/{mission.id}/")
    page.click(f'.subnav a[href$="/hq/missions/{mission.id}/scorm"]')
    assert page.locator("ul.list a[download]").count() == 6
    assert serious_violations(page, axe_source) == []
    with page.expect_download() as download:
        page.click('a[href$="/scorm/zh.zip"]')
    assert download.value.suggested_filename == "sgtm1-scorm12-UNTEST-zh.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert "imsmanifest.xml" in archive.namelist()
    context.close()
