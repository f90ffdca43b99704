"""How long a certificate is valid: a mission setting (none by default), signed into the token,
carried by the badge as validUntil, printed on the PDF in every language; the verify page and
the command line say "expired" after it; HQ sees who expires in the next 90 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from flask import g
from flask_babel import force_locale

from training_app.certificates import signing
from training_app.certificates.document import certificate_text
from training_app.certificates.pdf import draw_certificates
from training_app.certificates.services import issue_on_completion
from training_app.downloads import verify_url
from training_app.extensions import db
from training_app.i18n import format_locale
from training_app.models import Completion

from . import pdfcheck
from .conftest import Actions
from .outside_verifier import SUITES, verify_outside

LANGS = ["ar", "en", "es", "fr", "ru", "zh"]


@pytest.fixture
def hq(app, make_user):
    make_user("hq1", "hq-password-1", "hq")
    actions = Actions(app.test_client())
    actions.staff_login("hq1", "hq-password-1")
    return actions


@pytest.fixture
def issue(app, mission, make_person):
    numbers = iter(range(1, 100))

    def make(lang="en", days_ago=0, name="Amani Okafor"):
        person = make_person(number=f"V-{next(numbers)}", name=name, language=lang)
        completion = Completion(person_id=person.id, module_id="sgtm1", content_version="v1",
                                completed_at=datetime.now(UTC) - timedelta(days=days_ago))
        db.session.add(completion)
        db.session.commit()
        return issue_on_completion(person, completion, lang, app.instance_path)

    return make


def settings_form(days):
    return {"name": "UN Test Mission", "certificate_second_language": "",
            "certificate_valid_days": days}


def test_no_end_by_default(app, mission, issue, client):
    cert = issue()
    assert mission.certificate_valid_days is None and cert.valid_until is None
    assert "valid_until" not in signing.token_payload(cert.token)
    page = client.get(f"/en/verify/{cert.code}").get_data(as_text=True)
    assert "VALID:" in page and "Valid until" not in page


def test_hq_sets_the_validity_and_new_certificates_carry_it(app, mission, hq, issue, client):
    saved = hq.post_form(f"/hq/missions/{mission.id}/settings", settings_form("365"))
    assert saved.status_code == 302
    db.session.refresh(mission)
    assert mission.certificate_valid_days == 365
    cert = issue()
    assert cert.valid_until.date() == (cert.issued_at + timedelta(days=365)).date()
    payload = signing.verify_token(cert.token, signing.public_keys(app.instance_path))
    assert payload["valid_until"] == cert.valid_until.date().isoformat()
    learner = Actions(app.test_client())
    learner.login(number="V-1")
    assert "Valid until" in learner.get("/certificate").get_data(as_text=True)
    badge = learner.get("/certificate/badge.json").json
    assert badge["validUntil"] == cert.valid_until.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    page = client.get(f"/en/verify/{cert.code}").get_data(as_text=True)
    assert "VALID:" in page and "Valid until" in page


@pytest.mark.parametrize("days", ["0", "-5", "abc", "100000"])
def test_bad_validity_is_refused_with_a_message(mission, hq, days):
    refused = hq.post_form(f"/hq/missions/{mission.id}/settings", settings_form(days))
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "Between 1 and 3650 days." in html or "Not a valid integer value." in html
    db.session.refresh(mission)
    assert mission.certificate_valid_days is None


def test_after_the_end_the_check_says_expired(app, mission, issue, client, runner):
    mission.certificate_valid_days = 30
    db.session.commit()
    old = issue(days_ago=40)
    page = client.get(f"/en/verify/{old.code}").get_data(as_text=True)
    assert "EXPIRED: this certificate was valid until" in page and "VALID:" not in page
    assert "EXPIRÉ" in client.get(f"/fr/verify/{old.code}").get_data(as_text=True)
    result = runner.invoke(args=["certificates", "verify", old.token])
    assert result.exit_code == 2 and "EXPIRED" in result.output
    fresh = issue(days_ago=1)
    assert "VALID:" in client.get(f"/en/verify/{fresh.code}").get_data(as_text=True)
    assert runner.invoke(args=["certificates", "verify", fresh.token]).exit_code == 0


def test_an_outside_verifier_refuses_the_badge_after_its_end(app, mission, issue, client):
    mission.certificate_valid_days = 30
    db.session.commit()
    cert = issue()
    learner = Actions(app.test_client())
    learner.login(number="V-1")
    badge = learner.get("/certificate/badge.json").json
    url = badge["credentialStatus"]["statusListCredential"]
    lists = {url: client.get(url.removeprefix("http://training.test")).json}
    checks = [(badge, suite) for suite in SUITES]
    assert [o["verified"] for o in verify_outside(checks, lists)] == [True, True]
    later = (cert.valid_until + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [o["verified"] for o in verify_outside(checks, lists, now=later)] == [False, False]


def test_hq_sees_who_expires_in_the_next_90_days(app, mission, hq, issue):
    mission.certificate_valid_days = 365
    db.session.commit()
    soon = issue(days_ago=300, name="Soon Expiring")  # 65 days left
    issue(days_ago=100, name="Still Long Valid")  # 265 days left
    issue(days_ago=400, name="Already Expired")
    revoked = issue(days_ago=320, name="Revoked Person")
    from training_app.certificates.services import revoke_certificate

    revoke_certificate(revoked, "Wrong person", "system:test")
    html = hq.get(f"/hq/missions/{mission.id}/certificates").get_data(as_text=True)
    assert "Expiring in the next 90 days" in html
    page = hq.get(f"/hq/missions/{mission.id}/certificates/{soon.code}").get_data(as_text=True)
    assert "Valid until" in page
    assert "Soon Expiring" in html and soon.code[:4] in html
    for not_listed in ("Still Long Valid", "Already Expired", "Revoked Person"):
        assert not_listed not in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_prints_the_end_of_validity(app, mission, issue, content, lang):
    mission.certificate_valid_days = 730
    db.session.commit()
    cert = issue(lang=lang)
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        g.lang = lang
        text = certificate_text(cert, content, lang, verify_url(cert))
    until = format_date(cert.valid_until, "long", locale=format_locale(lang))
    label, value = text.words.details[-1]
    assert value == until and label
    doc = draw_certificates([text])
    data = doc.output()
    # poppler reads the label and the date where they were printed (pdftotext)
    pdfcheck.check_document(doc, data, [label, until, text.holder])
