"""Offline study in headless Chromium: the module is kept on the phone after the first visit,
the learner goes on without a connection, and what they did reaches the server once the
connection returns, counted once even when the queue is sent again."""

import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from training_app.extensions import db
from training_app.models import CaseStudyResponse, QuizAttempt, SlideView

from .conftest import answer_quiz_rightly, serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


class Link:
    """The app on loopback, with a connection that can be cut and restored (the server
    stops listening, as when a camp's link goes down)."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._start()

    def _start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def cut(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        self.server = None

    def restore(self):
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self._start()

    def close(self):
        if self.server:
            self.cut()


@pytest.fixture
def link(app):
    app.config["OFFLINE_PRECACHE_DELAY"] = 0  # no need to spread a classroom's downloads here
    link = Link(app)
    yield link
    link.close()


STATUS = "#offline-status"


def status_text(page):
    return page.locator(STATUS).inner_text(timeout=5000)


def wait_for_status(page, contains, timeout=30000):
    page.wait_for_function(
        "([sel, text]) => { const el = document.querySelector(sel);"
        " return el && !el.hidden && el.textContent.includes(text); }",
        arg=[STATUS, contains], timeout=timeout)


def queued(page):
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('sgtm1-offline', 1);
        open.onsuccess = () => {
            const all = open.result.transaction('queue').objectStore('queue').getAll();
            all.onsuccess = () => resolve(all.result);
            all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def test_an_offline_session_reaches_the_server_once_after_reconnecting(
        link, browser, make_person, content, screenshot_dir, axe_source):
    person = make_person()
    context = browser.new_context(viewport={"width": 360, "height": 740},
                                  service_workers="allow")
    page = context.new_page()
    base = link.url
    sign_in(page, base, "en")
    # first visit online: the module is kept on the device
    wait_for_status(page, "you can study without a connection")
    page.screenshot(path=str(screenshot_dir / "en-offline-ready.png"), full_page=True)

    link.cut()
    context.set_offline(True)
    page.goto(f"{base}/en/slides/3")
    assert page.locator("h1").count() == 1
    wait_for_status(page, "You are offline")
    page.screenshot(path=str(screenshot_dir / "en-offline-slide.png"), full_page=True)

    case_id = content.case_study_ids[0]
    page.goto(f"{base}/en/case-studies/{case_id}")
    page.fill("textarea", "Written in the camp without a connection.")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/en/offline/saved")
    wait_for_status(page, "not yet sent: 2")
    page.screenshot(path=str(screenshot_dir / "en-offline-saved.png"), full_page=True)
    assert serious_violations(page, axe_source) == []

    page.goto(f"{base}/en/quiz")
    answer_quiz_rightly(page, content)
    page.click("form.quiz button[type=submit]")
    page.wait_for_url(f"{base}/en/offline/saved")
    wait_for_status(page, "not yet sent: 3")

    # a page the device never kept says so plainly
    page.goto(f"{base}/en/verify")
    assert "not kept on this device" in page.locator("main").inner_text()

    events = queued(page)
    assert sorted(e["kind"] for e in events) == ["case", "quiz", "slide"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CaseStudyResponse.id))) == 0

    # the link returns: everything is sent by itself
    link.restore()
    context.set_offline(False)
    page.goto(f"{base}/en/")
    wait_for_status(page, "Everything you did is sent")
    assert queued(page) == []

    def state():
        db.session.expire_all()
        return (db.session.scalar(select(func.count(SlideView.id)).where(
                    SlideView.person_id == person.id)),
                db.session.scalars(select(CaseStudyResponse.answer)).all(),
                db.session.scalars(select(QuizAttempt.passed).where(
                    QuizAttempt.submitted_at.is_not(None))).all())

    slides_seen, answers, results = state()
    assert db.session.scalar(select(SlideView.id).where(
        SlideView.person_id == person.id, SlideView.slide_id == content.slides[2].id))
    assert answers == ["Written in the camp without a connection."]
    assert results == [True]

    # the same queue replayed (a resend after a timeout): nothing counted twice
    replies = page.evaluate("""async (events) => {
        const token = await (await fetch('/en/offline/token')).json();
        const r = await fetch('/en/offline/sync', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token.csrf_token},
            body: JSON.stringify({events: events.map(({person, ...e}) => e)})});
        return (await r.json()).results.map(x => x.status);
    }""", events)
    assert replies == ["duplicate"] * 3
    assert state() == (slides_seen, answers, results)

    # a quiz taken online: the device then keeps a fresh attempt for any quiz taken offline
    page.goto(f"{base}/en/quiz")
    used = page.locator("form.quiz").get_attribute("action").rsplit("/", 1)[-1]
    answer_quiz_rightly(page, content)  # passed: no slides to review before the next one
    page.click("form.quiz button[type=submit]")
    page.wait_for_url(f"{base}/en/quiz/result/**")
    kept_quiz = """async () => {
        const kept = await caches.match('/en/quiz');
        return kept ? await kept.text() : '';
    }"""
    for _ in range(30):
        html = page.evaluate(kept_quiz)
        if 'class="quiz"' in html and used not in html:
            break
        page.wait_for_timeout(500)
    assert 'class="quiz"' in html and used not in html
    context.close()


def test_slides_kept_for_later_are_not_counted_until_the_learner_opens_one(
        link, browser, make_person, content):
    """The service worker downloads all 14 slides to keep them: none is counted as seen. A
    slide opened offline from the kept copy is counted when the queue reaches the server."""
    person = make_person()
    context = browser.new_context(service_workers="allow")
    page = context.new_page()
    base = link.url
    sign_in(page, base, "en")
    wait_for_status(page, "you can study without a connection")
    kept = page.evaluate("""async () => {
        const pages = await caches.open('sgtm1-pages');
        return (await pages.keys()).filter(r => /\\/slides\\/\\d+$/.test(r.url)).length;
    }""")
    assert kept == len(content.slides)

    def seen():
        db.session.expire_all()
        return db.session.scalars(select(SlideView.slide_id).where(
            SlideView.person_id == person.id)).all()

    assert seen() == []
    page.goto(f"{base}/en/")
    assert "0 of 14 slides seen" in page.locator("main").inner_text()

    link.cut()
    context.set_offline(True)
    page.goto(f"{base}/en/slides/3")
    wait_for_status(page, "not yet sent: 1")
    assert seen() == []
    link.restore()
    context.set_offline(False)
    page.goto(f"{base}/en/")
    wait_for_status(page, "Everything you did is sent")
    assert seen() == [content.slides[2].id]
    page.goto(f"{base}/en/")
    assert "1 of 14 slides seen" in page.locator("main").inner_text()
    context.close()


def test_without_javascript_the_site_works_online_as_before(link, browser, make_person):
    make_person()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, link.url, "en")
    page.goto(f"{link.url}/en/slides/2")
    assert page.locator(STATUS).is_hidden()
    assert page.locator("a[rel=next]").count() == 1
    context.close()
