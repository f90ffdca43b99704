"""Mission HQ and the certificate register: find a certificate, revoke it, issue a new one,
download it as an Open Badge."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import certificate_of_mission_or_404, hq_staff, mission_or_404
from ..categories import BY_ID as CATEGORY_BY_ID
from ..certificates import codes
from ..certificates import services as certificates
from ..downloads import badge_download
from ..forms import ReasonForm
from ..i18n import _
from . import services
from .routes import bp


@bp.route("/hq/missions/<int:mission_id>/certificates")
@hq_staff
def certificates_search(mission_id: int):
    """Find certificates by code, name or personnel number; without a search, who expires in
    the next 90 days."""
    mission = mission_or_404(mission_id)
    q = (request.args.get("q") or "")[:100]
    register = services.certificate_register(mission.id, q)
    return render_template("hq/certificates.html", mission=mission, q=q,
                           found=register.found, expiring=register.expiring,
                           window=services.EXPIRY_WINDOW_DAYS,
                           display_code=codes.display, categories=CATEGORY_BY_ID)


def _page(mission, cert, revoke_form, reissue_form, status=200):
    return render_template(
        "hq/certificate.html", mission=mission, cert=cert, form=revoke_form,
        reissue_form=reissue_form, display_code=codes.display,
        signed=certificates.signed_details(cert),
        name_changed=certificates.name_changed_since(cert),
        history=audit.rows(audit.certificate_history(cert.code), g.lang),
        categories=CATEGORY_BY_ID), status


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>", methods=["GET", "POST"])
@hq_staff
def certificate(mission_id: int, code: str):
    """One certificate: revoke it with a reason (POST), which HQ alone will see. 404 if not
    of this mission."""
    mission = mission_or_404(mission_id)
    cert = certificate_of_mission_or_404(mission, code)
    form = ReasonForm()
    if form.validate_on_submit():
        if certificates.revoke_certificate(cert, form.reason.data.strip(), current_user):
            flash(_("The certificate is revoked."), "success")
        return redirect(url_for("hq.certificate", mission_id=mission.id, code=cert.code))
    return _page(mission, cert, form, ReasonForm(formdata=None),
                 422 if request.method == "POST" else 200)


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>/reissue", methods=["POST"])
@hq_staff
def reissue(mission_id: int, code: str):
    """Issue a new certificate in place of this one (revoked if it still stands), with the
    person's name as it is now; a reason is required and audited."""
    mission = mission_or_404(mission_id)
    cert = certificate_of_mission_or_404(mission, code)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _page(mission, cert, ReasonForm(formdata=None), form, 422)
    try:
        new = certificates.reissue_certificate(cert, form.reason.data.strip(), current_user,
                                               current_app.instance_path)
    except (certificates.NotCompleted, certificates.HolderRemoved):
        abort(409)
    flash(_("A new certificate was issued: %(code)s", code=codes.display(new.code)), "success")
    return redirect(url_for("hq.certificate", mission_id=mission.id, code=new.code))


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>/badge.json")
@hq_staff
def badge(mission_id: int, code: str):
    """A certificate of the mission as an Open Badge in the certificate's own language
    (audited); 404 if not of this mission, 410 if revoked or its holder's details were
    removed."""
    mission = mission_or_404(mission_id)
    cert = certificate_of_mission_or_404(mission, code)
    if cert.person.removed:
        abort(410)
    response = badge_download(cert, cert.language)
    if cert.revoked_at is None:
        certificates.record_badge_download(cert, current_user)
    return response
