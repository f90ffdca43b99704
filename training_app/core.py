"""What every area shares: language-prefixed blueprints, health, headers, error pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
)
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from .extensions import db
from .i18n import LANGUAGE_COOKIE, _

bp = Blueprint("core", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def language_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint whose URLs start with /<lang>/; an unknown language is a 404."""
    blueprint = Blueprint(name, import_name, url_prefix="/<lang>")

    @blueprint.url_value_preprocessor
    def pull_lang(_endpoint, values):
        lang = (values or {}).pop("lang", None)
        if lang not in current_app.config["LANGUAGES"]:
            abort(404)
        g.lang = lang

    @blueprint.url_defaults
    def add_lang(endpoint, values):
        if "lang" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = g.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]

    @blueprint.before_request
    def remember_language():
        user = current_user
        if getattr(user, "is_authenticated", False) and user.language != g.lang:
            user.language = g.lang
            db.session.commit()

    return blueprint


@bp.route("/healthz")
def healthz():
    """Liveness and database status; 503 when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok"
        current_app.logger.warning("health check: database unavailable: %s", exc)
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    backend = db.engine.dialect.name
    return jsonify(status="ok" if status == 200 else "degraded", database=database,
                   backend=backend), status


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store" if getattr(
            current_user, "is_authenticated", False) else "no-cache"
    lang = g.get("lang")
    if lang and request.cookies.get(LANGUAGE_COOKIE) != lang:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=60 * 60 * 24 * 365,
                            samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def _error_page(status: int, title: str, message: str):
    if request.path.startswith("/healthz"):
        return jsonify(error=title), status
    if request_ctx.url_adapter is None:  # an untrusted Host header: no page links can be made
        return Response(f"{status} {title}\n", status, mimetype="text/plain")
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(400)
    def bad_request(_e):
        return _error_page(400, _("Bad request"),
                           _("The request could not be understood. Please go back and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return _error_page(400, _("This form has expired"),
                           _("For your security the form was not accepted. Go back, reload the "
                             "page and send it again. Nothing was saved."))

    @app.errorhandler(403)
    def forbidden(_e):
        return _error_page(403, _("Not allowed"),
                           _("Your account does not give access to this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return _error_page(404, _("Page not found"),
                           _("There is no page at this address. Check the link or start again "
                             "from the home page."))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return _error_page(405, _("Not allowed"), _("This page cannot be used that way."))

    @app.errorhandler(413)
    def too_large(_e):
        return _error_page(413, _("Too large"),
                           _("What you sent is larger than this site accepts. Nothing was saved."))

    @app.errorhandler(429)
    def too_many(_e):
        return _error_page(429, _("Too many attempts"),
                           _("Too many attempts in a short time. Wait a minute and try again."))

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("The page could not be shown. Nothing you sent was lost; "
                             "please try again in a moment."))
