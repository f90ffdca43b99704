"""The printable pocket card: in every language, with the mission's own Focal Point and
Alternate, text that fits its panels, Arabic shaped and right to left, content checked like
the rest of the module, and downloads only where the user may see the mission."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from flask_babel import force_locale
from pypdf import PdfReader

from training_app.content import check_content
from training_app.content.loader import entry_hash
from training_app.extensions import db
from training_app.models import Contingent, Mission, Person, User
from training_app.pocketcard.pdf import MIN_SIZE, ROOM, fitted
from training_app.pocketcard.services import card_text

from .conftest import Actions, edit

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["ar", "en", "es", "fr", "ru", "zh"]
FACTS = ("Ms Focal Example", "ext. 1234", "Mr Alternate Example", "ext. 5678",
         "Directive 12/2026")
MAX_BYTES = 120 * 1024


def pdf_text(data: bytes) -> str:
    """The page's text with runs of whitespace made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def squeezed(text: str) -> str:
    """Without any whitespace: Chinese lines break between characters, French uses
    no-break spaces, and extraction does not give either back as written."""
    return "".join(text.split())


def card_words(content, lang, section):
    return content.text(lang, "pocket_card", section)


def text_positions(data: bytes) -> list[tuple[str, float]]:
    """(text, x in points) of every piece of text drawn on the page."""
    found = []
    PdfReader(io.BytesIO(data)).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, *_: found.append((text, cm[4] + tm[4]))
        if text.strip() else None)
    return found


@pytest.fixture
def learner(app, mission, make_person):
    def make(lang="en", number="P-001"):
        make_person(number=number, language=lang)
        actions = Actions(app.test_client(), lang=lang)
        assert actions.login(number=number).status_code == 302
        return actions

    return make


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_prints_a_small_card_with_the_missions_contacts(learner, content, lang):
    actions = learner(lang)
    response = actions.get("/pocket-card.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(response.data) <= MAX_BYTES, len(response.data)
    text = pdf_text(response.data)
    for fact in (*FACTS, "UN Test Mission"):
        assert fact in text, (lang, fact)
    # the card's own words, in this language: its headings on both sides
    for section in ("off-limits", "indicators"):
        heading = card_words(content, lang, section)["heading"]
        assert squeezed(heading) in squeezed(text), (lang, section)
    label = card_words(content, lang, "channels")["focal_point"]["label"]
    if lang != "en":
        assert label != card_words(content, "en", "channels")["focal_point"]["label"]
    assert squeezed(label) in squeezed(text), lang


def test_the_sheet_holds_two_copies_of_the_folded_card(learner):
    text = pdf_text(learner("en").get("/pocket-card.pdf").data)
    assert text.count("Ms Focal Example") == 2
    assert text.count("Stop abuse. Report abuse.") == 2


def arabic_glyph_forms(data: bytes) -> int:
    """How many Arabic letters the Naskh font draws with more than one glyph (initial,
    medial, final forms): only shaped text does; unshaped text has one glyph a letter."""
    reader = PdfReader(io.BytesIO(data))
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "Naskh" in font["/BaseFont"] and "Bold" not in font["/BaseFont"]:
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            pairs = re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4})>", cmap)
            glyphs_per_letter: dict[str, set[str]] = {}
            for glyph, char in pairs:
                if 0x0620 <= int(char, 16) <= 0x064A:
                    glyphs_per_letter.setdefault(char, set()).add(glyph)
            return sum(1 for glyphs in glyphs_per_letter.values() if len(glyphs) > 1)
    raise AssertionError("no Arabic font in the PDF")


def test_arabic_is_shaped_and_the_card_reads_right_to_left(learner, content):
    arabic = learner("ar").get("/pocket-card.pdf").data
    assert arabic_glyph_forms(arabic) >= 10
    english = learner("en", number="P-002").get("/pocket-card.pdf").data
    half_page = 595.28 / 2  # A4 width in points

    def motto_x(data, lang):
        motto = card_words(content, lang, "heading")["motto"].split()[0]
        return next(x for text, x in text_positions(data) if motto in text)

    # the front (title, motto) is on the side a reader starts from
    assert motto_x(arabic, "ar") > half_page
    assert motto_x(english, "en") < half_page


@pytest.fixture
def long_facts_mission(app):
    m = Mission(
        code="UNLONG",
        name="United Nations Organization Stabilization Mission in the Democratic Republic "
             "of the Congo (MONUSCO)",
        focal_point_name="Lieutenant-Colonel Maria Fernanda Rodríguez-Hernández de la Vega",
        focal_point_contact="+243 81 555 0101 (mobile, 24 h), Tetra 4411, "
                            "conduct-focalpoint-hq@un.org",
        alternate_name="Mr Jean-Baptiste Kabongo Mwamba-Tshisekedi",
        alternate_contact="+243 99 555 0202, Tetra 4412, conduct-alternate-hq@un.org",
        offlimits_directive="Head of Mission Directive HOM/2026/014 on Off-Limits locations "
                            "(Goma, Bukavu, Beni)")
    db.session.add(m)
    db.session.commit()
    return m


@pytest.mark.parametrize("lang", LANGS)
def test_text_fits_every_panel_even_with_long_mission_facts(app, content, mission,
                                                             long_facts_mission, lang):
    for m in (mission, long_facts_mission):
        with force_locale(lang):
            card = card_text(content, lang, m)
        for side, (size, height) in fitted(card).items():
            assert height <= ROOM, (lang, m.code, side, size, height)
            assert size > MIN_SIZE, (lang, m.code, side)  # fitted, not cut off
            assert size >= 6.0 or m is long_facts_mission, (lang, side, size)


def test_facts_longer_than_any_card_still_print(app, content, mission):
    mission.focal_point_contact = "+1 212 555 0100 " * 12
    mission.alternate_contact = "conduct-and-discipline-alternate@un.org " * 5
    db.session.commit()
    with force_locale("ru"):
        card = card_text(content, "ru", mission)
    from training_app.pocketcard.pdf import render_card_sheet

    data = render_card_sheet(card)
    assert "Ms Focal Example" in pdf_text(data) and len(data) <= MAX_BYTES


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_a_mission_without_a_focal_point_says_so_and_still_prints(app, learner, mission,
                                                                 content, lang):
    mission.focal_point_name = mission.focal_point_contact = ""
    mission.alternate_name = mission.alternate_contact = ""
    db.session.commit()
    response = learner(lang).get("/pocket-card.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    not_set = card_words(content, lang, "channels")["not_set"]
    if lang == "ar":  # extraction may reorder marks; compare the letters
        assert set(squeezed(not_set)) <= set(squeezed(text))
    else:
        assert squeezed(text).count(squeezed(not_set)) == 4  # two people, two copies
    assert "ext. 1234" not in text and "Ms Focal Example" not in text


def test_learner_of_another_mission_gets_their_own_missions_facts(app, mission, learner):
    other = Mission(code="UNOTHER", name="Other Mission", focal_point_name="Dr Other Focal",
                    focal_point_contact="other-fp@un.org", alternate_name="Mx Other Alternate",
                    alternate_contact="other-alt@un.org", offlimits_directive="Order 7")
    db.session.add(other)
    db.session.flush()
    db.session.add(Contingent(mission_id=other.id, country="FJ", unit="FIJIBATT"))
    person = Person(mission_id=other.id, personnel_number="O-1", name="Other Learner",
                    category="police", language="en")
    person.set_pin("135790")
    db.session.add(person)
    db.session.commit()
    actions = Actions(app.test_client())
    assert actions.login(number="O-1", pin="135790", mission_id=other.id).status_code == 302
    text = pdf_text(actions.get("/pocket-card.pdf").data)
    assert "Dr Other Focal" in text and "other-alt@un.org" in text and "Order 7" in text
    assert "Ms Focal Example" not in text and "UN Test Mission" not in text


def test_anonymous_visitors_are_sent_to_sign_in(client, mission):
    r = client.get("/en/pocket-card.pdf")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    for path in ("/en/train/cohorts/1/pocket-cards.pdf",
                 f"/en/hq/missions/{mission.id}/pocket-cards/fr.pdf"):
        r = client.get(path)
        assert r.status_code == 302 and "/staff/login" in r.headers["Location"], path


@pytest.fixture
def cohort(app, mission):
    from training_app.train import services

    return services.save_cohort(None, mission.id, "t", name="Russian cohort", place="",
                                session_date=date(2026, 3, 1), language="ru",
                                delivery_mode="classroom", contingent_ids=[], trainer_ids=[])


def staff(app, username, password, role, mission_id):
    user = User(username=username, name=username, role=role, mission_id=mission_id)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    actions = Actions(app.test_client())
    actions.staff_login(username, password)
    return actions


def test_trainer_gets_the_cohorts_cards_in_the_cohorts_language(app, mission, cohort,
                                                                content):
    trainer = staff(app, "trainer1", "trainer-pass-1", "trainer", mission.id)
    page = trainer.get(f"/train/cohorts/{cohort.id}/").get_data(as_text=True)
    assert f'href="/en/train/cohorts/{cohort.id}/pocket-cards.pdf"' in page
    response = trainer.get(f"/train/cohorts/{cohort.id}/pocket-cards.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Ms Focal Example" in text
    russian = card_words(content, "ru", "indicators")["heading"]
    assert squeezed(russian) in squeezed(text)
    assert "Signs of trafficking" not in text


def test_trainer_of_another_mission_gets_404(app, mission, cohort):
    other = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    outsider = staff(app, "othertrainer", "other-pass-1", "trainer", other.id)
    assert outsider.get(f"/train/cohorts/{cohort.id}/pocket-cards.pdf").status_code == 404
    other_hq = staff(app, "otherhq", "other-pass-1", "hq", other.id)
    assert other_hq.get(f"/hq/missions/{mission.id}/pocket-cards/en.pdf").status_code == 404


def test_hq_downloads_each_language_from_the_settings_page(app, mission, content):
    hq = staff(app, "hq1", "hq-password-1", "hq", mission.id)
    page = hq.get(f"/hq/missions/{mission.id}/settings").get_data(as_text=True)
    for lang in LANGS:
        path = f"/en/hq/missions/{mission.id}/pocket-cards/{lang}.pdf"
        assert f'href="{path}"' in page, lang
    response = hq.client.get(f"/en/hq/missions/{mission.id}/pocket-cards/zh.pdf")
    assert response.status_code == 200 and len(response.data) <= MAX_BYTES
    text = pdf_text(response.data)
    assert squeezed(card_words(content, "zh", "duty-to-report")["heading"]) in squeezed(text)
    assert "Ms Focal Example" in text
    assert hq.get(f"/hq/missions/{mission.id}/pocket-cards/de.pdf").status_code == 404
    trainer = staff(app, "trainer1", "trainer-pass-1", "trainer", mission.id)
    assert trainer.get(f"/hq/missions/{mission.id}/pocket-cards/en.pdf").status_code == 403


def test_an_admin_gets_any_missions_cards(app, mission):
    admin = staff(app, "admin1", "admin-pass-1", "admin", None)
    response = admin.get(f"/hq/missions/{mission.id}/pocket-cards/es.pdf")
    assert response.status_code == 200 and "Ms Focal Example" in pdf_text(response.data)


def test_learner_pages_link_to_the_card(learner):
    actions = learner("fr")
    for path in ("/", "/certificate"):
        page = actions.get(path).get_data(as_text=True)
        assert 'href="/fr/pocket-card.pdf"' in page, path


# --- the card's content is checked like the rest of the module ---------------------------

def test_shipped_card_is_complete_and_names_its_sources():
    report = check_content(ROOT)
    assert report.errors == []
    structure = yaml.safe_load((ROOT / "modules/sgtm1/module.yaml").read_text("utf-8"))
    card = structure["pocket_card"]
    assert {c["side"] for c in card} == {"front", "back"}
    assert all("003_aa6fb6b3ceca8311" in c["source"] for c in card)


def test_changing_an_english_card_entry_makes_its_translations_stale(tree):
    edit(tree / "modules/sgtm1/en/pocket_card.yaml",
         lambda d: d["indicators"]["points"].append("The person has no money of their own."))
    report = check_content(tree)
    for lang in ("ar", "es", "fr", "ru", "zh"):
        assert report.languages[lang]["stale"] == 1, lang
        assert any(f"/{lang}/pocket_card.yaml: indicators: stale" in e for e in report.errors)


def test_a_missing_card_translation_is_reported(tree):
    (tree / "modules/sgtm1/es/pocket_card.yaml").unlink()
    edit(tree / "modules/sgtm1/ru/pocket_card.yaml", lambda d: d.pop("channels"))
    report = check_content(tree)
    assert report.languages["es"]["missing"] == 6
    assert report.languages["ru"]["missing"] == 1
    assert any("ru/pocket_card.yaml: channels: missing" in e for e in report.errors)


def test_card_placeholders_must_match_and_stay_on_the_card(tree):
    def drop_contact(d):
        d["channels"]["alternate"]["contact"] = "—"
    edit(tree / "modules/sgtm1/fr/pocket_card.yaml", drop_contact)
    errors = check_content(tree).errors
    assert any("fr/pocket_card.yaml: channels: placeholders differ" in e for e in errors)

    def english_without_contact(d):
        d["channels"]["focal_point"]["contact"] = "ask at the desk"
    edit(tree / "modules/sgtm1/en/pocket_card.yaml", english_without_contact)
    errors = check_content(tree).errors
    assert any("en/pocket_card.yaml: channels: needs" in e for e in errors)


def test_cli_check_fails_on_a_stale_card_and_prints_the_hashes(app, tree):
    runner = app.test_cli_runner()
    hashes = runner.invoke(args=["content", "hash", "pocket_card"])
    english = yaml.safe_load((ROOT / "modules/sgtm1/en/pocket_card.yaml").read_text("utf-8"))
    assert f"channels: {entry_hash(english['channels'])}" in hashes.output
    edit(tree / "modules/sgtm1/en/pocket_card.yaml",
         lambda d: d["heading"].update(motto="Stop abuse."))
    app.config["CONTENT_ROOT"] = str(tree)
    result = runner.invoke(args=["content", "check", "--json"])
    assert result.exit_code == 1
    assert "pocket_card.yaml: heading: stale" in result.output
