"""Mission HQ and personal data: a person's data page (download it, erase it on request) and
exports meant to leave the mission (small cells suppressed, names left out)."""

from __future__ import annotations

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from .. import privacy
from ..access import hq_staff, mission_or_404, person_of_mission_or_404
from ..categories import BY_ID as CATEGORY_BY_ID
from ..content import get_content
from ..exports import small_cell, table_download
from ..i18n import _, contingent_label
from . import services
from .forms import EraseForm, ExportOptionsForm
from .routes import bp


def _data_page(mission, person, form: EraseForm, status: int = 200):
    return render_template("hq/person_data.html", mission=mission, person=person, form=form,
                           data=privacy.access_export(person, g.lang, for_hq=True),
                           categories=CATEGORY_BY_ID), status


@bp.route("/hq/missions/<int:mission_id>/people/<int:person_id>/data")
@hq_staff
def person_data(mission_id: int, person_id: int):
    """Everything held about one person, readable, with the download and the erasure form.
    404 for a mission not yours or a person not of it."""
    mission = mission_or_404(mission_id)
    person = person_of_mission_or_404(mission, person_id)
    return _data_page(mission, person, EraseForm(formdata=None))


@bp.route("/hq/missions/<int:mission_id>/people/<int:person_id>/data.json")
@hq_staff
def person_data_json(mission_id: int, person_id: int):
    """The same as JSON, to hand to the person who asked (audited). 404 as above."""
    mission = mission_or_404(mission_id)
    person = person_of_mission_or_404(mission, person_id)
    data = privacy.access_export(person, g.lang, for_hq=True)
    privacy.record_access_export(person, current_user)
    response = jsonify(data)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="personal-data-{mission.code}-{person.id}.json"')
    return response


@bp.route("/hq/missions/<int:mission_id>/people/<int:person_id>/erase", methods=["POST"])
@hq_staff
def erase_person(mission_id: int, person_id: int):
    """Erase a person on request: a reason and a confirmation are required (audited without
    the person's name or number). 404 as above; 422 without reason or confirmation."""
    mission = mission_or_404(mission_id)
    person = person_of_mission_or_404(mission, person_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _data_page(mission, person, form, status=422)
    if privacy.erase_person(person, form.reason.data, current_user, current_app.secret_key):
        flash(_("The person's details were erased. Their certificates still verify, without "
                "their details."), "success")
    else:
        flash(_("This person's details were already removed."), "info")
    return redirect(url_for("hq.person_data", mission_id=mission.id, person_id=person.id))


def _matrix_rows(table: services.Matrix, suppress: bool):
    def cells(row):
        return [small_cell(value, suppress) for c in table.categories
                for value in (row[c].completed, row[c].revoked, row[c].enrolled)]

    def totals(cell):
        return [small_cell(v, suppress) for v in (cell.completed, cell.revoked, cell.enrolled)]

    for contingent, row, total in table.rows:
        label = contingent_label(contingent, g.lang) if contingent else _("No contingent")
        yield [label, *cells(row), *totals(total)]
    yield [_("Total"), *cells(table.column_totals), *totals(table.total)]


@bp.route("/hq/missions/<int:mission_id>/export")
@hq_staff
def export(mission_id: int):
    """Exports meant to leave the mission: the page says what each includes; with `table`
    set, the download (small cells suppressed and names left out unless unticked). 404 for a
    mission not yours."""
    mission = mission_or_404(mission_id)
    submitted = "table" in request.args
    form = ExportOptionsForm(request.args if submitted else None)
    if not submitted:
        return render_template("hq/export.html", mission=mission, form=form)
    if not form.validate():
        return render_template("hq/export.html", mission=mission, form=form), 422
    suppress, omit = form.suppress_small.data, form.omit_names.data
    filters = services.MatrixFilters()
    if form.table.data == "matrix":
        table = services.completion_matrix(mission.id, filters)
        header = [_("Contingent")]
        kinds = (_("certified"), _("revoked"), _("enrolled"))
        for category in table.categories:
            label = str(CATEGORY_BY_ID[category].label)
            header += [f"{label}: {kind}" for kind in kinds]
        header += [_("Total certified"), _("Total revoked"), _("Total enrolled")]
        return table_download(form.fmt.data, f"sgtm1-completion-{mission.code}",
                              _("Completion"), header, list(_matrix_rows(table, suppress)))
    if form.table.data != "people":
        abort(404)
    rows = services.people_behind(mission.id, filters, None, None, get_content().module_id,
                                  limit=1_000_000)
    header = ([] if omit else [_("Name"), _("Personnel number")]) + [
        _("Contingent"), _("Personnel category"), _("Completed on"), _("Certificate")]
    body = []
    for r in rows:
        category = CATEGORY_BY_ID.get(r.person.category)
        status = (_("Revoked") if r.revoked else _("Valid")) if r.certificate_code else ""
        body.append(([] if omit else [r.person.name, r.person.personnel_number]) + [
            contingent_label(r.person.contingent, g.lang) if r.person.contingent else "",
            str(category.label) if category else r.person.category,
            r.completed_at.date().isoformat() if r.completed_at else "", status])
    return table_download(form.fmt.data, f"sgtm1-people-{mission.code}", _("People"), header,
                          body)
