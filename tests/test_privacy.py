"""Personal data: kept only as long as the mission says, erased on request, given back on
request, case-study answers seen only by who needs them, exports that leave the mission,
and the privacy notice."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from training_app import privacy
from training_app.certificates import services as certificates
from training_app.extensions import db
from training_app.hq import services as hq
from training_app.learn import services as learn
from training_app.models import (
    AuditEvent,
    CaseStudyResponse,
    Certificate,
    Completion,
    Enrolment,
    Person,
    QuizAttempt,
    SlideView,
)

from .conftest import Actions, csrf_from
from .test_sync import Camp, seal_to_hq, trust_camp

LONG_AGO = datetime(2022, 3, 1, tzinfo=UTC)
ANSWER = "I would refuse, report it to the Focal Point and warn my commander."


def completes(person, content, app, answer=ANSWER):
    """The person goes through the whole module and gets a certificate; returns its code."""
    for slide in content.slides:
        learn.record_slide_view(person.id, slide.id)
    for case_id in content.case_study_ids:
        learn.save_case_study_answer(person.id, case_id, answer)
    attempt = learn.open_attempt(person.id, content, "en", person.mission)
    answers = {sid: learn.answer_key(content.quiz, sid, attempt.mission_statements)
               for sid in attempt.statement_ids}
    learn.submit_attempt(attempt, answers, content.quiz, 0.8)
    completion = learn.record_completion(person, content)
    return certificates.issue_on_completion(person, completion, "en", app.instance_path).code


def age(person_id: int, when: datetime = LONG_AGO) -> None:
    """Everything the person did happened at `when`."""
    for model, columns in ((Person, ("created_at", "updated_at")),
                           (SlideView, ("first_seen_at",)),
                           (CaseStudyResponse, ("created_at", "updated_at")),
                           (QuizAttempt, ("started_at", "submitted_at")),
                           (Completion, ("completed_at",)), (Certificate, ("issued_at",)),
                           (Enrolment, ("enrolled_at",))):
        key = model.id if model is Person else model.person_id
        db.session.execute(update(model).where(key == person_id)
                           .values(**dict.fromkeys(columns, when)))
    db.session.execute(update(Person).where(Person.id == person_id)
                       .values(completed_at=when))
    db.session.commit()


@pytest.fixture
def people(app, mission, make_person, content):
    """Six long-inactive people (five completed) and one active learner."""
    old = []
    for i in range(6):
        person = make_person(number=f"OLD-{i}", name=f"Old Learner {i}",
                             category="military-contingent" if i < 4 else "police",
                             contingent=i < 4)
        code = completes(person, content, app) if i < 5 else None
        age(person.id)
        old.append((person.id, code))
    active = make_person(number="NEW-1", name="Active Learner")
    learn.save_case_study_answer(active.id, content.case_study_ids[0], ANSWER)
    return old, active.id


def totals(mission_id):
    table = hq.completion_matrix(mission_id, hq.MatrixFilters())
    cells = {(c.id if c else None, cat): (cell.completed, cell.enrolled, cell.revoked)
             for c, row, _total in table.rows for cat, cell in row.items()}
    return cells, (table.total.completed, table.total.enrolled, table.total.revoked)


# --- retention ---------------------------------------------------------------------------------

def test_a_mission_without_retention_period_keeps_everything(app, runner, mission, people):
    result = runner.invoke(args=["data", "prune"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    assert db.session.scalar(select(Person).where(Person.personnel_number == "OLD-0"))


def test_dry_run_counts_per_kind_and_removes_nothing(app, runner, mission, people, content):
    mission.retention_months = 24
    db.session.commit()
    result = runner.invoke(args=["data", "prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    cases = len(content.case_study_ids)
    assert (f"UNTEST: would remove 6 people, {5 * cases} case study answers, 5 quiz answers"
            in result.output)
    assert "5 certificates" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Person).where(Person.personnel_number == "OLD-0")).name \
        == "Old Learner 0"
    assert db.session.scalar(select(db.func.count(CaseStudyResponse.id))) == 5 * cases + 1


def test_prune_removes_what_is_past_retention_and_keeps_totals_and_codes(
        app, runner, client, mission, people):
    old, active_id = people
    before = totals(mission.id)
    mission.retention_months = 24
    db.session.commit()

    result = runner.invoke(args=["data", "prune"])
    assert result.exit_code == 0 and "UNTEST: removed 6 people" in result.output, result.output

    db.session.expire_all()
    assert totals(mission.id) == before  # HQ's counts per contingent and category stay right
    for person_id, _code in old:
        person = db.session.get(Person, person_id)
        assert person.pruned_at and person.name == "" and person.pin_hash is None
        assert not person.personnel_number.startswith("OLD")
    assert db.session.scalar(select(db.func.count(CaseStudyResponse.id))) == 1  # the active one
    assert db.session.scalar(select(db.func.count(QuizAttempt.id)).where(
        QuizAttempt.answers.is_not(None))) == 0
    assert db.session.get(Person, active_id).name == "Active Learner"
    assert "Old Learner" not in json.dumps([e.target_label for e in
                                            db.session.scalars(select(AuditEvent))])

    # a pruned certificate still verifies, without its holder's details
    page = client.get(f"/en/verify/{old[0][1]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "VALID" in html
    assert "details have been removed" in html and "Old Learner" not in html
    cli = runner.invoke(args=["certificates", "verify", old[0][1]])
    assert cli.exit_code == 0 and "holder's details removed" in cli.output
    assert "Old Learner" not in cli.output

    # a second run finds nothing more
    again = runner.invoke(args=["data", "prune"])
    assert "removed 0 people" in again.output


def test_recent_activity_keeps_a_person(app, mission, make_person, content):
    person = make_person(number="OLD-X")
    age(person.id)
    learn.record_slide_view(person.id, content.slides[0].id)  # came back today
    mission.retention_months = 12
    db.session.commit()
    assert privacy.past_retention(mission) == []
    age(person.id)
    assert privacy.past_retention(mission) == [person.id]


def test_retention_counts_calendar_months():
    assert privacy.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == \
        datetime(2026, 2, 28, tzinfo=UTC)
    assert privacy.months_before(datetime(2026, 1, 15, tzinfo=UTC), 24) == \
        datetime(2024, 1, 15, tzinfo=UTC)


# --- HQ: erasure, access, settings -------------------------------------------------------------

@pytest.fixture
def hq_client(app, staff_of_two_missions):
    client = Actions(app.test_client())
    client.staff_login("hq1", "hq-password-1")
    return client


def erase(client, mission_id, person_id, reason="Asked in writing on 1 December",
          confirm="y"):
    page = f"/hq/missions/{mission_id}/people/{person_id}/data"
    data = {"reason": reason}
    if confirm:
        data["confirm"] = confirm
    return client.post_form(f"/hq/missions/{mission_id}/people/{person_id}/erase", data,
                            page=page)


def test_hq_erases_a_person_with_a_reason_audited_without_their_details(
        app, mission, make_person, content, hq_client, client, runner):
    person = make_person(number="ER-77", name="Erased Example")
    code = completes(person, content, app)
    before = totals(mission.id)

    refused = erase(hq_client, mission.id, person.id, reason="")
    assert refused.status_code == 422
    unconfirmed = erase(hq_client, mission.id, person.id, confirm=None)
    assert unconfirmed.status_code == 422
    db.session.expire_all()
    assert db.session.get(Person, person.id).erased_at is None

    done = erase(hq_client, mission.id, person.id,
                 reason="Erased Example (ER-77) asked on 1 December")
    assert done.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Person, person.id)
    assert erased.erased_at and erased.name == "" and erased.pin_hash is None
    assert totals(mission.id) == before
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
    logged = json.dumps([event.target, event.target_label, event.details])
    assert "Erased Example" not in logged and "ER-77" not in logged
    assert "asked on 1 December" in event.details["reason"]
    log = hq_client.get(f"/hq/missions/{mission.id}/audit").get_data(as_text=True)
    assert "Erased Example" not in log and "Personal data erased on request" in log

    # the certificate exists, its holder's details are gone
    html = client.get(f"/en/verify/{code}").get_data(as_text=True)
    assert "VALID" in html and "Erased Example" not in html and "details have been removed" in html
    # the erased person can no longer sign in
    assert Actions(app.test_client()).login(number="ER-77",
                                            mission_id=mission.id).status_code != 302


def test_nothing_is_signed_or_printed_again_in_an_erased_persons_name(
        app, mission, make_person, content, hq_client):
    person = make_person(number="ER-5", name="Printed Example")
    code = completes(person, content, app)
    erase(hq_client, mission.id, person.id)
    page = hq_client.get(f"/hq/missions/{mission.id}/certificates/{code}")
    assert page.status_code == 200 and "Printed Example" not in page.get_data(as_text=True)
    assert "Issue a new certificate" not in page.get_data(as_text=True)
    assert hq_client.get(f"/hq/missions/{mission.id}/certificates/{code}/badge.json"
                         ).status_code == 410
    again = hq_client.post_form(f"/hq/missions/{mission.id}/certificates/{code}/reissue",
                                {"reason": "Asked for a new copy"},
                                page=f"/hq/missions/{mission.id}/certificates/{code}")
    assert again.status_code == 409
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 1


def test_erasure_ends_the_learners_sessions(app, mission, make_person, hq_client):
    person = make_person(number="ER-2")
    learner = Actions(app.test_client())
    learner.login(number="ER-2", mission_id=mission.id)
    assert learner.get("/my-data").status_code == 200
    erase(hq_client, mission.id, person.id)
    assert learner.get("/my-data").status_code == 302  # sent to sign in


def test_hq_and_learner_get_everything_about_the_person_and_nothing_else(
        app, mission, make_person, content, hq_client):
    person = make_person(number="AX-1", name="Access Example")
    code = completes(person, content, app, answer="My own careful answer, in my words.")
    other = make_person(number="AX-2", name="Somebody Else")
    learn.save_case_study_answer(other.id, content.case_study_ids[0], "Another person's text.")
    certificates.revoke_certificate(db.session.scalar(select(Certificate).where(
        Certificate.code == code)), "Misconduct finding 12/2026", "system:test")

    learner = Actions(app.test_client())
    learner.login(number="AX-1", mission_id=mission.id)
    data = learner.get("/my-data.json").get_json()
    assert data["profile"]["name"] == "Access Example"
    assert data["profile"]["personnel_number"] == "AX-1"
    assert len(data["slides_seen"]) == len(content.slides)
    assert {a["answer"] for a in data["case_study_answers"]} == {
        "My own careful answer, in my words."}
    assert data["quiz_attempts"][0]["answers"]
    assert data["certificates"][0]["code"] == code and data["certificates"][0]["revoked_at"]
    assert {"Certificate issued", "Certificate revoked"} <= {e["what"]
                                                             for e in data["audit_entries"]}
    text = json.dumps(data)
    assert "Somebody Else" not in text and "AX-2" not in text and "Another person" not in text
    # the revocation reason stays for HQ, as everywhere else
    assert "Misconduct finding" not in text

    page = learner.get("/my-data").get_data(as_text=True)
    assert "My own careful answer" in page and "Somebody Else" not in page
    french = Actions(app.test_client(), lang="fr")
    french.login(number="AX-1", mission_id=mission.id)
    assert "Mes données" in french.get("/my-data").get_data(as_text=True)

    by_hq = hq_client.get(f"/hq/missions/{mission.id}/people/{person.id}/data.json")
    assert by_hq.status_code == 200 and "attachment" in by_hq.headers["Content-Disposition"]
    assert by_hq.get_json()["profile"]["name"] == "Access Example"
    assert "Misconduct finding" in json.dumps(by_hq.get_json())
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "person.data_exported", AuditEvent.person_id == person.id))


def test_hq_sets_the_retention_period(app, mission, hq_client):
    page = f"/hq/missions/{mission.id}/settings"
    html = hq_client.get(page).get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "name": mission.name, "retention_months": "24",
            "certificate_second_language": ""}
    assert hq_client.client.post(f"/en{page}", data=form).status_code == 302
    db.session.expire_all()
    assert mission.retention_months == 24
    form["retention_months"] = "-3"
    assert hq_client.client.post(f"/en{page}", data=form).status_code == 200
    db.session.expire_all()
    assert mission.retention_months == 24
    form["retention_months"] = ""
    hq_client.client.post(f"/en{page}", data=form)
    db.session.expire_all()
    assert mission.retention_months is None


def test_another_missions_hq_cannot_see_or_erase_a_person(app, mission, make_person,
                                                           staff_of_two_missions):
    person = make_person(number="OM-1")
    other = Actions(app.test_client())
    other.staff_login("otherhq", "other-pass-1")
    base = f"/hq/missions/{mission.id}/people/{person.id}"
    assert other.get(f"{base}/data").status_code == 404
    assert other.get(f"{base}/data.json").status_code == 404


# --- camp bundles ------------------------------------------------------------------------------

def test_a_camp_bundle_does_not_bring_an_erased_person_back(
        app, mission, tmp_path, runner, hq_client):
    camp = Camp(tmp_path)
    try:
        seal_to_hq(camp, runner, tmp_path)
        camp.learner_completes(number="CAMP-9", name="Camp Person")
        trust_camp(camp, runner, tmp_path, "--mission", mission.code)
        bundle = camp.export(tmp_path / "first.sgtm1sync")
        assert runner.invoke(args=["sync", "import", str(bundle)]).exit_code == 0
        person = db.session.scalar(select(Person).where(Person.personnel_number == "CAMP-9"))
        erase(hq_client, mission.id, person.id)

        again = camp.export(tmp_path / "again.sgtm1sync")  # the camp still has everything
        result = runner.invoke(args=["sync", "import", str(again)])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert db.session.scalar(select(Person).where(
            Person.personnel_number == "CAMP-9")) is None
        assert db.session.scalar(select(db.func.count(Person.id)).where(
            Person.name == "Camp Person")) == 0
        assert db.session.scalar(select(db.func.count(CaseStudyResponse.id))) == 0
        # and HQ's own bundles leave the erased person out (sealed, here, to HQ's own key)
        own_key = tmp_path / "own-key.json"
        own_key.write_text(runner.invoke(args=["sync", "key"]).output)
        assert runner.invoke(args=["sync", "send-to", str(own_key), "--mission",
                                   "UNTEST"]).exit_code == 0
        out = runner.invoke(args=["sync", "export", "-o", str(tmp_path / "hq.sgtm1sync"),
                                  "--mission", "UNTEST"])
        assert out.exit_code == 0 and "0 people" in out.output
    finally:
        with camp.app.app_context():
            db.engine.dispose()


# --- case-study answers ------------------------------------------------------------------------

@pytest.fixture
def two_cohorts(app, mission, make_person, staff_of_two_missions, make_user):
    """trainer1 runs the learner's cohort; trainer2 runs another cohort of the mission."""
    from training_app.models import User
    from training_app.train import services as train

    learner = make_person(number="CS-1", name="Case Learner")
    learn.save_case_study_answer(learner.id, "off-limits-bar", "A sensitive detail I wrote.")
    make_user("trainer2", "trainer-pass-2", "trainer")
    ids = {u.username: u.id for u in db.session.scalars(select(User))}
    ours = train.save_cohort(None, mission.id, "system:test", name="Ours", place="",
                             session_date=date(2026, 1, 1), language="en",
                             delivery_mode="classroom", contingent_ids=[],
                             trainer_ids=[ids["trainer1"]])
    train.save_cohort(None, mission.id, "system:test", name="Theirs", place="",
                      session_date=date(2026, 1, 2), language="en", delivery_mode="classroom",
                      contingent_ids=[], trainer_ids=[ids["trainer2"]])
    db.session.add(Enrolment(cohort_id=ours.id, person_id=learner.id))
    db.session.commit()
    return learner


@pytest.mark.parametrize("who, password, sees", [
    ("trainer1", "trainer-pass-1", True), ("hq1", "hq-password-1", True),
    ("trainer2", "trainer-pass-2", False), ("otherhq", "other-pass-1", False),
    ("othertrainer", "other-pass-1", False)])
def test_case_answers_are_seen_by_the_cohorts_trainer_and_hq_only(app, two_cohorts, who,
                                                                  password, sees):
    staff = Actions(app.test_client())
    staff.staff_login(who, password)
    page = staff.get(f"/train/people/{two_cohorts.id}")
    assert ("A sensitive detail I wrote." in page.get_data(as_text=True)) is sees
    if not sees:
        assert page.status_code == 404
    hq_page = staff.get(f"/hq/missions/{two_cohorts.mission_id}/people/{two_cohorts.id}/data")
    assert ("A sensitive detail I wrote." in hq_page.get_data(as_text=True)) is (who == "hq1")


def test_case_answers_are_in_no_export(app, mission, two_cohorts, hq_client):
    texts = []
    for query in ("table=people&fmt=csv", "table=matrix&fmt=csv",
                  "table=people&fmt=csv&suppress_small=&omit_names="):
        texts.append(hq_client.get(f"/hq/missions/{mission.id}/export?{query}")
                     .get_data(as_text=True))
    texts.append(hq_client.get(f"/hq/missions/{mission.id}/audit?format=csv")
                 .get_data(as_text=True))
    texts.append(hq_client.get(f"/hq/missions/{mission.id}/matrix.csv").get_data(as_text=True))
    assert not any("sensitive detail" in t for t in texts)


# --- exports that leave the mission ------------------------------------------------------------

def rows_of(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_exports_suppress_small_cells_and_omit_names_unless_unticked(
        app, mission, make_person, hq_client):
    for i in range(7):
        make_person(number=f"EX-{i}", name=f"Exported {i}",
                    category="military-contingent" if i < 5 else "police")
    page = hq_client.get(f"/hq/missions/{mission.id}/export").get_data(as_text=True)
    assert "Never included" in page and "&lt;5" in page

    base = f"/hq/missions/{mission.id}/export?fmt=csv"
    matrix = rows_of(hq_client.get(f"{base}&table=matrix&suppress_small=y"))
    cells = [v for row in matrix[1:] for v in row[1:]]
    assert "<5" in cells and "5" in cells and "2" not in cells and "7" in cells
    exact = rows_of(hq_client.get(f"{base}&table=matrix"))
    assert "2" in [v for row in exact[1:] for v in row[1:]]

    anonymous = hq_client.get(f"{base}&table=people&omit_names=y").get_data(as_text=True)
    assert "Exported" not in anonymous and "EX-1" not in anonymous
    assert len(rows_of(hq_client.get(f"{base}&table=people&omit_names=y"))) == 8
    named = hq_client.get(f"{base}&table=people").get_data(as_text=True)
    assert "Exported 3" in named and "EX-3" in named


def test_an_export_link_without_options_is_the_safe_one(app, mission, make_person, hq_client):
    make_person(number="EX-9", name="Single Person")
    # the bare page shows both boxes ticked
    html = hq_client.get(f"/hq/missions/{mission.id}/export").get_data(as_text=True)
    assert html.count("checked") >= 2


# --- the privacy notice ------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", "Your personal data"), ("fr", "Vos données personnelles"),
    ("es", "Sus datos personales"), ("ru", "Ваши персональные данные"),
    ("zh", "您的个人数据"), ("ar", "بياناتك الشخصية")])
def test_the_privacy_notice_is_on_sign_in_and_registration_pages(app, client, mission, lang,
                                                                 words):
    for page in ("login", "register"):
        html = client.get(f"/{lang}/{page}").get_data(as_text=True)
        assert words in html and f"/{lang}/privacy" in html, (lang, page)
    full = client.get(f"/{lang}/privacy")
    assert full.status_code == 200 and mission.name in full.get_data(as_text=True)


def test_the_full_notice_says_how_long_each_mission_keeps_data(app, client, mission):
    html = client.get("/en/privacy").get_data(as_text=True)
    assert "UN Test Mission: until the mission deletes it." in html
    mission.retention_months = 24
    db.session.commit()
    html = client.get("/en/privacy").get_data(as_text=True)
    assert "UN Test Mission: 24 months after your last activity." in html


def test_old_enough_means_every_kind_of_activity(app, mission, make_person, content):
    """A person last seen 25 months ago is past a 24-month period; 23 months ago is not."""
    person = make_person(number="EDGE-1")
    mission.retention_months = 24
    db.session.commit()
    age(person.id, datetime.now(UTC) - timedelta(days=23 * 31))
    assert privacy.past_retention(mission) == []
    age(person.id, datetime.now(UTC) - timedelta(days=25 * 31))
    assert privacy.past_retention(mission) == [person.id]
