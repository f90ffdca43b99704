"""Mission HQ and its camp servers: apply a camp's bundle in the browser, see what was
applied, and (on a camp server) download the camp's bundle."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import hq_staff, mission_or_404, sees_all_missions
from ..exports import attachment
from ..i18n import _
from ..sync import services
from ..sync.bundle import BundleError
from ..sync.messages import describe, refusal
from .forms import BundleForm, ExportForm
from .routes import bp


@bp.record_once
def _allow_large_bundles(state) -> None:
    """A bundle may be larger than other uploads: raise the limit for this one page, before
    the CSRF check reads the form."""
    app = state.app

    def limit():
        if request.endpoint == "hq.camp_servers" and request.method == "POST":
            request.max_content_length = app.config["SYNC_MAX_BUNDLE"]

    app.before_request_funcs.setdefault(None, []).insert(0, limit)


@bp.route("/hq/missions/<int:mission_id>/sync", methods=["GET", "POST"])
@hq_staff
def camp_servers(mission_id: int):
    """Upload a camp server's bundle; it is applied whole or not at all."""
    mission = mission_or_404(mission_id)
    form = BundleForm()
    status = 200
    if form.validate_on_submit():
        try:
            result = services.import_bundle(
                form.file.data.read(), current_user,
                current_app.instance_path, mission_id=mission.id,
                languages=current_app.config["LANGUAGES"])
        except BundleError as exc:
            flash(refusal(exc) + " " + _("Nothing was written."), "error")
            status = 422
        else:
            if result.status == "already":
                flash(_("This bundle was already applied; nothing changed."), "info")
            else:
                flash(_("Bundle from %(source)s applied: %(changes)s.", source=result.source,
                        changes=describe(result.counts)), "success")
            return redirect(url_for("hq.camp_servers", mission_id=mission.id))
    elif request.method == "POST":
        status = 422
    return render_template("hq/camp_servers.html", mission=mission, form=form,
                           imports=services.imports_of(mission.id),
                           sources=services.sources(mission.id),
                           recipient=services.recipient_of(mission.id), describe=describe,
                           admin_link=sees_all_missions(),
                           export_form=ExportForm(request.args)), status


@bp.route("/hq/missions/<int:mission_id>/sync/export")
@hq_staff
def camp_export(mission_id: int):
    """This server's records of the mission as a sealed, signed bundle, for a camp without a
    command line: what changed since the date given, or everything. Back to the page with a
    message if the date is malformed or no mission HQ key is set to seal to."""
    mission = mission_or_404(mission_id)
    form = ExportForm(request.args)
    if not form.validate():
        flash(_("Enter the date as YYYY-MM-DD, or leave it empty."), "error")
        return redirect(url_for("hq.camp_servers", mission_id=mission.id))
    since = (datetime.combine(form.since.data, time.min, tzinfo=UTC)
             if form.since.data else None)
    try:
        data, _counts = services.export_bundle(mission, since, current_app.config["SITE_NAME"],
                                               current_app.instance_path, actor=current_user)
    except BundleError as exc:
        flash(refusal(exc), "error")
        return redirect(url_for("hq.camp_servers", mission_id=mission.id))
    return attachment(data, "application/json",
                      f"sync-{mission.code}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sgtm1sync")
