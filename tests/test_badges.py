"""Certificates as Open Badges 3.0 credentials: what wallets read, the eddsa-rdfc-2022 and
eddsa-jcs-2022 proofs (checked here and by an outside verifier), who may download one, revoked
certificates, and the offline check from the command line."""

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from training_app.certificates import badges, signing
from training_app.certificates.services import issue_on_completion
from training_app.extensions import db
from training_app.models import AuditEvent, Completion, Mission, User

from .conftest import Actions
from .outside_verifier import SUITES, verify_outside

BADGE = "/certificate/badge.json"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@pytest.fixture
def learner(app, certificate):
    actions = Actions(app.test_client())
    actions.login()
    return actions


@pytest.fixture
def badge(learner):
    response = learner.get(BADGE)
    assert response.status_code == 200
    return response.json


def hq_url(mission_id, code):
    return f"/hq/missions/{mission_id}/certificates/{code}/badge.json"


def status_lists(client, badge):
    """The revocation list a badge names, as the outside verifier's loader will serve it."""
    url = badge["credentialStatus"]["statusListCredential"]
    response = client.get(url.removeprefix("http://training.test"))
    assert response.status_code == 200
    return {url: response.json}


def jcs_proof(badge):
    return next(p for p in badge["proof"] if p["cryptosuite"] == "eddsa-jcs-2022")


def published_keys(client):
    return signing.keys_from_document(client.get("/verify/keys.json").json)


def b58decode(text: str) -> bytes:
    """base58btc, written out here so the test does not lean on the app's decoder."""
    number = 0
    for char in text:
        number = number * 58 + BASE58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def other_mission_hq(app):
    other = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(other)
    db.session.flush()
    user = User(username="otherhq", name="Other HQ", role="hq", mission_id=other.id)
    user.set_password("other-pass-1")
    db.session.add(user)
    db.session.commit()
    actions = Actions(app.test_client())
    actions.staff_login("otherhq", "other-pass-1")
    return other, actions


def test_the_download_is_an_open_badges_3_credential(badge, learner, certificate, mission):
    response = learner.get(BADGE)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/ld+json"
    assert badge["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["id"] == f"http://training.test/verify/{certificate.code}"
    issuer = badge["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["name"] == "UN Test Mission"
    assert issuer["id"].startswith("did:key:z6Mk")
    issued_at = certificate.issued_at
    issued_at = issued_at.replace(tzinfo=UTC) if issued_at.tzinfo is None else issued_at
    issued = issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert badge["validFrom"] == issued
    assert "SGTM 1" in badge["name"] and "Amani Okafor" in badge["description"]
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityHash": "Amani Okafor",
                                      "identityType": "name", "hashed": False}]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion"
    assert achievement["name"].startswith("Standard Generic Training Module 1 (SGTM 1)")
    assert achievement["description"] and achievement["inLanguage"] == "en"
    assert "passed" in achievement["criteria"]["narrative"]
    assert achievement["id"].startswith("http://training.test/")
    # a picture wallets show, carried in the badge itself (nothing to fetch)
    for holder in (badge, achievement):
        image = holder["image"]
        assert image["type"] == "Image" and image["caption"] == achievement["name"]
        assert image["id"].startswith("data:image/svg+xml;base64,")
        svg = base64.b64decode(image["id"].partition(",")[2]).decode()
        assert svg.startswith("<svg") and "SGTM 1" in svg and "href" not in svg
    assert badge["evidence"][0]["id"] == badge["id"]
    assert badge["evidence"][0]["description"] == certificate.code[:4] + "-" + \
        certificate.code[4:8] + "-" + certificate.code[8:]
    assert "P-001" not in json.dumps(badge)  # no personnel number, as on the verify page
    # Open Badges 3.0's JSON schema wants `proof` as an array: one proof per cryptosuite
    assert isinstance(badge["proof"], list)
    assert [p["cryptosuite"] for p in badge["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    for proof in badge["proof"]:
        assert proof["type"] == "DataIntegrityProof"
        assert proof["proofPurpose"] == "assertionMethod"
        assert proof["verificationMethod"].partition("#")[0] == issuer["id"]
        assert proof["proofValue"].startswith("z")
        datetime.fromisoformat(proof["created"])


def test_the_badge_comes_in_the_page_language(app, learner):
    french = learner.client.get(f"/fr{BADGE}").json
    english = learner.get(BADGE).json
    achievement = french["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "fr"
    assert achievement["name"].startswith("Module de formation générique standard 1")
    assert achievement["name"] != english["credentialSubject"]["achievement"]["name"]
    assert badges.verify_badge(french, published_keys(learner.client))["language"] == "fr"


def test_the_proof_verifies_with_the_published_keys(badge, client, app):
    said = badges.verify_badge(badge, published_keys(client))
    assert said["kid"] == signing.ensure_signing_key(app.instance_path)
    assert said["name"] == "Amani Okafor" and said["issuer"] == "UN Test Mission"


def test_signature_input_recomputed_from_the_spec_steps(badge, client):
    """eddsa-jcs-2022, Verify Proof: the proof options without proofValue (carrying the
    document's @context), the document without its proof, each in JCS and hashed with SHA-256,
    proof options' hash first; Ed25519 over those 64 bytes."""
    proof_options = dict(jcs_proof(badge))
    signature = b58decode(proof_options.pop("proofValue").removeprefix("z"))
    unsecured = {k: v for k, v in badge.items() if k != "proof"}
    assert proof_options["@context"] == unsecured["@context"]

    def jcs(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")

    hash_data = hashlib.sha256(jcs(proof_options)).digest() + hashlib.sha256(
        jcs(unsecured)).digest()
    assert len(signature) == 64 and len(hash_data) == 64
    published = client.get("/verify/keys.json").json["keys"]
    active = next(k for k in published if k["active"])
    raw = base64.urlsafe_b64decode(active["public_key"] + "=" * (-len(active["public_key"]) % 4))
    Ed25519PublicKey.from_public_bytes(raw).verify(signature, hash_data)  # raises if not


def test_the_did_key_is_the_published_key(badge, client):
    method = jcs_proof(badge)["verificationMethod"]
    did, _hash, fragment = method.partition("#")
    assert did.startswith("did:key:z") and fragment == did.removeprefix("did:key:")
    decoded = b58decode(fragment[1:])
    assert decoded[:2] == b"\xed\x01" and len(decoded) == 34  # multicodec ed25519-pub
    published = client.get("/verify/keys.json").json["keys"]
    raws = [base64.urlsafe_b64decode(k["public_key"] + "=" * (-len(k["public_key"]) % 4))
            for k in published]
    assert decoded[2:] in raws


def _set(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _drop_proof(doc):
    del doc["proof"]


def _each_proof(key, value):
    def change(doc):
        for proof in doc["proof"]:
            proof[key] = value
    return change


def _truncate(index):
    def change(doc):
        doc["proof"][index]["proofValue"] = doc["proof"][index]["proofValue"][:-6]
    return change


def _flip_signature(index):
    def change(doc):
        value = doc["proof"][index]["proofValue"]
        doc["proof"][index]["proofValue"] = value[:-1] + ("2" if value[-1] != "2" else "3")
    return change


def _drop_one_proof(doc):
    del doc["proof"][0]
    doc["proof"].append(copy.deepcopy(doc["proof"][0]))  # the other proof, twice


def _swap_suites(doc):
    first, second = doc["proof"]
    first["cryptosuite"], second["cryptosuite"] = second["cryptosuite"], first["cryptosuite"]


def _swap_context(doc):
    doc["@context"] = list(reversed(doc["@context"]))


DOCUMENT_CHANGES = {
    "holder": _set(["credentialSubject", "identifier", 0, "identityHash"], "Someone Else"),
    "date": _set(["validFrom"], "2020-01-01T00:00:00Z"),
    "achievement": _set(["credentialSubject", "achievement", "name"], "Advanced course"),
    "achievement-type": _set(["credentialSubject", "achievement", "achievementType"], "Degree"),
    "issuer": _set(["issuer", "name"], "Other Mission"),
    "added-claim": _set(["credentialSubject", "achievement", "creditsAvailable"], 30),
    "id": _set(["id"], "urn:uuid:00000000-0000-4000-8000-000000000000"),
    "context": _swap_context,
    "language": _set(["credentialSubject", "achievement", "inLanguage"], "de"),
    "evidence": _set(["evidence", 0, "description"], "AAAA-BBBB-CCCC"),
}
PROOF_CHANGES = {
    "proof-created": _each_proof("created", "2001-01-01T00:00:00Z"),
    "proof-type": _each_proof("type", "Ed25519Signature2020"),
    "purpose": _each_proof("proofPurpose", "authentication"),
    "cryptosuites-swapped": _swap_suites,
    "no-proof": _drop_proof,
    "one-proof-doubled": _drop_one_proof,
    "rdfc-truncated": _truncate(0),
    "jcs-truncated": _truncate(1),
    "rdfc-signature": _flip_signature(0),
    "jcs-signature": _flip_signature(1),
}


@pytest.mark.parametrize("change", [*DOCUMENT_CHANGES.values(), *PROOF_CHANGES.values()],
                         ids=[*DOCUMENT_CHANGES, *PROOF_CHANGES])
def test_any_change_is_refused(badge, client, change):
    keys = published_keys(client)
    badges.verify_badge(copy.deepcopy(badge), keys)
    altered = copy.deepcopy(badge)
    change(altered)
    with pytest.raises(badges.BadgeError):
        badges.verify_badge(altered, keys)


def test_a_badge_signed_with_another_key_is_refused(app, badge, client, tmp_path):
    elsewhere = str(tmp_path / "elsewhere")
    forger = signing.load_private_key(elsewhere, signing.ensure_signing_key(elsewhere))
    forged = {k: v for k, v in copy.deepcopy(badge).items() if k != "proof"}
    forged["issuer"]["id"] = badges.did_key(forger.public_key())
    forged = badges.sign_badge(forged, forger)
    with pytest.raises(badges.BadgeError, match="not published"):
        badges.verify_badge(forged, published_keys(client))
    # the forger's proof is internally sound: only the key gives it away
    assert badges.verify_badge(forged, signing.public_keys(elsewhere))["name"] == "Amani Okafor"
    # and a real proof cannot be moved onto another issuer
    moved = copy.deepcopy(badge)
    for proof in moved["proof"]:
        proof["verificationMethod"] = badges.verification_method(forger.public_key())
    with pytest.raises(badges.BadgeError):
        badges.verify_badge(moved, published_keys(client))


def test_rotation_keeps_earlier_badges_verifiable(app, badge, learner, runner):
    assert runner.invoke(args=["certificates", "rotate-key"]).exit_code == 0
    keys = published_keys(learner.client)
    old = badges.verify_badge(badge, keys)
    new = badges.verify_badge(learner.get(BADGE).json, keys)
    assert old["kid"] != new["kid"] and new["kid"] == signing.ensure_signing_key(
        app.instance_path)


def test_canonical_json_is_rfc8785_for_what_the_app_emits(badge):
    assert badges.canonical_json(badge) == json.dumps(
        badge, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    # member names sort by UTF-16 code units: U+1F600 (a surrogate pair, D83D ...) comes
    # before U+FB33, unlike a sort by code points
    assert badges.canonical_json({"\ufb33": "a", "\U0001f600": "b", "1": "c"}) == \
        '{"1":"c","\U0001f600":"b","\ufb33":"a"}'.encode()
    assert badges.canonical_json({"s": "tab\tquote\"\x1f\u2028é"}) == \
        '{"s":"tab\\tquote\\"\\u001f\u2028é"}'.encode()
    for not_canonicalisable in ({"n": 1.5}, {"n": 2**60}, {"s": "\ud800"}):
        with pytest.raises(badges.BadgeError):
            badges.canonical_json(not_canonicalisable)


def test_names_in_any_script_survive_signing(app, make_person, content, client):
    person = make_person(number="AR-1", name="أمينة عبد الله “Ami”", language="ar")
    db.session.add(Completion(person_id=person.id, module_id="sgtm1", content_version="v1"))
    db.session.commit()
    completion = db.session.scalar(select(Completion).where(Completion.person_id == person.id))
    cert = issue_on_completion(person, completion, "ar", app.instance_path)
    with app.test_request_context("/ar/"):
        doc = badges.issue_badge(cert, content, "http://training.test/", app.instance_path)
    said = badges.verify_badge(json.loads(json.dumps(doc, ensure_ascii=False)),
                               published_keys(client))
    assert said["name"] == "أمينة عبد الله “Ami”" and said["language"] == "ar"


def test_the_certificate_page_links_the_badge(learner):
    html = learner.get("/certificate").get_data(as_text=True)
    assert 'href="/en/certificate/badge.json"' in html
    assert "Download as an Open Badge (JSON)" in html


def test_only_the_learner_downloads_their_own_badge(app, certificate, make_person, make_user,
                                                    client):
    anonymous = client.get(f"/en{BADGE}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_person(number="Z-9", name="Other Learner")
    other = Actions(app.test_client())
    other.login(number="Z-9")
    assert other.get(BADGE).status_code == 404
    make_user("hq1", "hq-password-1", "hq")
    staff = Actions(app.test_client())
    staff.staff_login("hq1", "hq-password-1")
    assert staff.get(BADGE).status_code == 403


def test_hq_downloads_a_badge_of_its_mission(app, certificate, mission, make_user, client):
    make_user("hq1", "hq-password-1", "hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq1", "hq-password-1")
    page = hq.get(f"/hq/missions/{mission.id}/certificates/{certificate.code}")
    assert hq_url(mission.id, certificate.code) in page.get_data(as_text=True)
    response = hq.get(hq_url(mission.id, certificate.code))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    said = badges.verify_badge(response.json, published_keys(client))
    assert said["name"] == "Amani Okafor"
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.target == f"certificate:{certificate.code}",
        AuditEvent.action == "certificate.badge_downloaded")) is not None


def test_other_staff_get_nothing(app, certificate, mission, make_user):
    other, other_hq = other_mission_hq(app)
    assert other_hq.get(hq_url(mission.id, certificate.code)).status_code == 404
    # nor through their own mission's address
    assert other_hq.get(hq_url(other.id, certificate.code)).status_code == 404
    make_user("trainer1", "trainer-pass-1", "trainer")
    trainer = Actions(app.test_client())
    trainer.staff_login("trainer1", "trainer-pass-1")
    assert trainer.get(hq_url(mission.id, certificate.code)).status_code == 403
    anonymous = Actions(app.test_client()).get(hq_url(mission.id, certificate.code))
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    make_user("admin1", "admin-pass-1", "admin", own_mission=False)
    admin = Actions(app.test_client())
    admin.staff_login("admin1", "admin-pass-1")
    assert admin.get(hq_url(mission.id, certificate.code)).status_code == 200


def test_revoked_certificates_are_not_exported(app, certificate, mission, make_user, learner,
                                               content):
    from training_app.certificates.services import reissue_certificate, revoke_certificate

    revoke_certificate(certificate, "Completed under another person's number", "system:test")
    refused = learner.get(BADGE)
    assert refused.status_code == 410
    assert "A revoked certificate cannot be downloaded as an Open Badge." in \
        refused.get_data(as_text=True)
    make_user("hq1", "hq-password-1", "hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq1", "hq-password-1")
    assert hq.get(hq_url(mission.id, certificate.code)).status_code == 410
    page = hq.get(f"/hq/missions/{mission.id}/certificates/{certificate.code}")
    assert hq_url(mission.id, certificate.code) not in page.get_data(as_text=True)
    with pytest.raises(badges.CertificateRevoked):
        badges.badge_credential(certificate, certificate.person, content,
                                "http://training.test/", "did:key:z6Mk")
    # a reissued certificate is exported under its new code
    new = reissue_certificate(certificate, "Name corrected", "system:test", app.instance_path)
    assert learner.get(BADGE).json["id"].endswith(f"/verify/{new.code}")


def cli_verify(runner, *args):
    return runner.invoke(args=["certificates", "verify", *args])


def test_the_cli_checks_badge_files(app, badge, client, runner, tmp_path):
    genuine = tmp_path / "badge.json"
    genuine.write_text(json.dumps(badge, ensure_ascii=False, indent=2), encoding="utf-8")
    ok = cli_verify(runner, str(genuine))
    assert ok.exit_code == 0 and "GENUINE" in ok.output and "Amani Okafor" in ok.output
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(client.get("/verify/keys.json").json))
    assert cli_verify(runner, str(genuine), "--keys", str(keys_file)).exit_code == 0

    altered = tmp_path / "altered.json"
    altered.write_text(genuine.read_text(encoding="utf-8").replace("Amani", "Imani"),
                       encoding="utf-8")
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(genuine.read_bytes()[:-40])
    repeated = tmp_path / "repeated.json"  # a second "validFrom" that some parsers would use
    repeated.write_text(genuine.read_text(encoding="utf-8").replace(
        '"validFrom"', '"validFrom": "2001-01-01T00:00:00Z",\n  "validFrom"', 1),
        encoding="utf-8")
    other_keys = tmp_path / "other-keys.json"
    signing.ensure_signing_key(str(tmp_path / "elsewhere"))
    other_keys.write_text(json.dumps(signing.keys_document(str(tmp_path / "elsewhere"))))
    for path, extra in ((altered, ()), (truncated, ()), (repeated, ()),
                        (genuine, ("--keys", str(other_keys)))):
        result = cli_verify(runner, str(path), *extra)
        assert result.exit_code == 1 and "NOT GENUINE" in result.output, path



def test_every_languages_badge_verifies_with_an_outside_verifier(learner):
    """Digital Bazaar's vc + data-integrity libraries accept each proof on its own: what
    1EdTech's and the Digital Credentials Consortium's verifiers (eddsa-rdfc-2022) and JCS-only
    verifiers (eddsa-jcs-2022) will do."""
    languages = ("ar", "en", "es", "fr", "ru", "zh")
    documents = [learner.client.get(f"/{lang}{BADGE}").json for lang in languages]
    assert [d["credentialSubject"]["achievement"]["inLanguage"] for d in documents] == \
        list(languages)
    outcomes = verify_outside([(doc, suite) for doc in documents for suite in SUITES],
                              status_lists(learner.client, documents[0]))
    assert outcomes == [{"verified": True, "errors": []}] * (len(languages) * len(SUITES))


def test_the_outside_verifier_refuses_any_change(badge, client):
    changed = []
    for change in DOCUMENT_CHANGES.values():
        altered = copy.deepcopy(badge)
        change(altered)
        changed.append(altered)
    checks = [(doc, suite) for doc in [badge, *changed] for suite in SUITES]
    outcomes = verify_outside(checks, status_lists(client, badge))
    assert [o["verified"] for o in outcomes[:2]] == [True, True]
    refused = {(name, suite): not outcome["verified"] for (name, suite), outcome in zip(
        [(name, suite) for name in DOCUMENT_CHANGES for suite in SUITES], outcomes[2:],
        strict=True)}
    assert all(refused.values()), [key for key, ok in refused.items() if not ok]
