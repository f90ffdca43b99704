"""Turn stored facts into what a learner reads: mission facts for placeholders, the PDF."""

from __future__ import annotations

from babel.dates import format_date
from flask import current_app, url_for

from ..categories import BY_ID as CATEGORIES_BY_ID
from ..certificates.codes import display as display_code
from ..certificates.pdf import CertificateText, CertificateWords, render_certificate
from ..content.loader import Content
from ..i18n import _, format_locale
from ..models import Certificate, Mission


def mission_facts(mission: Mission | None) -> dict[str, str]:
    """Values for {mission}, {focal_point}, {alternate}, {offlimits_directive}."""

    def person(name: str, contact: str) -> str:
        return f"{name} ({contact})" if name and contact else name

    ask = _("(your trainer will give you the name and contact)")
    return {
        "mission": (mission.name if mission else "") or _("your mission"),
        "focal_point": (person(mission.focal_point_name, mission.focal_point_contact)
                        if mission else "") or ask,
        "alternate": (person(mission.alternate_name, mission.alternate_contact)
                      if mission else "") or ask,
        "offlimits_directive": (mission.offlimits_directive if mission else "")
        or _("the mission's Off-Limits directive"),
    }


def statement_text(content: Content, attempt):
    """A function giving, for a statement id of this attempt: its text, explanation, right
    answer and the slide it rests on, in the page's language."""
    from flask import g

    from ..learn.services import FOCAL_POINT_STATEMENT, answer_key

    extra = attempt.mission_statements or {}

    def lookup(statement_id: str) -> dict:
        if statement_id == FOCAL_POINT_STATEMENT and statement_id in extra:
            facts = extra[statement_id]
            if facts["answer"]:
                explanation = _("True. %(name)s is the Focal Point for sexual exploitation and "
                                "abuse in %(mission)s.", name=facts["focal_point"],
                                mission=facts["mission"])
            else:
                explanation = _("False. %(named)s is the Alternate; the Focal Point for sexual "
                                "exploitation and abuse in %(mission)s is %(name)s.",
                                named=facts["named"], name=facts["focal_point"],
                                mission=facts["mission"])
            return {
                "statement": _("In %(mission)s, the Focal Point for sexual exploitation and "
                               "abuse is %(name)s.", mission=facts["mission"],
                               name=facts["named"]),
                "explanation": explanation,
                "answer": facts["answer"],
                "slide": content.slide("reporting-channels"),
            }
        text = content.text(g.lang, "quiz", statement_id)
        key = content.quiz.statement(statement_id)
        return {"statement": text["statement"], "explanation": text["explanation"],
                "answer": answer_key(content.quiz, statement_id, extra),
                "slide": content.slide(key.slide)}

    return lookup


def certificate_words(cert: Certificate, content: Content, lang: str) -> CertificateWords:
    """The certificate's words in `lang` (call inside force_locale(lang) for another
    language than the page's)."""
    person = cert.person
    words = content.text(lang, "module", "certificate")
    category = CATEGORIES_BY_ID.get(person.category)
    details = [(_("Personnel number"), person.personnel_number)]
    if category:
        details.append((_("Personnel category"), str(category.label)))
    if person.contingent:
        details.append((_("Contingent"), f"{person.contingent.country} — {person.contingent.unit}"))
    completed_on = format_date(cert.issued_at, "long", locale=format_locale(lang))
    details.append((_("Date of completion"), completed_on))
    return CertificateWords(
        language=lang, title=words["title"], statement=words["statement"],
        module=words["module"], details=tuple(details),
        code_line=_("Verification code: %(code)s.", code=display_code(cert.code)),
        verify_hint=_("Anyone can check this certificate by scanning the QR code or opening "
                      "the address below."))


def certificate_text(cert: Certificate, content: Content, lang: str) -> CertificateText:
    """The certificate in `lang`, with the mission's second language where it set one."""
    from flask_babel import force_locale

    mission = cert.person.mission
    second_lang = mission.certificate_second_language or ""
    second = None
    if second_lang and second_lang != lang and second_lang in content.languages:
        with force_locale(second_lang):
            second = certificate_words(cert, content, second_lang)
    return CertificateText(
        holder=cert.person.name, words=certificate_words(cert, content, lang),
        code=display_code(cert.code),
        verify_url=url_for("verify_public.verify_code_any_language", code=cert.code,
                           _external=True),
        issuer=mission.name, unit=mission.certificate_unit,
        signatory=mission.certificate_signatory_name,
        signatory_title=mission.certificate_signatory_title, second=second, token=cert.token)


def certificate_pdf(cert: Certificate, content: Content, lang: str) -> bytes:
    current_app.logger.debug("rendering certificate %s in %s", cert.code, lang)
    return render_certificate(certificate_text(cert, content, lang))
