"""Download a completion certificate as a signed Open Badges 3.0 credential (JSON): a learner
their own, mission HQ any certificate of their mission. Revoked certificates are refused."""

from __future__ import annotations

import json

from flask import abort, current_app, g, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import learner_required
from ..content import get_content
from ..core import language_blueprint
from ..exports import attachment
from ..extensions import db
from ..hq.routes import HQ_ROLES, _certificate_of_mission
from ..i18n import _
from ..models import Certificate
from ..models.audit import record
from ..scope import mission_or_404, staff_required
from . import badges

bp = language_blueprint("badges", __name__)


def _refuse_revoked():
    return render_template(
        "errors/error.html", status=410, title=_("This certificate is revoked"),
        message=_("A revoked certificate cannot be downloaded as an Open Badge.")), 410


def _download(cert: Certificate, lang: str):
    try:
        # the site's address as the PDF's QR code gives it (SERVER_NAME when configured)
        credential = badges.issue_badge(cert, get_content(), url_for("root", _external=True),
                                        current_app.instance_path, lang)
    except badges.CertificateRevoked:
        return _refuse_revoked()
    return attachment(json.dumps(credential, ensure_ascii=False, indent=2) + "\n",
                      badges.MEDIA_TYPE, f"sgtm1-open-badge-{cert.code}.json")


@bp.route("/certificate/badge.json")
@learner_required
def learner_badge():
    """The learner's certificate as an Open Badge in the page's language; 404 until the module
    is completed, 410 if their certificate was revoked and none replaces it."""
    content = get_content()
    cert = db.session.scalar(
        select(Certificate).where(Certificate.person_id == current_user.id,
                                  Certificate.module_id == content.module_id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.id.desc()).limit(1))
    if cert is None:
        abort(404)
    return _download(cert, g.lang)


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>/badge.json")
@staff_required(*HQ_ROLES)
def hq_badge(mission_id: int, code: str):
    """A certificate of the mission as an Open Badge in the certificate's own language
    (audited); 404 if not of this mission, 410 if revoked."""
    mission = mission_or_404(current_user, mission_id)
    cert = _certificate_of_mission(mission, code)
    response = _download(cert, cert.language)
    if cert.revoked_at is None:
        record(f"user:{current_user.id}", "certificate.badge_downloaded", cert.code,
               mission_id=mission.id)
        db.session.commit()
    return response
