"""Fixtures: an app on a fresh database (SQLite, or PostgreSQL when asked), clients, factories."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from datetime import date
from functools import partial
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from training_app import create_app
from training_app.content import get_content
from training_app.extensions import db
from training_app.models import Contingent, Mission, Person, User

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TRAINING_TEST_DATABASE_URL")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as in production, even while a test holds an
    application context open for its own database checks."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# One PBKDF2 round for the staff passwords the tests make: werkzeug's default scrypt, which the
# product keeps, costs 0.1-0.2 s a hash, paid for every trainer, HQ or admin account a fixture
# makes and again at every staff sign-in. A test marked `real_hashes` keeps the product's hash.
CHEAP_PASSWORD_HASH = "pbkdf2:sha256:1"


@pytest.fixture(autouse=True)
def cheap_staff_hashes(request, monkeypatch):
    if request.node.get_closest_marker("real_hashes") is None:
        from training_app.models import people

        monkeypatch.setattr(people, "generate_password_hash",
                            partial(generate_password_hash, method=CHEAP_PASSWORD_HASH))


TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": "training.test",
    "CONTENT_ROOT": str(ROOT),
}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database made by the migrations once per test run; every test starts from
    its own copy (migrating for every test took most of the suite's time)."""
    path = tmp_path_factory.mktemp("schema") / "migrated.sqlite3"
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.session.remove()
        db.engine.dispose()  # the last connection folds the WAL back into the file
    return path


_pg_schema: dict = {}


def _schema_signature(conn) -> tuple:
    """The schema's revision and its tables (all but alembic_version, quoted)."""
    return (tuple(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()),
            tuple(f'"{name}"' for name in conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY tablename")).scalars()))


def _fresh_postgres(app) -> None:
    """Every test starts on an empty, fully migrated PostgreSQL schema. The migrations run once
    per test run; between tests every table is emptied, children before parents, and every
    sequence starts again (ids from 1 again). DELETE on these few rows takes a few ms where
    TRUNCATE takes 60-80. A test that changed the schema itself (a downgrade, a reset, a
    restore) is noticed by the schema's signature, and the next test migrates afresh."""
    from sqlalchemy.exc import DBAPIError

    engine = db.engine
    if _pg_schema:
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                _revision, tables = _pg_schema["signature"]
                if _schema_signature(conn) == _pg_schema["signature"]:
                    conn.execute(text(_pg_schema["empty"]))
                    return
        except DBAPIError:
            pass
    engine.dispose()
    _reset_postgres(PG_URL)
    upgrade(directory=app.extensions["migrate"].directory)
    db.session.remove()
    with engine.begin() as conn:
        _pg_schema["signature"] = _schema_signature(conn)
    _revision, tables = _pg_schema["signature"]
    order = [name for name in (f'"{table.name}"' for table in reversed(db.metadata.sorted_tables))
             if name in tables]
    order += [name for name in tables if name not in order]
    _pg_schema["empty"] = "; ".join(
        [f"DELETE FROM {table}" for table in order]
        + ["SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n"
           " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"])


@pytest.fixture
def app(request, tmp_path):
    if PG_URL:
        database = PG_URL
    else:
        database_file = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database_file)
        database = f"sqlite:///{database_file}"
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database})
    app.test_client_class = IsolatedClient
    app.instance_path = str(tmp_path / "instance")
    Path(app.instance_path).mkdir()
    with app.app_context():
        if PG_URL:
            _fresh_postgres(app)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def content(app):
    return get_content()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def mission(app):
    m = Mission(code="UNTEST", name="UN Test Mission", focal_point_name="Ms Focal Example",
                focal_point_contact="ext. 1234", alternate_name="Mr Alternate Example",
                alternate_contact="ext. 5678", offlimits_directive="Directive 12/2026")
    db.session.add(m)
    db.session.flush()
    db.session.add_all([Contingent(mission_id=m.id, country="GH", unit="GHANBATT"),
                        Contingent(mission_id=m.id, country="NP", unit="NEPBATT")])
    db.session.commit()
    return m


@pytest.fixture
def make_person(app, mission):
    def make(number="P-001", pin="246810", category="military-contingent", name="Test Learner",
             contingent=True, language="en"):
        contingent_id = mission.contingents[0].id if contingent else None
        person = Person(mission_id=mission.id, personnel_number=number, name=name,
                        category=category, contingent_id=contingent_id, language=language)
        person.set_pin(pin)
        db.session.add(person)
        db.session.commit()
        return person

    return make


@pytest.fixture
def make_user(app, mission):
    def make(username="trainer1", password="correct horse 1", role="trainer", own_mission=True):
        user = User(username=username, name=username.title(), role=role,
                    mission_id=mission.id if own_mission else None)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def trainer(actions, make_user):
    """A trainer of the mission, signed in."""
    make_user(username="trainer1", password="trainer-pass-1", role="trainer")
    actions.staff_login("trainer1", "trainer-pass-1")
    return actions


@pytest.fixture
def cohort(app, mission):
    """A classroom cohort of the mission, run by trainer1 if that account exists."""
    from training_app.train import services

    user = db.session.scalar(select(User).where(User.username == "trainer1"))
    return services.save_cohort(
        None, mission.id, "test", name="Induction GHANBATT", session_date=date(2026, 11, 23),
        place="Camp Alpha", language="en", delivery_mode="classroom",
        contingent_ids=[mission.contingents[0].id], trainer_ids=[user.id] if user else [])


class Actions:
    """What a person does in the browser, through the test client."""

    def __init__(self, client, lang="en"):
        self.client = client
        self.lang = lang

    def get(self, path, **kw):
        return self.client.get(f"/{self.lang}{path}", **kw)

    def post_form(self, path, data, page=None):
        """Submit a form the way a browser does: with the CSRF token from the page."""
        html = self.client.get(f"/{self.lang}{page or path}").get_data(as_text=True)
        return self.client.post(f"/{self.lang}{path}", data={"csrf_token": csrf_from(html), **data})

    def login(self, number="P-001", pin="246810", mission_id=None):
        data = {"personnel_number": number, "pin": pin}
        if mission_id:
            data["mission"] = str(mission_id)
        return self.post_form("/login", data)

    def staff_login(self, username, password):
        return self.post_form("/staff/login", {"username": username, "password": password})


@pytest.fixture
def actions(client):
    return Actions(client)


def right_answer(content, token: str, statement_id: str) -> bool:
    """The key to one statement of an attempt (bank statements and mission statements)."""
    from training_app.learn.services import answer_key
    from training_app.models import QuizAttempt

    db.session.expire_all()
    attempt = db.session.scalar(db.select(QuizAttempt).where(QuizAttempt.token == token))
    return answer_key(content.quiz, statement_id, attempt.mission_statements)


def route_urls(app, values: dict, keep=lambda rule: True):
    """(endpoint, path, methods) of every route `keep` accepts, filled in from `values`."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not keep(rule):
            continue
        path = rule.rule
        for name in rule.arguments:
            for pattern in (f"<int:{name}>", f"<path:{name}>", f"<{name}>"):
                path = path.replace(pattern, str(values[name]))
        urls.append((rule.endpoint, path, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return urls


@pytest.fixture
def certificate(app, make_person, content):
    """A completed learner's certificate (English)."""
    from training_app.certificates.services import issue_on_completion
    from training_app.models import Completion

    person = make_person(name="Amani Okafor")
    db.session.add(Completion(person_id=person.id, module_id="sgtm1", content_version="v1"))
    db.session.commit()
    completion = db.session.scalar(db.select(Completion).where(
        Completion.person_id == person.id))
    return issue_on_completion(person, completion, "en", app.instance_path)


@pytest.fixture
def tree(tmp_path):
    """A private copy of the module content, to break."""
    for part in ("modules", "quizzes"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def edit(path: Path, change):
    """Change a content file in place: `change` receives its parsed YAML."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def staff_of_two_missions(app, mission, make_user):
    """Our mission's trainer1, hq1 and an admin1 of all missions; another mission (UNOTHER,
    with its FIJIBATT contingent) with its own othertrainer and otherhq. Returns its id."""
    make_user("trainer1", "trainer-pass-1", "trainer")
    make_user("hq1", "hq-password-1", "hq")
    make_user("admin1", "admin-pass-1", "admin", own_mission=False)
    other = Mission(code="UNOTHER", name="Other Mission", focal_point_name="Mr Other Focal")
    db.session.add(other)
    db.session.flush()
    db.session.add(Contingent(mission_id=other.id, country="FJ", unit="FIJIBATT"))
    for username, role in (("othertrainer", "trainer"), ("otherhq", "hq")):
        user = User(username=username, name=username, role=role, mission_id=other.id)
        user.set_password("other-pass-1")
        db.session.add(user)
    db.session.commit()
    return other.id
