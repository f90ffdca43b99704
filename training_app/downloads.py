"""The documents the app hands out (certificate PDFs, Open Badges, pocket cards), as download
responses: the engines draw them from plain arguments; this is where the site's addresses are
put in, so every view that offers one offers the same thing."""

from __future__ import annotations

import json
import re

from flask import current_app, render_template, url_for

from .certificates import badges
from .certificates.document import certificate_pdf, render_many
from .content import get_content
from .exports import attachment
from .i18n import _
from .models import Certificate, Mission


def verify_url(cert: Certificate) -> str:
    """The address printed in the QR code: answers in the visitor's language."""
    return url_for("verify.verify_code_any_language", code=cert.code, _external=True)


def certificate_pdf_download(cert: Certificate, lang: str):
    pdf = certificate_pdf(cert, get_content(), lang, verify_url(cert))
    return attachment(pdf, "application/pdf", f"sgtm1-certificate-{cert.code}.pdf")


def certificates_pdf_download(certs: list[Certificate], filename: str):
    """Several certificates in one PDF, a page each, each in its own language."""
    return attachment(render_many(certs, get_content(), verify_url), "application/pdf",
                      filename)


def badge_download(cert: Certificate, lang: str):
    """The certificate as a signed Open Badge in `lang`; 410 if it is revoked."""
    try:
        # the site's address as the PDF's QR code gives it (SERVER_NAME when configured)
        credential = badges.issue_badge(cert, get_content(), url_for("core.root",
                                                                      _external=True),
                                        current_app.instance_path, lang)
    except badges.CertificateRevoked:
        return render_template(
            "errors/error.html", status=410, title=_("This certificate is revoked"),
            message=_("A revoked certificate cannot be downloaded as an Open Badge.")), 410
    return attachment(json.dumps(credential, ensure_ascii=False, indent=2) + "\n",
                      badges.MEDIA_TYPE, f"sgtm1-open-badge-{cert.code}.json")


def pocket_card_download(mission: Mission, lang: str):
    """The pocket card sheet for `mission` in `lang`."""
    from .pocketcard.services import card_pdf

    content = get_content()
    pdf = card_pdf(content, lang if lang in content.languages else "en", mission)
    code = re.sub(r"[^A-Za-z0-9_-]", "", mission.code) or "mission"
    return attachment(pdf, "application/pdf", f"pocket-card-{code}-{lang}.pdf")
