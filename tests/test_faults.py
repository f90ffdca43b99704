"""Faults told truthfully: a database that takes no writes, a full disk, an error on the
server. What needs no write keeps working; a write that fails says so and what to do."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, func, select

from training_app.extensions import db
from training_app.models import CaseStudyResponse

from .conftest import Actions, csrf_from


@pytest.fixture
def read_only(app):
    """From now on the database answers reads and refuses every write, as a read-only file
    or a read-only PostgreSQL would."""
    statement = ("PRAGMA query_only = ON" if db.engine.dialect.name == "sqlite"
                 else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")

    def refuse_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        if db.engine.dialect.name != "sqlite":
            dbapi_connection.commit()

    def switch():
        db.session.remove()
        db.engine.dispose()
        event.listen(db.engine, "connect", refuse_writes)

    yield switch
    event.remove(db.engine, "connect", refuse_writes)
    db.session.remove()
    db.engine.dispose()


@pytest.fixture
def learner(app, make_person, content):
    make_person(language="en")
    actions = Actions(app.test_client(), "en")
    actions.login()
    actions.get("/slides/1")  # seen once, while the database still took writes
    return actions


def test_pages_that_need_no_write_open_on_a_read_only_database(learner, read_only):
    read_only()
    # another language: the account's language cannot be kept, the page opens all the same
    assert learner.client.get("/fr/").status_code == 200
    assert learner.client.get("/fr/slides/1").status_code == 200
    assert learner.client.get("/ar/case-studies").status_code == 200


def test_a_write_that_fails_says_it_was_not_saved(learner, read_only, content):
    case_id = content.case_study_ids[0]
    page = learner.get(f"/case-studies/{case_id}").get_data(as_text=True)
    read_only()
    r = learner.client.post(f"/en/case-studies/{case_id}", data={
        "csrf_token": csrf_from(page), "answer": "An answer long enough to be kept."})
    body = r.get_data(as_text=True)
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert "Not saved" in body and "Keep what you wrote" in body
    assert "Nothing you sent was lost" not in body
    # and in the learner's language
    page = learner.client.get(f"/fr/case-studies/{case_id}").get_data(as_text=True)
    r = learner.client.post(f"/fr/case-studies/{case_id}", data={
        "csrf_token": csrf_from(page), "answer": "Une réponse assez longue pour être gardée."})
    assert r.status_code == 503 and "Not saved" not in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CaseStudyResponse.id))) == 0


def test_a_device_is_told_its_queue_was_not_saved(learner, read_only):
    token = learner.get("/offline/token").get_json()["csrf_token"]
    read_only()
    r = learner.client.post("/en/offline/sync", headers={"X-CSRFToken": token}, json={
        "events": [{"id": str(uuid.uuid4()), "kind": "slide", "number": 2}]})
    # not 200: the device keeps its queue and sends it again later
    assert r.status_code == 503 and r.get_json() == {"error": "not-saved"}


def test_health_says_the_database_takes_no_writes(client, read_only):
    assert client.get("/healthz").status_code == 200
    read_only()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["database"] == "ok" and r.json["database_write"] == "read-only"
    assert r.json["failing"] == ["database_write"]


def test_health_says_the_disk_is_full(app, client):
    assert client.get("/healthz").json["disk"] == "ok"
    app.config["MIN_FREE_DISK_MB"] = 10 ** 12  # more than any disk has
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json["disk"] == "low" and r.json["failing"] == ["disk"]


def test_an_error_on_the_server_does_not_promise_that_nothing_was_lost(app, learner,
                                                                        monkeypatch):
    from training_app.learn import services

    def broken(*_a, **_k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "progress_of", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = learner.get("/")
    body = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "Nothing you sent was lost" not in body and "may not have been saved" in body


# --- Redis and readiness ---------------------------------------------------------------------

def test_health_and_readiness_without_redis_configured(client):
    health, ready = client.get("/healthz"), client.get("/readyz")
    assert health.status_code == 200 and health.json["redis"] == "not-configured"
    assert {"status", "failing", "database", "database_write", "disk", "backend"} <= set(
        health.json)
    assert ready.status_code == 200
    assert ready.json == {"ready": True, "failing": [], "database": "ok", "schema": "ok",
                          "redis": "not-configured"}


def test_a_configured_redis_that_is_down_fails_health_and_readiness(app, client):
    import redis

    app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0",
                                                   socket_connect_timeout=1)
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["redis"] == "unavailable" and health.json["failing"] == ["redis"]
    assert health.json["database"] == "ok"  # reported apart
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["failing"] == ["redis"]


def test_a_redis_that_answers_is_ok(app, client):
    import os

    import redis

    app.extensions["redis"] = redis.Redis.from_url(
        os.environ.get("TRAINING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        socket_connect_timeout=1)
    try:
        app.extensions["redis"].ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis to check against: {exc}")
    assert client.get("/healthz").json["redis"] == "ok"
    assert client.get("/readyz").status_code == 200


def test_a_server_on_a_schema_not_migrated_yet_is_not_ready(client):
    from sqlalchemy import text

    db.session.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    db.session.commit()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["schema"] == "behind" and ready.json["failing"] == ["schema"]
    assert client.get("/healthz").status_code == 200  # alive: it only must not get traffic
