"""Certificates checked without the server: published keys, the CLI, the PDF's own token."""

import base64
import json

import pytest

from training_app.certificates import signing

from .conftest import Actions


def cli_verify(runner, *args):
    return runner.invoke(args=["certificates", "verify", *args])


def test_token_says_who_what_and_when(app, certificate):
    payload = signing.verify_token(certificate.token, signing.public_keys(app.instance_path))
    assert payload["name"] == "Amani Okafor"
    assert payload["category"] == "military-contingent"
    assert payload["contingent"] == "GH — GHANBATT"
    assert payload["mission"] == "UN Test Mission"
    assert payload["module"] == "sgtm1" and payload["content_version"] == "v1"
    assert payload["language"] == "en" and payload["code"] == certificate.code


def test_public_keys_are_published_and_verify_offline(app, client, certificate, tmp_path,
                                                      runner):
    doc = client.get("/verify/keys.json").json
    assert doc["algorithm"] == "Ed25519" and len(doc["keys"]) == 1
    assert "PRIVATE" not in json.dumps(doc)
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(doc))
    ok = cli_verify(runner, certificate.token, "--keys", str(keys_file))
    assert ok.exit_code == 0 and "Amani Okafor" in ok.output


def test_pdf_carries_its_token_and_the_cli_checks_it(app, actions, certificate, runner,
                                                     tmp_path):
    actions.login()
    pdf = actions.get("/certificate.pdf").data
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    assert cli_verify(runner, str(path)).exit_code == 0
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(pdf.replace(b"Amani", b"Xmani", 1) if b"Amani" in pdf else pdf)
    token = signing.token_from_file(pdf)
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["name"] = "Someone Else"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    forged_pdf = tmp_path / "forged.pdf"
    forged_pdf.write_bytes(pdf.replace(token.encode(), f"{head}.{forged_body}.{sig}".encode()))
    result = cli_verify(runner, str(forged_pdf))
    assert result.exit_code == 1 and "NOT GENUINE" in result.output
    empty = tmp_path / "no-token.pdf"
    empty.write_bytes(b"%PDF-1.4 nothing here")
    assert cli_verify(runner, str(empty)).exit_code == 1


@pytest.mark.parametrize("damage", ["altered", "truncated", "wrong-key", "garbage"])
def test_cli_refuses_forged_altered_truncated_or_foreign_tokens(app, certificate, runner,
                                                                tmp_path, damage):
    token = certificate.token
    if damage == "altered":
        head, body, sig = token.split(".")
        token = f"{head}.{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{sig}"
    elif damage == "truncated":
        token = token[: len(token) - 10]
    elif damage == "wrong-key":
        token = signing.sign_token({"name": "Amani Okafor"}, str(tmp_path / "elsewhere"))
    else:
        token = "not a token at all"
    result = cli_verify(runner, token)
    assert result.exit_code == 1 and "NOT GENUINE" in result.output


def test_rotation_keeps_earlier_certificates_verifiable(app, client, certificate, runner):
    assert runner.invoke(args=["certificates", "rotate-key"]).exit_code == 0
    doc = client.get("/verify/keys.json").json
    assert len(doc["keys"]) == 2 and sum(k["active"] for k in doc["keys"]) == 1
    assert cli_verify(runner, certificate.token).exit_code == 0


def test_revoked_certificate_is_shown_as_revoked(app, client, certificate):
    from training_app.certificates.services import revoke_certificate

    revoke_certificate(certificate, "Completed under another person's number", "system:test")
    page = client.get(f"/verify/{certificate.code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "REVOKED" in text and "VALID:" not in text
    assert "another person" not in text  # why is for mission HQ only


def test_verify_page_shows_only_what_a_checker_needs(app, client, certificate):
    text = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Amani Okafor" in text and "UN Test Mission" in text
    assert "P-001" not in text  # no personnel number
    assert certificate.token not in text


def test_learner_pages_do_not_leak_to_other_learners(app, certificate, make_person):
    make_person(number="Z-9", name="Other Learner")
    other = Actions(app.test_client())
    other.login(number="Z-9")
    assert other.get("/certificate.pdf").status_code == 404
    assert "Amani Okafor" not in other.get("/certificate").get_data(as_text=True)
