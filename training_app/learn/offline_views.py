"""Offline study, the learner's side of it on the server: the list of pages a device keeps,
a fresh token for sending its queue, the endpoint that receives what was done offline, and
the two notices the service worker shows."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, g, jsonify, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..access import learners, learners_json
from ..content import get_content
from ..offline import services as offline
from . import services
from .routes import bp


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


def offline_urls(content, lang: str) -> list[str]:
    """The pages a learner's device keeps, in their language, to go on without a connection."""
    urls = [url_for("learn.home", lang=lang), url_for("learn.overview", lang=lang)]
    urls += [url_for("learn.slide", lang=lang, number=n) for n in range(1, len(content.slides) + 1)]
    urls.append(url_for("learn.case_studies", lang=lang))
    urls += [url_for("learn.case_study", lang=lang, case_id=c) for c in content.case_study_ids]
    urls += [url_for("learn.quiz", lang=lang), url_for("learn.certificate", lang=lang),
             url_for("learn.saved", lang=lang), url_for("learn.unavailable", lang=lang)]
    return urls


@bp.route("/offline/manifest.json")
@learners_json
def manifest():
    """What the device keeps for this learner, in this language."""
    content = get_content()
    asset_url = current_app.jinja_env.globals["asset_url"]
    return jsonify(
        person=current_user.account_key, lang=g.lang, version=content.fingerprint,
        pages=offline_urls(content, g.lang),
        shell=[url_for("learn.saved", lang=g.lang), url_for("learn.unavailable", lang=g.lang)],
        assets=[asset_url("app.css"), asset_url("offline.js"), asset_url("favicon.svg")],
        delay_ms=int(current_app.config["OFFLINE_PRECACHE_DELAY"] * 1000))


@bp.route("/offline/token")
@learners_json
def token():
    """A fresh CSRF token for sending the queue: the one in a page kept for days has expired."""
    return jsonify(person=current_user.account_key, csrf_token=generate_csrf())


@bp.route("/offline/sync", methods=["POST"])
@learners_json
def sync():
    """Apply queued events; each is answered applied, duplicate or rejected."""
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list):
        return jsonify(error="bad-request"), 400
    if len(events) > offline.MAX_EVENTS:
        return jsonify(error="too-many-events", limit=offline.MAX_EVENTS), 413
    content = get_content()
    outcomes = offline.apply_events(current_user, events, offline.Context(
        content, g.lang, current_app.instance_path))
    cert = services.settle(current_user, content, g.lang, current_app.instance_path)
    return jsonify(results=[o.as_dict() for o in outcomes], completed=cert is not None)


@bp.route("/offline/saved")
@learners
def saved():
    """Shown after a form was sent without a connection: it is kept on the device."""
    return render_template("offline/saved.html", shell=True)


@bp.route("/offline/unavailable")
@learners
def unavailable():
    """Shown offline for a page the device has not kept."""
    return render_template("offline/unavailable.html", shell=True)
