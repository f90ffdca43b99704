"""The site's shell, shared by every area: language blueprints, the pages at the site's root
(/, /healthz, /readyz, /sw.js), security headers, error pages, and the client's address behind a
trusted proxy."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.globals import request_ctx
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import InternalError, OperationalError

from .access import public
from .extensions import db
from .i18n import LANGUAGE_COOKIE, _, best_language
from .pins import HashingBusy

bp = Blueprint("core", __name__)

# What the database answers when it cannot store anything: read-only file, full disk, locked
# past every retry (SQLite), a read-only transaction or a lost server (PostgreSQL).
STORAGE_FAULTS = (OperationalError, InternalError)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def language_blueprint(name: str, import_name: str, prefixed: bool = True) -> Blueprint:
    """A blueprint whose URLs start with /<lang>/; an unknown language is a 404.

    With prefixed=False the routes spell out "/<lang>/" themselves, so the blueprint can also
    serve addresses without a language (a QR code's /verify/<code>), which answer in the
    visitor's language."""
    blueprint = Blueprint(name, import_name, url_prefix="/<lang>" if prefixed else None)

    @blueprint.url_value_preprocessor
    def pull_lang(endpoint, values):
        if "lang" not in (values or {}):
            if not prefixed:
                g.lang = best_language()
                return
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
        """Keep the account's language; a page still opens if it cannot be kept (a database
        that takes no writes), the choice is then carried by the address and the cookie."""
        user = current_user
        if getattr(user, "is_authenticated", False) and user.language != g.lang:
            user.language = g.lang
            try:
                db.session.commit()
            except STORAGE_FAULTS as exc:
                db.session.rollback()
                current_app.logger.warning("language not kept: %s", exc)

    return blueprint


@bp.route("/")
@public
def root():
    """Send a first visit to its language: the user's choice, then Accept-Language."""
    return redirect(url_for("learn.home", lang=best_language()))


@bp.route("/sw.js")
@public
def service_worker():
    """The learner's offline service worker, from the site's root so that it may look after
    every page."""
    response = send_file(Path(current_app.static_folder) / "sw.js",
                         mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/healthz")
@public
def healthz():
    """Whether this server can do its work: the database answers, it takes writes, the disk
    has room and Redis (when configured) answers. 503, naming what fails, when one does not."""
    checks = {"database": _database_reads(), "database_write": "skipped", "disk": _disk_room(),
              "redis": _redis_answers()}
    if checks["database"] == "ok":
        checks["database_write"] = _database_writes()
    failing = [name for name, state in checks.items()
               if state not in ("ok", "skipped", "not-configured")]
    return jsonify(status="degraded" if failing else "ok", failing=failing,
                   backend=db.engine.dialect.name, **checks), 503 if failing else 200


@bp.route("/readyz")
@public
def readyz():
    """For a load balancer: 200 only when this server should get requests (the database
    answers, its schema is the one this code expects, Redis answers when configured); 503,
    naming what is not ready, otherwise. Writes nothing."""
    checks = {"database": _database_reads(), "schema": "skipped", "redis": _redis_answers()}
    if checks["database"] == "ok":
        checks["schema"] = _schema_is_current()
    failing = [name for name, state in checks.items() if state not in ("ok", "not-configured")]
    return jsonify(ready=not failing, failing=failing, **checks), 503 if failing else 200


def _redis_answers() -> str:
    client = current_app.extensions.get("redis")
    if client is None:
        return "not-configured"
    try:
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok"
        current_app.logger.warning("health check: Redis unavailable: %s", exc)
        return "unavailable"


def _schema_is_current() -> str:
    """The schema against this code: ok, behind (not migrated yet), unknown (migrated by
    newer code) or empty."""
    from .schema import schema_state

    try:
        return "ok" if (state := schema_state(db.session.connection())).current else state.state
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok"
        current_app.logger.warning("readiness check: schema unreadable: %s", exc)
        return "unavailable"
    finally:
        db.session.rollback()


def _database_reads() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok"
        current_app.logger.warning("health check: database unavailable: %s", exc)
        db.session.rollback()
        return "unavailable"


def _database_writes() -> str:
    """Write one row without keeping it: the file or server takes writes."""
    try:
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ok"
        current_app.logger.warning("health check: database takes no writes: %s", exc)
        return "read-only"
    finally:
        db.session.rollback()


def _disk_room() -> str:
    """Free space where the instance folder (and an embedded database) lives."""
    need = current_app.config.get("MIN_FREE_DISK_MB", 100) * 1024 * 1024
    try:
        free = shutil.disk_usage(current_app.instance_path).free
    except OSError:
        return "unavailable"
    return "ok" if free >= need else "low"


def forms_take_flat_json():
    """A form reads a JSON body as its fields; one that is not a flat object (a list, a bare
    value, nested objects) is a bad request, not a server error. The device endpoints, which
    read JSON themselves, are left to do so."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "audience", None) == "learners_json":
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in body.values()):
        abort(400)
    return None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a body nested too deeply to parse is a bad request (400)
    like any other unreadable JSON, not a server error."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def no_nul_in_the_address(_endpoint, values):
    """An address whose text parts hold a NUL (%00) names no page: PostgreSQL refuses to even
    compare such text, so it must not reach a query."""
    if values and any(isinstance(v, str) and "\x00" in v for v in values.values()):
        abort(404)


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a page the service worker fetches for later
    (X-Offline-Keep) for nobody signed in sets no cookie. That is a keeping that outlived a
    sign-out: its redirect to the sign-in page would start a new session, and the browser
    would then hold a session other than the one the form on the screen was made for, so
    the next sign-in there would be refused as an expired form."""

    def should_set_cookie(self, app, session) -> bool:
        # (the quick slide answers save sessions outside a request: never a keeping)
        if has_request_context() and request.headers.get("X-Offline-Keep") \
                and "_user_id" not in session:
            return False
        return super().should_set_cookie(app, session)


def fixed_headers(config) -> list[tuple[str, str]]:
    """The headers every answer carries (unless it sets its own): the page's policy, no
    sniffing or framing, and HSTS where the cookies are secure (served over HTTPS)."""
    headers = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
               ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
               ("Permissions-Policy", "camera=(), microphone=(), geolocation=()")]
    if config.get("SESSION_COOKIE_SECURE"):
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


def security_headers(response):
    for name, value in fixed_headers(current_app.config):
        response.headers.setdefault(name, value)
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
    if request.path.startswith(("/healthz", "/readyz")):
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

    @app.errorhandler(HashingBusy)
    def hashing_busy(exc):
        """A sign-in waited too long for a free core: ask the person to try again soon,
        rather than letting the request time out."""
        db.session.rollback()
        response = make_response(_error_page(
            503, _("A moment, please"),
            _("Many people are signing in at this moment. Try again in a few seconds.")))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return _error_page(500, _("Something went wrong"),
                           _("The server met an error. If you were sending something, it may "
                             "not have been saved: check, and send it again if it is missing."))

    for fault in STORAGE_FAULTS:
        app.register_error_handler(fault, storage_fault)


def storage_fault(exc):
    """The database could not store or read what the request needed: say so, and what to do.
    Never "nothing was lost" when it may have been."""
    db.session.rollback()
    current_app.logger.error("storage fault on %s %s: %s", request.method, request.path, exc)
    writing = request.method not in ("GET", "HEAD", "OPTIONS")
    if request.is_json or request.accept_mimetypes.best == "application/json":
        response = jsonify(error="not-saved" if writing else "unavailable")
        response.status_code = 503
    elif writing:
        response = make_response(_error_page(
            503, _("Not saved"),
            _("The server could not save what you sent: it cannot store anything at the "
              "moment. Keep what you wrote, try again in a few minutes, and tell your trainer "
              "or the mission's training officer if this goes on.")))
    else:
        response = make_response(_error_page(
            503, _("Temporarily unavailable"),
            _("The server cannot read its records at the moment. Try again in a few minutes.")))
    response.headers["Retry-After"] = "60"
    return response


class TrustedProxies:
    """Believe X-Forwarded-For/-Proto/-Host only from the configured proxies.

    The client is the last address in X-Forwarded-For that is not itself a trusted proxy, so
    a forged header sent straight to gunicorn, or prepended through the proxy, changes
    nothing."""

    def __init__(self, wsgi_app, proxies: list[str]):
        self.wsgi_app = wsgi_app
        self.networks = [ipaddress.ip_network(p.strip(), strict=False) for p in proxies
                         if p.strip()]

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        if self.networks and self.trusted(remote):
            chain = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
            client = remote
            for address in reversed(chain):
                client = address
                if not self.trusted(address):
                    break
            environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[-1].strip()
            if host:
                environ["HTTP_HOST"] = host
        return self.wsgi_app(environ, start_response)
