"""A signed-in learner opening a slide, answered before Flask's request machinery.

When a classroom moves on together, nearly every request is a learner opening a slide page:
the page is a shared rendering with the learner's name, account and form token filled in, the
one statement that must be read is the person (to know their session is still current), and a
first view adds the one insert that records it and a session cookie that remembers it. Flask's
request context, its sign-in manager, session, hooks and logging together cost several times
that page; this middleware gives the same answer, byte for byte and header for header, from
the same parts (the signed session cookie, the sign-in manager's session protection, the
shared rendering, the form token, the insert, the session cookie) at a fraction of the cost.

It answers only when every condition of that answer holds, and leaves every other request
(and any doubt) to Flask unchanged: a slide to review, a message to show, a session that is
not current or not this browser's, a page fetched for later, another language, a query or a
conditional request, an address it cannot vouch for, a page not rendered yet in this process.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from hashlib import sha512
from types import SimpleNamespace

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import SecurityError
from werkzeug.http import http_date, parse_cookie
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from ..auth.services import session_account
from ..models.base import in_write_unit
from .routes import (
    RENDERED,
    SEEN_KEY,
    fill_learner_page,
    keep,
    opened_by_a_person,
    seen_in,
    seen_with,
)
from .services import slide_view_insert

log = logging.getLogger(__name__)

_SLIDE = re.compile(r"/([a-z]{2})/slides/([1-9][0-9]{0,3})")
# a conditional or partial request: Flask's answer may be something else than the page
_CONDITIONS = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH",
               "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
# what an answer reads of the person
_PERSON_FIELDS = ("name", "category", "language", "session_version", "review_slides")
# the mission's facts a slide shows (facts.mission_facts reads these and nothing else)
_FACT_FIELDS = ("name", "focal_point_name", "focal_point_contact", "alternate_name",
                "alternate_contact", "offlimits_directive")


class QuickSlides:
    """WSGI middleware in front of the Flask application `app` (whose wsgi_app it wraps)."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.answered = 0  # how many requests it answered itself (for tests and checks)
        self._parts = None
        self._facts: dict[tuple, tuple] = {}
        self._sessions: dict[str, tuple[dict, int]] = {}
        self._tokens: dict[tuple[str, int], str] = {}

    def __call__(self, environ, start_response):
        try:
            answer = self._answer(environ)
        except Exception:  # a doubt, not an error: Flask answers as it always would
            log.warning("quick slide answer failed; the application answers", exc_info=True)
            answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        self.answered += 1
        return [body]

    def _setup(self):
        """What every answer needs, read once from the configured application."""
        from ..content.loader import load_content
        from ..core import fixed_headers
        from ..extensions import compress, db
        from ..i18n import LANGUAGE_COOKIE
        from ..models import Mission, Person

        app, config = self.app, self.app.config
        with app.app_context():
            engine = db.engine
        secret = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self._parts = SimpleNamespace(
            engine=engine,
            # what the answer needs of the person and their mission, in one statement
            statement=select(*(getattr(Person, k) for k in _PERSON_FIELDS),
                             *(getattr(Mission, k) for k in _FACT_FIELDS))
            .join_from(Person, Mission, Person.mission_id == Mission.id)
            .where(Person.id == bindparam("person_id")),
            content=lambda: load_content(config["CONTENT_ROOT"]),
            languages=frozenset(config["LANGUAGES"]),
            trusted_hosts=config.get("TRUSTED_HOSTS"),
            session_cookie=app.config["SESSION_COOKIE_NAME"],
            language_cookie=LANGUAGE_COOKIE,
            sessions=app.session_interface.get_signing_serializer(app),
            session_age=int(app.permanent_session_lifetime.total_seconds()),
            csrf_field=config.get("WTF_CSRF_FIELD_NAME", "csrf_token"),
            tokens=URLSafeTimedSerializer(secret, salt="wtf-csrf-token"),
            fixed=fixed_headers(config),
            compress=compress, min_size=config["COMPRESS_MIN_SIZE"],
            compress_html="text/html" in compress.compress_mimetypes_set,
            conditional=config.get("COMPRESS_EVALUATE_CONDITIONAL_REQUEST", True),
            request_log=app.extensions.get("request_log"),
        )
        return self._parts

    def usable(self) -> bool:
        """The configuration under which Flask's answer is the one this middleware gives."""
        config = self.app.config
        protection = config.get("SESSION_PROTECTION", self.app.login_manager.session_protection)
        # (SERVER_NAME does not restrict the hosts a request may name, since Flask 3.1, and a
        # slide page holds no address with a host in it)
        return (isinstance(self.app.session_interface, SecureCookieSessionInterface)
                and not self.app.subdomain_matching and not self.app.url_map.host_matching
                and not self.app.debug
                and self.app.session_interface.get_signing_serializer(self.app) is not None
                and not config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")
                and protection in ("basic", "strong"))

    def _answer(self, environ):
        started = time.perf_counter()
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") \
                or any(h in environ for h in _CONDITIONS):
            return None
        match = _SLIDE.fullmatch(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        if not self.app.config.get("QUICK_SLIDES", True):
            return None
        parts = self._parts or (self._setup() if self.usable() else None)
        if parts is None:
            return None
        lang, number = match.group(1), int(match.group(2))
        if lang not in parts.languages:
            return None
        content = parts.content()
        item = content.slide_by_number(number)
        if item is None:
            return None
        if parts.trusted_hosts is not None:
            try:
                get_host(environ, parts.trusted_hosts)
            except SecurityError:
                return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        raw = cookies.get(parts.session_cookie)
        if not raw or cookies.get(parts.language_cookie) != lang:
            return None
        kept = self._opened(parts, raw)
        if kept is None:
            return None
        if not isinstance(kept, dict) or "_flashes" in kept or "_remember" in kept \
                or kept.get("_permanent"):
            return None
        kind, person_id, version = session_account(kept.get("_user_id"))
        csrf_raw = kept.get(parts.csrf_field)
        if kind != "p" or not csrf_raw or kept.get("_id") != _identifier(environ):
            return None
        account = f"p:{person_id}"
        seen = seen_in(kept, account)
        first_view = item.id not in seen
        if first_view and not opened_by_a_person(EnvironHeaders(environ)):
            return None  # fetched for later: Flask decides what it records

        with parts.engine.connect() as connection:
            row = connection.execute(parts.statement, {"person_id": person_id}).first()
        if row is None:
            return None
        split = len(_PERSON_FIELDS)
        person = dict(zip(_PERSON_FIELDS, row[:split], strict=True))
        mission = dict(zip(_FACT_FIELDS, row[split:], strict=True))
        if person["session_version"] != version or person["language"] != lang \
                or item.id in (person["review_slides"] or ()):
            return None

        key = (content.fingerprint, lang, number, person["category"],
               self._mission_facts(mission, lang))
        page = RENDERED.get(key)
        if page is None:  # Flask renders it, and keeps it for the next reader
            return None
        renewed = self._record_first_view(parts, kept, account, seen, item.id) \
            if first_view else []
        body = fill_learner_page(page, person["name"], account,
                                 self._token(parts, csrf_raw)).encode("utf-8")

        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "")]
        headers += parts.fixed
        headers += [("Cache-Control", "no-store"), ("Vary", "Accept-Encoding, Cookie")]
        algorithm = None
        if parts.compress_html and len(body) >= parts.min_size:
            from flask_compress.flask_compress import _choose_algorithm, _compress_data

            algorithm = _choose_algorithm(parts.compress.enabled_algorithms,
                                          environ.get("HTTP_ACCEPT_ENCODING", ""))
        if algorithm is not None:
            body = _compress_data(self.app, body, algorithm)
            headers.append(("Content-Encoding", algorithm))
            if parts.conditional:  # the compressed answer is made conditional, and dated
                headers.append(("Date", http_date()))
        headers[1] = ("Content-Length", str(len(body)))
        if parts.request_log is not None:
            request_id = (environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex)[:64]
            parts.request_log.info("request", extra={
                "ctx_request_id": request_id, "ctx_method": "GET",
                "ctx_path": environ.get("PATH_INFO"), "ctx_status": 200,
                "ctx_account": account,
                "ctx_ms": round((time.perf_counter() - started) * 1000, 1)})
            headers.append(("X-Request-ID", request_id))
        return headers + renewed, body

    def _record_first_view(self, parts, kept: dict, account: str, seen: frozenset[str],
                           slide_id: str) -> list[tuple[str, str]]:
        """Record the view as Flask's page does (one insert, that keeps an earlier record),
        and the session cookie that remembers it: its Set-Cookie headers."""
        statement = slide_view_insert(parts.engine.dialect.name, int(account[2:]), slide_id)

        def attempt():
            with parts.engine.begin() as connection:
                connection.execute(statement)

        in_write_unit(attempt)  # on SQLite it waits its turn; elsewhere it simply runs
        session = self.app.session_interface.session_class(kept)
        session[SEEN_KEY] = seen_with(account, seen, slide_id)
        carrier = Response()
        self.app.session_interface.save_session(self.app, session, carrier)
        return [("Set-Cookie", value) for value in carrier.headers.getlist("Set-Cookie")]

    def _opened(self, parts, raw: str) -> dict | None:
        """The session a cookie holds, if its signature holds and it is not too old, as
        Flask's session interface opens it. A browser sends the same cookie until a page
        changes it, so what a cookie was verified to hold is kept (the cookie itself is the
        key, its age is still checked at every request)."""
        known = self._sessions.get(raw)
        if known is None:
            try:
                kept, signed = parts.sessions.loads(raw, max_age=parts.session_age,
                                                    return_timestamp=True)
            except BadSignature:
                return None
            known = keep(self._sessions, raw, (kept, int(signed.timestamp())), 4096)
        kept, signed = known
        if not 0 <= int(time.time()) - signed <= parts.session_age:
            return None
        return kept

    def _token(self, parts, raw: str) -> str:
        """The form token Flask-WTF would sign for this session now: the signature depends
        only on the raw token and the second, so within one second it is the same."""
        key = (raw, int(time.time()))
        token = self._tokens.get(key)
        if token is None:
            token = keep(self._tokens, key, parts.tokens.dumps(raw), 4096)
        return token

    def _mission_facts(self, mission: dict, lang: str) -> tuple:
        """The mission's facts as the slide pages' shared renderings are keyed by them."""
        key = (*(mission[f] for f in _FACT_FIELDS), lang)
        facts = self._facts.get(key)
        if facts is None:
            from ..facts import mission_facts

            with self.app.app_context():
                facts = tuple(sorted(mission_facts(SimpleNamespace(**mission), lang).items()))
            keep(self._facts, key, facts, 256)
        return facts


def _identifier(environ) -> str:
    """The browser's identity as the sign-in manager's session protection computes it (its
    address as it sees it and its user agent), so that a session taken to another browser
    is never answered here."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()
