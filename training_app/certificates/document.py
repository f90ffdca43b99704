"""What a certificate PDF says, in one language: built from the register entry and the
module's words, then drawn by certificates.pdf."""

from __future__ import annotations

from ..categories import BY_ID as CATEGORIES_BY_ID
from ..content.loader import Content, fill
from ..i18n import _, format_date, in_language, text_direction
from ..models import Certificate
from .codes import display as display_code
from .pdf import CertificateText, render_certificate
from .services import signed_details


def certificate_text(cert: Certificate, content: Content, lang: str,
                     verify_url: str) -> CertificateText:
    """The certificate in `lang`, with the details it was signed with (a name corrected
    later does not change a certificate already issued)."""
    person = cert.person
    signed = signed_details(cert)
    words = content.text(lang, "module", "certificate")
    module_title = words["module"]
    with in_language(lang):
        category = CATEGORIES_BY_ID.get(signed.category)
        details = [(_("Personnel number"), person.personnel_number)]
        if category:
            details.append((_("Personnel category"), str(category.label)))
        if signed.contingent:
            details.append((_("Contingent"), signed.contingent))
        details.append((_("Mission"), signed.mission))
        details.append((_("Date of completion"), format_date(cert.issued_at, lang)))
        return CertificateText(
            language=lang, direction=text_direction(lang), title=words["title"],
            statement=fill(words["statement"], {"name": signed.name, "module": module_title}),
            module=module_title, details=tuple(details), code_label=_("Verification code"),
            code=display_code(cert.code),
            verify_hint=_("Anyone can check this certificate by scanning the QR code or "
                          "opening the address below."),
            verify_url=verify_url, token=cert.token,
        )


def certificate_pdf(cert: Certificate, content: Content, lang: str, verify_url: str) -> bytes:
    return render_certificate(certificate_text(cert, content, lang, verify_url))


def render_many(certs: list[Certificate], content: Content, verify_url_of) -> bytes:
    """Several certificates in one PDF, a page each, each in its own language."""
    from .pdf import render_certificates

    return render_certificates([certificate_text(c, content, c.language, verify_url_of(c))
                                for c in certs])
