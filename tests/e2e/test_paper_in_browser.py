"""The paper quiz in a browser: the sheets print one per A4 page with every statement inside
the page, right to left in Arabic too, and a trainer types the sheets in by keyboard alone."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from training_app.extensions import db
from training_app.models import Enrolment, QuizAttempt
from training_app.train import paper
from training_app.train import services as train

from .. import pdfcheck
from .conftest import staff_sign_in

pytestmark = [
    pytest.mark.browser,
    # the development server leaves files it streamed to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

NAMES = {"en": ["Amina Diallo", "Kofi Mensah", "Lucía Rojas"],
         "ar": ["أحمد سالم", "ليلى خوري", "نور حداد"]}


@pytest.fixture
def cohort_of(app, mission, make_person, make_user):
    make_user(username="trainer1", password="trainer-pass-1")

    def make(lang):
        cohort = train.save_cohort(None, mission.id, "test", name=f"Paper {lang}",
                                   session_date=date(2026, 11, 23), place="Camp Alpha",
                                   language=lang, delivery_mode="classroom",
                                   contingent_ids=[], trainer_ids=[])
        people = []
        for n, name in enumerate(NAMES[lang]):
            person = make_person(number=f"{lang}-{n}", name=name, language=lang)
            db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
            people.append(person)
        db.session.commit()
        return cohort, people

    return make


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_printed_sheets_fit_one_a4_page_each(live_server, browser, cohort_of, content,
                                                 lang):
    cohort, people = cohort_of(lang)
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    staff_sign_in(page, live_server, lang, "trainer1", "trainer-pass-1")
    page.goto(f"{live_server}/{lang}/train/cohorts/{cohort.id}/paper-quiz")
    page.emulate_media(media="print")
    page.evaluate("document.fonts.ready.then(() => true)")  # print with the page's own fonts
    assert page.locator(".top").is_hidden() and page.locator("[data-print]").is_hidden()
    data = page.pdf(format="A4")
    page.wait_for_load_state("networkidle")
    context.close()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(people)
    width = float(reader.pages[0].mediabox.width)
    for number, words in enumerate(pdfcheck.poppler_words(data)):
        # every word within the page: nothing pushed past an edge
        assert all(0 <= x0 and x1 <= width for x0, _y0, x1, _y1, _w in words)
        # poppler gives a word's letters in the order painted, left to right
        printed = Counter(pdfcheck.letters(pdfcheck.visual(part, lang == "ar"))
                          for *_box, w in words for part in re.split(r"[-‐]", w))
        variant = paper.variant_for(number, paper.DEFAULT_VARIANTS)
        wanted = Counter()
        for text in (people[number].name, *(
                content.text(lang, "quiz", sid)["statement"]
                for sid in paper.variant_statement_ids(cohort, content, variant))):
            # Chromium's PDF gives Arabic words with lam-alef and its kin, or with vowel
            # marks, back in other letters or pieces: those are left out of the count
            wanted.update(pdfcheck.letters(w) for w in re.split(r"[\s\-‐]+", text)
                          if pdfcheck.letters(w) and not (lang == "ar" and (
                              "ل" in w or any(unicodedata.category(c) == "Mn" for c in w))))
        missing = wanted - printed
        assert not missing, (number, missing)


def test_a_trainer_types_the_sheets_in_by_keyboard(live_server, browser, cohort_of, content):
    cohort, people = cohort_of("en")
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    staff_sign_in(page, live_server, "en", "trainer1", "trainer-pass-1")
    page.goto(f"{live_server}/en/train/cohorts/{cohort.id}/paper-entry")
    for person, variant in zip(people[:2], (1, 2), strict=True):
        assert person.name in page.inner_text("main h2")
        # the variant field has the focus: type it, Tab, the letters, Enter
        page.keyboard.type(str(variant))
        page.keyboard.press("Tab")
        ids = paper.variant_statement_ids(cohort, content, variant)
        page.keyboard.type(" ".join("T" if content.quiz.statement(s).answer else "F"
                                    for s in ids))
        with page.expect_navigation():  # the next learner's page, not the one just sent
            page.keyboard.press("Enter")
        page.wait_for_load_state()
    assert people[2].name in page.inner_text("main h2")
    assert page.evaluate("document.activeElement.name") == "variant"
    db.session.expire_all()
    marks = db.session.execute(select(QuizAttempt.person_id, QuizAttempt.correct).where(
        QuizAttempt.submitted_at.is_not(None))).all()
    assert sorted(marks) == sorted([(people[0].id, 15), (people[1].id, 15)])
    page.wait_for_load_state("networkidle")
    context.close()
