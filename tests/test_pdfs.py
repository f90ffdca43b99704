"""Every PDF the app prints, in every language, reads right: each line poppler extracts is
the line the layout was asked to print (Arabic in logical order, shaped and right to left),
every glyph painted exists in its font, every line stays in its frame, QR codes scan; and
the certificate carries what a verifier needs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from flask import g
from flask_babel import force_locale
from pypdf import PdfReader

from training_app.certificates.codes import DATA_LENGTH, check_character, display
from training_app.certificates.document import certificate_text
from training_app.certificates.pdf import draw_certificates, statement_parts
from training_app.certificates.services import issue_on_completion
from training_app.downloads import verify_url
from training_app.extensions import db
from training_app.i18n import format_locale
from training_app.models import Completion, Enrolment, Mission
from training_app.pocketcard.pdf import draw_card_sheet
from training_app.pocketcard.services import card_text
from training_app.printing import Document, Style, Writer
from training_app.printing import fonts as printing_fonts
from training_app.printing import text as printing_text
from training_app.printing.join_sheet import draw_join_sheet
from training_app.printing.paper_quiz import draw_quiz_sheets
from training_app.train import services as train
from training_app.train.printouts import join_sheet_text, paper_quiz_sheets

from . import pdfcheck
from .conftest import ROOT, Actions

LANGS = ["ar", "en", "es", "fr", "ru", "zh"]
NAMES = {"ar": "نور حداد", "en": "Amina Diallo", "es": "Lucía Rojas", "fr": "Chloé Martin",
         "ru": "Ольга Иванова", "zh": "李伟"}
FIXED = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def certified(app, mission, make_person, content):
    """A certificate in `lang` for a new learner; the mission with its certificate
    settings."""
    mission.certificate_unit = "Conduct and Discipline Unit"
    mission.certificate_signatory_name = "Ms Ingrid Halvorsen"
    mission.certificate_signatory_title = "Chief, Conduct and Discipline Unit"
    db.session.commit()
    numbers = iter(range(1, 100))

    def make(lang, name=None, second=""):
        mission.certificate_second_language = second
        person = make_person(number=f"C-{next(numbers):03d}", name=name or NAMES[lang],
                             language=lang)
        completion = Completion(person_id=person.id, module_id="sgtm1", content_version="v")
        db.session.add(completion)
        db.session.commit()
        cert = issue_on_completion(person, completion, lang, app.instance_path)
        with app.test_request_context(f"/{lang}/"), force_locale(lang):
            g.lang = lang
            return cert, certificate_text(cert, content, lang, verify_url(cert))

    return make


def certificate_strings(text) -> list[str]:
    """What a certificate must print: every value it was given."""
    strings = [text.holder, text.issuer, text.unit, text.signatory, text.signatory_title,
               text.code, text.verify_url]
    for words in text.languages:
        strings += [words.title, words.module, words.code_line, words.verify_hint]
        strings += [part for kind, part in statement_parts(words.statement) if kind == "text"]
        for label, value in words.details:
            strings += [label, value]
    return strings


def rendered(doc: Document, name: str) -> bytes:
    # the shipped fonts suffice: no system font is needed for the module's own words
    assert not any("cjkfull" in box.fonts for box in doc.boxes)
    data = doc.output()
    pdfcheck.save_images(data, name)
    return data


# --- certificates -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_certificate_reads_right_in_every_language(certified, content, lang):
    # Arabic with a Latin name: the demo learner whose certificate came out garbled
    cert, text = certified(lang, name="Amina Diallo" if lang == "ar" else None)
    doc = draw_certificates([text])
    data = rendered(doc, f"certificate-{lang}")
    assert len(data) <= 60 * 1024, len(data)
    pdfcheck.check_document(doc, data, certificate_strings(text))
    words = content.text(lang, "module", "certificate")
    pdfcheck.check_metadata(data, f"{words['title']}: {text.holder}", lang)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1

    # the holder's name is the largest text, the module title is printed once
    name_size = max(b.size for b in doc.boxes if b.text in text.holder)
    assert all(b.size < name_size for b in doc.boxes if b.text not in text.holder)
    module = pdfcheck.squeezed(words["module"])
    assert pdfcheck.squeezed("".join(b.text for b in doc.boxes)).count(module) == 1
    # the date in the language's own format, and the issuer and signatory
    on = format_date(cert.issued_at, "long", locale=format_locale(lang))
    assert any(b.text == on for b in doc.boxes), on
    for value in ("Conduct and Discipline Unit", "Ms Ingrid Halvorsen", "UN Test Mission"):
        assert any(value in b.text for b in doc.boxes), value
    assert pdfcheck.qr_codes(data) == [text.verify_url]


@pytest.mark.parametrize("lang", LANGS)
def test_a_certificate_in_two_languages_for_verifiers(certified, content, lang):
    second = "fr" if lang == "en" else "en"
    _, text = certified(lang, second=second)
    assert text.second is not None and text.second.language == second
    doc = draw_certificates([text])
    data = rendered(doc, f"certificate-two-languages-{lang}")
    assert len(data) <= 60 * 1024, len(data)
    pdfcheck.check_document(doc, data, certificate_strings(text))
    for language in (lang, second):
        title = content.text(language, "module", "certificate")["title"]
        assert any(b.text == title and b.language == language for b in doc.boxes)
    assert {b.language for b in doc.boxes} == {lang, second}
    assert pdfcheck.qr_codes(data) == [text.verify_url]


@pytest.mark.parametrize("lang", LANGS)
def test_the_widest_verification_code_stays_on_one_line_inside_the_frame(certified, lang):
    # codes are random: one of wide letters, beneath a QR code at the page's edge (the left
    # in Arabic, the right otherwise), once printed past the frame
    _, text = certified(lang)
    widest = display("W" * DATA_LENGTH + check_character("W" * DATA_LENGTH))
    text = replace(text, code=widest)
    doc = draw_certificates([text])
    data = rendered(doc, f"certificate-widest-code-{lang}")
    pdfcheck.check_document(doc, data, [widest, text.holder])
    printed = [b for b in doc.boxes if widest in b.text]
    assert len(printed) == 1 and printed[0].text == widest
    qr = doc.figures[0]
    assert abs((printed[0].x + printed[0].w / 2) - (qr[1] + qr[3] / 2)) < 0.5  # centred


def test_the_second_language_is_left_out_when_it_is_the_holders(certified):
    _, text = certified("fr", second="fr")
    assert text.second is None
    doc = draw_certificates([text])
    assert {b.language for b in doc.boxes} == {"fr"}


def test_a_certificate_without_signatory_has_no_signature_line(app, mission, make_person,
                                                               content):
    person = make_person(name="Amina Diallo")
    completion = Completion(person_id=person.id, module_id="sgtm1", content_version="v")
    db.session.add(completion)
    db.session.commit()
    cert = issue_on_completion(person, completion, "en", app.instance_path)
    with app.test_request_context("/en/"):
        g.lang = "en"
        text = certificate_text(cert, content, "en", verify_url(cert))
    assert (text.unit, text.signatory, text.signatory_title) == ("", "", "")
    doc = draw_certificates([text])
    data = doc.output()
    pdfcheck.check_document(doc, data, certificate_strings(text))
    assert "Conduct and Discipline" not in pdfcheck.poppler_text(data)


def test_a_long_name_shrinks_but_stays_the_largest_text(certified):
    name = "Lieutenant-Colonel Maria Fernanda Rodríguez-Hernández de la Vega y Montenegro"
    _, text = certified("es", name=name, second="en")
    doc = draw_certificates([text])
    data = doc.output()
    pdfcheck.check_document(doc, data, certificate_strings(text))
    name_boxes = [b for b in doc.boxes if b.text in name]
    assert 1 <= len(name_boxes) <= 2
    assert min(b.size for b in name_boxes) > max(b.size for b in doc.boxes
                                                 if b not in name_boxes)


def test_cohort_certificates_each_page_in_its_own_languages(certified):
    texts = [certified(lang)[1] for lang in LANGS]
    texts.append(certified("ar", name="Li Wei", second="en")[1])
    doc = draw_certificates(texts)
    data = rendered(doc, "cohort-certificates")
    assert len(PdfReader(io.BytesIO(data)).pages) == len(texts)
    pdfcheck.check_document(doc, data, [s for t in texts for s in certificate_strings(t)])


# --- the shared text path -----------------------------------------------------------------

def test_a_line_never_inherits_the_font_of_the_line_before():
    """The lines that came out as boxes in fpdf2 2.8.9: each after a line that starts (on the
    left) with a Latin run set in another font than the paragraph's."""
    doc = Document(title="Lines", language="ar", orientation="L")
    doc.add_page()
    writer = Writer(doc, "ar")
    y = 20.0
    for style, line in ((Style(17, True), "الوحدة التدريبية العامة الموحدة 1"),
                        (Style(11), "الرقم الوظيفي: DEMO-001"),
                        (Style(11), "فئة الأفراد: فرد عسكري في وحدة وطنية"),
                        (Style(11), "البعثة: UN Demonstration Mission (UNDEMO)"),
                        (Style(11), "تاريخ الإتمام: 2 ديسمبر 2026"),
                        (Style(10), "رمز التحقق: ABCD-EFGH"),
                        (Style(10), "يمكن لأي شخص التحقق من هذه الشهادة بمسح رمز الاستجابة")):
        y += writer.paragraph(line, 20, y, 250, style, "start")
    data = doc.output()
    pdfcheck.check_glyphs(data)
    pdfcheck.check_lines(doc, data)
    pdfcheck.check_logical_order(doc, data)


def test_shared_fonts_give_the_same_pdf_as_fonts_parsed_afresh(certified):
    texts = [certified("zh")[1], certified("ar", second="en")[1]]

    def pdf(text):
        doc = draw_certificates([text])
        doc.pdf.set_creation_date(FIXED)
        return doc.output()

    warm = [pdf(t) for t in texts] + [pdf(t) for t in reversed(texts)]
    printing_fonts.clear_cache()
    printing_text.clear_caches()
    fresh = [pdf(t) for t in texts]
    assert warm[0] == warm[3] == fresh[0]
    assert warm[1] == warm[2] == fresh[1]
    for data in fresh:
        pdfcheck.check_glyphs(data)


def test_documents_drawn_in_parallel_threads_come_out_as_drawn_alone(certified):
    from concurrent.futures import ThreadPoolExecutor

    texts = [certified(lang, second="en" if lang != "en" else "")[1] for lang in LANGS]

    def pdf(text):
        doc = draw_certificates([text])
        doc.pdf.set_creation_date(FIXED)
        return doc.output()

    alone = [pdf(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(pdf, texts * 3))
    assert together == alone * 3


def test_the_shipped_chinese_face_has_every_character_of_the_chinese_texts():
    chars = set()
    for path in [*ROOT.glob("modules/*/zh/*.yaml"), *ROOT.glob("quizzes/*/zh.yaml"),
                 ROOT / "translations/zh/LC_MESSAGES/messages.po"]:
        chars |= set(path.read_text("utf-8"))
    covered = printing_fonts.coverage(printing_fonts.CJK.regular)
    missing = sorted(ch for ch in chars if ord(ch) > 0x2E7F and ord(ch) not in covered)
    assert not missing, f"rebuild the subset (tools/make_font_subsets.py): {missing[:20]}"


def test_text_in_no_font_is_reported_not_dropped():
    doc = Document(title="Coverage", language="en")
    doc.add_page()
    Writer(doc, "en").paragraph("Sign here ✍ please", 20, 20, 100, Style(11))
    with pytest.raises(AssertionError, match="no glyph"):
        pdfcheck.check_coverage(doc)


# --- pocket cards -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_pocket_card_reads_right_in_every_language(app, content, mission, lang):
    with force_locale(lang):
        card = card_text(content, lang, mission)
    doc = draw_card_sheet(card)
    data = rendered(doc, f"pocket-card-{lang}")
    pdfcheck.check_document(doc, data, [card.title] + [
        part for block in (*card.front, *card.back)
        for part in (block.heading, block.intro, *block.lines,
                     *(value for p in block.people for value in (p.label, p.name, p.contact)))])
    pdfcheck.check_metadata(data, card.title, lang)


def test_latin_text_keeps_its_order_inside_arabic_card_lines(app, content, mission):
    mission.offlimits_directive = "Force Commander Directive 12/2026 on Off-Limits areas"
    db.session.commit()
    with force_locale("ar"):
        card = card_text(content, "ar", mission)
    doc = draw_card_sheet(card)
    data = doc.output()
    pdfcheck.check_lines(doc, data)
    words = [w[4] for w in pdfcheck.poppler_words(data)[0]]
    latin = [w for w in words if w in ("Force", "Commander", "Directive", "12/2026", "on",
                                       "Off-Limits", "areas")]
    # read left to right within each line: the directive's words in their own order
    assert " ".join(latin).count("Force Commander Directive") == 2  # two copies of the card
    assert pdfcheck.letters("Force Commander Directive 12/2026 on Off-Limits areas") in \
        pdfcheck.letters(pdfcheck.poppler_text(data))


# --- paper quiz, answer key, join sheet ---------------------------------------------------

@pytest.fixture
def cohort_in(app, mission, make_person):
    def make(lang, learners=2):
        cohort = train.save_cohort(None, mission.id, "t", name=f"Cohort {lang}",
                                   place="Camp Alpha", session_date=date(2026, 3, 14),
                                   language=lang, delivery_mode="classroom",
                                   contingent_ids=[], trainer_ids=[])
        for n in range(learners):
            person = make_person(number=f"{lang}-{n}", name=f"{NAMES[lang]} {n + 1}",
                                 language=lang)
            db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
        db.session.commit()
        return cohort

    return make


@pytest.mark.parametrize("lang", LANGS)
def test_paper_quiz_one_sheet_per_learner_in_every_language(app, content, cohort_in, lang):
    cohort = cohort_in(lang)
    with app.test_request_context(f"/{lang}/"):
        sheets = paper_quiz_sheets(cohort, content, 2, with_key=False)
    assert len(sheets.pages) == 2
    doc = draw_quiz_sheets(sheets)
    data = rendered(doc, f"paper-quiz-{lang}")
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    for page, text in enumerate(sheets.pages, 1):
        assert len(text.statements) == 15
        pdfcheck.check_printed(doc, [text.title, text.subtitle, text.variant_label,
                                     text.instructions, text.name_label, text.number_label,
                                     *text.statements, text.name, text.number])
        # every statement, with its two labelled boxes, on its learner's one page
        lines = "".join(b.text for b in doc.boxes if b.page == page)
        assert all(pdfcheck.squeezed(s) in pdfcheck.squeezed(lines) for s in text.statements)
        assert pdfcheck.squeezed(text.name) in pdfcheck.squeezed(lines)
        labels = [b.text for b in doc.boxes if b.page == page
                  and b.text in (text.true_label, text.false_label)]
        assert labels.count(text.true_label) == labels.count(text.false_label) == 15
    pdfcheck.check_document(doc, data, [])
    pdfcheck.check_metadata(data, sheets.title, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_answer_key_ticks_the_right_box(app, content, cohort_in, lang):
    cohort = cohort_in(lang, learners=0)
    with app.test_request_context(f"/{lang}/"):
        sheets = paper_quiz_sheets(cohort, content, 1, with_key=True)
    [text] = sheets.pages
    doc = draw_quiz_sheets(sheets)
    data = rendered(doc, f"answer-key-{lang}")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    pdfcheck.check_document(doc, data, [text.title, text.key_label, text.variant_label,
                                        *text.statements])
    # the right answer's label is set in bold, in the order of the statements
    chosen = [b.text == text.true_label for b in sorted(doc.boxes, key=lambda b: b.y)
              if b.text in (text.true_label, text.false_label) and any(
                  f.endswith("B") for f in b.fonts)]
    if lang != "zh":  # Chinese has no bold face: the tick alone marks the answer
        assert chosen == list(text.answers)


def test_a_cohort_with_no_learners_gets_a_blank_sheet_per_variant(app, content, cohort_in):
    cohort = cohort_in("fr", learners=0)
    with app.test_request_context("/fr/"):
        sheets = paper_quiz_sheets(cohort, content, 2, with_key=False)
    doc = draw_quiz_sheets(sheets)
    data = doc.output()
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    pdfcheck.check_document(doc, data, [sheets.pages[0].name_label,
                                        *sheets.pages[0].statements])


@pytest.mark.parametrize("lang", LANGS)
def test_join_sheet_in_every_language_scans_to_the_join_page(app, content, cohort_in, lang):
    cohort = cohort_in(lang, learners=0)
    url = f"https://training.test/{lang}/join/{cohort.join_code}"
    with app.test_request_context(f"/{lang}/"):
        text = join_sheet_text(cohort, content, url)
    doc = draw_join_sheet(text)
    data = rendered(doc, f"join-sheet-{lang}")
    pdfcheck.check_document(doc, data, [text.module, text.cohort, text.when_where,
                                        text.instructions, text.code_label, text.join_code,
                                        url])
    assert pdfcheck.qr_codes(data) == [url]


def test_trainers_download_the_printouts_of_their_own_cohorts(app, mission, cohort_in,
                                                               make_user):
    cohort = cohort_in("ru")
    make_user()
    trainer = Actions(app.test_client())
    trainer.staff_login("trainer1", "correct horse 1")
    for path, name in ((f"/train/cohorts/{cohort.id}/paper-quiz.pdf", "paper-quiz"),
                       (f"/train/cohorts/{cohort.id}/paper-quiz.pdf?key=1", "answer-key"),
                       (f"/train/cohorts/{cohort.id}/sheet.pdf", "join-sheet")):
        response = trainer.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "application/pdf"
        assert f"cohort-{cohort.id}-{name}.pdf" in response.headers["Content-Disposition"]
        assert PdfReader(io.BytesIO(response.data)).trailer["/Root"]["/Lang"] == "ru"
    page = trainer.get(f"/train/cohorts/{cohort.id}/paper-quiz").get_data(as_text=True)
    assert f'href="/en/train/cohorts/{cohort.id}/paper-quiz.pdf?variants=3"' in page
    page = trainer.get(f"/train/cohorts/{cohort.id}/sheet").get_data(as_text=True)
    assert f'href="/en/train/cohorts/{cohort.id}/sheet.pdf"' in page

    other = Mission(code="UNOTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    make_user(username="outsider", own_mission=False).mission_id = other.id
    db.session.commit()
    outsider = Actions(app.test_client())
    outsider.staff_login("outsider", "correct horse 1")
    assert outsider.get(f"/train/cohorts/{cohort.id}/sheet.pdf").status_code == 404
    assert outsider.get(f"/train/cohorts/{cohort.id}/paper-quiz.pdf").status_code == 404


def test_hq_sets_what_certificates_print(app, mission, make_user):
    make_user(username="hq1", role="hq")
    hq = Actions(app.test_client())
    hq.staff_login("hq1", "correct horse 1")
    r = hq.post_form(f"/hq/missions/{mission.id}/settings", {
        "name": "UN Test Mission", "focal_point_name": "Ms Focal Example",
        "certificate_unit": "Integrated Mission Training Centre",
        "certificate_signatory_name": "Col. A. Mensah",
        "certificate_signatory_title": "Chief, Integrated Mission Training Centre",
        "certificate_second_language": "fr"})
    assert r.status_code == 302
    db.session.refresh(mission)
    assert (mission.certificate_unit, mission.certificate_second_language) == (
        "Integrated Mission Training Centre", "fr")
    bad = hq.post_form(f"/hq/missions/{mission.id}/settings", {
        "name": "UN Test Mission", "certificate_second_language": "de"})
    assert bad.status_code == 200 and "Not a valid choice" in bad.get_data(as_text=True)
