"""Mission HQ's views: completion by contingent and category, the people behind each number,
mission settings, contingents, staff accounts and the audit log. Certificates, camp servers
and downloads for other systems have their own modules on the same blueprint."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import audit
from ..access import (
    hq_staff,
    id_arg,
    mission_or_404,
    staff_of_mission_or_404,
    visible_missions,
)
from ..auth import services as accounts
from ..categories import BY_ID as CATEGORY_BY_ID
from ..categories import GROUP_LABELS
from ..certificates import codes
from ..content import get_content
from ..core import language_blueprint
from ..exports import table_download
from ..forms import StaffAccountForm
from ..i18n import _, contingent_label, countries, language_names
from ..item_pages import render_item_page
from ..learn import services as learn
from . import services
from .forms import AuditFilterForm, ContingentForm, MatrixFilterForm, MissionSettingsForm

bp = language_blueprint("hq", __name__)


def _cohort_choices(mission_id: int, everything: str) -> list[tuple[int, str]]:
    return [(0, everything)] + [(c.id, f"{c.name} ({c.session_date.isoformat()})")
                                for c in services.cohorts_of(mission_id)]


def _filters(mission_id: int) -> tuple[MatrixFilterForm, services.MatrixFilters]:
    form = MatrixFilterForm(request.args)
    form.cohort.choices = _cohort_choices(mission_id, _("All cohorts"))
    form.language.choices = [("", _("All languages"))] + language_names()
    form.group.choices = [("", _("All groups"))] + [(k, str(v)) for k, v in GROUP_LABELS.items()]
    if request.args and not form.validate():
        return form, services.MatrixFilters()
    return form, services.MatrixFilters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        cohort_id=form.cohort.data or None, language=form.language.data or None,
        group=form.group.data or None)


@bp.route("/hq/")
@hq_staff
def index():
    """An HQ user goes to their mission; an admin chooses among all missions."""
    missions = visible_missions()
    if len(missions) == 1:
        return redirect(url_for("hq.matrix", mission_id=missions[0].id))
    return render_template("hq/missions.html", missions=missions)


@bp.route("/hq/missions/<int:mission_id>/")
@hq_staff
def matrix(mission_id: int):
    """Certified, revoked and enrolled by contingent and personnel category. 404 for a
    mission not yours."""
    mission = mission_or_404(mission_id)
    form, filters = _filters(mission.id)
    table = services.completion_matrix(mission.id, filters)
    trend = services.trend_svg_bars(services.completion_trend(mission.id, filters))
    return render_template("hq/matrix.html", mission=mission, form=form, matrix=table,
                           trend=trend, categories=CATEGORY_BY_ID,
                           contingent_name=lambda c: contingent_label(c, g.lang),
                           query=request.args.to_dict())


def _matrix_rows(table: services.Matrix):
    def cells(row):
        return [value for c in table.categories
                for value in (row[c].completed, row[c].revoked, row[c].enrolled)]

    for contingent, row, total in table.rows:
        label = contingent_label(contingent, g.lang) if contingent else _("No contingent")
        yield [label, *cells(row), total.completed, total.revoked, total.enrolled]
    yield [_("Total"), *cells(table.column_totals), table.total.completed,
           table.total.revoked, table.total.enrolled]


@bp.route("/hq/missions/<int:mission_id>/matrix.<fmt>")
@hq_staff
def matrix_export(mission_id: int, fmt: str):
    """The matrix as CSV or XLSX (certified, revoked and enrolled per cell). 404 for other
    formats."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    mission = mission_or_404(mission_id)
    _form, filters = _filters(mission.id)
    table = services.completion_matrix(mission.id, filters)
    header = [_("Contingent")]
    kinds = (_("certified"), _("revoked"), _("enrolled"))
    for category in table.categories:
        label = str(CATEGORY_BY_ID[category].label)
        header += [f"{label}: {kind}" for kind in kinds]
    header += [_("Total certified"), _("Total revoked"), _("Total enrolled")]
    return table_download(fmt, f"sgtm1-completion-{mission.code}", _("Completion"), header,
                          list(_matrix_rows(table)))


@bp.route("/hq/missions/<int:mission_id>/people")
@hq_staff
def people(mission_id: int):
    """The people behind a cell of the matrix (same filters). 404 for a mission not yours."""
    from ..access import contingent_of_mission_or_404

    mission = mission_or_404(mission_id)
    form, filters = _filters(mission.id)
    contingent_id = id_arg("contingent")
    category = request.args.get("category") or None
    if category and category not in CATEGORY_BY_ID:
        abort(404)
    contingent = contingent_of_mission_or_404(mission, contingent_id) if contingent_id \
        else None
    rows = services.people_behind(mission.id, filters, contingent_id, category,
                                  get_content().module_id)
    return render_template("hq/people.html", mission=mission, rows=rows, contingent=contingent,
                           contingent_id=contingent_id, category=CATEGORY_BY_ID.get(category),
                           categories=CATEGORY_BY_ID,
                           contingent_name=lambda c: contingent_label(c, g.lang),
                           display_code=codes.display,
                           query={k: v for k, v in request.args.items()
                                  if k not in ("contingent", "category")})


@bp.route("/hq/missions/<int:mission_id>/items")
@hq_staff
def items(mission_id: int):
    """Every quiz statement answered in the mission: share correct and how well it
    discriminates, by language (?lang=). 404 for a mission not yours."""
    mission = mission_or_404(mission_id)
    content = get_content()
    analysis = learn.item_analysis(services.submitted_attempts(mission.id), content)
    return render_item_page(content, analysis, mission.name,
                            "hq/items.html", mission=mission)


@bp.route("/hq/missions/<int:mission_id>/settings", methods=["GET", "POST"])
@hq_staff
def settings(mission_id: int):
    """Mission name, Focal Point and Alternate, Off-Limits directive, what certificates
    print, how long personal data is kept (audited)."""
    mission = mission_or_404(mission_id)
    form = MissionSettingsForm(obj=mission)
    if form.validate_on_submit():
        changed = services.update_mission_settings(
            mission, current_user,
            certificate_valid_days=form.certificate_valid_days.data,
            **{name: accounts.clean_text(getattr(form, name).data) for name in (
                "name", "focal_point_name", "focal_point_contact", "alternate_name",
                "alternate_contact", "offlimits_directive", "certificate_unit",
                "certificate_signatory_name", "certificate_signatory_title",
                "certificate_second_language")},
            retention_months=form.retention_months.data or None)
        flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("hq.settings", mission_id=mission.id))
    return render_template("hq/settings.html", mission=mission, form=form)


@bp.route("/hq/missions/<int:mission_id>/contingents", methods=["GET", "POST"])
@hq_staff
def contingents(mission_id: int):
    """The mission's contingents by country and unit; add one (audited)."""
    mission = mission_or_404(mission_id)
    form = ContingentForm()
    form.country.choices = list(countries(g.lang))
    if form.validate_on_submit():
        added = services.add_contingent(mission, form.country.data,
                                        accounts.clean_text(form.unit.data), current_user)
        if added is None:
            form.unit.errors.append(_("This mission already has that contingent."))
        else:
            flash(_("Contingent added."), "success")
            return redirect(url_for("hq.contingents", mission_id=mission.id))
    return render_template("hq/contingents.html", mission=mission, form=form,
                           counts=services.people_per_contingent(mission.id),
                           contingent_name=lambda c: contingent_label(c, g.lang))


@bp.route("/hq/missions/<int:mission_id>/staff", methods=["GET", "POST"])
@hq_staff
def staff(mission_id: int):
    """Trainer accounts of the mission; HQ and admins create, reset and deactivate them
    (audited)."""
    mission = mission_or_404(mission_id)
    form = StaffAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.create_staff(form.username.data, form.name.data, "trainer", mission,
                                  form.password.data, current_user)
        except accounts.AccountError as exc:
            form.username.errors.append(accounts.explain(exc))
            status = 422
        else:
            flash(_("Trainer account created."), "success")
            return redirect(url_for("hq.staff", mission_id=mission.id))
    return render_template("hq/staff.html", mission=mission, form=form,
                           accounts=services.staff_of(mission.id),
                           action_form=FlaskForm(), code=None), status


@bp.route("/hq/missions/<int:mission_id>/staff/<int:user_id>/<action>", methods=["POST"])
@hq_staff
def staff_action(mission_id: int, user_id: int, action: str):
    """Issue a password reset code for a trainer (shown once), or deactivate the account.
    403 for an account this user may not manage, 404 for another mission's."""
    mission = mission_or_404(mission_id)
    user = staff_of_mission_or_404(mission, user_id)
    if action not in ("reset", "deactivate") or not FlaskForm().validate_on_submit():
        abort(400)
    code = None
    if action == "reset":
        code = accounts.issue_reset(user, current_app.secret_key, current_user)
    else:
        accounts.deactivate_staff(user, current_user)
        flash(_("%(name)s can no longer sign in.", name=user.name), "success")
        return redirect(url_for("hq.staff", mission_id=mission.id))
    return render_template("hq/staff.html", mission=mission, form=StaffAccountForm(formdata=None),
                           accounts=services.staff_of(mission.id), action_form=FlaskForm(),
                           code=code,
                           code_for=user)


@bp.route("/hq/missions/<int:mission_id>/audit")
@hq_staff
def audit_log(mission_id: int):
    """Who changed what in this mission, newest first; by person, certificate or cohort;
    as CSV with ?format=csv."""
    mission = mission_or_404(mission_id)
    form = AuditFilterForm(request.args)
    form.cohort.choices = _cohort_choices(mission.id, _("All cohorts"))
    filters = audit.AuditFilter()
    if request.args and form.validate():
        person_ids = None
        if id_arg("person_id"):
            person_ids = (id_arg("person_id"),)
        elif form.person.data:
            person_ids = services.people_named(mission.id, form.person.data)
        certificate = None
        if form.certificate.data:
            certificate = codes.normalise(form.certificate.data) or "-"
        filters = audit.AuditFilter(person_ids=person_ids, certificate=certificate,
                                    cohort_id=form.cohort.data or None)
    events = audit.events_of_mission(mission.id, filters,
                                     limit=10_000 if request.args.get("format") == "csv"
                                     else 500)
    rows = audit.rows(events, g.lang)
    if request.args.get("format") == "csv":
        return table_download("csv", f"audit-{mission.code}", _("Audit log"),
                              [_("When"), _("Who"), _("What"), _("Concerning"), _("Details")],
                              [[r.when, r.who, r.what, r.concerning, r.details] for r in rows])
    return render_template("hq/audit.html", mission=mission, rows=rows, form=form,
                           query=request.args.to_dict())


from . import camp_routes, certificate_routes, package_routes, privacy_routes  # noqa: E402,F401
