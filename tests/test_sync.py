"""A contingent camp's server and mission HQ: signed bundles, applied once, whole or not at all.

The camp runs the embedded default (SQLite) in its own instance folder with its own keys; HQ
is the test app (SQLite, or PostgreSQL in the second pass)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from training_app import create_app
from training_app.certificates import services as certificates
from training_app.content import get_content
from training_app.extensions import db
from training_app.learn import services as learn
from training_app.models import (
    AuditEvent,
    CaseStudyResponse,
    Certificate,
    Completion,
    Contingent,
    Mission,
    Person,
    QuizAttempt,
    SlideView,
    SyncImport,
)

from .conftest import ROOT, Actions, IsolatedClient

TABLES = (Person, SlideView, CaseStudyResponse, QuizAttempt, Completion, Certificate,
          Contingent, SyncImport)


class Camp:
    """A second server, with its own database, instance folder and signing key."""

    def __init__(self, tmp_path: Path, name="camp"):
        self.app = create_app({
            "TESTING": True, "SECRET_KEY": "camp-secret", "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / (name + '.sqlite3')}",
            "SERVER_NAME": "camp.test", "CONTENT_ROOT": str(ROOT), "SITE_NAME": f"{name} server",
        })
        self.app.test_client_class = IsolatedClient
        self.app.instance_path = str(tmp_path / f"{name}-instance")
        Path(self.app.instance_path).mkdir()
        with self.app.app_context():
            upgrade(directory=self.app.extensions["migrate"].directory)
            mission = Mission(code="UNTEST", name="UN Test Mission")
            db.session.add(mission)
            db.session.flush()
            db.session.add(Contingent(mission_id=mission.id, country="BD", unit="BANBAT-3"))
            db.session.commit()

    def run(self, *args):
        # the camp's own context: a command run inside HQ's would use HQ's database
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=list(args))

    def learner_completes(self, number="CAMP-7", name="Rahim Camp"):
        """A peacekeeper at the camp goes through the whole module and gets a certificate."""
        with self.app.app_context():
            content = get_content()
            mission = db.session.scalar(select(Mission))
            person = Person(mission_id=mission.id, personnel_number=number, name=name,
                            category="military-contingent", language="fr",
                            contingent_id=mission.contingents[0].id)
            person.set_pin("135790")
            db.session.add(person)
            db.session.commit()
            for slide in content.slides:
                learn.record_slide_view(person.id, slide.id)
            for case_id in content.case_study_ids:
                learn.save_case_study_answer(person.id, case_id, f"Camp answer {case_id}")
            attempt = learn.open_attempt(person.id, content, "fr", mission)
            answers = {sid: learn.answer_key(content.quiz, sid, attempt.mission_statements)
                       for sid in attempt.statement_ids}
            learn.submit_attempt(attempt, answers, content.quiz, 0.8)
            completion = learn.record_completion(person, content)
            cert = certificates.issue_on_completion(person, completion, "fr",
                                                  self.app.instance_path)
            return cert.code

    def export(self, path: Path, *extra) -> Path:
        result = self.run("sync", "export", "-o", str(path), *extra)
        assert result.exit_code == 0, result.output
        return path


@pytest.fixture
def camp(tmp_path, app):
    camp = Camp(tmp_path)
    # PIN hashes travel in the bundles: the servers of a mission share one pepper
    camp.app.config["PIN_PEPPER"] = app.config["PIN_PEPPER"] = "the mission's pepper"
    app.extensions.pop("pin_pepper", None)
    yield camp
    with camp.app.app_context():
        db.engine.dispose()


def trust_camp(camp, runner, tmp_path):
    key = camp.run("sync", "key", "--name", "Camp Alpha")
    assert key.exit_code == 0
    key_file = tmp_path / "camp-key.json"
    key_file.write_text(key.output)
    result = runner.invoke(args=["sync", "trust", str(key_file)])
    assert result.exit_code == 0, result.output
    return json.loads(key.output)


def snapshot():
    """Everything a bundle could change, as plain values."""
    db.session.expire_all()
    state = {model.__tablename__: db.session.scalar(select(func.count(model.id)))
             for model in TABLES}
    state["people"] = sorted((p.personnel_number, p.name, p.category, p.language,
                              str(p.completed_at)) for p in db.session.scalars(select(Person)))
    state["answers"] = sorted((a.case_study_id, a.answer)
                              for a in db.session.scalars(select(CaseStudyResponse)))
    state["attempts"] = sorted((a.token, a.correct, a.passed)
                               for a in db.session.scalars(select(QuizAttempt)))
    state["certificates"] = sorted((c.code, str(c.revoked_at))
                                   for c in db.session.scalars(select(Certificate)))
    return state


def test_a_camp_bundle_brings_people_progress_and_certificates_to_hq(
        app, mission, camp, runner, tmp_path, client):
    code = camp.learner_completes()
    bundle = camp.export(tmp_path / "camp.sgtm1sync")
    trust_camp(camp, runner, tmp_path)

    result = runner.invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "applied" in result.output and "people added: 1" in result.output

    person = db.session.scalar(select(Person).where(Person.personnel_number == "CAMP-7"))
    assert person.mission_id == mission.id and person.name == "Rahim Camp"
    assert person.contingent.unit == "BANBAT-3"  # the camp's contingent, added at HQ
    content = get_content()
    progress = learn.progress_of(person.id, content)
    assert progress.ready_for_certificate
    assert person.completed_at is not None
    # the peacekeeper can sign in at HQ with the PIN set at the camp
    actions = Actions(app.test_client())
    assert actions.login(number="CAMP-7", pin="135790").status_code == 302
    # the camp's certificate is genuine at HQ, on the page and with the public keys alone
    page = client.get(f"/en/verify/{code}").get_data(as_text=True)
    assert "Rahim Camp" in page and "valid" in page.lower()
    keys = client.get("/verify/keys.json").get_json()
    assert any(k.get("issued_by") == "Camp Alpha" for k in keys["keys"])
    token = db.session.scalar(select(Certificate.token).where(Certificate.code == code))
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(keys))
    check = runner.invoke(args=["certificates", "verify", token, "--keys", str(keys_file)])
    assert check.exit_code == 0, check.output
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sync.imported"))


def test_the_same_bundle_imported_twice_changes_nothing(app, mission, camp, runner, tmp_path):
    camp.learner_completes()
    bundle = camp.export(tmp_path / "camp.sgtm1sync")
    trust_camp(camp, runner, tmp_path)
    assert runner.invoke(args=["sync", "import", str(bundle)]).exit_code == 0
    after_first = snapshot()

    again = runner.invoke(args=["sync", "import", str(bundle)])
    assert again.exit_code == 0
    assert "already applied" in again.output and "nothing changed" in again.output
    assert snapshot() == after_first

    # a second export that overlaps the first (same records, new bundle) adds nothing either
    overlapping = camp.export(tmp_path / "camp-2.sgtm1sync", "--since", "2000-01-01")
    result = runner.invoke(args=["sync", "import", str(overlapping)])
    assert result.exit_code == 0 and "nothing new" in result.output
    after_second = snapshot()
    assert after_second["sync_import"] == 2
    assert {k: v for k, v in after_second.items() if k != "sync_import"} == \
        {k: v for k, v in after_first.items() if k != "sync_import"}


@pytest.mark.parametrize("where", ["payload-start", "payload-middle", "payload-end",
                                   "signature", "kid", "format", "truncated"])
def test_a_bundle_with_a_changed_byte_is_refused_and_nothing_is_written(
        app, mission, camp, runner, tmp_path, where):
    camp.learner_completes()
    bundle = camp.export(tmp_path / "camp.sgtm1sync")
    trust_camp(camp, runner, tmp_path)
    data = bytearray(bundle.read_bytes())
    outer = json.loads(data)
    if where == "truncated":
        data = data[: len(data) // 2]
    else:
        field = {"payload-start": "payload", "payload-middle": "payload",
                 "payload-end": "payload", "signature": "signature", "kid": "kid",
                 "format": "format"}[where]
        value = outer[field]
        start = data.index(value.encode())
        offset = {"payload-start": 0, "payload-end": len(value) - 2}.get(where, len(value) // 2)
        position = start + offset
        data[position] = ord("A") if data[position] != ord("A") else ord("B")
    tampered = tmp_path / "tampered.sgtm1sync"
    tampered.write_bytes(bytes(data))
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(tampered)])
    assert result.exit_code == 1
    assert "REFUSED" in result.output and "nothing was written" in result.output
    assert snapshot() == before


def test_a_bundle_from_a_server_hq_does_not_trust_is_refused(app, mission, camp, runner,
                                                            tmp_path):
    camp.learner_completes()
    bundle = camp.export(tmp_path / "camp.sgtm1sync")
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 1
    assert "does not trust" in result.output
    assert snapshot() == before

    # a stranger re-signs the camp's records under the camp's key id: the signature fails
    stranger = Camp(tmp_path, "stranger")
    trust_camp(camp, runner, tmp_path)
    from training_app.sync.bundle import read_bundle, write_bundle
    from training_app.sync.services import trusted_keys

    records = read_bundle(bundle.read_bytes(), trusted_keys(app.instance_path))
    forged = json.loads(write_bundle(records, stranger.app.instance_path))
    forged["kid"] = records["source"]["kid"]
    path = tmp_path / "forged.sgtm1sync"
    path.write_text(json.dumps(forged))
    result = runner.invoke(args=["sync", "import", str(path)])
    assert result.exit_code == 1 and "altered" in result.output
    assert snapshot() == before


def test_a_person_edited_in_both_places_keeps_the_later_change(app, mission, camp, runner,
                                                               tmp_path, content):
    # HQ knows the person already, and has seen them study slide 1
    hq_person = Person(mission_id=mission.id, personnel_number="CAMP-7", name="Rahim (HQ)",
                       category="police", language="en", contingent_id=None)
    db.session.add(hq_person)
    db.session.commit()
    learn.record_slide_view(hq_person.id, content.slides[0].id)
    # the camp edited the same person later: the camp's profile wins, progress is merged
    camp.learner_completes(name="Rahim Camp")
    trust_camp(camp, runner, tmp_path)
    assert runner.invoke(args=["sync", "import",
                               str(camp.export(tmp_path / "b1.sgtm1sync"))]).exit_code == 0
    db.session.expire_all()
    person = db.session.get(Person, hq_person.id)
    assert (person.name, person.category, person.language) == (
        "Rahim Camp", "military-contingent", "fr")
    assert db.session.scalar(select(func.count(SlideView.id)).where(
        SlideView.person_id == person.id)) == len(content.slides)

    # now HQ corrects the name; an older camp edit arriving afterwards does not undo it
    person.name = "Rahim Corrected"
    db.session.commit()
    with camp.app.app_context():
        camp_person = db.session.scalar(select(Person))
        camp_person.name = "Rahim Old Spelling"
        camp_person.updated_at = datetime.now(UTC) - timedelta(days=1)
        db.session.commit()
    assert runner.invoke(args=["sync", "import",
                               str(camp.export(tmp_path / "b2.sgtm1sync"))]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(Person, hq_person.id).name == "Rahim Corrected"


def test_a_revocation_at_the_camp_reaches_hq(app, mission, camp, runner, tmp_path, client):
    code = camp.learner_completes()
    trust_camp(camp, runner, tmp_path)
    runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "b1.sgtm1sync"))])
    with camp.app.app_context():
        cert = db.session.scalar(select(Certificate))
        cert.revoked_at = datetime.now(UTC)
        cert.revoked_reason = "Issued to the wrong person"
        cert.revoked_by = "camp trainer"
        db.session.commit()
    since = datetime.now(UTC).date().isoformat()
    result = runner.invoke(args=["sync", "import", str(camp.export(
        tmp_path / "b2.sgtm1sync", "--since", since))])
    assert "certificates revoked: 1" in result.output
    assert "revoked" in client.get(f"/en/verify/{code}").get_data(as_text=True).lower()


def test_export_since_a_date_leaves_out_what_is_older(camp, tmp_path):
    camp.learner_completes()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    result = camp.run("sync", "export", "--since", tomorrow, "-o", str(tmp_path / "x"))
    assert result.exit_code == 0
    assert "0 people" in result.output
    assert camp.run("sync", "export", "--since", "yesterday").exit_code != 0


def test_a_bundle_for_a_mission_hq_does_not_have_is_refused(app, camp, runner, tmp_path):
    camp.learner_completes()
    trust_camp(camp, runner, tmp_path)
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "b.sgtm1sync"))])
    assert result.exit_code == 1 and "not on this server" in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_hq_uploads_a_bundle_in_the_browser(app, mission, camp, runner, tmp_path, make_user):
    camp.learner_completes()
    bundle = camp.export(tmp_path / "camp.sgtm1sync").read_bytes()
    trust_camp(camp, runner, tmp_path)
    make_user(username="hq1", password="hq password 1", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq1", "hq password 1")
    page = f"/hq/missions/{mission.id}/sync"

    def upload(data: bytes, name="camp.sgtm1sync"):
        import io

        html = hq.get(page).get_data(as_text=True)
        from .conftest import csrf_from

        return hq.client.post(f"/en{page}", data={
            "csrf_token": csrf_from(html), "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data")

    before = snapshot()
    tampered = bytearray(bundle)
    tampered[len(tampered) // 2] ^= 0x01
    r = upload(bytes(tampered))
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Nothing was written" in body
    assert snapshot() == before
    r = upload(b"\xff\xfe not a bundle at all")
    assert r.status_code == 422 and "not a sync bundle" in r.get_data(as_text=True)

    r = upload(bundle)
    assert r.status_code == 302
    listing = hq.get(page).get_data(as_text=True)
    assert "applied" in listing and "Camp Alpha" in listing
    assert db.session.scalar(select(Person.id).where(Person.personnel_number == "CAMP-7"))
    r = upload(bundle)
    assert "already applied" in hq.get(page).get_data(as_text=True)

    # a bundle for this mission cannot be applied through another mission's page
    other = Mission(code="OTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    assert hq.get(f"/hq/missions/{other.id}/sync").status_code == 404


def test_only_hq_and_admins_reach_the_sync_page(app, mission, make_user, make_person):
    make_user(username="t1", password="trainer pass 1", role="trainer")
    trainer = Actions(app.test_client())
    trainer.staff_login("t1", "trainer pass 1")
    assert trainer.get(f"/hq/missions/{mission.id}/sync").status_code == 403
    make_person()
    learner = Actions(app.test_client())
    learner.login()
    assert learner.get(f"/hq/missions/{mission.id}/sync").status_code == 403
    assert app.test_client().get(f"/en/hq/missions/{mission.id}/sync").status_code == 302
    make_user(username="hq2", password="hq password 2", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq2", "hq password 2")
    # trusting a key is for administrators only
    page = hq.get(f"/hq/missions/{mission.id}/sync").get_data(as_text=True)
    assert "Trust this server" not in page
    from .conftest import csrf_from

    r = hq.client.post("/en/admin/camp-servers", data={
        "csrf_token": csrf_from(page), "document": "{}"})
    assert r.status_code == 403


def test_a_camp_without_a_command_line_downloads_its_bundle_in_the_browser(
        app, mission, camp, runner, tmp_path):
    """The camp's admin downloads the bundle from the camp server's own HQ page; HQ applies it."""
    camp.learner_completes()
    with camp.app.app_context():
        from training_app.models import User

        admin = User(username="campadmin", name="Camp Admin", role="admin")
        admin.set_password("camp admin pass")
        db.session.add(admin)
        db.session.commit()
        mission_id = db.session.scalar(select(Mission.id))
    browser = Actions(camp.app.test_client())
    browser.staff_login("campadmin", "camp admin pass")
    assert browser.get(f"/hq/missions/{mission_id}/sync/export?since=31-12-2026").status_code \
        == 302  # a malformed date: back to the page with a message
    r = browser.get(f"/hq/missions/{mission_id}/sync/export?since=2000-01-01")
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    bundle = tmp_path / "downloaded.sgtm1sync"
    bundle.write_bytes(r.data)
    with camp.app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sync.exported"))
    trust_camp(camp, runner, tmp_path)
    result = runner.invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 0 and "people added: 1" in result.output


def test_a_bundle_larger_than_other_uploads_is_still_read(app, mission, make_user):
    """Bundles may exceed the 2 MB allowed elsewhere (up to SYNC_MAX_BUNDLE); a roster may not."""
    from .conftest import csrf_from

    make_user(username="hq3", password="hq password 3", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq3", "hq password 3")
    page = hq.get(f"/hq/missions/{mission.id}/sync").get_data(as_text=True)

    def raw_upload(size: int):
        # a raw multipart body: the test client's own encoder spools large bodies to a file
        boundary = "bundle-test"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{csrf_from(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f'name="file"; filename="big.sgtm1sync"\r\n\r\n').encode() + b"x" * size + \
            f"\r\n--{boundary}--\r\n".encode()
        return hq.client.post(f"/en/hq/missions/{mission.id}/sync", data=body,
                              content_type=f"multipart/form-data; boundary={boundary}")

    r = raw_upload(app.config["MAX_CONTENT_LENGTH"] + 1024)
    assert r.status_code == 422 and "not a sync bundle" in r.get_data(as_text=True)
    app.config["SYNC_MAX_BUNDLE"] = 3 * 1024 * 1024
    r = raw_upload(4 * 1024 * 1024)
    assert r.status_code == 413 and "larger than this site accepts" in r.get_data(as_text=True)
