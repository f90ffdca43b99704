"""The paper quiz: a sheet per learner with its variant, answer keys that match each variant's
draw, and typing sheets in by keyboard, one learner after another."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import Certificate, Enrolment, QuizAttempt
from training_app.printing.paper_quiz import draw_quiz_sheets
from training_app.train import paper
from training_app.train import services as train
from training_app.train.printouts import paper_quiz_sheets

from . import pdfcheck
from .conftest import Actions, csrf_from

LETTERS = {"en": ("T", "F"), "fr": ("V", "F"), "es": ("V", "F"), "ru": ("В", "Н"),
           "ar": ("ص", "خ"), "zh": ("对", "错")}


@pytest.fixture
def trainer(app, make_user):
    make_user(username="trainer1", password="trainer-pass-1")
    actions = Actions(app.test_client())
    actions.staff_login("trainer1", "trainer-pass-1")
    return actions


@pytest.fixture
def classroom(app, mission, make_person):
    def make(lang="en", learners=3, own=None):
        cohort = train.save_cohort(None, mission.id, "test", name=f"Paper {lang}",
                                   session_date=date(2026, 11, 23), place="Camp Alpha",
                                   language=lang, delivery_mode="classroom",
                                   contingent_ids=[], trainer_ids=[])
        people = []
        for n in range(learners):
            person = make_person(number=f"{lang}-{n}", name=f"Learner {n + 1}",
                                 language=own or lang)
            db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
            people.append(person)
        db.session.commit()
        return cohort, people

    return make


def key_letters(content, cohort, variant, lang="en", wrong=0) -> str:
    """What a trainer types for a sheet of `variant`, with the first `wrong` answers wrong."""
    true, false = LETTERS[lang]
    ids = paper.variant_statement_ids(cohort, content, variant)
    answers = [content.quiz.statement(sid).answer for sid in ids]
    answers = [not a if n < wrong else a for n, a in enumerate(answers)]
    return " ".join(true if a else false for a in answers)


def submitted(person) -> list[QuizAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.person_id == person.id, QuizAttempt.submitted_at.is_not(None))))


def type_sheet(trainer, cohort, person, variant, letters, lang="en"):
    trainer.lang = lang
    page = trainer.get(f"/train/cohorts/{cohort.id}/paper-entry?person={person.id}")
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    return trainer.client.post(
        f"/{lang}/train/cohorts/{cohort.id}/paper-entry?person={person.id}",
        data={"csrf_token": csrf_from(html), "token": token, "variant": str(variant),
              "answers": letters})


def test_variants_are_different_draws_and_each_key_matches_its_draw(app, content, classroom):
    cohort, _people = classroom(learners=0)
    draws = [paper.variant_statement_ids(cohort, content, v) for v in (1, 2, 3)]
    assert all(len(d) == 15 for d in draws)
    assert len({tuple(sorted(d)) for d in draws}) == 3  # other statements, not only reordered
    assert draws[1] == paper.variant_statement_ids(cohort, content, 2)  # regenerated alike
    with app.test_request_context("/en/"):
        key = paper_quiz_sheets(cohort, content, 3, with_key=True)
    assert [p.variant_label for p in key.pages] == ["Variant 1", "Variant 2", "Variant 3"]
    for page, ids in zip(key.pages, draws, strict=True):
        assert page.statements == tuple(content.text("en", "quiz", s)["statement"] for s in ids)
        assert page.answers == tuple(content.quiz.statement(s).answer for s in ids)
        assert page.key_letters == " · ".join(
            f"{n} {'T' if content.quiz.statement(s).answer else 'F'}"
            for n, s in enumerate(ids, 1))


def test_learners_get_variants_in_turn_one_a4_page_each(app, content, classroom):
    cohort, people = classroom(learners=4)
    with app.test_request_context("/en/"):
        sheets = paper_quiz_sheets(cohort, content, 3, with_key=False)
    assert [(p.name, p.number, p.variant_label) for p in sheets.pages] == [
        (pe.name, pe.personnel_number, f"Variant {v}") for pe, v in zip(
            people, (1, 2, 3, 1), strict=True)]
    assert sheets.pages[0].true_label == "True (T)"
    assert sheets.pages[0].false_label == "False (F)"
    doc = draw_quiz_sheets(sheets)
    data = doc.output()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 4
    assert round(float(reader.pages[0].mediabox.width) / pdfcheck.MM) == 210  # A4
    assert round(float(reader.pages[0].mediabox.height) / pdfcheck.MM) == 297
    page = sheets.pages[1]
    pdfcheck.check_document(doc, data, [page.variant_label, page.name, page.number,
                                        page.instructions, *page.statements])
    # the variant sits on each sheet, where pdftotext reads it, with the learner's name
    text = pdfcheck.poppler_page_text(data, 2)
    assert "Variant 2" in text and people[1].name in text


def test_sheets_in_each_learners_own_language(app, content, classroom):
    cohort, people = classroom(lang="en", learners=2, own="fr")
    with app.test_request_context("/en/"):
        cohorts = paper_quiz_sheets(cohort, content, 2, with_key=False)
        own = paper_quiz_sheets(cohort, content, 2, with_key=False, own_language=True)
    assert {p.language for p in cohorts.pages} == {"en"}
    assert {p.language for p in own.pages} == {"fr"}
    assert own.pages[0].true_label == "Vrai (V)" and own.pages[0].variant_label == "Variante 1"
    ids = paper.variant_statement_ids(cohort, content, 1)
    assert own.pages[0].statements[0] == content.text("fr", "quiz", ids[0])["statement"]


def test_the_printed_page_has_a_print_button_and_every_sheet(trainer, content, classroom):
    cohort, people = classroom(learners=3)
    html = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz?variants=2").get_data(
        as_text=True)
    assert html.count('class="quiz-sheet"') == 3 and "data-print" in html
    assert "print.js" in html and html.count("Variant 2") == 1
    assert html.count("True (T)") == 45 and html.count("False (F)") == 45
    keyed = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz?variants=2&key=1").get_data(
        as_text=True)
    assert keyed.count('class="quiz-sheet"') == 2 and keyed.count("sheet-box ticked") == 30
    sheet = trainer.get(f"/train/cohorts/{cohort.id}/sheet").get_data(as_text=True)
    assert "data-print" in sheet and "print.js" in sheet


def test_typed_sheet_is_graded_and_the_next_learner_opens(trainer, content, classroom):
    cohort, people = classroom(learners=3)
    r = type_sheet(trainer, cohort, people[0], 2, key_letters(content, cohort, 2, wrong=2))
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"paper-entry?person={people[1].id}")
    [attempt] = submitted(people[0])
    assert attempt.mode == "paper" and (attempt.correct, attempt.total) == (13, 15)
    assert attempt.statement_ids == paper.variant_statement_ids(cohort, content, 2)
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Learner 1: 13 of 15 correct." in page and "Learner 2" in page
    # the last learner leads back to the cohort
    r = type_sheet(trainer, cohort, people[2], 1, key_letters(content, cohort, 1))
    assert r.headers["Location"].endswith(f"/train/cohorts/{cohort.id}/")


def test_a_sheet_sent_twice_counts_once(trainer, content, classroom):
    cohort, people = classroom(learners=1)
    page = trainer.get(f"/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}")
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": csrf_from(html), "token": token, "variant": "1",
            "answers": key_letters(content, cohort, 1)}
    url = f"/en/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}"
    assert trainer.client.post(url, data=data).status_code == 302
    assert trainer.client.post(url, data=data).status_code == 302
    assert len(submitted(people[0])) == 1


@pytest.mark.parametrize(("variant", "letters", "message"), [
    ("7", None, "Variant 7 does not exist"),
    ("", None, "Variant – does not exist"),
    ("x", None, "Variant x does not exist"),
    ("1", "TFTF", "4 answers typed, but the sheet has 15 statements"),
    ("1", "T" * 16, "16 answers typed, but the sheet has 15 statements"),
    ("1", "TFTFTFTFTFTFTFX", "X is not an answer: type T for True and F for False."),
])
def test_an_unknown_variant_or_a_wrong_count_is_refused_and_nothing_saved(
        trainer, content, classroom, variant, letters, message):
    cohort, people = classroom(learners=2)
    r = type_sheet(trainer, cohort, people[0], variant,
                   letters or key_letters(content, cohort, 1))
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert submitted(people[0]) == []
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


@pytest.mark.parametrize("lang", ["fr", "es", "ru", "ar", "zh"])
def test_the_letters_each_language_prints_are_accepted(trainer, app, content, classroom, lang):
    cohort, people = classroom(lang=lang, learners=1)
    with app.test_request_context(f"/{lang}/"):
        sheet = paper_quiz_sheets(cohort, content, 1, with_key=False).pages[0]
    true, false = LETTERS[lang]
    assert f"({true})" in sheet.true_label or f"（{true}）" in sheet.true_label
    assert f"({false})" in sheet.false_label or f"（{false}）" in sheet.false_label
    r = type_sheet(trainer, cohort, people[0], 1,
                   key_letters(content, cohort, 1, lang=lang, wrong=1), lang=lang)
    assert r.status_code == 302
    [attempt] = submitted(people[0])
    assert attempt.correct == 14
    # T and F work on any sheet, and so do lower case letters
    assert paper.parse_letters("t f", 2, [lang]) == [True, False]


def test_languages_letters_are_refused_where_that_sheet_was_not_printed(app, classroom):
    with app.test_request_context("/en/"):
        with pytest.raises(paper.EntryRefused) as refused:
            paper.parse_letters("В" * 15, 15, ["en"])
    assert refused.value.reason == "unknown-letter"


def test_answer_key_pdf_has_a_page_per_variant(trainer, classroom):
    cohort, _people = classroom(learners=5)
    r = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz.pdf?key=1&variants=4")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(r.data)).pages) == 4
    sheets = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz.pdf?variants=4")
    assert len(PdfReader(io.BytesIO(sheets.data)).pages) == 5


def test_the_entry_page_says_when_a_sheet_is_already_recorded(trainer, content, classroom):
    cohort, people = classroom(learners=2)
    url = f"/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}"
    assert "already recorded" not in trainer.get(url).get_data(as_text=True)
    type_sheet(trainer, cohort, people[0], 1, key_letters(content, cohort, 1, wrong=3))
    page = trainer.get(url).get_data(as_text=True)
    assert "A paper sheet of this learner is already recorded: 12 of 15 correct." in page


def test_a_sheet_in_the_learners_own_language_is_recorded_in_it(trainer, content, classroom):
    cohort, people = classroom(lang="en", learners=1, own="fr")
    page = trainer.get(f"/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}")
    html = page.get_data(as_text=True)
    assert 'name="sheet_language"' in html and "V for True, F for False." in html
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    r = trainer.client.post(
        f"/en/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}",
        data={"csrf_token": csrf_from(html), "token": token, "variant": "1",
              "sheet_language": "fr", "answers": key_letters(content, cohort, 1, lang="fr")})
    assert r.status_code == 302
    [attempt] = submitted(people[0])
    assert attempt.language == "fr" and attempt.correct == 15


def test_one_language_cohort_asks_no_sheet_language(trainer, classroom):
    cohort, people = classroom(learners=1)
    html = trainer.get(f"/train/cohorts/{cohort.id}/paper-entry").get_data(as_text=True)
    assert 'name="sheet_language"' not in html
