"""Trainer views: cohorts, join sheets, rosters and claim slips, presenter and projector,
the board, the paper quiz, people's records, results and exports."""

from __future__ import annotations

from pathlib import Path

import segno
from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from .. import privacy
from ..access import (
    cohort_or_404,
    enrolled_ids,
    enrolled_or_404,
    id_arg,
    managed_person_or_404,
    may_read_case_answers,
    mission_or_404,
    role_of,
    trainers,
    visible_cohorts,
)
from ..auth import services as accounts
from ..categories import BY_ID as CATEGORY_BY_ID
from ..categories import CATEGORIES, CONSEQUENCE_GROUPS
from ..certificates import services as certificates
from ..content import get_content
from ..core import language_blueprint
from ..downloads import certificates_pdf_download, pocket_card_download
from ..exports import XLSX_TYPE, attachment, table_download, to_xlsx_book
from ..facts import mission_facts
from ..forms import PersonForm
from ..hq.services import contingents_of
from ..i18n import _, contingent_label, format_date, in_language, language_names, text_direction
from ..item_pages import render_item_page
from ..learn import services as learn
from ..models import Cohort, Person
from ..models.base import utcnow
from . import classroom, paper, roster, services, uploads
from .forms import BlankForm, ClockForm, CohortForm, PaperEntryForm, RosterUploadForm, SlideForm

bp = language_blueprint("train", __name__)


def mode_labels():
    return {"classroom": _("Classroom"), "self-paced": _("Self-paced")}


@bp.route("/train/")
@trainers
def index():
    """The cohorts of the trainer's mission."""
    return render_template("train/index.html",
                           cohorts=visible_cohorts(),
                           modes=mode_labels())


def _cohort_form(mission_id: int, cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.language.choices = language_names()
    form.delivery_mode.choices = list(mode_labels().items())
    form.contingents.choices = [(c.id, contingent_label(c, g.lang))
                                for c in contingents_of(mission_id)]
    form.trainers.choices = [(u.id, u.name) for u in services.active_trainers_of(mission_id)]
    if request.method == "GET":
        if cohort:
            form.contingents.data = [c.id for c in cohort.contingents]
            form.trainers.data = [u.id for u in cohort.trainers]
        else:
            form.language.data = g.lang
            if role_of(current_user) == "trainer":
                form.trainers.data = [current_user.id]
    return form


def _save_from_form(cohort: Cohort | None, mission_id: int, form: CohortForm,
                    trainer_ids: list[int]) -> Cohort:
    return services.save_cohort(
        cohort, mission_id, current_user, name=form.name.data.strip(),
        session_date=form.session_date.data, place=(form.place.data or "").strip(),
        language=form.language.data, delivery_mode=form.delivery_mode.data,
        contingent_ids=form.contingents.data, trainer_ids=trainer_ids)


def _mission_for_new_cohort() -> int:
    """The trainer's mission; an admin names one (?mission=), 404 for none or an unknown one."""
    return mission_or_404(current_user.mission_id or id_arg("mission")).id


@bp.route("/train/cohorts/new", methods=["GET", "POST"])
@trainers
def new_cohort():
    """Create a cohort in the trainer's mission (an admin names the mission: ?mission=)."""
    mission_id = _mission_for_new_cohort()
    form = _cohort_form(mission_id)
    if form.validate_on_submit():
        trainer_ids = list(form.trainers.data)
        if role_of(current_user) == "trainer" and current_user.id not in trainer_ids:
            trainer_ids.append(current_user.id)  # whoever creates a cohort runs it
        cohort = _save_from_form(None, mission_id, form, trainer_ids)
        flash(_("Cohort created. Its join code is %(code)s.", code=cohort.join_code), "success")
        return redirect(url_for("train.cohort", cohort_id=cohort.id))
    return render_template("train/cohort_form.html", form=form, cohort=None)


@bp.route("/train/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@trainers
def edit_cohort(cohort_id: int):
    """Change a cohort's details. 404 for a cohort of another mission."""
    cohort = cohort_or_404(cohort_id)
    form = _cohort_form(cohort.mission_id, cohort)
    if form.validate_on_submit():
        _save_from_form(cohort, cohort.mission_id, form, form.trainers.data)
        flash(_("Saved."), "success")
        return redirect(url_for("train.cohort", cohort_id=cohort.id))
    return render_template("train/cohort_form.html", form=form, cohort=cohort)


@bp.route("/train/cohorts/<int:cohort_id>/")
@trainers
def cohort(cohort_id: int):
    """The cohort board: each learner's progress, attendance, and the most-missed statements."""
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    board = services.cohort_board(cohort, content)
    analysis = learn.item_analysis(services.cohort_attempts(cohort), content)
    return render_template("train/cohort.html", cohort=cohort, board=board,
                           items=analysis.most_missed(limit=10), analysis=analysis,
                           content=content, total_slides=len(content.slides),
                           total_cases=len(content.case_studies), modes=mode_labels(),
                           categories=CATEGORY_BY_ID, form=FlaskForm(),
                           item_text=lambda sid: _item_text(content, sid))


def _item_text(content, sid: str) -> str:
    if sid == learn.FOCAL_POINT_STATEMENT:
        return _("Recognising the mission's Focal Point")
    return content.text(g.lang, "quiz", sid)["statement"]


@bp.route("/train/cohorts/<int:cohort_id>/items")
@trainers
def items(cohort_id: int):
    """Every statement the cohort answered: share correct and how well it tells those who
    understood from those who did not, by language (?lang=)."""
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    return render_item_page(content, learn.item_analysis(services.cohort_attempts(cohort),
                                                         content),
                            cohort.name, "train/items.html", cohort=cohort)


@bp.route("/train/cohorts/<int:cohort_id>/board.json")
@trainers
def board_json(cohort_id: int):
    """The board's numbers, for the page's small refresh script."""
    cohort = cohort_or_404(cohort_id)
    rows = services.cohort_board(cohort, get_content())
    return jsonify(rows=[{
        "id": r.person.id, "slides": r.slides, "case_studies": r.case_studies,
        "attempts": r.attempts, "best": None if r.best is None else round(r.best * 100),
        "completed": r.completed} for r in rows])


@bp.route("/train/cohorts/<int:cohort_id>/attendance", methods=["POST"])
@trainers
def attendance(cohort_id: int):
    """Save who was present (the checked boxes)."""
    cohort = cohort_or_404(cohort_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    asked = {int(v) for v in request.form.getlist("present") if v.isdigit() and len(v) < 12}
    present = enrolled_ids(cohort, asked)  # ids of anyone else are ignored
    services.set_attendance(cohort, present, current_user, get_content(),
                            current_app.instance_path)
    flash(_("Attendance saved."), "success")
    return redirect(url_for("train.cohort", cohort_id=cohort.id))


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code (no image request, no script)."""
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#000", omitsize=True)
    return Markup(svg)


@bp.route("/train/cohorts/<int:cohort_id>/sheet")
@trainers
def join_sheet(cohort_id: int):
    """A printable sheet with the join code and a QR code to the join page."""
    cohort = cohort_or_404(cohort_id)
    url = url_for("learn.join", lang=cohort.language, code=cohort.join_code, _external=True)
    return render_template("train/sheet.html", cohort=cohort, url=url, qr=qr_svg(url))


@bp.route("/train/cohorts/<int:cohort_id>/sheet.pdf")
@trainers
def join_sheet_pdf(cohort_id: int):
    """The join sheet as a PDF to print, in the cohort's language."""
    from ..printing.join_sheet import render_join_sheet
    from .printouts import join_sheet_text

    cohort = cohort_or_404(cohort_id)
    content = get_content()
    url = url_for("learn.join", lang=cohort.language, code=cohort.join_code, _external=True)
    return attachment(render_join_sheet(join_sheet_text(cohort, content, url)),
                      "application/pdf", f"cohort-{cohort.id}-join-sheet.pdf")


# --- roster import -------------------------------------------------------------------------

def _imports() -> tuple[Path, float, float]:
    """Where uploads are kept, for how many seconds, and the seconds one file may take."""
    keep = float(current_app.config["IMPORT_KEEP_SECONDS"])
    shared = current_app.extensions.get("redis")
    where = (uploads.RedisUploads(shared, keep) if shared is not None
             else uploads.imports_dir(current_app.instance_path))
    return where, keep, float(current_app.config["IMPORT_TIME_LIMIT"])


@bp.route("/train/cohorts/<int:cohort_id>/roster", methods=["GET", "POST"])
@trainers
def roster_upload(cohort_id: int):
    """Upload a roster; nothing is written until the trainer confirms the preview. A file that
    cannot be read as a whole is refused on this page with the reason."""
    cohort = cohort_or_404(cohort_id)
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        directory, keep, time_limit = _imports()
        try:
            token = services.receive_roster(
                cohort, upload.read(roster.MAX_BYTES + 1), upload.filename or "",
                current_app.config["LANGUAGES"], current_user.id, directory, keep, time_limit)
        except roster.RosterError as exc:
            form.file.errors.append(str(exc))
        else:
            return redirect(url_for("train.roster_preview", cohort_id=cohort.id, token=token))
    return render_template("train/roster_upload.html", cohort=cohort, form=form,
                           accepted=services.roster_choices(cohort.mission_id, g.lang),
                           headings=roster.HEADINGS)


@bp.route("/train/cohorts/<int:cohort_id>/roster/<token>", methods=["GET", "POST"])
@trainers
def roster_preview(cohort_id: int, token: str):
    """Every row's verdict; on POST, the import, all or nothing, or (with `cancel`) the
    upload deleted. 404 for someone else's file; an expired one sends back to the upload."""
    cohort = cohort_or_404(cohort_id)
    directory, keep, time_limit = _imports()
    languages = current_app.config["LANGUAGES"]
    form = FlaskForm()
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    try:
        if request.method == "POST" and "cancel" in request.form:
            services.cancel_roster(cohort, token, current_user.id, directory, keep)
            flash(_("The uploaded file was deleted. Nothing was imported."), "success")
            return redirect(url_for("train.roster_upload", cohort_id=cohort.id))
        rows = services.preview_roster(cohort, token, languages, current_user.id, directory,
                                       keep, time_limit)
    except PermissionError:
        abort(404)
    except roster.RosterError as exc:
        flash(str(exc), "error")
        return redirect(url_for("train.roster_upload", cohort_id=cohort.id))
    if rows is None:
        flash(_("This upload is no longer kept. Upload the file again."), "error")
        return redirect(url_for("train.roster_upload", cohort_id=cohort.id))
    errors = sum(1 for r in rows if r.errors)
    if request.method == "POST":
        if errors:
            flash(_("Nothing was imported: correct the rows marked in red and upload again."),
                  "error")
        else:
            counts = services.confirm_roster(cohort, token, rows, current_user, directory)
            flash(_("Imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged; "
                    "%(enrolled)s added to the cohort.", new=counts.get("new", 0),
                    updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0),
                    enrolled=counts.get("enrolled", 0)), "success")
            return redirect(url_for("train.cohort", cohort_id=cohort.id))
    verdicts = {v: sum(1 for r in rows if r.verdict == v)
                for v in ("new", "update", "unchanged", "error")}
    return render_template("train/roster_preview.html", cohort=cohort, rows=rows[:2000],
                           shown=min(len(rows), 2000), total=len(rows), verdicts=verdicts,
                           errors=errors, form=form, categories=CATEGORY_BY_ID,
                           headings=roster.HEADINGS)


@bp.route("/train/roster-template.<fmt>")
@trainers
def roster_template(fmt: str):
    """The roster template in the page's language: CSV (the headings) or XLSX (headings,
    drop-down lists of the mission's values, instructions). No sample person. 404 for another
    format."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    data = services.roster_template(current_user.mission_id, g.lang, fmt,
                                    current_app.config["LANGUAGES"])
    return attachment(data, "text/csv; charset=utf-8" if fmt == "csv" else XLSX_TYPE,
                      f"roster-{g.lang}.{fmt}")


# --- presenter and projector --------------------------------------------------------------

def phase_labels() -> dict[str, str]:
    """Short names of the plan's parts, for the session clock."""
    return {"presentation": _("Presentation and discussion"),
            "practice": _("Case studies and quiz")}


def _back_to_presenter(cohort: Cohort):
    number = request.form.get("back", "")
    number = int(number) if number.isdigit() and len(number) < 4 else cohort.current_slide
    if request.form.get("from") == "projector":
        return redirect(url_for("train.audience", cohort_id=cohort.id))
    return redirect(url_for("train.present", cohort_id=cohort.id, number=number))


@bp.route("/train/cohorts/<int:cohort_id>/present/<int:number>")
@trainers
def present(cohort_id: int, number: int):
    """Presenter view of slide n: talking points, facilitator's notes, the next slide's title
    and the session clock. Reading only: Next and Previous (and a clicker's keys) post to
    `go`, which moves the projector. 404 outside 1..14."""
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    slide = content.slide_by_number(number)
    if slide is None:
        abort(404)
    following = content.slide_by_number(number + 1)
    room = classroom.presenter_state(cohort, content.plan)
    return render_template("train/present.html", cohort=cohort, slide=slide, etag=room.tag,
                           phases=room.phases, clock=room.clock,
                           warning_minutes=classroom.WARNING_MINUTES,
                           cohort_direction=text_direction(cohort.language),
                           text=content.text(cohort.language, "slides", slide.id),
                           next_text=following and content.text(cohort.language, "slides",
                                                                 following.id),
                           total=len(content.slides),
                           phase_labels=phase_labels(), plan=content.plan,
                           module=content.module_texts(g.lang),
                           facts=mission_facts(cohort.mission, cohort.language),
                           consequence_groups=CONSEQUENCE_GROUPS)


@bp.route("/train/cohorts/<int:cohort_id>/go", methods=["POST"])
@trainers
def go(cohort_id: int):
    """Move the presentation (and so the projector) to a slide, then show it to the
    presenter. 404 for a slide outside 1..14, 400 without a valid form."""
    cohort = cohort_or_404(cohort_id)
    form = SlideForm()
    if not form.validate_on_submit():
        abort(400)
    content = get_content()
    if content.slide_by_number(form.number.data) is None:
        abort(404)
    classroom.go_to_slide(cohort, form.number.data)
    return redirect(url_for("train.present", cohort_id=cohort.id, number=form.number.data))


@bp.route("/train/cohorts/<int:cohort_id>/clock", methods=["POST"])
@trainers
def clock(cohort_id: int):
    """Start, pause, resume or reset the cohort's session clock. A second click on the same
    button changes nothing. 400 without a valid form."""
    cohort = cohort_or_404(cohort_id)
    form = ClockForm()
    if not form.validate_on_submit():
        abort(400)
    classroom.run_clock(cohort, form.action.data)
    return _back_to_presenter(cohort)


@bp.route("/train/cohorts/<int:cohort_id>/blank", methods=["POST"])
@trainers
def blank(cohort_id: int):
    """Blank the projector or show the slide again. 400 without a valid form."""
    cohort = cohort_or_404(cohort_id)
    form = BlankForm()
    if not form.validate_on_submit():
        abort(400)
    classroom.set_blank(cohort, form.blank.data == "1")
    return _back_to_presenter(cohort)


@bp.route("/train/cohorts/<int:cohort_id>/audience")
@trainers
def audience(cohort_id: int):
    """What the projector shows: the current slide's on-screen points, large, following the
    presenter (classroom.js polls state.json; without JavaScript the page refreshes)."""
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    slide = content.slide_by_number(cohort.current_slide) or content.slides[0]
    return render_template("train/audience.html", cohort=cohort, slide=slide,
                           text=content.text(cohort.language, "slides", slide.id),
                           points=content.screen_points(cohort.language, slide.id),
                           total=len(content.slides),
                           direction=text_direction(cohort.language),
                           facts=mission_facts(cohort.mission, cohort.language))


@bp.route("/train/cohorts/<int:cohort_id>/state.json")
@trainers
def state(cohort_id: int):
    """The slide the presenter is on, the blank and the clock; 304 when the client's ETag
    is still current. Writes nothing (the projector asks twice a second)."""
    cohort = cohort_or_404(cohort_id)
    body, tag = classroom.presentation_state(cohort, get_content().plan)
    response = jsonify(body)
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response.make_conditional(request)


# --- paper quiz ----------------------------------------------------------------------------

def _paper_options() -> tuple[int, bool, bool]:
    """How many variants (?variants=, 1 to 6), whether each learner's sheet is in their own
    language (?sheets=own) and whether the answer key is asked for (?key=1)."""
    variants = request.args.get("variants", paper.DEFAULT_VARIANTS, type=int)
    variants = max(1, min(variants, paper.MAX_VARIANTS))
    return variants, request.args.get("sheets") == "own", request.args.get("key") == "1"


@bp.route("/train/cohorts/<int:cohort_id>/paper-quiz")
@trainers
def paper_quiz(cohort_id: int):
    """The paper quiz to print from the browser: an A4 sheet per learner, the variants taking
    turns (?variants=), in the cohort's language or each learner's own (?sheets=own); ?key=1
    gives the answer key, a page per variant. 404 for another mission's cohort."""
    from .printouts import paper_quiz_sheets

    cohort = cohort_or_404(cohort_id)
    variants, own, with_key = _paper_options()
    sheets = paper_quiz_sheets(cohort, get_content(), variants, with_key, own_language=own)
    return render_template("train/paper_quiz.html", cohort=cohort, sheets=sheets,
                           variants=variants, own=own, with_key=with_key,
                           most=paper.MAX_VARIANTS,
                           options={"variants": variants, "sheets": "own" if own else None})


@bp.route("/train/cohorts/<int:cohort_id>/paper-quiz.pdf")
@trainers
def paper_quiz_pdf(cohort_id: int):
    """The paper quiz as a PDF, the same sheets as the page (same options); ?key=1 gives the
    trainer's answer key instead, a page per variant."""
    from ..printing.paper_quiz import render_quiz_sheets
    from .printouts import paper_quiz_sheets

    cohort = cohort_or_404(cohort_id)
    variants, own, with_key = _paper_options()
    pdf = render_quiz_sheets(paper_quiz_sheets(cohort, get_content(), variants, with_key,
                                               own_language=own))
    name = "answer-key" if with_key else "paper-quiz"
    return attachment(pdf, "application/pdf", f"cohort-{cohort.id}-{name}.pdf")


@bp.route("/train/cohorts/<int:cohort_id>/paper-entry", methods=["GET", "POST"])
@trainers
def paper_entry(cohort_id: int):
    """Type in a learner's paper sheet: the variant and a letter per statement. Enter saves
    and opens the next learner; an unknown variant, a wrong count or a letter the sheet does
    not print is refused (422) and nothing is saved. 404 for someone not in the cohort."""
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    learners = paper.learners_in_order(cohort)
    person_id = id_arg("person")
    if person_id is None and request.method == "GET" and learners:
        person_id = learners[0].id
    person = enrolled_or_404(cohort, person_id) if person_id else None
    form = PaperEntryForm()
    if person is None:
        return render_template("train/paper_entry.html", cohort=cohort, learners=learners,
                               person=None, form=form)
    names = dict(language_names())
    form.sheet_language.choices = [(lang, names.get(lang, lang))
                                   for lang in paper.entry_languages(cohort, person, content)]
    status = 200
    if form.validate_on_submit():
        try:
            entry = paper.record_paper_sheet(
                cohort, person, form.token.data, form.variant.data, form.answers.data,
                content, current_app.instance_path, current_user,
                sheet_language=form.sheet_language.data)
        except paper.EntryRefused as refused:
            if refused.reason == "already-recorded":
                flash(refused.message, "info")
                return redirect(url_for("train.paper_entry", cohort_id=cohort.id,
                                        person=person.id))
            target = form.variant if refused.reason == "unknown-variant" else form.answers
            target.errors = [refused.message]
            status = 422
        else:
            attempt = entry.submission.attempt
            flash(_("%(name)s: %(correct)s of %(total)s correct.", name=person.name,
                    correct=attempt.correct, total=attempt.total), "success")
            if entry.next_person is None:
                flash(_("That was the last learner of the cohort."), "info")
                return redirect(url_for("train.cohort", cohort_id=cohort.id))
            return redirect(url_for("train.paper_entry", cohort_id=cohort.id,
                                    person=entry.next_person.id))
    elif request.method == "POST":
        abort(400)
    attempt = paper.open_paper_entry(person, content, cohort)
    form.token.data = attempt.token
    return render_template("train/paper_entry.html", cohort=cohort, learners=learners,
                           person=person, form=form, position=learners.index(person) + 1,
                           letters_hint=paper.letters_hint(cohort, person, content),
                           recorded=paper.recorded_sheet(person),
                           count=content.quiz.draw, most=paper.MAX_VARIANTS), status


# --- results -------------------------------------------------------------------------------

@bp.route("/train/cohorts/<int:cohort_id>/results.<fmt>")
@trainers
def results_export(cohort_id: int, fmt: str):
    """The cohort's results as CSV or XLSX; 404 for other formats."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    cohort = cohort_or_404(cohort_id)
    content = get_content()
    codes = {c.person_id: c.code for c in services.valid_certificates(cohort)}
    header = [_("Name"), _("Personnel number"), _("Personnel category"), _("Contingent"),
              _("Present"), _("Slides seen"), _("Case studies answered"), _("Quiz attempts"),
              _("Best score (%)"), _("Completed"), _("Certificate"), _("Verification code")]
    states = {"valid": _("valid"), "revoked": _("revoked")}
    rows = []
    for r in services.cohort_board(cohort, content):
        p = r.person
        category = CATEGORY_BY_ID.get(p.category)
        rows.append([p.name, p.personnel_number, str(category.label) if category else p.category,
                     contingent_label(p.contingent, g.lang),
                     _("yes") if r.attended else _("no"),
                     *((learn.attendance_note(),) * 2 if r.attended_classroom
                       else (r.slides, r.case_studies)), r.attempts,
                     None if r.best is None else round(r.best * 100),
                     _("yes") if r.completed else _("no"),
                     states.get(p.certificate_status, _("not yet")), codes.get(p.id, "")])
    return table_download(fmt, f"cohort-{cohort.id}-results", _("Results"), header, rows)


@bp.route("/train/cohorts/<int:cohort_id>/session-record.<fmt>")
@trainers
def session_record(cohort_id: int, fmt: str):
    """The record of the session for the training officer, as PDF or XLSX in the page's
    language: date, place, trainers, attendance, results, certificates. 404 for other
    formats and for another mission's cohort."""
    from ..printing.session_record import render_session_record
    from .printouts import session_record as record_of

    if fmt not in ("pdf", "xlsx"):
        abort(404)
    cohort = cohort_or_404(cohort_id)
    record = record_of(cohort, get_content(), g.lang, current_user.name, utcnow())
    name = f"cohort-{cohort.id}-session-record.{fmt}"
    if fmt == "pdf":
        return attachment(render_session_record(record.text), "application/pdf", name)
    return attachment(to_xlsx_book([
        (record.sheet_title, record.columns, record.rows),
        (record.details_title, [record.text.title, record.text.module],
         record.text.details)]), XLSX_TYPE, name)


@bp.route("/train/cohorts/<int:cohort_id>/certificates.pdf")
@trainers
def certificates_pdf(cohort_id: int):
    """Every valid certificate of the cohort, a page each, each in its own language."""
    cohort = cohort_or_404(cohort_id)
    certs = services.valid_certificates(cohort)
    if not certs:
        flash(_("No one in this cohort has a certificate yet."), "info")
        return redirect(url_for("train.cohort", cohort_id=cohort.id))
    return certificates_pdf_download(certs, f"cohort-{cohort.id}-certificates.pdf")


@bp.route("/train/cohorts/<int:cohort_id>/pocket-cards.pdf")
@trainers
def pocket_cards(cohort_id: int):
    """Pocket cards for a cohort, in the cohort's language; 404 for another mission's cohort."""
    cohort = cohort_or_404(cohort_id)
    return pocket_card_download(cohort.mission, cohort.language)


# --- taking up and recovering accounts; correcting a record --------------------------------

@bp.route("/train/cohorts/<int:cohort_id>/claim-slips", methods=["POST"])
@trainers
def claim_slips(cohort_id: int):
    """Print one slip per learner of the roster who has no PIN yet, each with a code only
    that learner will hold; printing again replaces the earlier codes (audited)."""
    cohort = cohort_or_404(cohort_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    people = services.enrolled_people(cohort, without_pin=True)
    slips = accounts.issue_claim_codes(people, current_app.secret_key, current_user, cohort)
    url = url_for("auth.claim", lang=cohort.language, _external=True)
    with in_language(cohort.language):  # the slips are in the session's language
        slips_html = Markup(render_template(
            "train/_claim_slips.html", slips=slips, url=url, qr=qr_svg(url),
            until=format_date(utcnow() + accounts.CLAIM_LIFETIME, cohort.language),
            slip_lang=cohort.language, slip_dir=text_direction(cohort.language)))
    return render_template("train/claim_slips.html", cohort=cohort, slips=slips,
                           slips_html=slips_html)


def _person_form(person: Person) -> PersonForm:
    form = PersonForm(obj=person)
    form.category.choices = [(c.id, str(c.label)) for c in CATEGORIES]
    form.contingent.choices = [(0, _("None"))] + [(c.id, contingent_label(c, g.lang))
                                                  for c in contingents_of(person.mission_id)]
    form.language.choices = language_names()
    if request.method == "GET":
        form.contingent.data = person.contingent_id or 0
    return form


def _person_page(person: Person, form: PersonForm, code: str | None = None, status=200):
    content = get_content()
    cert = certificates.latest_certificate(person.id, content.module_id)
    return render_template(
        "train/person.html", person=person, form=form, code=code, action_form=FlaskForm(),
        certificate=cert, name_differs=bool(cert) and certificates.name_changed_since(cert),
        progress=learn.progress_of(person.id, content), categories=CATEGORY_BY_ID,
        contingent_name=lambda c: contingent_label(c, g.lang),
        case_answers=privacy.case_answers_of(person, g.lang)
        if may_read_case_answers(person) else [],
        hq=role_of(current_user) in ("hq", "admin")), status


@bp.route("/train/people/<int:person_id>", methods=["GET", "POST"])
@trainers
def person(person_id: int):
    """A learner's record: correct it with a reason (audited). Trainers see the people of
    the cohorts they run, HQ its mission's; anyone else is a 404."""
    someone = managed_person_or_404(person_id)
    form = _person_form(someone)
    if form.validate_on_submit():
        try:
            changed = accounts.correct_person(someone, {
                "name": form.name.data, "personnel_number": form.personnel_number.data,
                "category": form.category.data, "contingent_id": form.contingent.data or None,
                "language": form.language.data}, form.reason.data, current_user,
                current_app.config["LANGUAGES"])
        except accounts.AccountError as exc:
            target = {"name-needed": form.name, "bad-personnel-number": form.personnel_number,
                      "number-taken": form.personnel_number, "reason-needed": form.reason,
                      "unknown-category": form.category}.get(exc.reason, form.contingent)
            target.errors.append(accounts.explain(exc))
            return _person_page(someone, form, status=422)
        flash(_("Saved.") if changed else _("Nothing changed."), "success")
        return redirect(url_for("train.person", person_id=someone.id))
    return _person_page(someone, form, status=422 if request.method == "POST" else 200)


@bp.route("/train/people/<int:person_id>/pin-reset", methods=["POST"])
@trainers
def pin_reset(person_id: int):
    """A one-time code, valid 48 hours, that lets the learner choose a new PIN; shown once.
    Their sessions end when they use it (audited)."""
    someone = managed_person_or_404(person_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    code = accounts.issue_reset(someone, current_app.secret_key, current_user)
    return _person_page(someone, _person_form(someone), code=code)
