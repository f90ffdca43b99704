"""Trainers: cohorts, join codes, roster import, presenter, attendance, paper quiz, results."""

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import (
    Certificate,
    Cohort,
    Completion,
    Contingent,
    Enrolment,
    Mission,
    Person,
    QuizAttempt,
    User,
)

from .conftest import Actions, csrf_from, route_urls

HEADER = "Personnel number,Name,Personnel category,Contingent,Preferred language\r\n"


def upload(trainer, cohort, data: bytes, filename="roster.csv"):
    page = trainer.get(f"/train/cohorts/{cohort.id}/roster").get_data(as_text=True)
    return trainer.client.post(f"/en/train/cohorts/{cohort.id}/roster", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def people_count(mission):
    return db.session.scalar(select(func.count(Person.id)).where(
        Person.mission_id == mission.id))


def test_trainer_creates_a_cohort_with_a_join_code_and_sheet(trainer, mission):
    r = trainer.post_form("/train/cohorts/new", {
        "name": "Induction 12", "session_date": "2026-12-01", "place": "Sector West HQ",
        "language": "fr", "delivery_mode": "classroom",
        "contingents": str(mission.contingents[1].id)})
    assert r.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Induction 12"))
    assert len(cohort.join_code) == 8 and cohort.contingents[0].unit == "NEPBATT"
    assert [u.username for u in cohort.trainers] == ["trainer1"]
    sheet = trainer.get(f"/train/cohorts/{cohort.id}/sheet").get_data(as_text=True)
    assert cohort.join_code in sheet and "<svg" in sheet
    assert f"/fr/join/{cohort.join_code}" in sheet


def test_learner_joins_with_the_code(app, trainer, cohort, make_person):
    make_person(number="J-1")
    learner = Actions(app.test_client())
    learner.login(number="J-1")
    r = learner.post_form("/join", {"code": cohort.join_code.lower()})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/join/{cohort.join_code}")
    learner.post_form(f"/join/{cohort.join_code}", {})
    assert db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id)) == 1
    assert learner.get("/join/NOPE1234").status_code == 404


def test_roster_preview_then_all_or_nothing_import(trainer, cohort, mission, make_person):
    make_person(number="GH-100", name="Old Name")
    data = (HEADER + "GH-100,New Name,Military member of a national contingent,"
            "GH GHANBATT,en\r\n"
            "GH-101,Ama Owusu,police,GH — GHANBATT,français\r\n"
            "GH-102,Kwesi Appiah,UN volunteer,,es\r\n").encode()
    r = upload(trainer, cohort, data)
    assert r.status_code == 302
    preview = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "3 rows: 2 new, 1 to update, 0 unchanged, 0 with errors" in preview
    assert people_count(mission) == 1  # nothing written yet
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    done = trainer.client.post(r.headers["Location"], data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert people_count(mission) == 3
    person = db.session.scalar(select(Person).where(Person.personnel_number == "GH-100"))
    assert person.name == "New Name"
    ama = db.session.scalar(select(Person).where(Person.personnel_number == "GH-101"))
    assert ama.language == "fr" and ama.category == "police"
    assert db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id)) == 3
    # the same file again: matched, not duplicated
    r = upload(trainer, cohort, data)
    preview = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "0 new, 0 to update, 3 unchanged" in preview


@pytest.mark.parametrize("encoding,delimiter,bom", [
    ("utf-8", ",", False), ("utf-8", ";", True), ("utf-16", ";", False),
    ("cp1252", ";", False)])
def test_roster_encodings_and_excel_semicolons(trainer, cohort, encoding, delimiter, bom):
    text = HEADER.replace(",", delimiter) + delimiter.join(
        ["FR-7", "Chloé Lefèvre", "police", "GH GHANBATT", "fr"]) + "\r\n"
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    r = upload(trainer, cohort, data)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    preview = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Chloé Lefèvre" in preview and "1 new" in preview


def test_roster_from_xlsx(trainer, cohort):
    wb = Workbook()
    ws = wb.active
    ws.append(["Personnel number", "Name", "Personnel category", "Contingent",
               "Preferred language"])
    ws.append(["NP-1", "Sita Gurung", "military-contingent", "NP NEPBATT", "en"])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(trainer, cohort, buf.getvalue(), "roster.xlsx")
    preview = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Sita Gurung" in preview and "1 new" in preview


def test_template_in_each_language_is_accepted_back_and_imports_nobody(trainer, cohort,
                                                                     mission):
    before = people_count(mission)
    for lang in ("ar", "zh", "ru"):
        template = trainer.client.get(f"/{lang}/train/roster-template.csv").data
        r = upload(trainer, cohort, template)
        # its headings are understood (no "Columns missing"), and it has no sample person
        assert r.status_code == 200, lang
        assert "The file has column headings but no people." in r.get_data(as_text=True)
    assert people_count(mission) == before


@pytest.mark.parametrize("data,message", [
    (b"", "The file is empty."),
    (b"Name,Rank\r\nA,B\r\n", "Columns missing"),
    (HEADER.encode(), "column headings but no people"),
    ((HEADER + "X-1,A B,police,GH GHANBATT,en\r\nX-1,C D,police,GH GHANBATT,en\r\n").encode(),
     "the same number is on line 2"),
    ((HEADER + "X-2,A B,general,GH GHANBATT,en\r\n").encode(), "unknown category"),
    ((HEADER + "X-3,A B,police,ZZ NOWHERE,en\r\n").encode(), "unknown contingent"),
    ((HEADER + "X-4,A B,police,GH GHANBATT,klingon\r\n").encode(), "unknown language"),
    ((HEADER + "X-5,Zoë,police,GH GHANBATT,en\r\n").encode("utf-8")
     + "X-6,Zoë,police,GH GHANBATT,en\r\n".encode("cp1252"), "mixes text encodings"),
    (b"PK\x03\x04garbage", "not a readable XLSX"),
    # people who cannot exist: a contingent member without a contingent, civilians in one
    ((HEADER + "X-7,A B,military-contingent,,en\r\n").encode(), "needs their contingent"),
    ((HEADER + "X-8,A B,national-staff,GH GHANBATT,en\r\n").encode(),
     "do not belong to a national contingent"),
])
def test_malformed_rosters_get_a_clear_message_and_write_nothing(trainer, cohort, mission,
                                                                 data, message):
    before = people_count(mission)
    r = upload(trainer, cohort, data)
    if r.status_code == 302:  # row-level errors: the preview names row and column
        page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
        assert message in page
        assert re.search(r"<td>\d+</td>\s*<td><strong class=\"error\">", page)
        confirm = trainer.client.post(r.headers["Location"], data={
            "csrf_token": csrf_from(page)})
        assert confirm.status_code == 200 and "Nothing was imported" in confirm.get_data(
            as_text=True)
    else:
        assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert people_count(mission) == before


def test_ten_thousand_rows_import_whole(trainer, cohort, mission):
    # Short cells keep the body under the test client's 500 KB spooling threshold: above it,
    # the spooled body's file descriptor was closed late and broke a later test's font file.
    lines = [HEADER] + [f"B{i},P {i},police,GH GHANBATT,en\r\n" for i in range(10000)]
    # rows and size are what this test is about, not how busy the machine is
    trainer.client.application.config["IMPORT_TIME_LIMIT"] = 600
    r = upload(trainer, cohort, "".join(lines).encode())
    assert r.status_code == 302
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "10000 rows: 10000 new" in page and "Showing the first 2000 rows" in page
    trainer.client.post(r.headers["Location"], data={"csrf_token": csrf_from(page)})
    assert people_count(mission) == 10000
    assert db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id)) == 10000


CLAIM_CODE = re.compile(r'<p class="slip-name">([^<]+) · ([A-Z0-9-]+)</p>\s*<p>[^<]*'
                        r'<strong class="code">([A-Z0-9-]+)</strong>')


def print_claim_slips(trainer, cohort) -> dict[str, str]:
    """Personnel number -> the code on that person's slip."""
    board = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    page = trainer.client.post(f"/en/train/cohorts/{cohort.id}/claim-slips",
                               data={"csrf_token": csrf_from(board)}).get_data(as_text=True)
    return {number: code for _name, number, code in CLAIM_CODE.findall(page)}


def claim(app, number, code, pin="rose-pin-77"):
    learner = Actions(app.test_client())
    return learner, learner.post_form("/claim", {"personnel_number": number, "code": code,
                                                 "pin": pin, "pin_again": pin})


def test_roster_people_take_up_their_account_only_with_their_own_claim_code(
        app, trainer, cohort):
    from training_app.models import AuditEvent

    r = upload(trainer, cohort, (HEADER + "RP-1,Rose Pin,police,GH GHANBATT,en\r\n"
                                 "RP-2,Ravi Patel,police,GH GHANBATT,en\r\n").encode())
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    trainer.client.post(r.headers["Location"], data={"csrf_token": csrf_from(page)})
    # the join code and a classmate's personnel number are no way in any more
    stranger = Actions(app.test_client())
    join = stranger.post_form(f"/join/{cohort.join_code}", {"personnel_number": "RP-1",
                                                              "pin": "hijack-123"},
                              page="/login")
    assert join.status_code == 200 and db.session.scalar(
        select(Person.pin_hash).where(Person.personnel_number == "RP-1")) is None
    codes = print_claim_slips(trainer, cohort)
    assert set(codes) == {"RP-1", "RP-2"} and codes["RP-1"] != codes["RP-2"]
    # Ravi's code with Rose's number (a typo, or a takeover) is refused and changes nothing
    _thief, refused = claim(app, "RP-1", codes["RP-2"], "hijack-123")
    assert refused.status_code == 422
    assert "does not match this personnel number" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Person.pin_hash).where(
        Person.personnel_number.in_(["RP-1", "RP-2"])).limit(1)) is None
    learner, ok = claim(app, "rp-1", codes["RP-1"].lower())
    assert ok.status_code == 302 and "Rose Pin" in learner.get("/").get_data(as_text=True)
    _again, reused = claim(app, "RP-1", codes["RP-1"], "hijack-123")
    assert reused.status_code == 422 and "already been used" in reused.get_data(as_text=True)
    assert Actions(app.test_client()).login(number="RP-1", pin="rose-pin-77").status_code == 302
    assert Actions(app.test_client()).login(number="RP-1", pin="hijack-123").status_code == 200
    events = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "claim_codes.issued" in events and events.count("account.claimed") == 1
    # printing again replaces the codes of those still without a PIN
    assert set(print_claim_slips(trainer, cohort)) == {"RP-2"}
    _late, stale = claim(app, "RP-2", codes["RP-2"])
    assert stale.status_code == 422 and "expired" in stale.get_data(as_text=True)


def enrol_people(cohort, make_person, n=3):
    people = []
    for i in range(n):
        p = make_person(number=f"C-{i}", name=f"Learner {i}")
        db.session.add(Enrolment(cohort_id=cohort.id, person_id=p.id))
        people.append(p)
    db.session.commit()
    return people


def test_paper_quiz_after_attendance_completes_and_certifies(app, trainer, cohort, make_person,
                                                             content):
    from training_app.train import paper

    people = enrol_people(cohort, make_person)
    plain = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz").get_data(as_text=True)
    keyed = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz?key=1").get_data(as_text=True)
    assert plain.count('class="quiz-sheet"') == 3 and "sheet-box ticked" not in plain
    assert keyed.count("sheet-box ticked") == 45  # three variants, fifteen answers each
    # attendance, then the paper answers: the learner completes and gets a certificate
    page = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    trainer.client.post(f"/en/train/cohorts/{cohort.id}/attendance", data={
        "csrf_token": csrf_from(page), "present": [str(people[0].id)]})
    entry = trainer.get(f"/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}")
    html = entry.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    letters = "".join("T" if content.quiz.statement(sid).answer else "F"
                      for sid in paper.variant_statement_ids(cohort, content, 3))
    r = trainer.client.post(f"/en/train/cohorts/{cohort.id}/paper-entry?person={people[0].id}",
                            data={"csrf_token": csrf_from(html), "token": token,
                                  "variant": "3", "answers": letters})
    assert r.status_code == 302
    attempts = db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.person_id == people[0].id, QuizAttempt.submitted_at.is_not(None))).all()
    assert len(attempts) == 1 and attempts[0].mode == "paper" and attempts[0].correct == 15
    assert db.session.scalar(select(Certificate).where(
        Certificate.person_id == people[0].id)) is not None


def test_board_results_and_item_analysis(app, trainer, cohort, make_person, content):
    from training_app.learn import services as learn

    people = enrol_people(cohort, make_person)
    learn.record_slide_view(people[1].id, content.slides[0].id)
    attempt = learn.open_attempt(people[1].id, content, "fr")
    answers = {sid: learn.answer_key(content.quiz, sid, attempt.mission_statements)
               for sid in attempt.statement_ids}
    wrong_id = attempt.statement_ids[0]
    answers[wrong_id] = not answers[wrong_id]
    learn.submit_attempt(attempt, answers, content.quiz, 0.8)
    page = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    assert "Learner 1" in page and "1 / 14" in page and "93%" in page
    assert "1 of 1 answers wrong" in page and "fr: 1/1" in page
    board = trainer.get(f"/train/cohorts/{cohort.id}/board.json").json
    assert {r["id"]: r["attempts"] for r in board["rows"]}[people[1].id] == 1

    people[2].name = "=cmd|' /C calc'!A0"
    db.session.commit()
    text = trainer.get(f"/train/cohorts/{cohort.id}/results.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and not any(c.startswith("=") for r in rows for c in r)
    sheet = load_workbook(io.BytesIO(
        trainer.get(f"/train/cohorts/{cohort.id}/results.xlsx").data)).active
    assert sheet.max_row == 4


def test_cohort_certificates_in_one_pdf_a_page_each(app, trainer, cohort, make_person, content):
    from training_app.certificates.services import issue_on_completion

    people = enrol_people(cohort, make_person)
    for p, lang in zip(people, ("en", "ar", "fr"), strict=True):
        c = Completion(person_id=p.id, module_id="sgtm1", content_version="v")
        db.session.add(c)
        db.session.commit()
        issue_on_completion(p, c, lang, app.instance_path)
    pdf = trainer.get(f"/train/cohorts/{cohort.id}/certificates.pdf")
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 3
    assert "Learner 2" in reader.pages[2].extract_text()


def train_urls(app, cohort_id):
    """Every trainer route about one cohort, filled in."""
    values = {"lang": "en", "cohort_id": cohort_id, "number": 1, "fmt": "csv", "token": "abc"}
    return [(path, methods) for _endpoint, path, methods in route_urls(
        app, values, lambda rule: rule.endpoint.startswith("train.")
        and "cohort_id" in rule.arguments)]


def test_a_trainer_sees_only_cohorts_of_their_mission(app, trainer, make_user):
    other = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(other)
    db.session.flush()
    db.session.add(Contingent(mission_id=other.id, country="FJ", unit="FIJIBATT"))
    db.session.commit()
    from training_app.train import services

    foreign = services.save_cohort(None, other.id, "test", name="Secret cohort",
                                   session_date=date(2026, 1, 1), place="", language="en",
                                   delivery_mode="classroom", contingent_ids=[],
                                   trainer_ids=[])
    token = csrf_from(trainer.get("/").get_data(as_text=True))
    urls = train_urls(app, foreign.id)
    assert len(urls) >= 14
    for path, methods in urls:
        for method in methods:
            r = trainer.client.open(path, method=method, data={"csrf_token": token})
            assert r.status_code == 404, (method, path, r.status_code)
    assert "Secret cohort" not in trainer.get("/train/").get_data(as_text=True)


def test_learners_and_anonymous_cannot_use_trainer_pages(app, cohort, make_person):
    make_person(number="L-1")
    learner = Actions(app.test_client())
    learner.login(number="L-1")
    token = csrf_from(learner.get("/").get_data(as_text=True))
    anonymous = app.test_client()
    for path, methods in train_urls(app, cohort.id) + [("/en/train/", ["GET"])]:
        for method in methods:
            assert learner.client.open(path, method=method,
                                       data={"csrf_token": token}).status_code == 403, path
        r = anonymous.get(path) if "GET" in methods else None
        if r is not None:
            assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_hq_creates_trainer_accounts_for_its_mission(app, mission, make_user):
    make_user(username="hq9", password="hq-password-9", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq9", "hq-password-9")
    r = hq.post_form(f"/hq/missions/{mission.id}/staff", {
        "username": "NewTrainer", "name": "Capt. New", "password": "long-password-1"})
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "newtrainer"))
    assert user.role == "trainer" and user.mission_id == mission.id
    dup = hq.post_form(f"/hq/missions/{mission.id}/staff", {
        "username": "newtrainer", "name": "X", "password": "long-password-2"})
    assert "This username is taken" in dup.get_data(as_text=True)
