"""What a certificate PDF says, in one language (and the mission's second language where it
set one): built from the register entry, the module's words and the mission's settings, then
drawn by certificates.pdf."""

from __future__ import annotations

from ..categories import BY_ID as CATEGORIES_BY_ID
from ..content.loader import Content
from ..i18n import _, format_date, in_language
from ..models import Certificate
from .codes import display as display_code
from .pdf import CertificateText, CertificateWords, render_certificate, render_certificates
from .services import signed_details


def certificate_words(cert: Certificate, content: Content, lang: str) -> CertificateWords:
    """The certificate's words in `lang`, with the details it was signed with (a record
    corrected later does not change a certificate already issued)."""
    person = cert.person
    signed = signed_details(cert)
    words = content.text(lang, "module", "certificate")
    with in_language(lang):
        category = CATEGORIES_BY_ID.get(signed.category)
        details = [(_("Personnel number"), person.personnel_number)]
        if category:
            details.append((_("Personnel category"), str(category.label)))
        if signed.contingent:
            details.append((_("Contingent"), signed.contingent))
        details.append((_("Date of completion"), format_date(cert.issued_at, lang)))
        if cert.valid_until is not None:
            details.append((_("Valid until"), format_date(cert.valid_until, lang)))
        return CertificateWords(
            language=lang, title=words["title"], statement=words["statement"],
            module=words["module"], details=tuple(details),
            code_line=_("Verification code: %(code)s.", code=display_code(cert.code)),
            verify_hint=_("Anyone can check this certificate by scanning the QR code or "
                          "opening the address below."))


def certificate_text(cert: Certificate, content: Content, lang: str,
                     verify_url: str) -> CertificateText:
    """The certificate in `lang`, with the mission's second language where it set one."""
    mission = cert.person.mission
    second_lang = mission.certificate_second_language or ""
    second = None
    if second_lang and second_lang != lang and second_lang in content.languages:
        second = certificate_words(cert, content, second_lang)
    return CertificateText(
        holder=signed_details(cert).name, words=certificate_words(cert, content, lang),
        code=display_code(cert.code), verify_url=verify_url,
        issuer=signed_details(cert).mission, unit=mission.certificate_unit,
        signatory=mission.certificate_signatory_name,
        signatory_title=mission.certificate_signatory_title, second=second, token=cert.token)


def certificate_pdf(cert: Certificate, content: Content, lang: str, verify_url: str) -> bytes:
    return render_certificate(certificate_text(cert, content, lang, verify_url))


def render_many(certs: list[Certificate], content: Content, verify_url_of) -> bytes:
    """Several certificates in one PDF, a page each, each in its own language."""
    return render_certificates([certificate_text(c, content, c.language, verify_url_of(c))
                                for c in certs])
