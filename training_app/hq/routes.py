"""HQ views: thin wrappers over hq.services, every one scoped to the user's mission(s)."""

from __future__ import annotations

from babel import Locale
from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..auth.services import clean_text
from ..categories import BY_ID as CATEGORY_BY_ID
from ..categories import CATEGORIES, GROUP_LABELS
from ..certificates import codes
from ..content import get_content
from ..core import language_blueprint
from ..exports import table_download
from ..extensions import db
from ..i18n import _, language_names
from ..models import AuditEvent, Certificate, Cohort, Contingent, Person
from ..scope import mission_or_404, staff_required, visible_missions
from . import services
from .forms import ContingentForm, MatrixFilterForm, MissionSettingsForm, RevokeForm

bp = language_blueprint("hq", __name__)
HQ_ROLES = ("hq", "admin")


def countries(lang: str) -> list[tuple[str, str]]:
    names = Locale.parse(lang).territories
    return sorted(((code, name) for code, name in names.items()
                   if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN",
                                                                            "QO", "XA", "XB"}),
                  key=lambda item: item[1])


def country_name(code: str) -> str:
    return Locale.parse(g.lang).territories.get(code, code)


def _filters(mission_id: int) -> tuple[MatrixFilterForm, services.MatrixFilters]:
    form = MatrixFilterForm(request.args)
    cohorts = db.session.scalars(select(Cohort).where(Cohort.mission_id == mission_id)
                                 .order_by(Cohort.session_date.desc())).all()
    form.cohort.choices = [(0, _("All cohorts"))] + [
        (c.id, f"{c.name} ({c.session_date.isoformat()})") for c in cohorts]
    form.language.choices = [("", _("All languages"))] + language_names()
    form.group.choices = [("", _("All groups"))] + [(k, str(v)) for k, v in GROUP_LABELS.items()]
    if request.args and not form.validate():
        return form, services.MatrixFilters()
    return form, services.MatrixFilters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        cohort_id=form.cohort.data or None, language=form.language.data or None,
        group=form.group.data or None)


@bp.route("/hq/")
@staff_required(*HQ_ROLES)
def index():
    """An HQ user goes to their mission; an admin chooses among all missions."""
    missions = visible_missions(current_user)
    if len(missions) == 1:
        return redirect(url_for("hq.matrix", mission_id=missions[0].id))
    return render_template("hq/missions.html", missions=missions)


@bp.route("/hq/missions/<int:mission_id>/")
@staff_required(*HQ_ROLES)
def matrix(mission_id: int):
    """Completion by contingent and personnel category. 404 for a mission not yours."""
    mission = mission_or_404(current_user, mission_id)
    form, filters = _filters(mission.id)
    table = services.completion_matrix(mission.id, filters)
    trend = services.trend_svg_bars(services.completion_trend(mission.id, filters))
    return render_template("hq/matrix.html", mission=mission, form=form, matrix=table,
                           trend=trend, categories=CATEGORY_BY_ID, country_name=country_name,
                           query=request.args.to_dict())


def _matrix_rows(table: services.Matrix):
    for contingent, row, total in table.rows:
        label = (f"{country_name(contingent.country)} — {contingent.unit}" if contingent
                 else _("No contingent"))
        cells = []
        for category in table.categories:
            cells += [row[category].completed, row[category].enrolled]
        yield [label, *cells, total.completed, total.enrolled]
    cells = []
    for category in table.categories:
        cells += [table.column_totals[category].completed,
                  table.column_totals[category].enrolled]
    yield [_("Total"), *cells, table.total.completed, table.total.enrolled]


@bp.route("/hq/missions/<int:mission_id>/matrix.<fmt>")
@staff_required(*HQ_ROLES)
def matrix_export(mission_id: int, fmt: str):
    """The matrix as CSV or XLSX (completed and enrolled per cell). 404 for other formats."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    mission = mission_or_404(current_user, mission_id)
    _form, filters = _filters(mission.id)
    table = services.completion_matrix(mission.id, filters)
    header = [_("Contingent")]
    completed, enrolled = _("completed"), _("enrolled")
    for category in table.categories:
        label = str(CATEGORY_BY_ID[category].label)
        header += [f"{label}: {completed}", f"{label}: {enrolled}"]
    header += [_("Total completed"), _("Total enrolled")]
    return table_download(fmt, f"sgtm1-completion-{mission.code}", _("Completion"), header,
                          list(_matrix_rows(table)))


@bp.route("/hq/missions/<int:mission_id>/people")
@staff_required(*HQ_ROLES)
def people(mission_id: int):
    """The people behind a cell of the matrix (same filters). 404 for a mission not yours."""
    mission = mission_or_404(current_user, mission_id)
    form, filters = _filters(mission.id)
    contingent_id = request.args.get("contingent", type=int)
    category = request.args.get("category") or None
    if category and category not in CATEGORY_BY_ID:
        abort(404)
    contingent = None
    if contingent_id:
        contingent = db.session.get(Contingent, contingent_id)
        if contingent is None or contingent.mission_id != mission.id:
            abort(404)
    rows = services.people_behind(mission.id, filters, contingent_id, category)
    return render_template("hq/people.html", mission=mission, rows=rows, contingent=contingent,
                           contingent_id=contingent_id, category=CATEGORY_BY_ID.get(category),
                           categories=CATEGORY_BY_ID, country_name=country_name,
                           display_code=codes.display,
                           query={k: v for k, v in request.args.items()
                                  if k not in ("contingent", "category")})


@bp.route("/hq/missions/<int:mission_id>/settings", methods=["GET", "POST"])
@staff_required(*HQ_ROLES)
def settings(mission_id: int):
    """Mission name, Focal Point and Alternate, Off-Limits directive, what certificates
    print (audited)."""
    mission = mission_or_404(current_user, mission_id)
    form = MissionSettingsForm(obj=mission)
    if form.validate_on_submit():
        changed = services.update_mission_settings(
            mission, f"user:{current_user.id}",
            **{name: clean_text(getattr(form, name).data) for name in (
                "name", "focal_point_name", "focal_point_contact", "alternate_name",
                "alternate_contact", "offlimits_directive", "certificate_unit",
                "certificate_signatory_name", "certificate_signatory_title",
                "certificate_second_language")})
        flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("hq.settings", mission_id=mission.id))
    return render_template("hq/settings.html", mission=mission, form=form)


@bp.route("/hq/missions/<int:mission_id>/contingents", methods=["GET", "POST"])
@staff_required(*HQ_ROLES)
def contingents(mission_id: int):
    """The mission's contingents by country and unit; add one (audited)."""
    mission = mission_or_404(current_user, mission_id)
    form = ContingentForm()
    form.country.choices = countries(g.lang)
    if form.validate_on_submit():
        added = services.add_contingent(mission, form.country.data, clean_text(form.unit.data),
                                        f"user:{current_user.id}")
        if added is None:
            form.unit.errors.append(_("This mission already has that contingent."))
        else:
            flash(_("Contingent added."), "success")
            return redirect(url_for("hq.contingents", mission_id=mission.id))
    counts = dict(db.session.execute(
        select(Person.contingent_id, db.func.count(Person.id))
        .where(Person.mission_id == mission.id).group_by(Person.contingent_id)).all())
    return render_template("hq/contingents.html", mission=mission, form=form,
                           counts=counts, country_name=country_name)


def _certificate_of_mission(mission, code: str) -> Certificate:
    normal = codes.normalise(code)
    cert = db.session.scalar(select(Certificate).join(Person).where(
        Certificate.code == normal, Person.mission_id == mission.id)) if normal else None
    if cert is None:
        abort(404)
    return cert


@bp.route("/hq/missions/<int:mission_id>/certificates")
@staff_required(*HQ_ROLES)
def certificates(mission_id: int):
    """Find certificates by code, name or personnel number."""
    mission = mission_or_404(current_user, mission_id)
    q = (request.args.get("q") or "")[:100]
    found = services.find_certificates(mission.id, q)
    return render_template("hq/certificates.html", mission=mission, q=q, found=found,
                           display_code=codes.display, categories=CATEGORY_BY_ID)


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>", methods=["GET", "POST"])
@staff_required(*HQ_ROLES)
def certificate(mission_id: int, code: str):
    """One certificate: revoke it with a reason (POST). 404 if not of this mission."""
    mission = mission_or_404(current_user, mission_id)
    cert = _certificate_of_mission(mission, code)
    form = RevokeForm()
    if form.validate_on_submit():
        if services.revoke_certificate(cert, clean_text(form.reason.data),
                                       f"user:{current_user.id}"):
            flash(_("The certificate is revoked."), "success")
        return redirect(url_for("hq.certificate", mission_id=mission.id, code=cert.code))
    history = db.session.scalars(select(AuditEvent).where(AuditEvent.target == cert.code)
                                 .order_by(AuditEvent.at)).all()
    return render_template("hq/certificate.html", mission=mission, cert=cert, form=form,
                           reissue_form=FlaskForm(), display_code=codes.display,
                           history=history, categories=CATEGORY_BY_ID)


@bp.route("/hq/missions/<int:mission_id>/certificates/<code>/reissue", methods=["POST"])
@staff_required(*HQ_ROLES)
def reissue(mission_id: int, code: str):
    """Replace a certificate with a new code and token (the old one is revoked)."""
    mission = mission_or_404(current_user, mission_id)
    cert = _certificate_of_mission(mission, code)
    if not FlaskForm().validate_on_submit():
        abort(400)
    new = services.reissue_certificate(cert, f"user:{current_user.id}",
                                       current_app.instance_path, get_content())
    flash(_("A new certificate was issued: %(code)s", code=codes.display(new.code)), "success")
    return redirect(url_for("hq.certificate", mission_id=mission.id, code=new.code))


@bp.route("/hq/missions/<int:mission_id>/audit")
@staff_required(*HQ_ROLES)
def audit(mission_id: int):
    """Who changed what in this mission, newest first."""
    mission = mission_or_404(current_user, mission_id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.mission_id == mission.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(500)).all()
    return render_template("hq/audit.html", mission=mission, events=events)


@bp.app_template_global()
def hq_categories():
    return CATEGORIES


@bp.route("/hq/missions/<int:mission_id>/staff", methods=["GET", "POST"])
@staff_required(*HQ_ROLES)
def staff(mission_id: int):
    """Trainer accounts of the mission; HQ and admins create them (audited)."""
    from ..models import User
    from ..models.audit import record
    from ..train.forms import TrainerAccountForm

    mission = mission_or_404(current_user, mission_id)
    form = TrainerAccountForm()
    if form.validate_on_submit():
        username = clean_text(form.username.data).lower()
        if db.session.scalar(select(User.id).where(User.username == username)):
            form.username.errors.append(_("This username is taken."))
        else:
            user = User(username=username, name=clean_text(form.name.data), role="trainer",
                        mission_id=mission.id)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            record(f"user:{current_user.id}", "trainer.created", f"user:{user.id}",
                   mission_id=mission.id, username=username)
            db.session.commit()
            flash(_("Trainer account created."), "success")
            return redirect(url_for("hq.staff", mission_id=mission.id))
    accounts = db.session.scalars(select(User).where(User.mission_id == mission.id)
                                  .order_by(User.role, User.name)).all()
    return render_template("hq/staff.html", mission=mission, form=form, accounts=accounts)
