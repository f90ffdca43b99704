"""The learner's pages in every language, in headless Chromium on a phone-sized screen."""

import pytest

from training_app.learn import services

from .conftest import answer_quiz_rightly, sign_in

pytestmark = [
    pytest.mark.browser,
    # the threaded development server leaves static files to the garbage collector on 304s
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

LANGS = ["ar", "en", "es", "fr", "ru", "zh"]


def check_layout(page, lang):
    direction = page.evaluate("document.documentElement.dir")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    assert page.evaluate("document.documentElement.lang") == lang
    # nothing wider than the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("lang", LANGS)
def test_slide_quiz_result_and_certificate_pages(live_server, phone, make_person, content,
                                                 screenshot_dir, lang):
    person = make_person(language=lang)
    for slide in content.slides:
        services.record_slide_view(person.id, slide.id)
    for case in content.case_studies:
        services.save_case_study_answer(person.id, case.id, "An answer written in class.")
    sign_in(phone, live_server, lang)

    phone.goto(f"{live_server}/{lang}/slides/8")
    check_layout(phone, lang)
    phone.screenshot(path=str(screenshot_dir / f"{lang}-slide.png"), full_page=True)
    # the right way round: in Arabic, "next" sits to the left of "previous"
    prev_box = phone.locator("a[rel=prev]").bounding_box()
    next_box = phone.locator("a[rel=next]").bounding_box()
    assert (next_box["x"] < prev_box["x"]) == (lang == "ar")

    phone.goto(f"{live_server}/{lang}/quiz")
    check_layout(phone, lang)
    phone.screenshot(path=str(screenshot_dir / f"{lang}-quiz.png"), full_page=True)
    answer_quiz_rightly(phone, content)
    phone.click("form.quiz button[type=submit]")
    phone.wait_for_url(f"{live_server}/{lang}/quiz/result/**")
    check_layout(phone, lang)
    assert phone.locator(".score.pass").count() == 1
    phone.screenshot(path=str(screenshot_dir / f"{lang}-result.png"), full_page=True)

    phone.goto(f"{live_server}/{lang}/certificate")
    check_layout(phone, lang)
    assert phone.locator(".code").count() == 1
    phone.screenshot(path=str(screenshot_dir / f"{lang}-certificate.png"), full_page=True)
    assert (screenshot_dir / f"{lang}-certificate.png").stat().st_size > 5000
