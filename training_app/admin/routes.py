"""The administrator's views: every mission, staff accounts of every role, and the camp
servers whose bundles and certificates this server trusts."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..access import admins
from ..auth import services as accounts
from ..core import language_blueprint
from ..i18n import _
from ..sync import services as sync
from ..sync.bundle import BundleError
from ..sync.messages import refusal
from .forms import AdminStaffForm, SendToForm, TrustForm

bp = language_blueprint("admin", __name__)


def _role_labels() -> dict[str, str]:
    return {"trainer": _("Trainer"), "hq": _("Mission HQ"), "admin": _("Administrator")}


@bp.route("/admin/")
@admins
def index():
    """Every mission, with the ways into each."""
    return render_template("admin/index.html", missions=accounts.missions())


def _staff_page(form, code=None, code_for=None, status=200):
    return render_template("admin/staff.html", form=form, users=accounts.all_staff(),
                           missions={m.id: m for m in accounts.missions()},
                           roles=_role_labels(), action_form=FlaskForm(), code=code,
                           code_for=code_for), status


@bp.route("/admin/staff", methods=["GET", "POST"])
@admins
def staff():
    """Staff accounts of every mission and role; create one (audited)."""
    form = AdminStaffForm()
    form.role.choices = list(_role_labels().items())
    missions = accounts.missions()
    form.mission.choices = [(0, _("No mission (administrators)"))] + [
        (m.id, m.name) for m in missions]
    if form.validate_on_submit():
        mission = next((m for m in missions if m.id == form.mission.data), None)
        try:
            accounts.create_staff(form.username.data, form.name.data, form.role.data, mission,
                                  form.password.data, current_user)
        except accounts.AccountError as exc:
            field = form.mission if exc.reason == "mission-needed" else form.username
            field.errors.append(accounts.explain(exc))
            return _staff_page(form, status=422)
        flash(_("Account created."), "success")
        return redirect(url_for("admin.staff"))
    return _staff_page(form)


@bp.route("/admin/staff/<int:user_id>/<action>", methods=["POST"])
@admins
def staff_action(user_id: int, action: str):
    """Issue a password reset code (shown once) or deactivate an account; 404 if unknown."""
    user = next((u for u in accounts.all_staff() if u.id == user_id), None)
    if user is None:
        abort(404)
    if action not in ("reset", "deactivate") or not FlaskForm().validate_on_submit():
        abort(400)
    if action == "deactivate":
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            accounts.deactivate_staff(user, current_user)
            flash(_("%(name)s can no longer sign in.", name=user.name), "success")
        return redirect(url_for("admin.staff"))
    code = accounts.issue_reset(user, current_app.secret_key, current_user)
    form = AdminStaffForm(formdata=None)
    form.role.choices, form.mission.choices = list(_role_labels().items()), [(0, "")]
    return _staff_page(form, code=code, code_for=user)


def _key_document(text: str) -> dict:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BundleError("bad-key-document") from exc
    if not isinstance(document, dict):
        raise BundleError("bad-key-document")
    return document


def _camp_forms(trust_data=None, send_data=None) -> tuple[TrustForm, SendToForm, list]:
    missions = accounts.missions()
    choices = [(m.id, f"{m.name} ({m.code})") for m in missions]
    trust = TrustForm(trust_data, prefix="trust")
    send = SendToForm(send_data, prefix="send")
    trust.mission.choices = send.mission.choices = choices
    return trust, send, missions


def _camp_page(trust: TrustForm, send: SendToForm, missions: list, status=200):
    return render_template("admin/camp_servers.html", form=trust, send_form=send,
                           sources=sync.sources(), recipients=sync.recipients(),
                           missions={m.id: m for m in missions}), status


@bp.route("/admin/camp-servers", methods=["GET", "POST"])
@admins
def camp_servers():
    """The servers (camps) whose signed bundles and certificates this server accepts, each
    for one mission; trust another one for a mission by pasting its key document. 422 with
    the reason if the document or the mission is refused."""
    trust, send, missions = _camp_forms(request.form if request.method == "POST" else None)
    if request.method == "POST":
        if not trust.validate():
            return _camp_page(trust, send, missions, 422)
        mission = next(m for m in missions if m.id == trust.mission.data)
        try:
            source = sync.trust(_key_document(trust.document.data), current_user, mission)
        except BundleError as exc:
            trust.document.errors.append(refusal(exc))
            return _camp_page(trust, send, missions, 422)
        flash(_("Bundles for %(mission)s, and certificates, signed by %(name)s are accepted "
                "from now on.", mission=mission.name, name=source.name), "success")
        return redirect(url_for("admin.camp_servers"))
    return _camp_page(trust, send, missions)


@bp.route("/admin/camp-servers/hq", methods=["POST"])
@admins
def mission_hq_key():
    """On a camp server: seal a mission's bundles to the mission HQ whose key document is
    pasted. 422 with the reason if the document or the mission is refused."""
    trust, send, missions = _camp_forms(send_data=request.form)
    if not send.validate():
        return _camp_page(trust, send, missions, 422)
    mission = next(m for m in missions if m.id == send.mission.data)
    try:
        recipient = sync.send_to(_key_document(send.document.data), current_user, mission)
    except BundleError as exc:
        send.document.errors.append(refusal(exc))
        return _camp_page(trust, send, missions, 422)
    flash(_("Bundles of %(mission)s are sealed to %(name)s from now on: only that server can "
            "read them.", mission=mission.name, name=recipient.name), "success")
    return redirect(url_for("admin.camp_servers"))
