"""The peacekeeper's pages: home, module overview, slides, case studies, quiz, certificate,
pocket card, joining a classroom session. The offline endpoints are in offline_views."""

from __future__ import annotations

from functools import lru_cache

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from .. import privacy
from ..access import learners, public
from ..categories import BY_ID as CATEGORIES_BY_ID
from ..categories import consequence_order
from ..certificates import services as certificates
from ..certificates.codes import display as display_code
from ..content import get_content
from ..core import language_blueprint
from ..downloads import badge_download, certificate_pdf_download, pocket_card_download
from ..facts import mission_facts
from ..i18n import _
from ..train import services as cohorts
from . import services
from .forms import CaseStudyAnswerForm, JoinForm, QuizForm

bp = language_blueprint("learn", __name__)


def _mission():
    if current_user.is_authenticated and getattr(current_user, "mission", None):
        return current_user.mission
    return None


@bp.route("/")
@public
def home():
    """Progress for a signed-in peacekeeper; a welcome page for everyone else."""
    content = get_content()
    module = content.module_texts(g.lang)
    if current_user.is_authenticated and current_user.is_learner:
        progress = services.progress_of(current_user.id, content)
        next_slide = next((s for s in content.slides if s.id not in progress.slides_seen), None)
        certificate = certificates.latest_certificate(current_user.id, content.module_id)
        return render_template("learn/home.html", content=content, module=module,
                               progress=progress, next_slide=next_slide,
                               certificate=certificate)
    if current_user.is_authenticated:
        role_label = {"trainer": _("Trainer"), "hq": _("Mission HQ"),
                      "admin": _("Administrator")}.get(current_user.role, "")
        return render_template("learn/staff.html", role_label=role_label)
    return render_template("learn/welcome.html", content=content, module=module)


@bp.route("/module")
@public
def overview():
    """The module's aim, audiences, learning outcome, assessment criteria, syllabus and plan."""
    content = get_content()
    return render_template("learn/overview.html", content=content,
                           module=content.module_texts(g.lang),
                           facts=mission_facts(_mission(), g.lang))


def opened_by_a_person(headers=None) -> bool:
    """A page a person opened, not one fetched for later: the service worker's keeping
    (X-Offline-Keep), a browser's link prefetch or prerender (Sec-Purpose / Purpose), or any
    fetch that is not a navigation (Sec-Fetch-Mode, where the browser sends it). `headers`:
    the request's (by default, the current request's)."""
    headers = request.headers if headers is None else headers
    if headers.get("X-Offline-Keep"):
        return False
    purpose = " ".join(headers.get(h, "") for h in ("Sec-Purpose", "Purpose", "X-Purpose",
                                                     "X-Moz")).lower()
    if "prefetch" in purpose or "prerender" in purpose or "preview" in purpose:
        return False
    mode = headers.get("Sec-Fetch-Mode")
    return not mode or mode == "navigate"


@bp.route("/slides/<int:number>")
@public
def slide(number: int):
    """One slide with talking points and facilitator's notes; 404 for a number out of range.

    A signed-in peacekeeper's first view of each slide is recorded, when they open it
    themselves (see opened_by_a_person); a slide read offline is recorded when the device's
    queue arrives.
    """
    content = get_content()
    item = content.slide_by_number(number)
    if item is None:
        abort(404)
    learner = current_user.is_authenticated and current_user.is_learner
    if learner and opened_by_a_person():
        seen = seen_in(session, current_user.account_key)
        if services.open_slide(current_user, item.id, seen):
            session[SEEN_KEY] = seen_with(current_user.account_key, seen, item.id)
    own_category = current_user.category if learner else None
    facts = tuple(sorted(mission_facts(_mission(), g.lang).items()))
    if learner and not request.query_string and "_flashes" not in session:
        return _learner_page(_slide_page(content.fingerprint, g.lang, number, own_category,
                                         facts))
    body = _slide_body(content.fingerprint, g.lang, number, learner, own_category, facts)
    return render_template("learn/slide.html", body=body,
                           text=content.text(g.lang, "slides", item.id))


# A learner's slide page differs from a classmate's only in their name, their account and
# their form token: the page is rendered once with marks in their place, and each request
# fills them in, so a whole classroom moving on costs little more than a static page.
_NAME, _ACCOUNT, _TOKEN = "\ufdd0name\ufdd0", "\ufdd0account\ufdd0", "\ufdd0token\ufdd0"


class _AnyLearner:
    """The signed-in learner as the shared rendering of a page sees them."""

    is_authenticated = True
    is_learner = True
    is_anonymous = False
    name = _NAME
    account_key = _ACCOUNT


def _learner_page(page: str) -> str:
    from flask_wtf.csrf import generate_csrf

    return fill_learner_page(page, current_user.name, current_user.account_key,
                             generate_csrf())


def fill_learner_page(page: str, name: str, account_key: str, token: str) -> str:
    """A shared rendering with this reader's name, account and form token in their places."""
    from markupsafe import escape

    return (page.replace(_NAME, str(escape(name))).replace(_ACCOUNT, str(escape(account_key)))
            .replace(_TOKEN, token))


# the shared renderings: (content fingerprint, language, slide, category, facts) -> page.
# A plain dict, so that the quick path (learn.quick) can use a page once Flask has rendered
# it, without rendering one itself; emptied when full (a new content version, new facts)
RENDERED: dict[tuple, str] = {}
RENDERED_MAX = 512


def _slide_page(fingerprint: str, lang: str, number: int, own_category: str | None,
                facts: tuple) -> str:
    key = (fingerprint, lang, number, own_category, facts)
    page = RENDERED.get(key)
    if page is None:
        content = get_content()
        item = content.slide_by_number(number)
        page = render_template(
            "learn/slide.html", current_user=_AnyLearner(), csrf_token=lambda: _TOKEN,
            body=_slide_body(fingerprint, lang, number, True, own_category, facts),
            text=content.text(lang, "slides", item.id))
        keep(RENDERED, key, page, RENDERED_MAX)
    return page


def keep(cache: dict, key, value, limit: int):
    """Keep `value` in a cache bounded to `limit` entries (emptied when full); give it back."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


SEEN_KEY = "seen"


def seen_with(account_key: str, seen: frozenset[str], slide_id: str) -> dict:
    """What the session keeps once this slide's view is known to be recorded."""
    return {"a": account_key, "s": sorted(seen | {slide_id})}


def seen_in(kept_session, account_key: str) -> frozenset[str]:
    """Slides this browser already recorded as seen by this account (its signed session
    remembers them), so that opening one again reads nothing and writes nothing."""
    kept = kept_session.get(SEEN_KEY)
    if isinstance(kept, dict) and kept.get("a") == account_key:
        return frozenset(kept.get("s") or ())
    return frozenset()


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
        loc=content.localized(lang, "slides", item.id),
        facts=dict(facts), learner=learner,
        consequence_groups=consequence_order(own_category),
        own_regime=CATEGORIES_BY_ID[own_category].consequences if own_category else None,
    ))


@bp.route("/case-studies")
@learners
def case_studies():
    """The list of case studies with what the learner has answered."""
    content = get_content()
    progress = services.progress_of(current_user.id, content)
    return render_template("learn/case_studies.html", content=content, progress=progress)


@bp.route("/case-studies/<case_id>", methods=["GET", "POST"])
@learners
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
    status = 200
    if form.validate_on_submit():
        try:
            services.save_case_study_answer(current_user.id, item.id, form.answer.data)
        except services.AnswerRefused:
            form.answer.errors.append(_("Write between 10 and 5,000 characters."))
            status = 422
        else:
            flash(_("Your answer is saved. Read the guidance below."), "success")
            return redirect(url_for("learn.case_study", case_id=item.id, _anchor="guidance"))
    elif request.method == "POST":
        status = 422
    ids = content.case_study_ids
    position = ids.index(item.id)
    return render_template(
        "learn/case_study.html", content=content, case=item,
        text=content.text(g.lang, "case_studies", item.id), form=form, answered=existing,
        loc=content.localized(g.lang, "case_studies", item.id),
        facts=mission_facts(_mission(), g.lang), position=position + 1, total=len(ids),
        next_id=ids[position + 1] if position + 1 < len(ids) else None,
    ), status


@bp.route("/quiz", methods=["GET"])
@learners
def quiz():
    """The true/false quiz: an open attempt of statements drawn across the topics. After a
    failed attempt, the slides behind what was missed come first."""
    content = get_content()
    if current_user.review_slides:
        review = [content.slide(sid) for sid in current_user.review_slides if content.slide(sid)]
        if review:
            return render_template("learn/review_first.html", slides=review, content=content)
    attempt = services.open_attempt(current_user.id, content, g.lang, current_user.mission)
    return render_template("learn/quiz.html", content=content, attempt=attempt, form=QuizForm(),
                           pass_mark=services.pass_mark(content), answers={}, missing=[],
                           statement=services.statement_view(content, attempt, g.lang))


@bp.route("/quiz/<token>", methods=["POST"])
@learners
def submit_quiz(token: str):
    """Grade an attempt once. A repeated submission shows the first result; 404 if not yours."""
    content = get_content()
    attempt = services.own_attempt(current_user.id, token)
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
                               pass_mark=services.pass_mark(content), answers=answers,
                               missing=set(missing),
                               statement=services.statement_view(content, attempt,
                                                                 g.lang)), 422
    services.submit_quiz(current_user, attempt, answers, content, g.lang,
                         current_app.instance_path)
    return redirect(url_for("learn.quiz_result", token=attempt.token))


@bp.route("/quiz/result/<token>")
@learners
def quiz_result(token: str):
    """The result of one attempt, with what was wrong and why. 404 if not yours or not sent."""
    content = get_content()
    attempt = services.own_attempt(current_user.id, token, submitted=True)
    if attempt is None:
        abort(404)
    mark = services.pass_mark(content)
    result = services.grade(content.quiz, attempt.statement_ids,
                            {k: bool(v) for k, v in (attempt.answers or {}).items()},
                            mark, attempt.mission_statements)
    progress = services.progress_of(current_user.id, content)
    review = [content.slide(s) for s in (current_user.review_slides or ()) if content.slide(s)]
    return render_template("learn/result.html", content=content, attempt=attempt, result=result,
                           progress=progress, pass_mark=mark, review=review,
                           statement=services.statement_view(content, attempt, g.lang))


@bp.route("/certificate")
@learners
def certificate():
    """The learner's certificate, or what is still to do. A revoked certificate is said to be
    revoked, with whom to contact (not why: the reason is for HQ)."""
    content = get_content()
    cert = services.settle(current_user, content, g.lang, current_app.instance_path)
    progress = services.progress_of(current_user.id, content)
    signed = certificates.signed_details(cert) if cert else None
    return render_template("learn/certificate.html", content=content, certificate=cert,
                           progress=progress, code=display_code(cert.code) if cert else None,
                           signed=signed,
                           category=CATEGORIES_BY_ID.get(signed.category if signed else
                                                         current_user.category))


def _valid_certificate_or_404():
    cert = certificates.active_certificate(current_user.id, get_content().module_id)
    if cert is None:
        abort(404)
    return cert


@bp.route("/certificate.pdf")
@learners
def certificate_download():
    """The certificate as a PDF in the page's language; 404 until the module is completed
    and when the certificate is revoked."""
    return certificate_pdf_download(_valid_certificate_or_404(), g.lang)


@bp.route("/certificate/badge.json")
@learners
def learner_badge():
    """The learner's certificate as an Open Badge in the page's language; 404 until the module
    is completed, 410 if their certificate was revoked and none replaces it."""
    cert = certificates.latest_certificate(current_user.id, get_content().module_id)
    if cert is None:
        abort(404)
    return badge_download(cert, g.lang)


@bp.route("/pocket-card.pdf")
@learners
def pocket_card():
    """The peacekeeper's pocket card: their own mission's facts, in the page's language."""
    return pocket_card_download(current_user.mission, g.lang)


# --- joining a classroom session ----------------------------------------------------------

@bp.route("/my-data")
@learners
def my_data():
    """Everything held about the signed-in learner, readable, in their language."""
    return render_template("learn/my_data.html",
                           data=privacy.access_export(current_user, g.lang),
                           categories=CATEGORIES_BY_ID)


@bp.route("/my-data.json")
@learners
def my_data_json():
    """The same as a JSON download."""
    response = jsonify(privacy.access_export(current_user, g.lang))
    response.headers["Content-Disposition"] = 'attachment; filename="my-sgtm1-data.json"'
    return response


@bp.route("/join", methods=["GET", "POST"])
@public
def join_form():
    """A box for the code the trainer shows; works without JavaScript."""
    form = JoinForm()
    if form.validate_on_submit():
        cohort = cohorts.cohort_by_join_code(form.code.data)
        if cohort:
            return redirect(url_for("learn.join", code=cohort.join_code))
        form.code.errors.append(_("No session has this code. Check it with your trainer."))
    return render_template("learn/join_form.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@public
def join(code: str):
    """Join a cohort as a signed-in learner; someone not signed in is sent to sign in, or to
    take up their account with the claim code from their trainer. 404 if the code is unknown
    or the session is another mission's."""
    cohort = cohorts.cohort_by_join_code(code)
    if cohort is None:
        abort(404)
    if current_user.is_authenticated and not current_user.is_learner:
        abort(403)
    form = FlaskForm()
    if current_user.is_authenticated:
        if current_user.mission_id != cohort.mission_id:
            abort(404)
        if request.method == "POST" and form.validate_on_submit():
            cohorts.enrol(cohort, current_user)
            flash(_("You have joined %(name)s.", name=cohort.name), "success")
            return redirect(url_for("learn.home"))
    enrolled = current_user.is_authenticated and cohorts.is_enrolled(cohort, current_user.id)
    return render_template("learn/join.html", cohort=cohort, form=form, enrolled=enrolled)


from . import offline_views  # noqa: E402,F401  (its views join this blueprint)
