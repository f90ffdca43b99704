"""The session record a training officer files (PDF and XLSX), and the one status every page
gives a learner whose attendance at a classroom session counts for the slides and case
studies."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from training_app.certificates import codes
from training_app.extensions import db
from training_app.learn import services as learn
from training_app.models import Certificate, Enrolment, Mission
from training_app.printing.session_record import draw_session_record
from training_app.train import services as train
from training_app.train.printouts import session_record

from . import pdfcheck
from .conftest import Actions

NOTE = {"en": "Attended the classroom session (counts for the slides and case studies)"}
PRINTED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def session(app, mission, make_person, make_user, content):
    """A classroom session: Amina present and passed (certified), Kofi present, not yet
    passed, Li absent and never tried."""
    trainer = make_user(username="trainer1", password="trainer-pass-1")
    cohort = train.save_cohort(None, mission.id, "test", name="Induction GHANBATT",
                               session_date=date(2026, 11, 23), place="Camp Alpha, Tamale",
                               language="en", delivery_mode="classroom",
                               contingent_ids=[mission.contingents[0].id],
                               trainer_ids=[trainer.id])
    people = [make_person(number=n, name=name) for n, name in (
        ("GH-1", "Amina Diallo"), ("GH-2", "Kofi Mensah"), ("GH-3", "نور حداد"))]
    for p in people:
        db.session.add(Enrolment(cohort_id=cohort.id, person_id=p.id))
    db.session.commit()
    train.set_attendance(cohort, {people[0].id, people[1].id}, trainer, content,
                         app.instance_path)
    for person, right in ((people[0], 15), (people[1], 9)):
        attempt = learn.open_attempt(person.id, content, "en")
        answers = {sid: learn.answer_key(content.quiz, sid, attempt.mission_statements)
                   for sid in attempt.statement_ids}
        for sid in attempt.statement_ids[right:]:
            answers[sid] = not answers[sid]
        learn.submit_quiz(person, attempt, answers, content, "en", app.instance_path)
    return cohort, people


@pytest.fixture
def trainer(app, session):
    actions = Actions(app.test_client())
    actions.staff_login("trainer1", "trainer-pass-1")
    return actions


def printed_lines(data: bytes, page: int = 0) -> list[list[str]]:
    """The words pdftotext finds on a page, a list per printed line, left to right."""
    rows: dict[int, list] = {}
    for x0, y0, _x1, _y1, word in pdfcheck.poppler_words(data)[page]:
        rows.setdefault(round(y0), []).append((x0, word))
    return [[w for _x, w in sorted(words)] for _y, words in sorted(rows.items())]


def certificate_of(person) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))


def test_session_record_pdf_holds_date_place_trainer_attendance_results_codes(
        app, content, session):
    cohort, people = session
    with app.test_request_context("/en/"):
        record = session_record(cohort, content, "en", "Trainer1", PRINTED)
    doc = draw_session_record(record.text)
    data = doc.output()
    code = codes.display(certificate_of(people[0]).code)
    details = dict(record.text.details)
    assert details["Date"] == "23 November 2026" and details["Place"] == "Camp Alpha, Tamale"
    assert details["Trainers"] == "Trainer1" and details["Present"] == "2 of 3 enrolled"
    assert details["Certificates issued"] == "1" and details["Passed the quiz"] == "1"
    assert details["Slides and case studies"] == NOTE["en"]
    # the table, a learner a row, in the order of the board
    assert record.text.rows == (
        ("1", "Amina Diallo", "GH-1", "yes", "100%", "passed", code),
        ("2", "Kofi Mensah", "GH-2", "yes", "60%", "not passed", ""),
        ("3", "نور حداد", "GH-3", "no", "", "not attempted", ""))
    pdfcheck.check_document(doc, data, [record.text.title, *(v for kv in record.text.details
                                                              for v in kv)])
    lines = printed_lines(data)
    assert ["1", "Amina", "Diallo", "GH-1", "yes", "100%", "passed", code] in lines
    assert ["2", "Kofi", "Mensah", "GH-2", "yes", "60%", "not", "passed", "–"] in lines
    assert ["Date", "23", "November", "2026"] in lines
    assert ["Place", "Camp", "Alpha,", "Tamale"] in lines
    assert "Printed on 24 November 2026 by Trainer1".split() in lines


def test_a_long_roster_runs_on_with_the_heading_repeated(app, content, session,
                                                          make_person):
    cohort, _people = session
    for n in range(60):
        person = make_person(number=f"L-{n:02d}", name=f"Learner {n:02d}")
        db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
    db.session.commit()
    with app.test_request_context("/en/"):
        record = session_record(cohort, content, "en", "Trainer1", PRINTED)
    doc = draw_session_record(record.text)
    data = doc.output()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 2
    pdfcheck.check_frames(doc)
    for page in range(1, pages + 1):
        assert "Verification code" in pdfcheck.poppler_page_text(data, page)
    pdfcheck.check_printed(doc, [f"Learner {n:02d}" for n in range(60)])


def test_session_record_in_arabic_reads_right_to_left(app, content, session):
    cohort, _people = session
    with app.test_request_context("/ar/"):
        record = session_record(cohort, content, "ar", "Trainer1", PRINTED)
    doc = draw_session_record(record.text)
    data = doc.output()
    pdfcheck.check_document(doc, data, [record.text.title, *record.text.columns[1:]])
    heading = [b for b in doc.boxes if b.text == record.text.columns[1]][0]  # the name
    number = [b for b in doc.boxes if b.text == record.text.columns[2]][0]
    assert heading.x > number.x  # the first columns on the right


def test_session_record_xlsx_reads_back_and_is_safe(app, trainer, content, session,
                                                    make_person):
    cohort, people = session
    sly = make_person(number="GH-9", name="=HYPERLINK(\"http://x\")")
    db.session.add(Enrolment(cohort_id=cohort.id, person_id=sly.id))
    db.session.commit()
    r = trainer.get(f"/train/cohorts/{cohort.id}/session-record.xlsx")
    assert r.status_code == 200
    assert f"cohort-{cohort.id}-session-record.xlsx" in r.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(r.data))
    results, details = book["Results"], book["Session"]
    rows = [[c.value for c in row] for row in results.iter_rows()]
    assert rows[0] == ["Name", "Personnel number", "Personnel category", "Contingent",
                       "Present", "Best score (%)", "Result", "Verification code"]
    code = codes.display(certificate_of(people[0]).code)
    sly_row = next(row for row in rows if row[1] == "GH-9")
    assert sly_row[0] == "'=HYPERLINK(\"http://x\")"  # text, never run as a formula
    amina = next(row for row in rows if row[0] == "Amina Diallo")
    assert amina[4:] == ["yes", 100, "passed", code]
    assert all(results.cell(row=n, column=1).data_type == "s"
               for n in range(2, results.max_row + 1))
    facts = {row[0].value: row[1].value for row in details.iter_rows(min_row=2)}
    assert facts["Place"] == "Camp Alpha, Tamale" and facts["Trainers"] == "Trainer1"
    assert facts["Date"] == "23 November 2026"
    assert trainer.get(f"/train/cohorts/{cohort.id}/session-record.doc").status_code == 404


def test_the_cohort_page_links_the_session_record_and_outsiders_get_404(app, trainer,
                                                                       session, make_user):
    cohort, _people = session
    page = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    for fmt in ("pdf", "xlsx"):
        assert f'href="/en/train/cohorts/{cohort.id}/session-record.{fmt}"' in page
    pdf = trainer.get(f"/train/cohorts/{cohort.id}/session-record.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    other = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    outsider_user = make_user(username="outsider", password="correct horse 1")
    outsider_user.mission_id = other.id
    db.session.commit()
    outsider = Actions(app.test_client())
    outsider.staff_login("outsider", "correct horse 1")
    assert outsider.get(f"/train/cohorts/{cohort.id}/session-record.pdf").status_code == 404


# --- one truthful status ------------------------------------------------------------------

def test_every_page_says_attendance_counts_in_the_same_words(app, trainer, content, session,
                                                             make_user):
    cohort, people = session
    note = NOTE["en"]
    total = len(content.slides)
    # the learner's own home: the phrase, no slide count, no "when the steps are done"
    learner = Actions(app.test_client())
    learner.login("GH-1")
    home = learner.get("/").get_data(as_text=True)
    assert home.count(note) == 2  # for the slides and for the case studies
    assert f"0 of {total} slides seen" not in home
    assert "You have completed this module." in home
    assert "Available when the three steps above are done." not in home
    # the cohort board: the phrase where the counts were, for the two present
    board = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    assert board.count(note) == 2 and board.count(f"0 / {total}") == 1  # Li, absent
    # the results export
    rows = list(csv.reader(io.StringIO(trainer.get(
        f"/train/cohorts/{cohort.id}/results.csv").data.decode("utf-8-sig"))))
    amina = next(r for r in rows if r[0] == "Amina Diallo")
    assert amina[5] == amina[6] == note and amina[9] == "yes"
    li = next(r for r in rows if r[1] == "GH-3")
    assert li[5] == "0"
    # HQ's people behind the matrix, and a learner's record opened from there
    make_user(username="hq1", password="hq-pass-1", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq1", "hq-pass-1")
    mission_id = cohort.mission_id
    people_page = hq.get(f"/hq/missions/{mission_id}/people").get_data(as_text=True)
    assert people_page.count(note) == 2
    record = hq.get(f"/train/people/{people[0].id}").get_data(as_text=True)
    assert note in record and f"Slides: 0 of {total} seen" not in record
    absent = hq.get(f"/train/people/{people[2].id}").get_data(as_text=True)
    assert note not in absent and f"Slides: 0 of {total} seen" in absent


def test_the_learner_home_counts_progress_by_attendance(app, content, session):
    _cohort, people = session
    progress = learn.progress_of(people[1].id, content)  # present, quiz not passed
    assert progress.attended_classroom and not progress.slides_seen
    assert progress.percent == 67
    learner = Actions(app.test_client())
    learner.login("GH-2")
    home = learner.get("/").get_data(as_text=True)
    assert "Your progress: 67%" in home
    assert "Available when the three steps above are done." in home
    assert "Take the quiz" in home and "Continue with slide 1" not in home


def test_the_status_reads_the_same_in_arabic_on_every_page(app, trainer, session, make_user):
    cohort, people = session
    with app.test_request_context("/ar/"):
        from flask_babel import force_locale

        with force_locale("ar"):
            note = learn.attendance_note()
    assert note != NOTE["en"]
    learner = Actions(app.test_client(), lang="ar")
    learner.login("GH-1")
    assert learner.get("/").get_data(as_text=True).count(note) == 2
    trainer.lang = "ar"
    assert trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True).count(note) == 2
    assert trainer.get(f"/train/people/{people[0].id}").get_data(as_text=True).count(note) == 1
