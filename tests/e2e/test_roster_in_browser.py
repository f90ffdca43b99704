"""A trainer imports a roster in the browser, in English and in Arabic: the accepted values
are on the page, and a near miss is shown on its row with a suggestion."""

from datetime import date

import pytest

from .conftest import staff_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

ROSTER = ("Personnel number,Name,Personnel category,Contingent,Preferred language\r\n"
          "GH-1,Kofi Mensah,military,GHANBAT,en\r\n"
          "GH-2,Ama Owusu,UNPOL,GH,fr\r\n"
          "GH-3,Nour Haddad,متطوع,,ar\r\n").encode()


@pytest.mark.parametrize("lang,suggestion", [("en", "did you mean"), ("ar", "هل تقصد")])
def test_a_near_miss_is_shown_on_its_row_with_a_suggestion(live_server, browser, mission,
                                                           make_user, screenshot_dir, lang,
                                                           suggestion):
    from training_app.train import services

    trainer = make_user(username="trainer1", password="trainer-pass-1", role="trainer")
    cohort = services.save_cohort(None, mission.id, "test", name="Induction GHANBATT",
                                  place="Camp", session_date=date(2026, 11, 23),
                                  language=lang, delivery_mode="classroom",
                                  contingent_ids=[mission.contingents[0].id],
                                  trainer_ids=[trainer.id])
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    staff_sign_in(page, live_server, lang, "trainer1", "trainer-pass-1")
    page.goto(f"{live_server}/{lang}/train/cohorts/{cohort.id}/roster")
    accepted = page.locator("#accepted-values")
    assert "GHANBATT" in accepted.inner_text() and "military-contingent" in accepted.inner_text()
    page.screenshot(path=str(screenshot_dir / f"roster-upload-{lang}.png"), full_page=True)

    page.set_input_files("input[type=file]", files=[{
        "name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER}])
    page.click("main form button[type=submit]")
    page.wait_for_url("**/roster/*")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    wrong = page.locator("tr.verdict-error")
    assert wrong.count() == 1
    assert suggestion in wrong.inner_text() and "GHANBATT" in wrong.inner_text()
    assert page.locator("tr.verdict-new").count() == 2
    page.screenshot(path=str(screenshot_dir / f"roster-preview-{lang}.png"), full_page=True)
    context.close()
