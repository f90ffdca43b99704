"""Operations: structured logs, request ids, health, the schema made only by migrations."""

import io
import json
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from training_app.extensions import db
from training_app.logs import JsonFormatter


def test_structured_request_logs_carry_a_request_id(app, client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("training_app.requests")
    from training_app.logs import setup_logging

    setup_logging(app, "json")
    logger.addHandler(handler)
    try:
        r = client.get("/en/slides/2", headers={"X-Request-ID": "abc123"})
    finally:
        logger.removeHandler(handler)
    assert r.headers["X-Request-ID"] == "abc123"
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "request" and line["status"] == 200
    assert line["request_id"] == "abc123" and line["path"] == "/en/slides/2"
    assert isinstance(line["ms"], float)


def test_migrations_alone_make_the_schema_the_models_describe(app):
    """Nothing in the models is missing from the migrations (and the reverse)."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_health_says_when_the_database_is_down(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*_a, **_k):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json["database"] == "unavailable"


@pytest.mark.real_hashes
def test_create_staff_command(app, runner, mission):
    """The account is made with its password kept as a salted scrypt hash, not in clear (the
    other tests make staff with a cheap hash, to save time)."""
    from training_app.models import User

    r = runner.invoke(args=["create-staff", "Chief", "--role", "admin", "--name", "Chief Admin"],
                      input="a-long-password\na-long-password\n")
    assert r.exit_code == 0, r.output
    user = db.session.scalar(db.select(User).where(User.username == "chief"))
    assert user.role == "admin" and user.check_password("a-long-password")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert "a-long-password" not in user.password_hash and not user.check_password("a-long")
    r = runner.invoke(args=["create-staff", "t2", "--role", "trainer", "--name", "T",
                            "--mission", "NOPE"], input="a-long-password\na-long-password\n")
    assert r.exit_code != 0 and "no mission" in r.output


def test_a_forged_host_header_is_refused_when_hosts_are_set(monkeypatch, tmp_path):
    """With TRAINING_TRUSTED_HOSTS set, no other host name can reach a page, so none can end
    up in a certificate's QR code or an Open Badge's verification address."""
    from training_app import create_app

    monkeypatch.setenv("TRAINING_TRUSTED_HOSTS", "training.mission.example, 10.0.0.5")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.sqlite3'}",
                      "SECRET_KEY": "x"})
    client = app.test_client()
    assert client.get("/en/module", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/en/module",
                      headers={"Host": "training.mission.example"}).status_code == 200
