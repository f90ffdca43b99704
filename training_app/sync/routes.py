"""Mission HQ applies a camp server's bundle in the browser, and sees what was applied."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core import language_blueprint
from ..exports import attachment
from ..extensions import db
from ..i18n import _, _l
from ..models import SyncImport, SyncSource
from ..models.audit import record
from ..scope import mission_or_404, staff_required
from . import services
from .bundle import BundleError

bp = language_blueprint("sync", __name__)
HQ_ROLES = ("hq", "admin")


class BundleForm(FlaskForm):
    file = FileField(_l("Bundle file (.sgtm1sync)"), validators=[FileRequired()])


class TrustForm(FlaskForm):
    document = TextAreaField(_l("Key document (the output of “flask sync key” on that server)"),
                             validators=[DataRequired(), Length(max=2000)])


@bp.record_once
def _allow_large_bundles(state) -> None:
    """A bundle may be larger than other uploads: raise the limit for this one page, before
    the CSRF check reads the form."""
    app = state.app

    def limit():
        if request.endpoint == "sync.upload" and request.method == "POST":
            request.max_content_length = app.config["SYNC_MAX_BUNDLE"]

    app.before_request_funcs.setdefault(None, []).insert(0, limit)


def refusal(exc: BundleError) -> str:
    return {
        "not-a-bundle": _("This file is not a sync bundle, or it is damaged."),
        "untrusted-key": _("This bundle was signed by a server this one does not trust. "
                           "An administrator must first trust that server's key."),
        "bad-signature": _("This bundle was altered after it was written: its signature does "
                           "not match. Ask the camp for a new copy."),
        "damaged": _("This file is not a sync bundle, or it is damaged."),
        "too-large": _("This bundle is too large."),
        "unknown-mission": _("This bundle is for a mission that is not on this server."),
        "other-mission": _("This bundle is for another mission (%(code)s).", code=exc.detail),
        "bad-record": _("This bundle holds a record this server cannot accept (%(what)s).",
                        what=exc.detail),
        "bad-key-document": _("This is not a key document from “flask sync key”."),
    }.get(exc.reason, exc.reason)


@bp.route("/hq/missions/<int:mission_id>/sync", methods=["GET", "POST"])
@staff_required(*HQ_ROLES)
def upload(mission_id: int):
    """Upload a camp server's bundle; it is applied whole or not at all."""
    mission = mission_or_404(current_user, mission_id)
    form = BundleForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = services.import_bundle(
                form.file.data.read(), f"user:{current_user.username}",
                current_app.instance_path, mission_id=mission.id,
                languages=current_app.config["LANGUAGES"])
        except BundleError as exc:
            db.session.rollback()
            flash(refusal(exc) + " " + _("Nothing was written."), "error")
            status = 422
        else:
            if result.status == "already":
                flash(_("This bundle was already applied; nothing changed."), "info")
            else:
                flash(_("Bundle from %(source)s applied: %(changes)s.", source=result.source,
                        changes=describe(result.counts)), "success")
            return redirect(url_for("sync.upload", mission_id=mission.id))
    elif request.method == "POST":
        status = 422
    imports = db.session.scalars(select(SyncImport).where(SyncImport.mission_id == mission.id)
                                 .order_by(SyncImport.imported_at.desc()).limit(50)).all()
    sources = db.session.scalars(select(SyncSource).order_by(SyncSource.name)).all()
    return render_template("sync/upload.html", mission=mission, form=form, imports=imports,
                           sources=sources, trust_form=TrustForm(), describe=describe,
                           export_form=ExportForm(request.args)), status


class ExportForm(FlaskForm):
    """By GET: it writes nothing but the audit line, so it carries no CSRF token."""

    class Meta:
        csrf = False

    since = DateField(_l("Changes since (leave empty for everything)"), validators=[Optional()])


@bp.route("/hq/missions/<int:mission_id>/sync/export")
@staff_required(*HQ_ROLES)
def export(mission_id: int):
    """This server's records of the mission as a signed bundle, for a camp without a command
    line: what changed since the date given, or everything."""
    mission = mission_or_404(current_user, mission_id)
    form = ExportForm(request.args)
    if not form.validate():
        flash(_("Enter the date as YYYY-MM-DD, or leave it empty."), "error")
        return redirect(url_for("sync.upload", mission_id=mission.id))
    since = (datetime.combine(form.since.data, time.min, tzinfo=UTC)
             if form.since.data else None)
    data, counts = services.export_bundle(mission, since, current_app.config["SITE_NAME"],
                                          current_app.instance_path)
    record(f"user:{current_user.username}", "sync.exported", f"mission:{mission.id}",
           mission_id=mission.id, since=since.isoformat() if since else None, **counts)
    db.session.commit()
    return attachment(data, "application/json",
                      f"sync-{mission.code}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sgtm1sync")


@bp.route("/hq/missions/<int:mission_id>/sync/trust", methods=["POST"])
@staff_required("admin")
def trust(mission_id: int):
    """An administrator trusts another server's key (bundles and certificates it signs)."""
    mission = mission_or_404(current_user, mission_id)
    form = TrustForm()
    if form.validate_on_submit():
        try:
            document = json.loads(form.document.data)
            if not isinstance(document, dict):
                raise BundleError("bad-key-document")
            source = services.trust(document, f"user:{current_user.username}")
        except (ValueError, BundleError) as exc:
            db.session.rollback()
            flash(refusal(exc if isinstance(exc, BundleError)
                          else BundleError("bad-key-document")), "error")
        else:
            flash(_("Bundles and certificates signed by %(name)s are accepted from now on.",
                    name=source.name), "success")
    else:
        flash(_("Paste the key document."), "error")
    return redirect(url_for("sync.upload", mission_id=mission.id))


def describe(counts: dict) -> str:
    labels = {
        "people_added": _("people added"), "people_updated": _("people updated"),
        "contingents_added": _("contingents added"),
        "slide_views_added": _("slide views"), "slide_views_updated": _("slide views updated"),
        "case_study_responses_added": _("case study answers"),
        "case_study_responses_updated": _("case study answers updated"),
        "quiz_attempts_added": _("quiz attempts"),
        "quiz_attempts_updated": _("quiz attempts updated"),
        "completions_added": _("completions"), "completions_updated": _("completions updated"),
        "certificates_added": _("certificates"),
        "certificates_revoked": _("certificates revoked"),
    }
    parts = [f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items()) if v]
    return "; ".join(parts) if parts else _("nothing new")
