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


def seal_to_hq(camp, runner, tmp_path, name="Mission HQ"):
    """The camp learns HQ's key document, so its bundles are sealed to HQ."""
    key = runner.invoke(args=["sync", "key", "--name", name])
    assert key.exit_code == 0, key.output
    key_file = tmp_path / f"hq-key-{name.replace(' ', '-')}.json"
    key_file.write_text(key.output)
    result = camp.run("sync", "send-to", str(key_file))
    assert result.exit_code == 0, result.output
    return json.loads(key.output)


@pytest.fixture
def camp(tmp_path, app, runner):
    camp = Camp(tmp_path)
    # PIN hashes travel in the bundles: the servers of a mission share one pepper
    camp.app.config["PIN_PEPPER"] = app.config["PIN_PEPPER"] = "the mission's pepper"
    app.extensions.pop("pin_pepper", None)
    seal_to_hq(camp, runner, tmp_path)
    yield camp
    with camp.app.app_context():
        db.engine.dispose()


def trust_camp(camp, runner, tmp_path, *mission):
    key = camp.run("sync", "key", "--name", "Camp Alpha")
    assert key.exit_code == 0
    key_file = tmp_path / "camp-key.json"
    key_file.write_text(key.output)
    result = runner.invoke(args=["sync", "trust", str(key_file), *mission])
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


@pytest.mark.parametrize("where", ["ciphertext-start", "ciphertext-middle", "ciphertext-end",
                                   "signature", "header", "format", "truncated"])
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
        field = {"ciphertext-start": "ciphertext", "ciphertext-middle": "ciphertext",
                 "ciphertext-end": "ciphertext", "signature": "signature", "header": "header",
                 "format": "format"}[where]
        value = outer[field]
        start = data.index(value.encode())
        offset = {"ciphertext-start": 0, "ciphertext-end": len(value) - 2}.get(
            where, len(value) // 2)
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

    # a stranger seals the camp's records to HQ and signs them under the camp's key id:
    # the signature fails
    stranger = Camp(tmp_path, "stranger")
    trust_camp(camp, runner, tmp_path)
    from training_app.certificates.signing import _b64, _unb64
    from training_app.sync.bundle import read_bundle, write_bundle
    from training_app.sync.sealing import load_sealing_key
    from training_app.sync.services import trusted_keys

    records = read_bundle(bundle.read_bytes(), trusted_keys(app.instance_path),
                          app.instance_path)
    header = json.loads(_unb64(json.loads(bundle.read_bytes())["header"]))
    hq_key = load_sealing_key(app.instance_path, header["recipient"]).public_key()
    forged = json.loads(write_bundle(records, stranger.app.instance_path, "UNTEST",
                                     header["recipient"], hq_key))
    forged_header = json.loads(_unb64(forged["header"]))
    forged_header["kid"] = records["source"]["kid"]
    forged["header"] = _b64(json.dumps(forged_header).encode())
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
    db.session.add(Mission(code="OTHER", name="Other Mission"))
    db.session.commit()
    camp.learner_completes()
    trust_camp(camp, runner, tmp_path)  # for HQ's only mission, OTHER
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "b.sgtm1sync"))])
    assert result.exit_code == 1 and "not trusted for mission UNTEST" in result.output
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


# ---- trust per mission, sealing, dates -----------------------------------------------------

def _camp_person(camp, mission_code, number, name, pin, updated_at=None):
    """A person recorded at the camp in one of its missions (made there if it is new)."""
    with camp.app.app_context():
        mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
        if mission is None:
            mission = Mission(code=mission_code, name=f"Camp copy of {mission_code}")
            db.session.add(mission)
            db.session.flush()
        person = Person(mission_id=mission.id, personnel_number=number, name=name,
                        category="police", language="en")
        person.set_pin(pin)
        if updated_at is not None:
            person.created_at = person.updated_at = updated_at
        db.session.add(person)
        db.session.commit()


def test_a_camp_trusted_for_one_mission_cannot_touch_another_missions_people(
        app, mission, camp, runner, tmp_path, make_user):
    """The reported attack: a camp trusted for mission A replaces the name and PIN of a
    learner of mission B. Refused on the command line and on B's page; B's learner is as was."""
    other = Mission(code="OTHER", name="Other Mission")
    db.session.add(other)
    db.session.flush()
    victim = Person(mission_id=other.id, personnel_number="B-7", name="Beatriz Original",
                    category="police", language="es")
    victim.set_pin("112233")
    db.session.add(victim)
    db.session.commit()
    pin_hash = victim.pin_hash
    trust_camp(camp, runner, tmp_path, "--mission", "UNTEST")  # trusted for A only

    _camp_person(camp, "OTHER", "B-7", "Attacker Choice", "999999")
    hq_key = tmp_path / "hq-key-Mission-HQ.json"
    assert camp.run("sync", "send-to", str(hq_key), "--mission", "OTHER").exit_code == 0
    bundle = camp.export(tmp_path / "b.sgtm1sync", "--mission", "OTHER")
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(bundle)])
    assert result.exit_code == 1
    assert "not trusted for mission OTHER" in result.output and "nothing was written" in \
        result.output
    assert snapshot() == before

    make_user(username="hqall", password="hq all password", role="admin", own_mission=False)
    hq = Actions(app.test_client())
    hq.staff_login("hqall", "hq all password")
    import io

    from .conftest import csrf_from

    page = f"/hq/missions/{other.id}/sync"
    r = hq.client.post(f"/en{page}", data={
        "csrf_token": csrf_from(hq.get(page).get_data(as_text=True)),
        "file": (io.BytesIO(bundle.read_bytes()), "b.sgtm1sync")},
        content_type="multipart/form-data")
    assert r.status_code == 422
    assert "not trusted for mission OTHER" in r.get_data(as_text=True)
    db.session.expire_all()
    victim = db.session.get(Person, victim.id)
    assert (victim.name, victim.pin_hash) == ("Beatriz Original", pin_hash)

    # the same personnel number in a bundle for A makes a person of A; B's stays untouched
    _camp_person(camp, "UNTEST", "B-7", "Someone Of A", "445566")
    result = runner.invoke(args=["sync", "import", str(camp.export(
        tmp_path / "a.sgtm1sync", "--mission", "UNTEST"))])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (db.session.get(Person, victim.id).name,
            db.session.get(Person, victim.id).pin_hash) == ("Beatriz Original", pin_hash)
    assert db.session.scalar(select(Person.name).where(
        Person.personnel_number == "B-7", Person.mission_id == mission.id)) == "Someone Of A"


def test_dates_in_the_future_are_refused_beyond_a_few_minutes(app, mission, camp, runner,
                                                               tmp_path):
    trust_camp(camp, runner, tmp_path)
    _camp_person(camp, "UNTEST", "F-1", "From The Future", "135790",
                 updated_at=datetime.now(UTC) + timedelta(days=2))
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "f.sgtm1sync"))])
    assert result.exit_code == 1
    assert "date in the future" in result.output and "clock" in result.output
    assert snapshot() == before

    # a camp clock a minute or two ahead is within the allowance
    with camp.app.app_context():
        person = db.session.scalar(select(Person).where(Person.personnel_number == "F-1"))
        person.created_at = person.updated_at = datetime.now(UTC) + timedelta(minutes=2)
        db.session.commit()
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "g.sgtm1sync"))])
    assert result.exit_code == 0 and "people added: 1" in result.output


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_a_bundle_cannot_be_read_without_hqs_key(app, mission, camp, runner, tmp_path):
    """No PIN hash, no answer and no name in the file, however its parts are decoded."""
    import gzip

    from training_app.certificates.signing import TokenError, _unb64

    camp.learner_completes()
    with camp.app.app_context():
        pin_hash = db.session.scalar(select(Person.pin_hash))
        answer = db.session.scalar(select(CaseStudyResponse.answer))
    data = camp.export(tmp_path / "camp.sgtm1sync").read_bytes()
    views = [data]
    for text in _strings(json.loads(data)):
        try:
            raw = _unb64(text)
        except TokenError:
            continue
        views.append(raw)
        try:
            views.append(gzip.decompress(raw))
        except (OSError, EOFError):
            pass
        try:
            views += [s.encode() for s in _strings(json.loads(raw))]
        except ValueError:
            pass
    for view in views:
        for secret in (pin_hash, answer, "Rahim Camp", "CAMP-7"):
            assert secret.encode() not in view

    # HQ, holding the key, reads it all
    trust_camp(camp, runner, tmp_path)
    assert runner.invoke(args=["sync", "import", str(tmp_path / "camp.sgtm1sync")]).exit_code \
        == 0
    assert db.session.scalar(select(Person.pin_hash).where(
        Person.personnel_number == "CAMP-7")) == pin_hash


def test_a_bundle_sealed_to_another_hq_is_refused(app, mission, camp, runner, tmp_path):
    camp.learner_completes()
    trust_camp(camp, runner, tmp_path)
    elsewhere = Camp(tmp_path, "elsewhere")  # another mission HQ, with its own sealing key
    key = elsewhere.run("sync", "key", "--name", "Another HQ")
    (tmp_path / "elsewhere.json").write_text(key.output)
    assert camp.run("sync", "send-to", str(tmp_path / "elsewhere.json")).exit_code == 0
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "w.sgtm1sync"))])
    assert result.exit_code == 1 and "sealed to another mission HQ" in result.output
    assert snapshot() == before
    with elsewhere.app.app_context():
        db.engine.dispose()


def test_ciphertext_or_header_changed_and_signed_again_cannot_be_opened(
        app, mission, camp, runner, tmp_path):
    """Even a bundle the camp's own key signed is refused if its sealed part or the header it
    was sealed with no longer match: the header is bound to the contents."""
    from training_app.certificates.signing import _b64, _unb64, load_private_key

    camp.learner_completes()
    db.session.add(Mission(code="OTHER", name="Other Mission"))
    db.session.commit()
    trust_camp(camp, runner, tmp_path, "--mission", "UNTEST")
    trust_camp(camp, runner, tmp_path, "--mission", "OTHER")
    original = json.loads(camp.export(tmp_path / "camp.sgtm1sync").read_bytes())
    header = json.loads(_unb64(original["header"]))
    camp_key = load_private_key(camp.app.instance_path, header["kid"])

    def resigned(outer):
        part = f"sgtm1-sync/2.{outer['header']}.{outer['ciphertext']}".encode()
        outer["signature"] = _b64(camp_key.sign(part))
        path = tmp_path / "resigned.sgtm1sync"
        path.write_text(json.dumps(outer))
        return str(path)

    sealed = bytearray(_unb64(original["ciphertext"]))
    sealed[len(sealed) // 2] ^= 0x01
    moved = dict(header, mission="OTHER")
    before = snapshot()
    for outer in (dict(original, ciphertext=_b64(bytes(sealed))),
                  dict(original, header=_b64(json.dumps(moved).encode()))):
        result = runner.invoke(args=["sync", "import", resigned(outer)])
        assert result.exit_code == 1 and "cannot be opened" in result.output, result.output
        assert snapshot() == before


def test_an_old_unsealed_bundle_is_refused_with_a_clear_message(app, mission, runner, tmp_path):
    path = tmp_path / "old.sgtm1sync"
    path.write_text(json.dumps({"format": "sgtm1-sync/1", "kid": "k", "payload": "x",
                                "signature": "y"}))
    result = runner.invoke(args=["sync", "import", str(path)])
    assert result.exit_code == 1 and "old unsealed format" in result.output


def test_a_camp_without_hqs_key_cannot_export(tmp_path, app):
    camp = Camp(tmp_path, "lonely")
    result = camp.run("sync", "export", "-o", str(tmp_path / "x.sgtm1sync"))
    assert result.exit_code == 1 and "send-to" in result.output
    assert not (tmp_path / "x.sgtm1sync").exists()
    with camp.app.app_context():
        db.engine.dispose()


def test_an_administrator_trusts_a_camp_for_one_mission_in_the_browser(
        app, mission, camp, runner, tmp_path, make_user):
    from .conftest import csrf_from

    other = Mission(code="OTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    document = camp.run("sync", "key", "--name", "Camp Bravo").output
    make_user(username="admin1", password="admin password 1", role="admin", own_mission=False)
    admin = Actions(app.test_client())
    admin.staff_login("admin1", "admin password 1")
    html = admin.get("/admin/camp-servers").get_data(as_text=True)
    assert "Other Mission (OTHER)" in html and "UN Test Mission (UNTEST)" in html

    # without the CSRF token: refused, nothing trusted
    r = admin.client.post("/en/admin/camp-servers", data={
        "trust-mission": str(other.id), "trust-document": document})
    assert r.status_code == 400
    r = admin.client.post("/en/admin/camp-servers", data={
        "trust-csrf_token": csrf_from(html), "trust-mission": "999999",
        "trust-document": document})
    assert r.status_code == 422
    r = admin.client.post("/en/admin/camp-servers", data={
        "trust-csrf_token": csrf_from(html), "trust-mission": str(other.id),
        "trust-document": "{not json"})
    assert r.status_code == 422 and "not a key document" in r.get_data(as_text=True)
    r = admin.client.post("/en/admin/camp-servers", data={
        "trust-csrf_token": csrf_from(html), "trust-mission": str(other.id),
        "trust-document": document})
    assert r.status_code == 302
    listing = admin.get("/admin/camp-servers").get_data(as_text=True)
    assert "Camp Bravo" in listing and "Other Mission" in listing

    # trusted for OTHER only: its bundle for UNTEST is refused
    camp.learner_completes()
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "c.sgtm1sync"))])
    assert result.exit_code == 1 and "not trusted for mission UNTEST" in result.output


def test_a_camp_administrator_sets_the_hq_to_seal_to_in_the_browser(app, tmp_path, runner):
    from .conftest import csrf_from

    camp = Camp(tmp_path, "webcamp")
    with camp.app.app_context():
        from training_app.models import User

        user = User(username="campadmin", name="Camp Admin", role="admin")
        user.set_password("camp admin pass")
        db.session.add(user)
        db.session.commit()
        mission_id = db.session.scalar(select(Mission.id))
    browser = Actions(camp.app.test_client())
    browser.staff_login("campadmin", "camp admin pass")
    export = f"/hq/missions/{mission_id}/sync/export"
    r = browser.get(export)
    assert r.status_code == 302  # no HQ key yet: back to the page, which says so
    assert "No mission HQ key is set" in browser.get(
        f"/hq/missions/{mission_id}/sync").get_data(as_text=True)
    html = browser.get("/admin/camp-servers").get_data(as_text=True)
    hq_document = runner.invoke(args=["sync", "key", "--name", "Mission HQ"]).output
    r = browser.client.post("/en/admin/camp-servers/hq", data={
        "send-csrf_token": csrf_from(html), "send-mission": str(mission_id),
        "send-document": json.dumps({"name": "no sealing key", "kid": "k"})})
    assert r.status_code == 422 and "not a key document" in r.get_data(as_text=True)
    r = browser.client.post("/en/admin/camp-servers/hq", data={
        "send-csrf_token": csrf_from(html), "send-mission": str(mission_id),
        "send-document": hq_document})
    assert r.status_code == 302
    assert "Bundles are sealed to Mission HQ" in browser.get(
        f"/hq/missions/{mission_id}/sync").get_data(as_text=True)
    r = browser.get(export)
    assert r.status_code == 200 and json.loads(r.data)["format"] == "sgtm1-sync/2"
    with camp.app.app_context():
        db.engine.dispose()


def test_verify_on_hq_says_revoked_when_the_register_shows_it(app, certificate, runner,
                                                               tmp_path):
    """A revoked certificate's token and Open Badge still carry a genuine signature; the
    register says they no longer stand."""
    token = certificate.token
    learner = Actions(app.test_client())
    learner.login()
    badge = tmp_path / "badge.json"
    badge.write_bytes(learner.get("/certificate/badge.json").data)
    for proof in (token, str(badge)):
        result = runner.invoke(args=["certificates", "verify", proof])
        assert result.exit_code == 0 and "GENUINE" in result.output, result.output
    certificates.revoke_certificate(certificate, "Issued in error", "system:test")
    for proof in (token, str(badge)):
        result = runner.invoke(args=["certificates", "verify", proof])
        assert result.exit_code == 2, result.output
        # the signature is the camp's own, and the register's last word is the revocation
        assert result.output.strip().splitlines()[-1].startswith("REVOKED"), result.output


def test_a_camp_answer_that_breaks_the_pages_rule_is_refused(app, mission, camp, runner,
                                                            tmp_path, content):
    """Camp answers meet the same rule as the page and the offline queue (10 to 5,000)."""
    trust_camp(camp, runner, tmp_path)
    _camp_person(camp, "UNTEST", "S-1", "Short Answer", "135790")
    with camp.app.app_context():  # written past the rule, as an older camp server could
        person_id = db.session.scalar(select(Person.id).where(Person.personnel_number == "S-1"))
        db.session.add(CaseStudyResponse(person_id=person_id,
                                         case_study_id=content.case_study_ids[0], answer="Short"))
        db.session.commit()
    before = snapshot()
    result = runner.invoke(args=["sync", "import", str(camp.export(tmp_path / "s.sgtm1sync"))])
    assert result.exit_code == 1 and "answer-too-short" in result.output
    assert snapshot() == before
