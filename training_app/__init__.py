"""SGTM 1 training platform: teach, track and certify the module on human trafficking
in a peacekeeping context."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from flask import Flask, g, request, url_for
from werkzeug.routing import IntegerConverter

from . import config as settings
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("TRAINING_INSTANCE_PATH") or None,
                instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from .core import Sessions

    app.session_interface = Sessions()
    app.config.update(settings.DEFAULTS)
    app.config.update({k: v for k, v in settings.load_settings(app.instance_path).items()
                       if v is not None})
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret(app.instance_path)
    if app.config.get("KEYS_DIR"):
        from .certificates.signing import share_key_dir

        share_key_dir(app.instance_path, app.config["KEYS_DIR"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the driver
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "application/javascript", "application/json", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 256)
    from .learn.quick import QuickSlides

    # a learner opening a slide again, answered without the request machinery (inside the
    # proxy handling, so that it sees the client's own address and host)
    app.wsgi_app = app.extensions["quick_slides"] = QuickSlides(app, app.wsgi_app)
    proxies = app.config.get("TRUSTED_PROXIES") or (
        ["127.0.0.1", "::1"] if app.config["BEHIND_PROXY"] else [])
    if proxies:
        from .core import TrustedProxies

        app.wsgi_app = TrustedProxies(app.wsgi_app, proxies)

    if not app.testing:
        from .logs import setup_logging

        setup_logging(app, app.config.get("LOG_FORMAT", "json"))
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_hooks(app)
    from .cli import register_cli

    register_cli(app)
    return app


class UnsafeToServe(RuntimeError):
    """This installation must not answer requests as it is configured."""


def refuse_to_serve_unsafely(app: Flask) -> None:
    """Stop a real installation from serving without TRAINING_TRUSTED_HOSTS: otherwise any
    Host header is believed and ends up in the addresses of QR codes and badges. A
    demonstration installation and tests are exempt. Raises UnsafeToServe."""
    if app.testing or app.config.get("TRUSTED_HOSTS") or settings.is_demo_installation(
            app.instance_path):
        return
    raise UnsafeToServe(
        "Refusing to serve: TRAINING_TRUSTED_HOSTS is not set. Set it to the host names this "
        "server answers to, comma-separated (for example "
        "TRAINING_TRUSTED_HOSTS=training.mission.example), so that a forged Host header "
        "cannot reach certificate QR codes and badges. Only the demonstration installation "
        "(make run) may serve without it.")


def refuse_to_serve_an_outdated_schema(app: Flask) -> None:
    """Stop a server whose database is not at this code's migration head: older (not
    migrated yet) or newer (migrated by a later release). Migrations run once, from the
    deploy step (`flask db upgrade`), never from every server at start; `flask` commands are
    not checked, so the upgrade itself runs on an old schema. Raises UnsafeToServe."""
    from sqlalchemy.exc import SQLAlchemyError

    from .schema import schema_state

    with app.app_context():
        try:
            state = schema_state()
        except SQLAlchemyError as exc:
            raise UnsafeToServe(
                "Refusing to serve: the database does not answer, so its schema cannot be "
                f"checked ({type(exc).__name__}). Check TRAINING_DATABASE_URL.") from exc
        finally:
            db.engine.dispose()  # forked workers open their own connections
    if not state.current:
        raise UnsafeToServe("Refusing to serve: " + state.explain())


def warm_up(app: Flask) -> None:
    """Load the module's content and compile every page template now. gunicorn calls this
    (wsgi.py) in its master before it forks the workers, so that every worker, also one that
    replaces a worker after max_requests, serves its first page as fast as its thousandth:
    a classroom's burst never meets a worker still reading its files."""
    from .content import get_content

    with app.app_context():
        get_content()
        for name in app.jinja_env.list_templates(extensions=("html",)):
            app.jinja_env.get_template(name)


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (register the tables)
    from .i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from .auth.services import load_account

    login_manager.user_loader(load_account)
    app.extensions["redis"] = _redis(app)
    app.extensions["throttle"] = _throttle(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        from .models.base import begin_sql

        with app.app_context():
            settings.private_database_file(db.engine.url.database)

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

            @event.listens_for(db.engine, "begin")
            def _sqlite_begin(connection):
                statement = begin_sql()
                if statement:
                    connection.exec_driver_sql(statement)


def _redis(app: Flask):
    """One Redis client per process (it pools its connections), or None without
    TRAINING_REDIS_URL. Bounded waits: a Redis that is down fails a request, never hangs it."""
    if not app.config.get("REDIS_URL"):
        return None
    import redis

    return redis.Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2,
                                socket_timeout=5)


def _throttle(app: Flask):
    """Sign-in limits in a store every worker shares: Redis if configured, else the database."""
    from .auth.throttle import RedisStore, SqlStore, Throttle

    if app.extensions.get("redis") is not None:
        store = RedisStore(app.extensions["redis"])
    else:
        store = SqlStore()
    return Throttle(store, app.config["LOGIN_RATE_LIMIT"], app.config["LOGIN_ADDRESS_LIMIT"])


class RecordId(IntegerConverter):
    """An id in an address: a number a database column can hold, else no such page (404)."""

    def __init__(self, url_map, **kwargs):
        from .access import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RecordId
    """One blueprint per audience, and the site's shell."""
    from .admin.routes import bp as admin_bp
    from .auth.routes import bp as auth_bp
    from .core import bp as core_bp
    from .hq.routes import bp as hq_bp
    from .learn.routes import bp as learn_bp
    from .train.routes import bp as train_bp
    from .verify.routes import bp as verify_bp

    for bp in (core_bp, auth_bp, learn_bp, train_bp, hq_bp, admin_bp, verify_bp):
        app.register_blueprint(bp)


@lru_cache(maxsize=64)
def _fingerprint(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:10]


def _register_template_helpers(app: Flask) -> None:
    from .content.loader import fill
    from .i18n import language_names, text_direction

    def asset_url(filename: str) -> str:
        """Static files carry a fingerprint so they can be cached for a year."""
        path = Path(app.static_folder) / filename
        return url_for("static", filename=filename, v=_fingerprint(str(path), path.stat().st_mtime))

    def lang_url(code: str) -> str:
        """This page in another language: the same path with another first segment."""
        rule = request.url_rule
        if rule is not None and "lang" in rule.arguments:
            rest = request.path.split("/", 2)[2] if request.path.count("/") >= 2 else ""
            query = request.query_string.decode("latin-1")
            return f"{request.script_root}/{code}/{rest}" + (f"?{query}" if query else "")
        return url_for("learn.home", lang=code)

    from .learn.services import attendance_note

    app.jinja_env.globals.update(asset_url=asset_url, lang_url=lang_url,
                                 language_names=language_names,
                                 attendance_note=attendance_note)
    app.jinja_env.filters["fill"] = fill

    @app.context_processor
    def inject_locale():
        lang = g.get("lang") or app.config["BABEL_DEFAULT_LOCALE"]
        return {"locale": lang, "direction": text_direction(lang),
                "demo_installation": settings.is_demo_installation(app.instance_path)}


def _register_hooks(app: Flask) -> None:
    from .core import (
        JSONProvider,
        forms_take_flat_json,
        no_nul_in_the_address,
        register_error_handlers,
        security_headers,
    )

    app.json = JSONProvider(app)
    app.url_value_preprocessor(no_nul_in_the_address)
    app.before_request(forms_take_flat_json)
    app.after_request(security_headers)
    register_error_handlers(app)
