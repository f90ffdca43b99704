"""Learners join a cohort from its code or QR code, and roster people set their first PIN."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm

from ..core import language_blueprint
from ..extensions import limiter
from ..i18n import _
from . import services
from .forms import ActivateForm, JoinForm

bp = language_blueprint("learn_join", __name__)


@bp.route("/join", methods=["GET", "POST"])
def join_form():
    """A box for the code the trainer shows; works without JavaScript."""
    form = JoinForm()
    if form.validate_on_submit():
        cohort = services.cohort_by_join_code(form.code.data)
        if cohort:
            return redirect(url_for("learn_join.join", code=cohort.join_code))
        form.code.errors.append(_("No session has this code. Check it with your trainer."))
    return render_template("train/join_form.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def join(code: str):
    """Join a cohort (signed-in learner) or set a first PIN (on the roster). 404 if unknown."""
    cohort = services.cohort_by_join_code(code)
    if cohort is None:
        abort(404)
    if current_user.is_authenticated and not current_user.is_learner:
        abort(403)
    join_form = FlaskForm()
    activate = ActivateForm()
    if current_user.is_authenticated:
        if current_user.mission_id != cohort.mission_id:
            abort(404)
        if request.method == "POST" and join_form.validate_on_submit():
            services.enrol(cohort, current_user)
            flash(_("You have joined %(name)s.", name=cohort.name), "success")
            return redirect(url_for("learn.home"))
    elif activate.validate_on_submit():
        person = services.activate_learner(cohort, activate.personnel_number.data,
                                           activate.pin.data)
        if person:
            login_user(person)
            flash(_("Your PIN is set. Welcome."), "success")
            return redirect(url_for("learn.home"))
        activate.personnel_number.errors.append(_(
            "This personnel number is not on this session's list, or already has a PIN. "
            "Sign in instead, or ask your trainer."))
    enrolled = current_user.is_authenticated and services.is_enrolled(cohort, current_user.id)
    return render_template("train/join.html", cohort=cohort, join_form=join_form,
                           activate=activate, enrolled=enrolled)
