"""Signing in and out, registering, and taking up or recovering an account with a code."""

from __future__ import annotations

import secrets

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer

from ..access import public
from ..categories import CATEGORIES
from ..core import language_blueprint
from ..hq.services import contingents_of
from ..i18n import _, contingent_label, ngettext
from ..models import Mission
from . import services
from .forms import ClaimForm, LearnerLoginForm, RegistrationForm, StaffLoginForm, StaffResetForm

bp = language_blueprint("auth", __name__)
DEVICE_COOKIE = "device"
DEVICE_ACCOUNTS = 20  # a shared laptop remembers this many accounts


def _mission_choices(form) -> list[Mission]:
    missions = services.missions()
    form.mission.choices = [(m.id, m.name) for m in missions]
    if len(missions) == 1 and not form.mission.data:
        form.mission.data = missions[0].id
    return missions


# --- limits on guessing --------------------------------------------------------------------

def _device() -> dict:
    raw = request.cookies.get(DEVICE_COOKIE)
    try:
        data = URLSafeSerializer(current_app.secret_key, salt="device").loads(raw) if raw else {}
    except BadSignature:
        data = {}
    return data if isinstance(data, dict) and isinstance(data.get("a"), list) else {}


def _account_key(kind: str, *parts) -> str:
    """The throttle key of an account: the account typed, on this device if it is known."""
    key = f"account:{kind}:" + ":".join(str(p) for p in parts)
    device = _device()
    return f"{key}:device:{device['d']}" if key in device.get("a", []) else key


def _remember_device(response, key: str):
    key = key.split(":device:")[0]
    device = _device()
    accounts = [a for a in device.get("a", []) if a != key][-(DEVICE_ACCOUNTS - 1):] + [key]
    value = URLSafeSerializer(current_app.secret_key, salt="device").dumps(
        {"d": device.get("d") or secrets.token_urlsafe(12), "a": accounts})
    response.set_cookie(DEVICE_COOKIE, value, max_age=60 * 60 * 24 * 365, httponly=True,
                        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE",
                                                                       False))
    return response


def _begin(account_key: str):
    return current_app.extensions["throttle"].begin(account_key, request.remote_addr or "?")


def _wait_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext("Too many wrong attempts. Wait %(num)s minute and try again.",
                    "Too many wrong attempts. Wait %(num)s minutes and try again.", minutes)


def _limited(key: str, field, check):
    """Run `check` (a sign-in, or a code redeemed) under the limits on wrong attempts.
    Returns (what check returned, HTTP status): None and 429 when the account or address
    must wait; None and 422 with the reason on `field` when check refuses; None and 200
    when it finds no match (the caller says so)."""
    attempt = _begin(key)
    if attempt.refused:
        field.errors.append(_wait_message(attempt.wait_seconds))
        return None, 429
    try:
        result = check()
    except services.AccountError as exc:
        attempt.failed()
        field.errors.append(services.explain(exc))
        return None, 422
    if result is None:
        attempt.failed()
        return None, 200
    attempt.succeeded()
    return result, 200


# --- views -------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Peacekeeper sign-in with personnel number and PIN; 429 after too many wrong PINs."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LearnerLoginForm()
    missions = _mission_choices(form)
    status = 200
    if form.validate_on_submit():
        key = _account_key("p", form.mission.data,
                           services.clean_personnel_number(form.personnel_number.data))
        person, status = _limited(key, form.pin, lambda: services.authenticate_learner(
            form.mission.data, form.personnel_number.data, form.pin.data))
        if person:
            # a learner's device stays signed in for the course (REMEMBER_COOKIE_DURATION)
            login_user(person, remember=True)
            current_app.logger.info("learner signed in", extra={"ctx_person": person.id})
            return _remember_device(redirect(services.safe_next(request.args.get("next"))
                                             or url_for("learn.home")), key)
        if status == 200:
            current_app.logger.warning("learner sign-in refused")
            form.pin.errors.append(_("That personnel number and PIN do not match. Check both "
                                     "and try again."))
    self_registration = current_app.config["SELF_REGISTRATION"] and any(
        m.self_registration for m in missions)
    return render_template("auth/login.html", form=form, show_mission=len(missions) > 1,
                           self_registration=self_registration), status


@bp.route("/privacy")
@public
def privacy_notice():
    """The full privacy notice: who holds the data, why, how long (each mission's setting),
    whom to ask."""
    from ..privacy import notice_missions

    return render_template("auth/privacy.html", missions=notice_missions())


@bp.route("/staff/login", methods=["GET", "POST"])
@public
def staff_login():
    """Trainer, HQ and admin sign-in; 429 after too many wrong passwords."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = StaffLoginForm()
    status = 200
    if form.validate_on_submit():
        key = _account_key("u", services.clean_text(form.username.data).lower())
        user, status = _limited(key, form.password, lambda: services.authenticate_staff(
            form.username.data, form.password.data))
        if user:
            login_user(user)
            return _remember_device(redirect(services.safe_next(request.args.get("next"))
                                             or url_for("learn.home")), key)
        if status == 200:
            form.password.errors.append(_("That username and password do not match."))
    return render_template("auth/staff_login.html", form=form), status


def _registration_choices(form, missions):
    form.mission.choices = [(m.id, m.name) for m in missions]
    form.category.choices = [("", _("Choose…"))] + [(c.id, str(c.label)) for c in CATEGORIES]
    form.contingent.choices = [(0, _("None (civilian personnel, individual officers)"))] + [
        (c.id, contingent_label(c, g.lang)) for c in contingents_of(*(m.id for m in missions))]


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """Self-service registration where the mission allows it; 404 where no mission does."""
    if not current_app.config["SELF_REGISTRATION"]:
        return render_template("auth/register_closed.html"), 404
    form = RegistrationForm()
    missions = [m for m in _mission_choices(form) if m.self_registration]
    if not missions:
        return render_template("auth/register_closed.html"), 404
    _registration_choices(form, missions)
    status = 200
    if form.validate_on_submit():
        mission = next(m for m in missions if m.id == form.mission.data)
        # any contingent offered; one of another mission is refused by the service
        contingent = next((c for c in contingents_of(*(m.id for m in missions))
                           if c.id == form.contingent.data), None)
        try:
            person = services.register_learner(
                mission, form.personnel_number.data, form.name.data, form.category.data,
                contingent, g.lang, form.pin.data)
        except services.AccountError as exc:
            field = {"already-registered": form.personnel_number,
                     "on-roster": form.personnel_number,
                     "unknown-category": form.category}.get(exc.reason, form.contingent)
            field.errors.append(services.explain(exc))
            status = 422
        else:
            login_user(person, remember=True)
            flash(_("Welcome. Your account is ready."), "success")
            return redirect(url_for("learn.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/register.html", form=form, show_mission=len(missions) > 1,
                           rules={c.id: c.contingent for c in CATEGORIES}), status


@bp.route("/claim", methods=["GET", "POST"])
@public
def claim():
    """Set one's PIN with the claim or reset code from the trainer: a code only its owner
    holds, so a classmate's personnel number is no way in. 429 after too many wrong codes."""
    if current_user.is_authenticated and not current_user.is_learner:
        return redirect(url_for("learn.home"))
    form = ClaimForm()
    missions = _mission_choices(form)
    if request.method == "GET" and request.args.get("number"):
        form.personnel_number.data = request.args.get("number", "")[:40]
    status = 200
    if form.validate_on_submit():
        key = _account_key("p", form.mission.data,
                           services.clean_personnel_number(form.personnel_number.data))
        person, status = _limited(key, form.code, lambda: services.redeem_learner_code(
            form.mission.data, form.personnel_number.data, form.code.data, form.pin.data,
            current_app.secret_key))
        if person:
            logout_user()
            login_user(person, remember=True)
            flash(_("Your PIN is set. Welcome."), "success")
            return _remember_device(redirect(url_for("learn.home")), key)
    elif request.method == "POST":
        status = 422
    return render_template("auth/claim.html", form=form, show_mission=len(missions) > 1), status


@bp.route("/staff/reset", methods=["GET", "POST"])
@public
def staff_reset():
    """A trainer or HQ officer sets a new password with the reset code they were given."""
    form = StaffResetForm()
    status = 200
    if form.validate_on_submit():
        key = _account_key("u", services.clean_text(form.username.data).lower())
        user, status = _limited(key, form.code, lambda: services.redeem_staff_code(
            form.username.data, form.code.data, form.password.data, current_app.secret_key))
        if user:
            logout_user()
            flash(_("Your new password is set. Sign in with it."), "success")
            return redirect(url_for("auth.staff_login"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/staff_reset.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Sign out (POST only, with CSRF): every session of the account ends, on every device."""
    form = FlaskForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.sign_out_everywhere(current_user._get_current_object())
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("learn.home"))
