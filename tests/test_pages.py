"""Field conditions and the public interface: health, headers, page weight, no third parties."""

import gzip
import re

import pytest

LEARNER_PAGES = ["/", "/module", "/slides/1", "/slides/8", "/case-studies",
                 "/case-studies/off-limits-bar", "/quiz", "/certificate", "/verify"]
EXTERNAL = re.compile(r'(?:src|href|action)="(?:https?:)?//', re.I)


def test_healthz_reports_the_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["database"] == "ok"
    assert r.json["backend"] in {"sqlite", "postgresql"}


def test_root_follows_accept_language(client):
    r = client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/fr/")
    r = client.get("/", headers={"Accept-Language": "de"})
    assert r.headers["Location"].endswith("/en/")


def test_unknown_language_is_not_found(client):
    assert client.get("/xx/slides/1").status_code == 404


def test_security_headers_and_cookie_flags(actions, make_person):
    make_person()
    r = actions.login()
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = actions.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", LEARNER_PAGES)
def test_learner_pages_are_light_and_self_contained(actions, make_person, path):
    make_person()
    actions.login()
    r = actions.get(path, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200, path
    html = gzip.decompress(r.data).decode() if r.headers.get(
        "Content-Encoding") == "gzip" else r.get_data(as_text=True)
    assert not EXTERNAL.search(html), "no third-party resources"
    # one small script of our own (offline study), deferred: the page works without it
    # (tests/e2e/test_offline_in_browser.py runs it with JavaScript off)
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(re.fullmatch(r'<script src="/static/offline\.js\?v=[0-9a-f]+" defer>', tag)
               for tag in scripts), scripts
    total = len(r.data)
    for asset in re.findall(r'(?:href|src)="(/static/(?:app\.css|offline\.js)\?v=[0-9a-f]+)"',
                            html):
        asset_r = actions.client.get(asset, headers={"Accept-Encoding": "gzip"})
        assert "max-age=31536000" in asset_r.headers["Cache-Control"]
        total += len(asset_r.data)
        asset_r.close()
    assert total <= 30 * 1024, f"{path}: {total} bytes"


def test_pages_fit_a_phone(actions):
    html = actions.get("/slides/1").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_unknown_verification_code_is_a_clear_404(client, app):
    r = client.get("/verify/ABCD-EFGH-JKMN")
    assert r.status_code == 404
    assert "NOT FOUND" in r.get_data(as_text=True)
    r = client.get("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404 and "<script>alert" not in r.get_data(as_text=True)


def test_altered_code_of_a_real_certificate_is_not_found(app, client, make_person, content):
    from training_app.certificates import codes
    from training_app.certificates.services import issue_on_completion
    from training_app.extensions import db
    from training_app.models import Completion

    person = make_person()
    completion = Completion(person_id=person.id, module_id="sgtm1", content_version="v")
    db.session.add(completion)
    db.session.commit()
    cert = issue_on_completion(person, completion, "en", app.instance_path)
    assert client.get(f"/verify/{cert.code}").status_code == 200
    i = 3
    altered = cert.code[:i] + next(c for c in codes.ALPHABET if c != cert.code[i]) + \
        cert.code[i + 1:]
    r = client.get(f"/verify/{altered}")
    assert r.status_code == 404 and "mistyped" in r.get_data(as_text=True)
