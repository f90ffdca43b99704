"""Mission HQ: the completion matrix, its people, exports, settings, certificates, scoping."""

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from training_app.extensions import db
from training_app.models import AuditEvent, Certificate, Completion, Contingent, Mission, Person
from training_app.models.base import utcnow

from .conftest import Actions, csrf_from, route_urls


@pytest.fixture
def other_mission(app):
    m = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(m)
    db.session.flush()
    db.session.add(Contingent(mission_id=m.id, country="FJ", unit="FIJIBATT"))
    p = Person(mission_id=m.id, personnel_number="SECRET-1", name="Hidden Person",
               category="police", language="en")
    db.session.add(p)
    db.session.commit()
    return m


def complete(person, when=None):
    when = when or utcnow()
    db.session.add(Completion(person_id=person.id, module_id="sgtm1", content_version="t",
                              completed_at=when))
    person.completed_at = when  # as learn.services.record_completion keeps it
    db.session.commit()


@pytest.fixture
def population(mission, make_person):
    """Ten people over two contingents and three categories, four of them completed."""
    gh, np_ = mission.contingents
    people = []
    spec = [(gh, "military-contingent", True), (gh, "military-contingent", True),
            (gh, "military-contingent", False), (gh, "police", True), (np_, "police", False),
            (np_, "military-contingent", False), (np_, "national-staff", True),
            (None, "national-staff", False), (None, "contractors", False),
            (np_, "military-observers", False)]
    for i, (contingent, category, done) in enumerate(spec):
        p = make_person(number=f"N-{i}", category=category, contingent=False, name=f"Person {i}")
        p.contingent_id = contingent.id if contingent else None
        db.session.commit()
        if done:
            complete(p)
        people.append(p)
    return people


@pytest.fixture
def hq(actions, make_user):
    make_user(username="hq1", password="hq-password-1", role="hq")
    actions.staff_login("hq1", "hq-password-1")
    return actions


def test_matrix_totals_agree_with_the_people_behind_them(hq, mission, population):
    from training_app.hq import services

    table = services.completion_matrix(mission.id, services.MatrixFilters())
    assert (table.total.completed, table.total.enrolled) == (4, 10)
    for contingent, row, total in table.rows:
        cid = contingent.id if contingent else 0
        for category, cell in row.items():
            people = services.people_behind(mission.id, services.MatrixFilters(), cid, category,
                                            "sgtm1")
            assert len(people) == cell.enrolled
            assert sum(1 for p in people if p.completed_at) == cell.completed
        assert sum(c.enrolled for c in row.values()) == total.enrolled
    assert sum(c.enrolled for c in table.column_totals.values()) == table.total.enrolled

    page = hq.get(f"/hq/missions/{mission.id}/").get_data(as_text=True)
    assert "4 / 10" in page and "40%" in page
    gh = mission.contingents[0]
    drill = hq.get(f"/hq/missions/{mission.id}/people?contingent={gh.id}"
                   "&category=military-contingent").get_data(as_text=True)
    assert drill.count("<tr>") == 1 + 3  # header + three soldiers


def test_filters_by_group_language_and_period(hq, mission, population):
    from training_app.hq import services

    police = services.completion_matrix(mission.id, services.MatrixFilters(group="police"))
    assert police.categories == ["police"]
    assert (police.total.completed, police.total.enrolled) == (1, 2)
    old = population[4]
    complete(old, utcnow() - timedelta(days=40))
    recent = services.completion_matrix(mission.id, services.MatrixFilters(
        date_from=(utcnow() - timedelta(days=7)).date()))
    assert recent.total.completed == 4
    page = hq.get(f"/hq/missions/{mission.id}/?group=civilian&language=fr")
    assert page.status_code == 200 and "0 / 0" in page.get_data(as_text=True)
    bad = hq.get(f"/hq/missions/{mission.id}/?date_from=not-a-date")
    assert bad.status_code == 200 and "Not a valid date value" in bad.get_data(as_text=True)


def test_trend_chart_is_server_rendered_svg(hq, mission, population):
    page = hq.get(f"/hq/missions/{mission.id}/").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page
    assert page.count("<rect") >= 12


def test_exports_are_safe_from_formula_injection(hq, mission, population):
    population[0].name = "=HYPERLINK(\"http://evil\")"
    gh = mission.contingents[0]
    gh.unit = "+CMD|' /C calc'!A0"
    db.session.commit()
    r = hq.get(f"/hq/missions/{mission.id}/matrix.csv")
    text = r.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[-1][0] == "Total" and rows[-1][-3:] == ["4", "0", "10"]  # certified, revoked
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    x = hq.get(f"/hq/missions/{mission.id}/matrix.xlsx")
    sheet = load_workbook(io.BytesIO(x.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v.startswith(("=", "+", "-", "@"))) for v in values)
    assert any(isinstance(v, str) and "CMD" in v for v in values)


def test_settings_change_reaches_the_module_and_the_audit_log(hq, mission, make_person, app):
    r = hq.post_form(f"/hq/missions/{mission.id}/settings", {
        "name": "UN Test Mission", "focal_point_name": "Dr Nadia Rahman",
        "focal_point_contact": "ext. 9000", "alternate_name": "Mr Li Wei",
        "alternate_contact": "ext. 9001", "offlimits_directive": "Directive 12/2026"})
    assert r.status_code == 302
    make_person(number="L-1")
    learner = Actions(app.test_client())
    learner.login(number="L-1")
    pages = "".join(learner.get(f"/slides/{n}").get_data(as_text=True) for n in (11, 12))
    assert "Dr Nadia Rahman (ext. 9000)" in pages and "Mr Li Wei" in pages
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mission.settings"))
    assert "focal_point_name" in event.details["fields"]
    assert "Mission settings changed" in hq.get(f"/hq/missions/{mission.id}/audit").get_data(
        as_text=True)


def test_contingents_by_iso_country_without_duplicates(hq, mission):
    r = hq.post_form(f"/hq/missions/{mission.id}/contingents", {"country": "RW",
                                                                "unit": "RWABATT-2"})
    assert r.status_code == 302
    assert "Rwanda" in hq.get(f"/hq/missions/{mission.id}/contingents").get_data(as_text=True)
    again = hq.post_form(f"/hq/missions/{mission.id}/contingents", {"country": "RW",
                                                                    "unit": "RWABATT-2"})
    assert "already has that contingent" in again.get_data(as_text=True)
    bad = hq.post_form(f"/hq/missions/{mission.id}/contingents", {"country": "XX",
                                                                  "unit": "Nowhere"})
    assert "Not a valid choice" in bad.get_data(as_text=True)


def issue(app, person, content):
    from training_app.certificates.services import issue_on_completion

    completion = db.session.scalar(select(Completion).where(Completion.person_id == person.id))
    return issue_on_completion(person, completion, "en", app.instance_path)


def test_revoke_and_reissue_with_an_audit_trail(hq, app, mission, population, content):
    cert = issue(app, population[0], content)
    old_code = cert.code
    r = hq.post_form(f"/hq/missions/{mission.id}/certificates/{old_code}",
                     {"reason": "Issued to the wrong person"})
    assert r.status_code == 302
    page = app.test_client().get(f"/en/verify/{old_code}").get_data(as_text=True)
    assert "REVOKED" in page and "Issued to the wrong person" not in page  # HQ only
    own = hq.get(f"/hq/missions/{mission.id}/certificates/{old_code}").get_data(as_text=True)
    assert "Issued to the wrong person" in own

    refused = hq.post_form(f"/hq/missions/{mission.id}/certificates/{old_code}/reissue", {},
                           page=f"/hq/missions/{mission.id}/certificates/{old_code}")
    assert refused.status_code == 422  # a new certificate needs a reason
    r = hq.post_form(f"/hq/missions/{mission.id}/certificates/{old_code}/reissue",
                     {"reason": "The right person this time"},
                     page=f"/hq/missions/{mission.id}/certificates/{old_code}")
    assert r.status_code == 302
    new = db.session.scalar(select(Certificate).where(
        Certificate.person_id == population[0].id, Certificate.revoked_at.is_(None)))
    assert new.code != old_code
    assert "VALID" in app.test_client().get(f"/verify/{new.code}").get_data(as_text=True)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.mission_id == mission.id).order_by(AuditEvent.id))
    actions = [(e.action, e.target) for e in events]
    assert actions[-2:] == [("certificate.revoked", f"certificate:{old_code}"),
                            ("certificate.reissued", f"certificate:{new.code}")]
    found = hq.get(f"/hq/missions/{mission.id}/certificates?q=Person 0").get_data(as_text=True)
    assert found.count("Revoked") == 1


def hq_urls(app, mission_id, code="0000-0000-0000", person_id=1):
    """Every HQ route, filled in for one mission."""
    values = {"lang": "en", "mission_id": mission_id, "code": code, "fmt": "csv",
              "card_lang": "fr", "package_lang": "fr", "user_id": 1, "action": "reset",
              "person_id": person_id}
    return [(path, methods) for _endpoint, path, methods in route_urls(
        app, values, lambda rule: rule.endpoint.startswith("hq.")
        and app.view_functions[rule.endpoint].audience == "hq_staff")]


def test_an_hq_user_cannot_reach_another_missions_data(app, hq, other_mission, content):
    hidden = db.session.scalar(select(Person).where(Person.mission_id == other_mission.id))
    complete(hidden)
    cert = issue(app, hidden, content)
    urls = hq_urls(app, other_mission.id, cert.code, person_id=hidden.id)
    assert len(urls) >= 9
    token = csrf_from(hq.get("/").get_data(as_text=True))
    for path, methods in urls:
        if path == "/en/hq/":
            continue
        for method in methods:
            r = hq.client.open(path, method=method, data={"csrf_token": token,
                                                          "reason": "a valid reason"})
            assert r.status_code == 404, (method, path, r.status_code)
            assert b"Hidden Person" not in r.data and b"FIJIBATT" not in r.data
    # nor through the index or a drill-down that names the other mission's contingent
    assert b"Other Mission" not in hq.get("/hq/").data
    fiji = other_mission.contingents[0].id
    own = db.session.scalar(select(Mission.id).where(Mission.code == "UNTEST"))
    assert hq.get(f"/hq/missions/{own}/people?contingent={fiji}").status_code == 404


def test_only_hq_and_admin_may_use_hq_pages(app, mission, make_user, make_person):
    make_user(username="t1", password="trainer-pass-1", role="trainer")
    make_person(number="L-9")
    for login in (lambda a: a.staff_login("t1", "trainer-pass-1"),
                  lambda a: a.login(number="L-9")):
        a = Actions(app.test_client())
        login(a)
        token = csrf_from(a.get("/").get_data(as_text=True))
        for path, methods in hq_urls(app, mission.id):
            for method in methods:
                r = a.client.open(path, method=method, data={"csrf_token": token})
                assert r.status_code == 403, (method, path)
    anonymous = app.test_client()
    for path, methods in hq_urls(app, mission.id):
        r = anonymous.open(path, method=methods[0])
        assert r.status_code in (302, 400), path
        if r.status_code == 302:
            assert "/staff/login" in r.headers["Location"]


def test_admin_sees_every_mission(app, mission, other_mission, make_user):
    make_user(username="root", password="admin-pass-1", role="admin", own_mission=False)
    a = Actions(app.test_client())
    a.staff_login("root", "admin-pass-1")
    index = a.get("/hq/").get_data(as_text=True)
    assert "Other Mission" in index and "UN Test Mission" in index
    assert a.get(f"/hq/missions/{other_mission.id}/").status_code == 200


def test_the_item_page_shows_which_statements_tell_passers_from_failers(hq, mission,
                                                                      population, content):
    """Two statements: one every passer got right and every failer wrong (it discriminates),
    one everyone got right (never listed as missed, and not discriminating)."""
    from training_app.models import QuizAttempt

    telling, easy = content.quiz.statements[0], content.quiz.statements[1]
    for i, person in enumerate(population[:6]):
        passed = i < 3
        db.session.add(QuizAttempt(
            person_id=person.id, token=f"item-{i}", quiz_id=content.quiz.id, language="en",
            statement_ids=[telling.id, easy.id], total=2, correct=2 if passed else 1,
            passed=passed, submitted_at=utcnow(),
            answers={telling.id: telling.answer if passed else not telling.answer,
                     easy.id: easy.answer}))
    db.session.commit()
    page = hq.get(f"/hq/missions/{mission.id}/items").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>.*?</tr>", page, re.S)
    assert len(rows) == 2
    told = content.text("en", "quiz", telling.id)["statement"]
    assert told[:40] in rows[0]  # lowest share correct first
    assert "+1.00" in page and "50%" in page and "100%" in page
