"""Whole workflows in headless Chromium: accessibility of every page type, the learner path
by keyboard and in Arabic, a trainer running a cohort, HQ checking a certificate."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from training_app.extensions import db
from training_app.models import Certificate, Cohort, Completion, Enrolment

from ..conftest import right_answer
from .conftest import answer_quiz_rightly, serious_violations, sign_in, staff_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def world(app, mission, make_person, make_user, content):
    """A learner with a certificate, a trainer with a cohort, an HQ user."""
    from training_app.certificates.services import issue_on_completion
    from training_app.train import services

    learner = make_person(name="Nour Haddad")
    done = make_person(number="P-002", name="Amani Okafor")
    db.session.add(Completion(person_id=done.id, module_id="sgtm1", content_version="v"))
    db.session.commit()
    completion = db.session.scalar(select(Completion).where(Completion.person_id == done.id))
    cert = issue_on_completion(done, completion, "en", app.instance_path)
    trainer = make_user(username="trainer1", password="trainer-pass-1", role="trainer")
    make_user(username="hq1", password="hq-password-1", role="hq")
    cohort = services.save_cohort(None, mission.id, "test", name="Induction", place="Camp",
                                  session_date=date(2026, 11, 23), language="en",
                                  delivery_mode="classroom",
                                  contingent_ids=[mission.contingents[0].id],
                                  trainer_ids=[trainer.id])
    db.session.add(Enrolment(cohort_id=cohort.id, person_id=learner.id))
    db.session.commit()
    return {"cert_code": cert.code, "cohort_id": cohort.id, "mission_id": mission.id}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_type_has_no_serious_accessibility_violation(
        live_server, browser, world, axe_source, lang):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    anonymous = ["/", "/module", "/slides/1", "/login", "/register", "/staff/login", "/verify",
                 f"/verify/{world['cert_code']}", "/verify/AAAA-BBBB-CCCC", "/no-such-page"]
    learner = ["/", "/slides/8", "/case-studies", "/case-studies/off-limits-bar", "/quiz",
               "/certificate"]
    cohort, mission = world["cohort_id"], world["mission_id"]
    trainer = ["/train/", f"/train/cohorts/{cohort}/", f"/train/cohorts/{cohort}/roster",
               f"/train/cohorts/{cohort}/present/3", f"/train/cohorts/{cohort}/sheet",
               f"/train/cohorts/{cohort}/paper-entry", "/train/cohorts/new"]
    hq = [f"/hq/missions/{mission}/", f"/hq/missions/{mission}/settings",
          f"/hq/missions/{mission}/certificates?q=Amani",
          f"/hq/missions/{mission}/certificates/{world['cert_code']}",
          f"/hq/missions/{mission}/contingents", f"/hq/missions/{mission}/people"]
    problems = {}

    def check(paths):
        for path in paths:
            page.goto(f"{live_server}/{lang}{path}")
            found = serious_violations(page, axe_source)
            if found:
                problems[path] = found

    check(anonymous)
    sign_in(page, live_server, lang)
    check(learner)
    page.context.clear_cookies()
    staff_sign_in(page, live_server, lang, "trainer1", "trainer-pass-1")
    check(trainer)
    page.context.clear_cookies()
    staff_sign_in(page, live_server, lang, "hq1", "hq-password-1")
    check(hq)
    context.close()
    assert not problems, problems


def test_quiz_by_keyboard_alone(live_server, phone, world, content):
    sign_in(phone, live_server, "en")
    phone.goto(f"{live_server}/en/quiz")
    token = phone.locator("form.quiz").get_attribute("action").rsplit("/", 1)[-1]
    names = [phone.locator("fieldset.statement").nth(i).locator("input").first
             .get_attribute("name") for i in range(phone.locator("fieldset.statement").count())]
    phone.locator("fieldset.statement input").first.focus()
    for index, name in enumerate(names):
        if index:
            phone.keyboard.press("Tab")  # to the next group of radio buttons
        focused = phone.evaluate("document.activeElement.name")
        assert focused == name, (index, focused, name)
        if right_answer(content, token, name[2:]):
            phone.keyboard.press("Space")  # the first radio: True
        else:
            phone.keyboard.press("ArrowDown")  # moves to and selects False
            if phone.evaluate("document.activeElement.value") != "false":
                phone.keyboard.press("ArrowRight")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.type") == "submit"
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/en/quiz/result/.*"))
    assert "15 of 15 correct" in phone.content()


def test_the_learner_path_in_arabic_by_clicking(live_server, phone, world, content):
    sign_in(phone, live_server, "ar")
    phone.goto(f"{live_server}/ar/slides/1")
    for _ in range(len(content.slides) - 1):
        phone.click("a[rel=next]")
    assert phone.url.endswith("/ar/slides/14")
    phone.click("nav.pager a.button")  # on to the case studies
    for case in content.case_studies:
        phone.goto(f"{live_server}/ar/case-studies/{case.id}")
        phone.fill("#answer", "سأبلغ جهة التنسيق فوراً وفق الإجراءات.")
        phone.click("main form button[type=submit]")
        assert phone.locator("#guidance").count() == 1
    phone.goto(f"{live_server}/ar/quiz")
    answer_quiz_rightly(phone, content)
    phone.click("form.quiz button[type=submit]")
    phone.wait_for_url(re.compile(r".*/ar/quiz/result/.*"))
    phone.goto(f"{live_server}/ar/certificate")
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    with phone.expect_download() as download:
        phone.click("a[download]")
    assert download.value.suggested_filename.startswith("sgtm1-certificate-")


def test_a_trainer_runs_a_cohort_and_the_projector_follows(live_server, browser, world):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    presenter = context.new_page()
    staff_sign_in(presenter, live_server, "en", "trainer1", "trainer-pass-1")
    presenter.goto(f"{live_server}/en/train/cohorts/new")
    presenter.fill("#name", "Induction NEPBATT")
    presenter.fill("#session_date", "2026-11-30")
    presenter.fill("#place", "Sector East")
    presenter.click("main form button[type=submit]")
    presenter.wait_for_url(re.compile(r".*/en/train/cohorts/\d+/$"))
    assert presenter.locator("strong.code").inner_text().strip()
    cohort_url = presenter.url
    presenter.goto(cohort_url + "present/1")
    audience = context.new_page()
    audience.goto(cohort_url + "audience")
    assert audience.locator("p.kicker").inner_text().startswith("1 /")
    presenter.click("form.go-next button")
    presenter.wait_for_url(cohort_url + "present/2")
    presenter.click("form.go-next button")
    presenter.wait_for_url(cohort_url + "present/3")
    # the audience page asks twice a second and swaps the slide in
    audience.wait_for_selector("body[data-slide='3']", state="attached", timeout=5000)
    assert audience.locator("p.kicker").inner_text().startswith("3 /")
    db.session.expire_all()
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Induction NEPBATT"))
    assert cohort.current_slide == 3
    context.close()


def test_hq_finds_and_anyone_verifies_a_certificate(live_server, browser, world):
    context = browser.new_context()
    hq = context.new_page()
    staff_sign_in(hq, live_server, "en", "hq1", "hq-password-1")
    hq.goto(f"{live_server}/en/hq/missions/{world['mission_id']}/certificates")
    hq.fill("#q", "Amani")
    hq.click("main form button[type=submit]")
    hq.click("a.code")
    code = hq.locator("h1 .code").inner_text()
    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server}/en/verify")
    visitor.fill("#code", code.lower())
    visitor.click("main form button[type=submit]")
    assert "VALID" in visitor.locator(".verdict").inner_text()
    assert db.session.scalar(select(Certificate.code).where(
        Certificate.code == code.replace("-", ""))) is not None
    context.close()
