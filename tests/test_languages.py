"""Six languages: catalogs complete, the whole path in each, Arabic right to left, PDFs shaped."""

import io
import re

import pytest
from babel.dates import format_date
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select

from training_app.extensions import db
from training_app.i18n import format_locale
from training_app.models import Certificate, Person

from .conftest import Actions, csrf_from, right_answer

LANGS = ["ar", "en", "es", "fr", "ru", "zh"]


def translated(lang, msgid, **kw):
    with force_locale(lang):
        return gettext(msgid, **kw)


def test_every_interface_string_is_translated_in_every_catalog(runner):
    """Extracts the strings afresh, so a new string without translations fails here."""
    result = runner.invoke(args=["translate", "check"])
    assert result.exit_code == 0, result.output


def test_catalogs_really_differ_from_english(app):
    for lang in LANGS:
        if lang != "en":
            assert translated(lang, "Sign in") != "Sign in", lang


@pytest.mark.parametrize("lang", LANGS)
def test_the_whole_path_in_each_language(app, client, make_person, content, lang):
    person = make_person(name="Nour Haddad", language=lang)
    actions = Actions(client, lang=lang)
    assert actions.login().status_code == 302

    page = actions.get("/slides/1").get_data(as_text=True)
    direction = "rtl" if lang == "ar" else "ltr"
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert translated(lang, "Slide %(n)s of %(total)s", n=1, total=14) in page
    title = content.text(lang, "slides", content.slides[0].id)["title"]
    assert title.replace("'", "&#39;").replace('"', "&#34;") in page
    if lang != "en":
        assert title != content.text("en", "slides", content.slides[0].id)["title"]
        assert "Slide 1 of 14" not in page

    for n in range(2, len(content.slides) + 1):
        actions.get(f"/slides/{n}")
    for case in content.case_studies:
        actions.post_form(f"/case-studies/{case.id}", {"answer": "Je signale au point focal."})

    html = actions.get("/quiz").get_data(as_text=True)
    token = re.search(rf'action="/{lang}/quiz/([^"]+)"', html).group(1)
    ids = re.findall(r'name="s-([a-z0-9-]+)" value="true"', html)
    first = content.text(lang, "quiz", next(i for i in ids if i != "mission-focal-point"))[
        "statement"]
    assert first.replace("'", "&#39;").replace('"', "&#34;") in html
    data = {"csrf_token": csrf_from(html)}
    data.update({f"s-{sid}": str(right_answer(content, token, sid)).lower() for sid in ids})
    r = client.post(f"/{lang}/quiz/{token}", data=data)
    result = client.get(r.headers["Location"]).get_data(as_text=True)
    assert translated(lang, "You passed the quiz.") in result

    cert_page = actions.get("/certificate").get_data(as_text=True)
    cert = db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))
    assert format_date(cert.issued_at, "long", locale=format_locale(lang)) in cert_page

    pdf = actions.get("/certificate.pdf")
    assert pdf.status_code == 200 and len(pdf.data) <= 60 * 1024
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    words = content.text(lang, "module", "certificate")
    for expected in (words["title"], "Nour Haddad", translated(lang, "Verification code")):
        # every letter of the expected text is there (extraction may reorder RTL runs)
        missing = {ch for ch in expected if not ch.isspace()} - set(text)
        assert not missing, (lang, expected, missing)

    verify = client.get(f"/{lang}/verify/{cert.code}").get_data(as_text=True)
    assert translated(lang, "VALID: this code belongs to a genuine certificate.") in verify


def test_switcher_keeps_the_page_and_arrows_follow_the_direction(client):
    page = client.get("/en/slides/3").get_data(as_text=True)
    for lang in LANGS:
        if lang != "en":
            assert f'href="/{lang}/slides/3"' in page
    arabic = client.get("/ar/slides/3").get_data(as_text=True)
    assert re.search(r'rel="prev"[^>]*><span aria-hidden="true">→', arabic)
    assert re.search(r'rel="next"[^>]*>[^<]*<span aria-hidden="true">←', arabic)
    english = client.get("/en/slides/3").get_data(as_text=True)
    assert re.search(r'rel="prev"[^>]*><span aria-hidden="true">←', english)


def test_the_chosen_language_is_remembered(app, client, make_person):
    person = make_person()
    client.get("/fr/slides/2")
    assert client.get("/").headers["Location"].endswith("/fr/")
    Actions(client, "ru").login()
    client.get("/ru/")
    db.session.expire_all()
    assert db.session.get(Person, person.id).language == "ru"
    fresh = app.test_client()
    Actions(fresh, "en").login()
    fresh.get("/ru/")  # any page; then a bare visit follows the stored preference
    fresh.delete_cookie("lang")
    assert fresh.get("/").headers["Location"].endswith("/ru/")


def test_module_overview_and_plan_are_translated(client, content):
    for lang in LANGS:
        page = client.get(f"/{lang}/module").get_data(as_text=True)
        aim = content.text(lang, "module", "aim")["paragraphs"][0]
        assert aim.replace("'", "&#39;").replace('"', "&#34;") in page, lang
