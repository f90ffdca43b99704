"""Sign-in, registration and sign-out views."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from ..categories import CATEGORIES
from ..core import language_blueprint
from ..extensions import db, limiter
from ..i18n import _
from ..models import Contingent, Mission
from . import services
from .forms import LearnerLoginForm, RegistrationForm, StaffLoginForm

bp = language_blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _mission_choices(form) -> list[Mission]:
    missions = services.missions()
    form.mission.choices = [(m.id, m.name) for m in missions]
    if len(missions) == 1 and not form.mission.data:
        form.mission.data = missions[0].id
    return missions


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=lambda: "pn:" + services.
               clean_personnel_number(request.form.get("personnel_number")))
def login():
    """Peacekeeper sign-in with personnel number and PIN. 429 when attempts are too many."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = LearnerLoginForm()
    missions = _mission_choices(form)
    if form.validate_on_submit():
        person = services.authenticate_learner(form.mission.data, form.personnel_number.data,
                                               form.pin.data)
        if person:
            login_user(person)
            current_app.logger.info("learner signed in", extra={"ctx_person": person.id})
            return redirect(services.safe_next(request.args.get("next")) or url_for("learn.home"))
        current_app.logger.warning("learner sign-in refused")
        form.pin.errors.append(_("That personnel number and PIN do not match. Check both and "
                                 "try again."))
    self_registration = current_app.config["SELF_REGISTRATION"] and any(
        m.self_registration for m in missions)
    return render_template("auth/login.html", form=form, show_mission=len(missions) > 1,
                           self_registration=self_registration)


@bp.route("/staff/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"],
               key_func=lambda: "user:" + services.clean_text(request.form.get("username")).lower())
def staff_login():
    """Trainer, HQ and admin sign-in. 429 when attempts are too many."""
    if current_user.is_authenticated:
        return redirect(url_for("learn.home"))
    form = StaffLoginForm()
    if form.validate_on_submit():
        user = services.authenticate_staff(form.username.data, form.password.data)
        if user:
            login_user(user)
            return redirect(services.safe_next(request.args.get("next")) or url_for("learn.home"))
        form.password.errors.append(_("That username and password do not match."))
    return render_template("auth/staff_login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    """Self-service registration where the mission allows it; 404 where no mission does."""
    if not current_app.config["SELF_REGISTRATION"]:
        return render_template("auth/register_closed.html"), 404
    form = RegistrationForm()
    missions = [m for m in _mission_choices(form) if m.self_registration]
    if not missions:
        return render_template("auth/register_closed.html"), 404
    form.mission.choices = [(m.id, m.name) for m in missions]
    form.category.choices = [(c.id, str(c.label)) for c in CATEGORIES]
    contingents = db.session.scalars(
        db.select(Contingent).where(Contingent.mission_id.in_([m.id for m in missions]))
        .order_by(Contingent.country, Contingent.unit)).all()
    form.contingent.choices = [(0, _("None (civilian personnel)"))] + [
        (c.id, f"{c.country} — {c.unit}") for c in contingents]
    if form.validate_on_submit():
        mission = db.session.get(Mission, form.mission.data)
        contingent = db.session.get(Contingent, form.contingent.data) if form.contingent.data \
            else None
        if contingent is not None and contingent.mission_id != mission.id:
            form.contingent.errors.append(_("This contingent is not part of the chosen mission."))
        else:
            try:
                person = services.register_learner(
                    mission, form.personnel_number.data, form.name.data, form.category.data,
                    contingent, g.lang, form.pin.data)
            except services.AlreadyRegistered:
                form.personnel_number.errors.append(
                    _("This personnel number is already registered in this mission. Sign in "
                      "instead, or ask your trainer to reset your PIN."))
            else:
                login_user(person)
                flash(_("Welcome. Your account is ready."), "success")
                return redirect(url_for("learn.home"))
    return render_template("auth/register.html", form=form, show_mission=len(missions) > 1)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, with CSRF)."""
    form = FlaskForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("learn.home"))
