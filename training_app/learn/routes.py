"""The peacekeeper's pages: home, module overview, slides, case studies, quiz, certificate."""

from __future__ import annotations

from functools import lru_cache

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
from markupsafe import Markup
from sqlalchemy import select

from ..auth.services import clean_text, learner_required
from ..categories import BY_ID as CATEGORIES_BY_ID
from ..categories import CATEGORIES, consequence_order
from ..certificates import services as certificates
from ..certificates.codes import display as display_code
from ..content import get_content
from ..core import language_blueprint
from ..exports import attachment
from ..extensions import db
from ..i18n import _
from ..models import QuizAttempt
from . import services
from .forms import CaseStudyAnswerForm, QuizForm
from .presentation import certificate_pdf, mission_facts, statement_text

bp = language_blueprint("learn", __name__)


@bp.route("/")
def home():
    """Progress for a signed-in peacekeeper; a welcome page for everyone else."""
    content = get_content()
    module = content.module_texts(g.lang)
    if current_user.is_authenticated and current_user.is_learner:
        progress = services.progress_of(current_user.id, content)
        next_slide = next((s for s in content.slides if s.id not in progress.slides_seen), None)
        certificate = certificates.active_certificate(current_user.id, content.module_id)
        return render_template("learn/home.html", content=content, module=module,
                               progress=progress, next_slide=next_slide,
                               certificate=certificate)
    if current_user.is_authenticated:
        role_label = {"trainer": _("Trainer"), "hq": _("Mission HQ"),
                      "admin": _("Administrator")}.get(current_user.role, "")
        return render_template("learn/staff.html", role_label=role_label)
    return render_template("learn/welcome.html", content=content, module=module)


@bp.route("/module")
def overview():
    """The module's aim, audiences, learning outcome, assessment criteria, syllabus and plan."""
    content = get_content()
    return render_template("learn/overview.html", content=content,
                           module=content.module_texts(g.lang),
                           facts=mission_facts(_mission()))


def _mission():
    if current_user.is_authenticated and getattr(current_user, "mission", None):
        return current_user.mission
    return None


@bp.route("/slides/<int:number>")
def slide(number: int):
    """One slide with talking points and facilitator's notes; 404 for a number out of range.

    A signed-in peacekeeper's first view of each slide is recorded.
    """
    content = get_content()
    item = content.slide_by_number(number)
    if item is None:
        abort(404)
    learner = current_user.is_authenticated and current_user.is_learner
    if learner:
        services.record_slide_view(current_user.id, item.id)
    own_category = current_user.category if learner else None
    facts = mission_facts(_mission())
    body = _slide_body(content.fingerprint, g.lang, number, learner, own_category,
                       tuple(sorted(facts.items())))
    return render_template("learn/slide.html", body=body,
                           text=content.text(g.lang, "slides", item.id))


@lru_cache(maxsize=2048)
def _slide_body(fingerprint: str, lang: str, number: int, learner: bool,
                own_category: str | None, facts: tuple) -> Markup:
    """The slide's HTML, the same for every reader with the same language, personnel
    category and mission: rendered once, so a whole classroom moving on costs little."""
    content = get_content()
    item = content.slide_by_number(number)
    return Markup(render_template(
        "learn/_slide.html", content=content, slide=item,
        text=content.text(lang, "slides", item.id), total=len(content.slides),
        facts=dict(facts), learner=learner,
        consequence_groups=consequence_order(own_category),
        own_regime=CATEGORIES_BY_ID[own_category].consequences if own_category else None,
    ))


@bp.route("/case-studies")
@learner_required
def case_studies():
    """The list of case studies with what the learner has answered."""
    content = get_content()
    progress = services.progress_of(current_user.id, content)
    return render_template("learn/case_studies.html", content=content, progress=progress)


@bp.route("/case-studies/<case_id>", methods=["GET", "POST"])
@learner_required
def case_study(case_id: str):
    """A case study; the guidance appears once the learner has sent an answer. 404 if unknown."""
    content = get_content()
    item = content.case_study(case_id)
    if item is None:
        abort(404)
    existing = services.case_study_answer(current_user.id, item.id)
    form = CaseStudyAnswerForm()
    if request.method == "GET" and existing:
        form.answer.data = existing.answer
    if form.validate_on_submit():
        services.save_case_study_answer(current_user.id, item.id, clean_answer(form.answer.data))
        flash(_("Your answer is saved. Read the guidance below."), "success")
        return redirect(url_for("learn.case_study", case_id=item.id, _anchor="guidance"))
    ids = content.case_study_ids
    position = ids.index(item.id)
    return render_template(
        "learn/case_study.html", content=content, case=item,
        text=content.text(g.lang, "case_studies", item.id), form=form, answered=existing,
        facts=mission_facts(_mission()), position=position + 1, total=len(ids),
        next_id=ids[position + 1] if position + 1 < len(ids) else None,
    )


def clean_answer(text: str) -> str:
    """Keep line breaks in a free-text answer, drop control characters."""
    return "\n".join(clean_text(line) for line in (text or "").splitlines()).strip()


@bp.route("/quiz", methods=["GET"])
@learner_required
def quiz():
    """The true/false quiz: an open attempt of statements drawn across the topics."""
    content = get_content()
    attempt = services.open_attempt(current_user.id, content, g.lang, current_user.mission)
    return render_template("learn/quiz.html", content=content, attempt=attempt, form=QuizForm(),
                           pass_mark=_pass_mark(content), answers={}, missing=[],
                           statement=statement_text(content, attempt))


def _pass_mark(content) -> float:
    return current_app.config.get("QUIZ_PASS_MARK") or content.quiz.pass_mark


@bp.route("/quiz/<token>", methods=["POST"])
@learner_required
def submit_quiz(token: str):
    """Grade an attempt once. A repeated submission shows the first result; 404 if not yours."""
    content = get_content()
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.token == token, QuizAttempt.person_id == current_user.id))
    if attempt is None:
        abort(404)
    form = QuizForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt.submitted_at is not None:
        flash(_("This quiz was already sent; it is counted once."), "info")
        return redirect(url_for("learn.quiz_result", token=attempt.token))
    answers, missing = services.parse_answers(request.form, attempt.statement_ids)
    if missing:
        flash(_("Answer every statement before you send the quiz."), "error")
        return render_template("learn/quiz.html", content=content, attempt=attempt, form=form,
                               pass_mark=_pass_mark(content), answers=answers,
                               missing=set(missing),
                               statement=statement_text(content, attempt)), 422
    services.submit_attempt(attempt, answers, content.quiz, _pass_mark(content))
    _complete_if_due(content)
    return redirect(url_for("learn.quiz_result", token=attempt.token))


def _complete_if_due(content) -> None:
    completion = services.record_completion(current_user, content)
    if completion:
        certificates.issue_certificate(current_user, completion, content, g.lang,
                                       current_app.instance_path)


@bp.route("/quiz/result/<token>")
@learner_required
def quiz_result(token: str):
    """The result of one attempt, with what was wrong and why. 404 if not yours or not sent."""
    content = get_content()
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.token == token, QuizAttempt.person_id == current_user.id,
        QuizAttempt.submitted_at.is_not(None)))
    if attempt is None:
        abort(404)
    result = services.grade(content.quiz, attempt.statement_ids,
                            {k: bool(v) for k, v in (attempt.answers or {}).items()},
                            _pass_mark(content), attempt.mission_statements)
    progress = services.progress_of(current_user.id, content)
    return render_template("learn/result.html", content=content, attempt=attempt, result=result,
                           progress=progress, pass_mark=_pass_mark(content),
                           statement=statement_text(content, attempt))


@bp.route("/certificate")
@learner_required
def certificate():
    """The learner's certificate, or what is still to do."""
    content = get_content()
    _complete_if_due(content)
    cert = certificates.active_certificate(current_user.id, content.module_id)
    progress = services.progress_of(current_user.id, content)
    return render_template("learn/certificate.html", content=content, certificate=cert,
                           progress=progress, code=display_code(cert.code) if cert else None,
                           category=CATEGORIES_BY_ID.get(current_user.category),
                           categories=CATEGORIES)


@bp.route("/certificate.pdf")
@learner_required
def certificate_download():
    """The certificate as a PDF in the page's language; 404 until the module is completed."""
    content = get_content()
    cert = certificates.active_certificate(current_user.id, content.module_id)
    if cert is None:
        abort(404)
    pdf = certificate_pdf(cert, content, g.lang)
    return attachment(pdf, "application/pdf", f"sgtm1-certificate-{cert.code}.pdf")
