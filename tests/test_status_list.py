"""Revocation a verifier can check: each mission's signed Bitstring Status List, named by every
badge and signed token; a revocation shows in it at once; a saved copy lets an offline check
say "valid as of" the list's date."""

import base64
import copy
import gzip
import json
from pathlib import Path

from training_app.certificates import signing, status_list
from training_app.certificates.services import revoke_certificate

from .conftest import Actions
from .outside_verifier import SUITES, verify_outside

LIST = "/verify/status/UNTEST/revocation"
LIST_URL = "http://training.test" + LIST


def bits_of(document):
    encoded = document["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    body = encoded[1:]
    assert "=" not in body
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bits, index):
    return (bits[index // 8] >> (7 - index % 8)) & 1


def saved(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def cli_verify(runner, *args):
    return runner.invoke(args=["certificates", "verify", *args])


def learner_badge(app):
    actions = Actions(app.test_client())
    actions.login()
    return actions.get("/certificate/badge.json").json


def test_the_list_is_a_signed_bitstring_status_list(client, certificate):
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"  # a revocation must show at once
    document = response.json
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["id"] == LIST_URL
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = bits_of(document)
    assert len(bits) == 16 * 1024 and not any(bits)  # 16 KB at least, nothing revoked
    assert [p["cryptosuite"] for p in document["proof"]] == list(SUITES)
    said = status_list.read_status_list(
        document, signing.keys_from_document(client.get("/verify/keys.json").json))
    assert said.url == LIST_URL and not said.revoked(certificate.status_index)


def test_badge_and_token_name_their_place_in_the_list(app, certificate):
    badge = learner_badge(app)
    assert badge["credentialStatus"] == {
        "id": f"{LIST_URL}#{certificate.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(certificate.status_index),
        "statusListCredential": LIST_URL,
    }
    payload = signing.verify_token(certificate.token, signing.public_keys(app.instance_path))
    assert payload["status_list"] == LIST
    assert payload["status_index"] == certificate.status_index


def test_certificates_of_a_mission_have_distinct_places(app, make_person, content):
    from training_app.certificates.services import issue_on_completion
    from training_app.extensions import db
    from training_app.models import Completion

    places = set()
    for n in range(5):
        person = make_person(number=f"S-{n}", name=f"Learner {n}")
        completion = Completion(person_id=person.id, module_id="sgtm1", content_version="v1")
        db.session.add(completion)
        db.session.commit()
        places.add(issue_on_completion(person, completion, "en", app.instance_path)
                   .status_index)
    assert len(places) == 5 and all(0 <= p < 16 * 1024 * 8 for p in places)


def test_revoking_sets_the_bit_at_once(app, client, certificate):
    before = client.get(LIST).json
    revoke_certificate(certificate, "Completed under another person's number", "system:test")
    after = client.get(LIST).json
    assert not bit(bits_of(before), certificate.status_index)
    assert bit(bits_of(after), certificate.status_index)
    assert sum(bin(b).count("1") for b in bits_of(after)) == 1  # only that certificate
    page = client.get(f"/en/verify/{certificate.code}").get_data(as_text=True)
    assert "REVOKED" in page and LIST in page


def test_the_outside_verifier_sees_a_revocation(app, client, certificate):
    badge = learner_badge(app)  # saved by the holder before the certificate is revoked
    genuine = client.get(LIST).json
    checks = [(badge, suite) for suite in SUITES] + [(genuine, suite) for suite in SUITES]
    assert [o["verified"] for o in verify_outside(checks, {LIST_URL: genuine})] == [True] * 4
    revoke_certificate(certificate, "Completed under another person's number", "system:test")
    revoked_list = client.get(LIST).json
    outcomes = verify_outside([(badge, suite) for suite in SUITES], {LIST_URL: revoked_list})
    assert [o["verified"] for o in outcomes] == [False, False]
    assert all(any("revocation" in e for e in o["errors"]) for o in outcomes)
    # a list whose bit was cleared by hand no longer verifies: nor then does the badge
    forged = copy.deepcopy(revoked_list)
    forged["credentialSubject"]["encodedList"] = genuine["credentialSubject"]["encodedList"]
    outcomes = verify_outside([(forged, suite) for suite in SUITES]
                              + [(badge, suite) for suite in SUITES], {LIST_URL: forged})
    assert [o["verified"] for o in outcomes] == [False] * 4


def test_an_offline_check_says_valid_as_of_the_lists_date(app, client, certificate, runner,
                                                          tmp_path):
    keys = saved(tmp_path, "keys.json", client.get("/verify/keys.json").json)
    genuine = client.get(LIST).json
    copy_of_list = saved(tmp_path, "list.json", genuine)
    as_of = genuine["validFrom"][:10] + " " + genuine["validFrom"][11:16] + " UTC"
    ok = cli_verify(runner, certificate.token, "--keys", keys, "--status-list", copy_of_list)
    assert ok.exit_code == 0, ok.output
    assert f"VALID as of {as_of} (the date of the status list)" in ok.output
    badge = saved(tmp_path, "badge.json", learner_badge(app))
    ok = cli_verify(runner, badge, "--keys", keys, "--status-list", copy_of_list)
    assert ok.exit_code == 0 and f"VALID as of {as_of}" in ok.output

    revoke_certificate(certificate, "Completed under another person's number", "system:test")
    newer = saved(tmp_path, "newer.json", client.get(LIST).json)
    for what in (certificate.token, badge):
        revoked = cli_verify(runner, what, "--keys", keys, "--status-list", newer)
        assert revoked.exit_code == 2 and "REVOKED" in revoked.output
    # without a list, the register of this server says so too
    assert cli_verify(runner, certificate.token).exit_code == 2

    altered = json.loads(Path(newer).read_text(encoding="utf-8"))
    altered["credentialSubject"]["encodedList"] = genuine["credentialSubject"]["encodedList"]
    result = cli_verify(runner, certificate.token, "--keys", keys, "--status-list",
                        saved(tmp_path, "altered.json", altered))
    assert result.exit_code == 1 and "NOT GENUINE" in result.output


def test_another_missions_list_is_refused(app, client, certificate, runner, tmp_path):
    from training_app.extensions import db
    from training_app.models import Mission

    db.session.add(Mission(code="UNOTHER", name="Other Mission"))
    db.session.commit()
    other = saved(tmp_path, "other.json", client.get("/verify/status/UNOTHER/revocation").json)
    result = cli_verify(runner, certificate.token, "--status-list", other)
    assert result.exit_code == 1 and "not this certificate's list" in result.output


def test_an_unknown_mission_has_no_list(client):
    assert client.get("/verify/status/NOSUCH/revocation").status_code == 404


def test_the_encoding_round_trips_and_refuses_bad_lists():
    encoded = status_list.encode([0, 7, 131071], status_list.MIN_BITS)
    bits = status_list.decode(encoded)
    assert bits[0] == 0b1000_0001 and bits[-1] == 1
    assert status_list.size_for(131071) == 131072 and status_list.size_for(131072) == 262144
    short = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 100)).decode().rstrip("=")
    for bad in ("z" + encoded[1:], encoded[:40], short, 42, "u!!!"):
        try:
            status_list.decode(bad)
        except status_list.StatusListError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_the_migration_gives_earlier_certificates_their_places(app, certificate, make_person):
    """Certificates issued before revision 0010 get their person's mission and places 0, 1,
    ... in the order they were issued."""
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from training_app.extensions import db

    directory = app.extensions["migrate"].directory
    config = app.extensions["migrate"].migrate.get_config(directory)
    before = ScriptDirectory.from_config(config).get_revision("0010").down_revision
    db.session.remove()
    downgrade(directory=directory, revision=before)
    with db.engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(certificate)"))] \
            if db.engine.dialect.name == "sqlite" else None
    assert columns is None or "status_index" not in columns
    upgrade(directory=directory)
    with db.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT certificate.mission_id, certificate.status_index, person.mission_id "
            "FROM certificate JOIN person ON person.id = certificate.person_id")).fetchall()
    assert [(m, i) for m, i, _p in rows] == [(rows[0][2], 0)]
