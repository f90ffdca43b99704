"""The classroom in headless Chromium: the projector fits every slide on the screens a
classroom has (1024x768 projector to 1920x1080 screen) in English and Arabic, a clicker's
keys move the presenter, and a projector in another browser follows it."""

from datetime import date

import pytest
from sqlalchemy import select

from training_app.extensions import db
from training_app.models import Cohort

from .conftest import serious_violations, staff_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

SCREENS = [(1024, 768), (1920, 1080)]
# the projector asks every 500 ms, so it follows within a second; the wait allows a busy
# machine more, as the test is about following without anyone touching the projector
FOLLOW_MS = 5000
FITS = "() => document.documentElement.scrollHeight <= window.innerHeight"
SMALLEST_POINT = """() => Math.min(...[...document.querySelectorAll('ul.screen li')]
    .map(li => parseFloat(getComputedStyle(li).fontSize)))"""


@pytest.fixture
def classroom(app, mission, make_user):
    from training_app.train import services

    trainer = make_user(username="trainer1", password="trainer-pass-1", role="trainer")
    cohorts = {}
    for lang in ("en", "ar"):
        cohorts[lang] = services.save_cohort(
            None, mission.id, "test", name=f"Induction {lang}", place="Camp",
            session_date=date(2026, 11, 23), language=lang, delivery_mode="classroom",
            contingent_ids=[mission.contingents[0].id], trainer_ids=[trainer.id]).id
    return cohorts


def until(page, script: str, timeout_ms: int = 3000) -> bool:
    """Evaluate `script` in the page until it is true (the pages' CSP forbids the eval that
    wait_for_function uses)."""
    for _ in range(timeout_ms // 100):
        if page.evaluate(script):
            return True
        page.wait_for_timeout(100)
    return bool(page.evaluate(script))


def on_slide(page, number: int, timeout_ms: int) -> None:
    page.wait_for_selector(f"body[data-slide='{number}']", state="attached",
                           timeout=timeout_ms)


def go_to(cohort_id: int, number: int) -> None:
    from training_app.train import classroom as service

    service.go_to_slide(db.session.get(Cohort, cohort_id), number)


def test_every_slide_fits_the_projector_in_english_and_arabic(live_server, browser, classroom,
                                                             content):
    context = browser.new_context()
    page = context.new_page()
    staff_sign_in(page, live_server, "en", "trainer1", "trainer-pass-1")
    for lang, cohort_id in classroom.items():
        page.goto(f"{live_server}/en/train/cohorts/{cohort_id}/audience")
        assert page.evaluate("document.documentElement.dir") == (
            "rtl" if lang == "ar" else "ltr")
        for slide in content.slides:
            go_to(cohort_id, slide.number)
            # the projector takes the slide from state.json by itself
            on_slide(page, slide.number, 5000)
            assert page.locator("ul.screen li").count() == len(
                content.screen_points(lang, slide.id))
            for width, height in SCREENS:
                page.set_viewport_size({"width": width, "height": height})
                assert until(page, FITS), (lang, slide.number, width)
                if width == 1024:
                    smallest = page.evaluate(SMALLEST_POINT)
                    assert smallest >= 28, (lang, slide.number, smallest)
            page.set_viewport_size({"width": 1024, "height": 768})
    context.close()


def test_a_clickers_keys_move_the_presenter_and_the_projector_follows(live_server, browser,
                                                                     classroom):
    cohort_id = classroom["en"]
    laptop = browser.new_context(viewport={"width": 1280, "height": 800})
    presenter = laptop.new_page()
    staff_sign_in(presenter, live_server, "en", "trainer1", "trainer-pass-1")
    base = f"{live_server}/en/train/cohorts/{cohort_id}"
    # the projector is another browser (the classroom's second machine or screen)
    beamer = browser.new_context(viewport={"width": 1024, "height": 768})
    projector = beamer.new_page()
    polls = []
    projector.on("response", lambda r: polls.append(r.status) if "state.json" in r.url else None)
    staff_sign_in(projector, live_server, "en", "trainer1", "trainer-pass-1")
    projector.goto(f"{base}/audience")
    assert projector.locator("p.kicker").inner_text().startswith("1 /")

    presenter.goto(f"{base}/present/1")
    expected = 1
    for key, step in (("PageDown", 1), ("ArrowRight", 1), ("Space", 1), ("n", 1),
                      ("PageUp", -1), ("ArrowLeft", -1), ("p", -1), ("N", 1)):
        expected += step
        presenter.keyboard.press(key)
        presenter.wait_for_url(f"{base}/present/{expected}")
        assert f"Slide {expected} of 14" in presenter.locator("p.kicker").inner_text()
        on_slide(projector, expected, FOLLOW_MS)
        assert projector.locator("p.kicker").inner_text().startswith(f"{expected} /")
    db.session.expire_all()
    assert db.session.get(Cohort, cohort_id).current_slide == expected == 3

    # B on the presenter blanks the projector; B on the projector lights it again
    presenter.keyboard.press("b")
    presenter.wait_for_selector("text=The projector is blank.")
    projector.wait_for_selector("div.blackout", state="visible", timeout=FOLLOW_MS)
    projector.keyboard.press("b")
    projector.wait_for_selector("div.blackout", state="hidden")
    # F: full screen, and a slide change does not leave it (the slide is swapped in)
    projector.keyboard.press("f")
    assert until(projector, "() => document.fullscreenElement === document.documentElement")
    presenter.keyboard.press("PageDown")
    on_slide(projector, expected + 1, FOLLOW_MS)
    assert projector.evaluate("() => document.fullscreenElement !== null")
    projector.keyboard.press("f")
    assert until(projector, "() => document.fullscreenElement === null")
    presenter.wait_for_selector("text=The projector is blank.", state="detached",
                                timeout=5000)  # the presenter notices within its poll

    # the clock: Start, and it counts on the page without a reload
    presenter.click("text=Start the clock")
    presenter.wait_for_selector("text=Pause")
    assert until(presenter, "() => document.querySelector('.clock-time').textContent "
                            "!== '0:00'", 5000)
    presenter.click("text=Pause")
    presenter.wait_for_selector("text=Resume")
    db.session.expire_all()
    cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort_id))
    assert cohort.clock_running_since is None and cohort.clock_run_ms > 0
    # while nothing changed (the clock counting on the presenter), the projector's question
    # was answered without a body
    assert 304 in polls and polls[0] == 200
    laptop.close()
    beamer.close()


def test_projector_and_presenter_have_no_serious_accessibility_violation(
        live_server, browser, classroom, axe_source):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    staff_sign_in(page, live_server, "en", "trainer1", "trainer-pass-1")
    for lang, cohort_id in classroom.items():
        for path in ("audience", "present/8"):
            page.goto(f"{live_server}/{lang}/train/cohorts/{cohort_id}/{path}")
            assert serious_violations(page, axe_source) == [], (lang, path)
    context.close()
