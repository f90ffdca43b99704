"""Offline study: the service worker script, the list of pages it keeps, and the endpoint
that receives what a learner did while offline."""

from __future__ import annotations

from functools import lru_cache, wraps
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..auth.services import learner_required
from ..certificates import services as certificates
from ..content import get_content
from ..core import language_blueprint
from ..learn import services as learn
from . import services

root = Blueprint("offline_root", __name__)
bp = language_blueprint("offline", __name__)


@root.route("/sw.js")
def service_worker():
    """The service worker, from the site's root so that it may look after every page."""
    response = send_file(Path(current_app.static_folder) / "sw.js",
                         mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.record_once
def _status_helper(state) -> None:
    state.app.jinja_env.globals["offline_status"] = offline_status


PERSON_SLOT = "\x00person\x00"


@lru_cache(maxsize=64)
def _status_html(lang: str, script_root: str) -> str:
    """The status line's markup (translated messages, URLs) for one language, rendered once:
    it is on every learner page, and only the person differs."""
    return render_template("offline/_status.html", person=PERSON_SLOT)


def offline_status(person_key: str) -> Markup:
    """The offline status line for this page; offline.js fills it in, hidden without it."""
    html = _status_html(g.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"],
                        request.script_root)
    return Markup(html.replace(PERSON_SLOT, str(escape(person_key))))


def learner_json(view):
    """A signed-in peacekeeper; anything else gets a JSON 401/403 the device understands."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error="sign-in"), 401
        if not current_user.is_learner:
            return jsonify(error="learners-only"), 403
        return view(*args, **kwargs)

    return wrapped


def _person_key() -> str:
    return current_user.get_id()


@bp.route("/offline/manifest.json")
@learner_json
def manifest():
    """What the device keeps for this learner, in this language."""
    content = get_content()
    asset_url = current_app.jinja_env.globals["asset_url"]
    response = jsonify(
        person=_person_key(), lang=g.lang, version=content.fingerprint,
        pages=services.offline_urls(content, g.lang, url_for),
        shell=[url_for("offline.saved", lang=g.lang),
               url_for("offline.unavailable", lang=g.lang)],
        assets=[asset_url("app.css"), asset_url("offline.js"), asset_url("favicon.svg")],
        delay_ms=int(current_app.config["OFFLINE_PRECACHE_DELAY"] * 1000))
    return response


@bp.route("/offline/token")
@learner_json
def token():
    """A fresh CSRF token for sending the queue: the one in a page kept for days has expired."""
    return jsonify(person=_person_key(), csrf_token=generate_csrf())


@bp.route("/offline/sync", methods=["POST"])
@learner_json
def sync():
    """Apply queued events; each is answered applied, duplicate or rejected."""
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return jsonify(error="bad-request"), 400
    if len(events) > services.MAX_EVENTS:
        return jsonify(error="too-many-events", limit=services.MAX_EVENTS), 413
    content = get_content()
    pass_mark = current_app.config.get("QUIZ_PASS_MARK") or content.quiz.pass_mark
    outcomes = services.apply_events(current_user, events, content, pass_mark)
    completion = learn.record_completion(current_user, content)
    if completion:
        certificates.issue_certificate(current_user, completion, content, g.lang,
                                       current_app.instance_path)
    return jsonify(results=[o.as_dict() for o in outcomes], completed=completion is not None)


@bp.route("/offline/saved")
@learner_required
def saved():
    """Shown after a form was sent without a connection: it is kept on the device."""
    return render_template("offline/saved.html", shell=True)


@bp.route("/offline/unavailable")
@learner_required
def unavailable():
    """Shown offline for a page the device has not kept."""
    return render_template("offline/unavailable.html", shell=True)
